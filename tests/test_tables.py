"""`impute` and `encode` on a messy table: the acceptance comparison with scikit-learn.

examples/messy_table.hp reads examples/data/flats.csv (semicolons, "NA" and empty cells in
two numeric columns, a text column with five cities, one of them only in the test rows),
imputes and encodes on the training rows, standardizes the numeric columns and fits
ridge. The same preprocessing and ridge in scikit-learn, fitted on the training rows
hpdsl reports, must give the same predictions and raw-unit coefficients.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import hpdsl

from helpers import EXAMPLES

sklearn = pytest.importorskip("sklearn")
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

WORKFLOW = os.path.join(EXAMPLES, "messy_table.hp")
DATA = os.path.join(EXAMPLES, "data", "flats.csv")
NUMERIC = ["area", "rooms", "age"]
TOLERANCE = 1e-9


def _table():
    """The file as scikit-learn users would read it: NaN for "NA" and empty cells."""
    with open(DATA, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, body = rows[0], rows[1:]
    at = {name: k for k, name in enumerate(header)}
    numbers = np.array([[float(r[at[c]]) if r[at[c]] not in ("", "NA") else np.nan for c in NUMERIC]
                        for r in body])
    cities = np.array([[r[at["city"]]] for r in body], dtype=object)
    X = np.empty((len(body), 4), dtype=object)
    X[:, :3], X[:, 3:] = numbers, cities
    y = np.array([float(r[at["price"]]) for r in body])
    return X, y


def _pipeline(l2: float, n_train: int) -> Pipeline:
    prepare = ColumnTransformer([("impute", SimpleImputer(strategy="mean"), [0, 1, 2]),
                                 ("encode", OneHotEncoder(handle_unknown="ignore"), [3])])
    scale = ColumnTransformer([("numeric", StandardScaler(), [0, 1, 2])], remainder="passthrough")
    return Pipeline([("prepare", prepare), ("scale", scale), ("ridge", Ridge(alpha=n_train * l2))])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("messy")
    result = hpdsl.run(WORKFLOW, out=out, ledger=False)
    X, y = _table()
    train = result.rows("train") - 2  # file rows count the header as row 1
    fitted = _pipeline(result.report["hypers"]["l2"], len(train)).fit(X[train], y[train])
    return result, out, fitted, X, y


def _sklearn_raw(fitted) -> tuple[dict, float]:
    """scikit-learn's coefficients in the units of the imputed and encoded columns."""
    names = ["area", "rooms", "age"] + [f"city={c}" for c in fitted.named_steps["prepare"]
                                         .named_transformers_["encode"].categories_[0]]
    scaler = fitted.named_steps["scale"].named_transformers_["numeric"]
    ridge = fitted.named_steps["ridge"]
    scale = np.concatenate([scaler.scale_, np.ones(len(names) - 3)])
    mean = np.concatenate([scaler.mean_, np.zeros(len(names) - 3)])
    weights = ridge.coef_ / scale
    return dict(zip(names, weights)), float(ridge.intercept_ - weights @ mean)


def test_the_messy_table_is_what_the_acceptance_asks_for(runs):
    result, _, _, X, _ = runs
    with open(DATA, encoding="utf-8") as handle:
        text = handle.read()
    assert text.splitlines()[0] == "area;rooms;age;city;price"
    numbers = X[:, :3].astype(float)
    assert np.isnan(numbers[:, 0]).any() and np.isnan(numbers[:, 1]).any()
    assert ";NA;" in text and ";;" in text or "\n;" in text
    cities = set(X[:, 3])
    assert len(cities) == 5
    test_rows = set((result.rows("test") - 2).tolist())
    only_in_test = [c for c in cities if all(i in test_rows for i in np.flatnonzero(X[:, 3] == c))]
    assert len(only_in_test) == 1
    encode = next(s for s in result.report["steps"] if s["kind"] == "encode")
    assert only_in_test[0] not in encode["categories"]["city"]
    assert encode["unseen"]["city"] == {"train": 0, "validation": 0, "test": int((X[:, 3] == only_in_test[0]).sum())}


def test_predictions_and_raw_coefficients_equal_scikit_learns(runs):
    result, out, fitted, X, y = runs
    ours, ours_b = dict(zip(result.report["params"]["columns"], result.report["params"]["raw"]["weights"])), \
        result.report["params"]["raw"]["intercept"]
    theirs, theirs_b = _sklearn_raw(fitted)
    assert list(ours) == list(theirs)
    coefficient_gap = max(abs(ours[k] - theirs[k]) for k in ours)
    assert coefficient_gap < TOLERANCE and abs(ours_b - theirs_b) < TOLERANCE
    # Every row of the file, through model.json (the path `hpdsl predict` takes).
    model = hpdsl.load_model(out)
    rows = {"area": X[:, 0].astype(float), "rooms": X[:, 1].astype(float), "age": X[:, 2].astype(float),
            "city": X[:, 3]}
    gap = np.max(np.abs(model.predict(rows) - fitted.predict(X)))
    assert gap < TOLERANCE


def test_hpdsl_predict_reads_the_messy_table_with_the_runs_dialect(runs, tmp_path):
    _, out, fitted, X, _ = runs
    written = tmp_path / "predictions.csv"
    done = subprocess.run([sys.executable, "-m", "hpdsl", "predict", str(out), "--data", DATA,
                           "--out", str(written), "--no-ledger"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = written.read_text().splitlines()
    assert lines[0] == "row,prediction" and len(lines) == len(X) + 1
    predicted = np.array([float(line.split(",")[1]) for line in lines[1:]])
    assert np.max(np.abs(predicted - fitted.predict(X))) < TOLERANCE


def test_the_report_names_every_weight_with_its_column_in_both_units(runs):
    result = runs[0]
    text = repr(result)
    for column in ["area", "rooms", "age", "city=Lille", "city=Lyon", "city=Nantes", "city=Paris"]:
        assert f"\n  {column} " in text
    assert "parameters" in text and "raw units" in text and "standardized" in text
    assert "unseen in test 6" in text
    params = json.loads(result.to_json())["params"]
    assert params["columns"][3:] == ["city=Lille", "city=Lyon", "city=Nantes", "city=Paris"]
    # Indicator columns are never standardized: both units agree for them.
    assert params["weights"][3:] == params["raw"]["weights"][3:]
