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


def test_under_cv_impute_encode_and_standardize_are_refit_inside_each_fold(tmp_path):
    """Fitted on train + validation and cross-validated over the same rows: each fold's
    candidates see preprocessing fitted on that fold's training rows only, as
    `cross_val_score` over a scikit-learn Pipeline does."""
    with open(WORKFLOW, encoding="utf-8") as handle:
        text = handle.read()
    text = text.replace('"data/flats.csv"', f'"{DATA}"').replace("using train\n", "using train + validation\n")
    text = text.replace("tune l2 in logspace(-5, 0, 11) on validation",
                        "tune l2 in [0.001, 0.1] using cv 4 on train + validation")
    path = tmp_path / "cv.hp"
    path.write_text(text, encoding="utf-8")
    result = hpdsl.run(path, ledger=False)
    assert not result.warnings
    X, y = _table()
    layout, order = result._report.split_layout, result._report._order
    rows = np.concatenate([order[slice(*layout["train"])], order[slice(*layout["validation"])]])
    tune = next(s for s in result.report["steps"] if s["kind"] == "tune")
    bounds = np.linspace(0, len(rows), 5).astype(int) if len(rows) % 4 == 0 else None
    assert bounds is not None  # 192 rows: four folds of 48
    gaps = []
    for trial in tune["trials"]:
        for f in range(4):
            held = rows[bounds[f]:bounds[f + 1]]
            fit_rows = np.concatenate([rows[:bounds[f]], rows[bounds[f + 1]:]])
            fitted = _pipeline(trial["hypers"]["l2"], len(fit_rows)).fit(X[fit_rows], y[fit_rows])
            mse = float(np.mean((fitted.predict(X[held]) - y[held]) ** 2))
            gaps.append(abs(trial["fold_scores"][f] - mse) / mse)
    assert max(gaps) < 1e-9
    # The refit is on every cross-validated row, with the steps as declared.
    refit = _pipeline(result.report["hypers"]["l2"], len(rows)).fit(X[rows], y[rows])
    theirs, _ = _sklearn_raw(refit)
    ours = dict(zip(result.report["params"]["columns"], result.report["params"]["raw"]["weights"]))
    assert max(abs(ours[k] - theirs[k]) for k in ours) < TOLERANCE


# ---- data problems: a coded diagnostic with row and column, never a traceback -------------------------------

SMALL = """\
data t = csv("t.csv", target: "y", sep: ";", missing: ["", "NA"])
split t -> train 50%, test 50% seed 1
model ridge
hyper {
    l2: float in [0, inf) = 0.01
}
"""


def _small(tmp_path, steps: str, cells=None):
    cells = cells or ["1;a;3", "2;b;5", "NA;a;7", "4;c;9", "5;;11", "6;b;13", ";c;15", "8;a;17"]
    (tmp_path / "t.csv").write_text("x;city;y\n" + "\n".join(cells) + "\n", encoding="utf-8")
    path = tmp_path / "t.hp"
    path.write_text(SMALL + steps, encoding="utf-8")
    return path


def _run_error(path):
    from hpdsl.runtime import RunError

    with pytest.raises(RunError) as caught:
        hpdsl.run(path, ledger=False)
    return caught.value.diagnostic


def test_a_missing_cell_no_impute_covers_names_row_column_and_the_step_to_add(tmp_path):
    found = _run_error(_small(tmp_path, "encode city using train\ntrain on train\ntest on test\n"))
    # The reader's wording is its own; what matters: the code, the row and column, the step to add.
    assert found.code == "HP302"
    assert "row 4" in found.message and "column 'x'" in found.message
    assert "'impute x using train'" in found.help


def test_a_text_cell_no_encode_covers_names_both_ways_out(tmp_path):
    found = _run_error(_small(tmp_path, "impute x using train\ntrain on train\ntest on test\n"))
    assert found.code == "HP302"
    assert "row 2" in found.message and "column 'city'" in found.message
    assert "'encode city using train'" in found.help and "features:" in found.help


def test_a_step_before_the_impute_that_meets_a_missing_cell_is_HP302_at_that_step(tmp_path):
    steps = "encode city using train\ntrain on train\nimpute x using train\ntrain on train\ntest on test\n"
    assert not hpdsl.check(_small(tmp_path, steps)).errors
    found = _run_error(_small(tmp_path, steps))
    assert found.code == "HP302" and found.span.start == (SMALL + steps).index("train on train")
    assert found.message == "train at line 8 reads the features, but row 4, column 'x' is missing until its impute at line 9"
    assert found.help == "move the impute of 'x' before line 8"


def test_an_impute_with_no_present_cell_in_its_rows(tmp_path):
    cells = [f"NA;a;{k}" for k in range(8)]
    steps = "impute x using train\nencode city using train\ntrain on train\ntest on test\n"
    found = _run_error(_small(tmp_path, steps, cells))
    assert found.code == "HP302"
    assert found.message == "column 'x' has no value in the rows of train to fit the mean on: every one is missing"
    assert found.help == "fit on more rows, or fill with a value you choose: 'with constant VALUE'"


@pytest.mark.parametrize("clause, expected", [("", "mean"), (" with median", "median"), (" with constant -2", "constant")])
def test_fill_values_come_from_the_training_rows_only(tmp_path, clause, expected):
    steps = f"impute x using train{clause}\nencode city using train\ntrain on train\ntest on test\n"
    result = hpdsl.run(_small(tmp_path, steps), ledger=False)
    step = next(s for s in result.report["steps"] if s["kind"] == "impute")
    train = result.rows("train") - 2
    values = np.array([1, 2, np.nan, 4, 5, 6, np.nan, 8], dtype=float)[train]
    want = {"mean": np.nanmean(values), "median": np.nanmedian(values), "constant": -2.0}[expected]
    assert step["strategy"] == expected and step["fill"] == {"x": float(want)}


def test_missing_and_unseen_cells_of_an_encoded_column_are_counted_per_split(tmp_path):
    cells = ["1;a;3", "2;b;5", "3;a;7", "4;zz;9", "5;;11", "6;b;13", "7;NA;15", "8;a;17"]
    result = hpdsl.run(_small(tmp_path, "encode city using train\ntrain on train\ntest on test\n", cells),
                       ledger=False)
    step = next(s for s in result.report["steps"] if s["kind"] == "encode")
    cities = np.array(["a", "b", "a", "zz", None, "b", None, "a"], dtype=object)
    for split in ("train", "test"):
        rows = cities[result.rows(split) - 2]
        assert step["missing"]["city"][split] == sum(c is None for c in rows)
        seen = set(cities[result.rows("train") - 2]) - {None}
        assert step["unseen"]["city"][split] == sum(c is not None and c not in seen for c in rows)
    assert step["categories"]["city"] == sorted(set(cities[result.rows("train") - 2]) - {None})


def test_a_model_that_imputes_and_encodes_predicts_from_a_mapping(runs):
    model = runs[0].model
    rows = {"area": [50.0, None, float("nan")], "rooms": [2, 3, None], "age": [10, 20, 30],
            "city": ["Paris", "Nice", None]}
    predicted = model.predict(rows)
    raw = model.coefficients
    fill = {s["column"]: s["value"] for s in model.preprocessing if s["step"] == "impute"}
    first = raw["area"] * 50 + raw["rooms"] * 2 + raw["age"] * 10 + raw["city=Paris"] + model.intercept
    unseen = raw["area"] * fill["area"] + raw["rooms"] * 3 + raw["age"] * 20 + model.intercept
    assert abs(predicted[0] - first) < 1e-6 and abs(predicted[1] - unseen) < 1e-6
    with pytest.raises(ValueError, match="no column 'city'"):
        model.predict({"area": [1.0], "rooms": [1.0], "age": [1.0]})
    with pytest.raises(ValueError, match="give the rows as a mapping"):
        model.predict(np.zeros((1, 4)))


def test_under_nested_cv_impute_and_encode_are_refit_inside_every_outer_and_inner_fold(tmp_path):
    """A nested tune over rows an impute and an encode were fitted on: every outer fold's
    inner search, and its refit, see preprocessing fitted on their own training rows only,
    as cross_val_score(GridSearchCV(Pipeline)) over the same folds does."""
    with open(WORKFLOW, encoding="utf-8") as handle:
        text = handle.read()
    text = text.replace('"data/flats.csv"', f'"{DATA}"').replace("using train\n", "using train + validation\n")
    text = text.replace("tune l2 in logspace(-5, 0, 11) on validation",
                        "tune l2 in [0.001, 0.1, 3] using cv 3 nested in cv 4 on train + validation")
    path = tmp_path / "nested.hp"
    path.write_text(text, encoding="utf-8")
    result = hpdsl.run(path, ledger=False)
    X, y = _table()
    layout, order = result._report.split_layout, result._report._order
    rows = np.concatenate([order[slice(*layout["train"])], order[slice(*layout["validation"])]])
    nested = next(s for s in result.report["steps"] if s["kind"] == "tune")["nested"]
    grid = [0.001, 0.1, 3.0]

    def mse(fit_rows, held, l2):
        fitted = _pipeline(l2, len(fit_rows)).fit(X[fit_rows], y[fit_rows])
        return float(np.mean((fitted.predict(X[held]) - y[held]) ** 2))

    def kfold(positions, k):
        cuts = np.linspace(0, len(positions), k + 1).astype(int)  # 192 and 144 rows: equal folds
        return [(np.concatenate([positions[:cuts[f]], positions[cuts[f + 1]:]]), positions[cuts[f]:cuts[f + 1]])
                for f in range(k)]

    for o, (outer_train, held) in enumerate(kfold(rows, 4)):
        inner = [np.mean([mse(t, h, l2) for t, h in kfold(outer_train, 3)]) for l2 in grid]
        chosen = grid[int(np.argmin(inner))]
        fold = nested["outer"][o]
        assert fold["best"]["l2"] == chosen
        assert abs(fold["inner_score"] - min(inner)) / min(inner) < 1e-9
        expected = mse(outer_train, held, chosen)
        assert abs(fold["score"] - expected) / expected < 1e-9


def test_an_encoded_synthetic_feature_prints_no_truth_for_its_indicator_columns(tmp_path):
    """The truth of synthetic data belongs to its features by name: the indicator columns
    an encode makes of one have none, and the terminal report says so with '-'."""
    path = tmp_path / "s.hp"
    path.write_text(
        "data d = synthetic(rows: 40, features: 2, noise: 0.1, seed: 3)\n"
        "split d -> train 50%, test 50% seed 1\nmodel ridge\nhyper {\n    l2: float in [0, inf) = 0.01\n}\n"
        "encode x1 using train\ntrain on train\ntest on test\n", encoding="utf-8")
    result = hpdsl.run(path, ledger=False)
    columns = result.report["params"]["columns"]
    assert len(columns) > 2 and columns[-1] == "x2"
    lines = {line.split()[0]: line.split()[1:] for line in result._report.summary().splitlines()[1:]
             if line.startswith("  ") and line.split() and line.split()[0] in columns}
    assert lines[columns[0]][-1] == "-"
    truth = result.report["truth"]["weights"][1]
    assert float(lines["x2"][-1]) == pytest.approx(truth, rel=1e-5)
