"""The report: exactly the keys of docs/report.md (plus model, overrides and seeds),
JSON-safe floats, byte-for-byte determinism apart from timings, trials.csv, the summary."""

from __future__ import annotations

import json
import re

import pytest

from hpdsl.checker import check_text
from hpdsl.runtime import run

WORKFLOW = """\
workflow "report"
data d = synthetic(rows: 400, features: 3, noise: 0.2, seed: 5)
split d -> train 60%, validation 20%, test 20% seed 1
model linear_regression
hyper {
    learning_rate: float in (0, 1] = 0.1
    l2: float in [0, 10] = 0.0
    epochs: int in [1, 1000] = 60
    batch_size: int in [1, 512]
    seed: int = 3
}
param {
    weights = normal(0, 0.1)
}
standardize using train
set learning_rate = step(0.2, every: 20, factor: 0.5)
train on train {
    every 20 epochs: log rmse on validation
    stop early when mae on validation has not improved for 10 epochs
}
evaluate on validation report mse
tune l2 in [0, 0.01, 0.1] using cv 3 on train + validation maximize r2
test on test
"""

SECTION_6 = {"workflow", "data", "splits", "steps", "hypers", "params", "standardize", "truth", "audit",
             "versions", "timings"}
EXTRAS = {"model", "overrides", "seeds", "warnings"}


def report(text: str = WORKFLOW, overrides=()):
    analysis = check_text(text, "report.hp", overrides=list(overrides))
    assert not analysis.errors, analysis.errors
    return run(analysis)


def without_timings(text: str) -> dict:
    data = json.loads(text)
    data.pop("timings")
    return data


def test_report_json_has_the_section_6_keys_and_shapes():
    data = json.loads(report().to_json())
    assert set(data) == SECTION_6 | EXTRAS
    assert set(data["workflow"]) == {"title", "path", "sha256"} and data["workflow"]["title"] == "report"
    assert set(data["data"]) == {"source", "rows", "features", "target", "sha256"}
    assert data["splits"] == {"train": {"role": "train", "rows": 240}, "validation": {"role": "validation", "rows": 80},
                              "test": {"role": "test", "rows": 80}}
    kinds = [s["kind"] for s in data["steps"]]
    assert kinds == ["standardize", "set", "train", "evaluate", "tune", "test"]
    for step in data["steps"]:
        assert {"line", "kind", "splits"} <= set(step)
    train = data["steps"][2]
    assert isinstance(train["epochs_run"], int) and isinstance(train["stopped_early"], bool)
    assert [entry["epoch"] for entry in train["log"]] == [20, 40, 60][: len(train["log"])]
    assert set(data["steps"][3]["scores"]) == {"mse"}
    tune = data["steps"][4]
    assert set(tune["trials"][0]) == {"hypers", "score", "fold_scores", "fold_std"} and isinstance(tune["best"], dict)
    assert set(data["steps"][5]["scores"]) == {"mse", "rmse", "mae", "r2"}
    assert data["hypers"] == {"learning_rate": {"schedule": "step", "lr0": 0.2, "every": 20, "factor": 0.5},
                              "l2": tune["best"]["l2"], "epochs": 60, "batch_size": None, "seed": 3}
    assert set(data["params"]) == {"weights", "intercept", "columns", "raw"} and len(data["params"]["weights"]) == 3
    assert data["params"]["columns"] == ["x1", "x2", "x3"] and len(data["params"]["raw"]["weights"]) == 3
    assert set(data["standardize"]) == {"mean", "std"}
    assert set(data["truth"]) == {"weights", "intercept"}
    assert set(data["audit"]) == {"train", "validation", "test"}
    assert set(data["versions"]) == {"hpdsl", "numpy", "python"}
    assert set(data["timings"]) == {"total", "steps"}
    assert [set(t) for t in data["timings"]["steps"]] == [{"line", "kind", "seconds"}] * 6
    assert data["seeds"] == {"split": 1, "data": 5, "model": 3, "searches": []}


def test_a_csv_workflow_has_no_truth():
    import os

    from helpers import EXAMPLES

    text = ('data d = csv("data/diabetes.csv", target: "target")\nsplit d -> train 80%, test 20%\n'
            "model ridge\nhyper {\n    l2: float in [0, 1] = 0.1\n}\ntrain on train\ntest on test\n")
    data = run(check_text(text, os.path.join(EXAMPLES, "r.hp"))).data
    assert data["truth"] is None and data["standardize"] is None
    assert data["steps"][0]["epochs_run"] is None


def test_the_same_workflow_gives_the_same_report_byte_for_byte_apart_from_timings():
    first, second = report(), report()
    one = json.loads(first.to_json())
    two = json.loads(second.to_json())
    one.pop("timings"), two.pop("timings")
    assert json.dumps(one) == json.dumps(two)
    assert first.trials_csv() == second.trials_csv()
    assert first.summary() == second.summary()


def test_floats_are_finite_or_null():
    text = report().to_json()

    def refuse(constant):
        raise AssertionError(f"{constant} in report.json")

    json.loads(text, parse_constant=refuse)


def test_overrides_are_recorded_and_act_before_the_first_step():
    data = report(overrides=["seed=8", "epochs=30"]).data
    assert data["overrides"] == [{"text": "seed=8", "name": "seed", "value": 8},
                                 {"text": "epochs=30", "name": "epochs", "value": 30}]
    assert data["hypers"]["seed"] == 8 and data["hypers"]["epochs"] == 30
    assert data["steps"][2]["epochs_run"] <= 30


def test_trials_csv_has_one_row_per_trial():
    rows = report().trials_csv().splitlines()
    assert rows[0] == "line,trial,l2,score,fold_1,fold_2,fold_3"
    assert len(rows) == 4 and rows[1].startswith("22,1,0,")


def test_the_summary_shows_scores_trials_parameters_beside_the_truth_and_the_audit():
    text = report().summary()
    assert "report (report.hp)" in text
    assert "line 22   tune cv 3 on train + validation, grid of 3: best l2" in text
    assert re.search(r"parameters +raw units +standardized +truth\n  x1 ", text)
    assert text.rstrip().endswith("audit   test rows (80) read once, by test at line 23")


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_numbers_become_null(value):
    from hpdsl.runtime.report import jsonable

    assert jsonable({"x": [value, 1.5]}) == {"x": [None, 1.5]}


# ---- trials written in bulk (report.Trials) --------------------------------------------------------


TUNES = """\
data d = synthetic(rows: 300, features: 3, noise: 1, seed: 2)
split d -> train 60%, validation 20%, test 20% seed 4
model linear_regression
hyper {
    learning_rate: float in (0, 1] = 0.05
    l2: float in [0, 10] = 0.0
    epochs: int in [1, 1000] = 20
    batch_size: int
}
tune l2 in [0, 0.01, 1], learning_rate in [0.01, 1] on validation minimize rmse
tune epochs in [3, 40], l2 in logspace(-3, 0, 4) using cv 4 on train + validation
tune l2 in [0.5, 2] using cv 3 nested in cv 3 on train + validation maximize r2
test on test
"""


def csv_one_trial_at_a_time(data: dict) -> str:
    """trials.csv as a csv writer writes it from report.json's trials, one row per trial."""
    import csv
    import io

    tunes = [s for s in data["steps"] if s["kind"] == "tune"]
    names = list(dict.fromkeys(name for step in tunes for name in step["best"]))
    folds = max(step["cv"] or 0 for step in tunes)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["line", "trial", *names, "score", *(f"fold_{k + 1}" for k in range(folds))])
    for step in tunes:
        for index, trial in enumerate(step["trials"]):
            cells = trial.get("fold_scores", [])
            writer.writerow([step["line"], index + 1, *("" if trial["hypers"].get(name) is None
                                                        else trial["hypers"][name] for name in names),
                             "" if trial["score"] is None else trial["score"],
                             *("" if x is None else x for x in cells), *([""] * (folds - len(cells)))])
    return out.getvalue()


def test_trials_written_in_bulk_are_the_text_json_and_csv_write_one_trial_at_a_time():
    result = report(TUNES)
    tunes = [s for s in result.data["steps"] if s["kind"] == "tune"]
    assert [len(s["trials"]) for s in tunes] == [6, 8, 2]
    assert any(t["score"] is None for t in tunes[0]["trials"])  # learning_rate 1 diverges without standardize
    assert result.to_json() == json.dumps(result.data, indent=2, allow_nan=False) + "\n"
    assert result.trials_csv() == csv_one_trial_at_a_time(result.data)


def test_trials_hold_each_candidates_scores_as_the_one_at_a_time_formulas_give():
    import numpy as np

    from hpdsl.runtime.report import Trials

    rng = np.random.default_rng(3)
    folds = rng.normal(size=(40, 5)) * 10.0 ** rng.integers(-8, 8, size=(40, 1))
    folds[3, 2], folds[7, 0], folds[9] = np.nan, np.inf, -np.inf
    means = folds.mean(axis=1)
    candidates = [{"l2": float(x), "epochs": int(k)} for x, k in zip(rng.random(40), rng.integers(1, 9, 40))]
    trials = Trials(candidates, means, folds)
    for c, s, mean, trial in zip(candidates, folds, means, trials.listed):
        with np.errstate(invalid="ignore"):
            std = float(np.std(s, ddof=1))
        assert trial == {"hypers": c, "score": float(mean) if np.isfinite(mean) else None,
                         "fold_scores": [float(x) if np.isfinite(x) else None for x in s],
                         "fold_std": std if np.isfinite(std) else None}
    assert trials.listed[3]["fold_std"] is None and trials.listed[9]["score"] is None


@pytest.mark.parametrize("values", [[None, 64, 128], [True, False, True], ["a", "é", "b\"c"]],
                         ids=["null", "bool", "text"])
def test_trials_of_any_plain_value_are_the_text_json_writes(values):
    import numpy as np

    from hpdsl.runtime.report import Trials

    candidates = [{"batch_size": x, "l2": 0.5 * k} for k, x in enumerate(values)]
    trials = Trials(candidates, np.array([1.0, np.nan, 3.0]), np.array([[1.0, 1.0], [np.nan, 2.0], [3.0, 3.0]]))
    text = json.dumps({"trials": trials.listed}, indent=2)
    assert text == "{\n  \"trials\": [\n" + trials.json_items(2) + "\n  ]\n}"


def test_report_json_is_json_itself_when_some_text_of_the_data_could_be_mistaken_for_the_trials():
    result = report(TUNES)
    first = next(k for k, s in enumerate(result.data["steps"]) if s["kind"] == "tune")
    result.data["workflow"]["title"] = f"\x00trials of step {first}"  # how to_json marks that tune's trials
    assert result.to_json() == json.dumps(result.data, indent=2, allow_nan=False) + "\n"


@pytest.mark.parametrize("lower", [True, False], ids=["minimize", "maximize"])
def test_the_summary_ranks_trials_best_first_ties_in_trial_order_without_the_unscored(lower):
    from hpdsl.runtime.report import _ranked

    scores = [0.5, None, 0.25, 0.5, -0.0, 0.0, 3.0, None, 0.25, -1e300, 1e300, 0.5]
    expected = sorted(((x, i) for i, x in enumerate(scores) if x is not None),
                      key=lambda pair: (pair[0] if lower else -pair[0], pair[1]))
    assert _ranked(scores, lower) == [i for _, i in expected]
