"""The Python API: `import hpdsl` stays light, check/run/load_model return what the CLI
shows, Result.rows is the seeded split, Model.predict takes arrays and mappings, and the
README's example runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest

import hpdsl
from hpdsl.checker import check_bytes
from hpdsl.runtime.splits import share_counts

from helpers import EXAMPLES, PREAMBLE, ROOT, hpdsl as run_hpdsl

DIABETES = os.path.join(EXAMPLES, "diabetes.hp")
DATA = os.path.join(EXAMPLES, "data", "diabetes.csv")


@pytest.fixture(scope="module")
def result():
    return hpdsl.run(DIABETES)


def loaded_modules(code: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_import_hpdsl_and_check_load_no_numpy():
    assert "numpy" not in loaded_modules("import hpdsl")
    modules = loaded_modules(f"import hpdsl\nassert hpdsl.check({DIABETES!r}) == []")
    assert "numpy" not in modules and "hpdsl.api" in modules


def test_loading_a_model_does_not_import_sklearn(tmp_path, result):
    (tmp_path / "model.json").write_bytes(result.model.to_json())
    modules = loaded_modules(f"import hpdsl\nm = hpdsl.load_model({str(tmp_path)!r})\nm.predict([[0.0] * 10])")
    assert "numpy" in modules and not any(m == "sklearn" or m.startswith("sklearn.") for m in modules)


# ---- check ---------------------------------------------------------------------------------------


def test_check_gives_the_diagnostics_the_cli_prints(tmp_path):
    path = tmp_path / "bad.hp"
    path.write_text(PREAMBLE + "train on train\ntune l2 in [0.1, 1] on test\ntest on test\n", encoding="utf-8")
    found = hpdsl.check(path)
    assert [d.code for d in found] == ["HP205", "HP103"]
    assert found == check_bytes(path.read_bytes(), str(path)).diagnostics
    printed = run_hpdsl("check", str(path)).stdout.decode()
    assert printed.startswith(found.render())


def test_check_takes_text_and_overrides():
    text = open(DIABETES, encoding="utf-8").read()
    assert hpdsl.check(text) == []
    found = hpdsl.check(text, overrides=["epochs=0"])
    assert [d.code for d in found] == ["HP004"] and found.errors == list(found)
    assert found.render().startswith("<command line>:1:14: error[HP004]")


# ---- run --------------------------------------------------------------------------------------------


def test_a_run_holds_numpys_openblas_to_one_thread_and_gives_the_count_back():
    """numpy's wheels bundle OpenBLAS (numpy.libs, numpy/.dylibs): runtime/blas.py finds it
    and pins it for a run, so an in-process run sums as the CLI does (next test)."""
    from hpdsl.runtime import blas

    get, set_ = blas.controls()
    before = get()
    set_(2)
    try:
        with blas.one_thread():
            assert get() == 1
        assert get() == 2
    finally:
        set_(before)


def test_run_gives_the_report_the_cli_writes(result, tmp_path):
    done = run_hpdsl("run", DIABETES, "--out", str(tmp_path), "--quiet")
    assert done.returncode == 0
    written = json.loads((tmp_path / "report.json").read_bytes())
    assert {k: v for k, v in result.report.items() if k not in ("timings", "ledger")} == \
        {k: v for k, v in written.items() if k not in ("timings", "ledger")}
    assert result.model.to_json() == (tmp_path / "model.json").read_bytes()
    assert result.scores == written["steps"][-1]["scores"]


def test_trials_are_the_rows_of_trials_csv(result, tmp_path):
    import csv

    assert run_hpdsl("run", DIABETES, "--out", str(tmp_path), "--quiet").returncode == 0
    with open(tmp_path / "trials.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(result.trials) == len(rows) == 12
    for mine, theirs in zip(result.trials, rows):
        assert {k: str(v) for k, v in mine.items()} == theirs


def test_rows_are_the_seeded_split_in_file_row_numbers(result):
    # Recomputed from the documented split rule, not from hpdsl's own bookkeeping.
    counts = share_counts(442, [60, 20, 20])
    order = np.random.default_rng(2004).permutation(442)
    bounds = np.cumsum([0, *counts])
    for k, name in enumerate(("train", "validation", "test")):
        expected = np.sort(order[bounds[k]:bounds[k + 1]]) + 2  # the header is row 1
        np.testing.assert_array_equal(result.rows(name), expected)
    everything = np.concatenate([result.rows(name) for name in ("train", "validation", "test")])
    assert sorted(everything) == list(range(2, 444))
    with pytest.raises(KeyError, match="no split 'tset'"):
        result.rows("tset")


def test_rows_of_a_file_with_blank_lines_are_its_row_numbers(tmp_path):
    lines = open(DATA, encoding="utf-8").read().splitlines()
    (tmp_path / "d.csv").write_text("\n".join(lines[:3] + [""] + lines[3:]) + "\n", encoding="utf-8")
    (tmp_path / "w.hp").write_text(open(DIABETES, encoding="utf-8").read().replace("data/diabetes.csv", "d.csv"),
                                   encoding="utf-8")
    rows = np.concatenate([hpdsl.run(tmp_path / "w.hp").rows(s) for s in ("train", "validation", "test")])
    assert sorted(rows) == [2, 3] + list(range(5, 445))


def test_a_workflow_with_errors_raises_with_its_diagnostics():
    with pytest.raises(hpdsl.WorkflowError) as caught:
        hpdsl.run(DIABETES, overrides=["epochs=0", "l2=-1"])
    assert [d.code for d in caught.value.diagnostics] == ["HP004", "HP004"]
    assert "error[HP004] out-of-domain" in str(caught.value)


def test_a_run_time_error_raises_with_its_diagnostic(tmp_path):
    (tmp_path / "w.hp").write_text(open(DIABETES, encoding="utf-8").read(), encoding="utf-8")
    with pytest.raises(hpdsl.RunError) as caught:
        hpdsl.run(tmp_path / "w.hp")
    assert caught.value.diagnostic.code == "HP302"
    assert "data file 'data/diabetes.csv' does not exist" in str(caught.value)


def test_max_trials_refuses_a_larger_search():
    with pytest.raises(hpdsl.UsageError, match="more than --max-trials 5"):
        hpdsl.run(DIABETES, max_trials=5)


def test_result_shows_the_summary(result):
    assert repr(result).startswith("diabetes (")
    page = result._repr_html_()
    assert "diabetes" in page and "r2 0.38378" in page and "<table>" in page


# ---- load_model and Model -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model(result, tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    (folder / "model.json").write_bytes(result.model.to_json())
    return hpdsl.load_model(folder)


def columns() -> dict[str, np.ndarray]:
    import csv

    with open(DATA, newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    return {name: np.array([float(row[name]) for row in table]) for name in table[0]}


def test_predict_takes_an_array_or_a_mapping(model):
    data = columns()
    X = np.column_stack([data[name] for name in model.features])
    by_array = model.predict(X)
    by_mapping = model.predict(data)  # the target and any other column are ignored
    np.testing.assert_array_equal(by_array, by_mapping)
    by_hand = X @ np.array(list(model.coefficients.values())) + model.intercept
    assert np.max(np.abs(by_array - by_hand)) <= 1e-10
    np.testing.assert_array_equal(model.predict(X[:1].tolist()), by_array[:1])


@pytest.mark.parametrize("rows, message", [
    (np.zeros(10), r"expected a 2-D array with 10 columns .*; for one row use x.reshape\(1, -1\)"),
    (np.zeros((3, 9)), r"expected a 2-D array with 10 columns \(age, sex, .*\), got shape \(3, 9\)"),
    ({"age": np.zeros(3)}, r"the rows have no column 'sex', 'bmi'"),
    ([[0.0] * 9 + [float("nan")]], r"row 0, column 's6' holds nan, not a finite number"),
])
def test_predict_refuses_what_it_cannot_use(model, rows, message):
    with pytest.raises(ValueError, match=message):
        model.predict(rows)


def test_columns_of_different_lengths_are_refused(model):
    data = {name: np.zeros(3) for name in model.features}
    data["bmi"] = np.zeros(4)
    with pytest.raises(ValueError, match="column 'bmi' is not a 1-D array as long as column 'age'"):
        model.predict(data)


def test_to_sklearn_predicts_the_same(model):
    data = columns()
    X = np.column_stack([data[name] for name in model.features])
    pipeline = model.to_sklearn()
    assert [name for name, _ in pipeline.steps] == ["standardize", "linear"]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*feature names.*")
        assert np.max(np.abs(pipeline.predict(X) - model.predict(X))) <= 1e-10


def test_to_sklearn_without_preprocessing(tmp_path):
    (tmp_path / "w.hp").write_text(PREAMBLE.replace("model linear_regression", "model ridge")
                                   .split("hyper {")[0] + "hyper {\n    l2: float in [0, 10] = 1.0\n}\n"
                                   "train on train\ntest on test\n", encoding="utf-8")
    result = hpdsl.run(tmp_path / "w.hp")
    pipeline = result.model.to_sklearn()
    assert [name for name, _ in pipeline.steps] == ["linear"]
    X = np.random.default_rng(1).standard_normal((20, 3))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*feature names.*")
        assert np.max(np.abs(pipeline.predict(X) - result.model.predict(X))) <= 1e-10


def test_the_model_shows_its_coefficients(model):
    text = repr(model)
    assert text.startswith("<hpdsl Model linear_regression: target from 10 features; preprocessing: standardize>")
    assert "  bmi         5.07763" in text
    assert "<td>bmi</td><td>5.07763</td>" in model._repr_html_()


def test_a_bad_model_raises_model_error(tmp_path):
    (tmp_path / "model.json").write_text('{"format": "hpdsl-model", "version": 7}', encoding="utf-8")
    with pytest.raises(hpdsl.ModelError) as caught:
        hpdsl.load_model(tmp_path)
    assert caught.value.diagnostic.code == "HP306"
    assert isinstance(caught.value, hpdsl.RunError)


# ---- the README ----------------------------------------------------------------------------------


def test_the_readme_example_runs(tmp_path):
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    section = readme.split("\n## Python API\n")[1].split("\n## ")[0]
    block = section.split("```python\n")[1].split("```")[0]
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    (tmp_path / "example.py").write_text(block, encoding="utf-8")
    done = subprocess.run([sys.executable, "-W", "error", "example.py"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "12 trials" in done.stdout
    assert (tmp_path / "results" / "model.json").exists()


def test_a_loop_over_run_meets_the_test_use_ledger_as_a_shell_loop_does(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    first = hpdsl.run(DIABETES, overrides=["l2=0"], ledger=ledger)
    assert first.report["ledger"]["test"]["versions"] == 1
    with pytest.raises(hpdsl.RunError) as refused:
        hpdsl.run(DIABETES, overrides=["l2=1"], ledger=ledger)
    assert refused.value.diagnostic.code == "HP304" and "--set l2=1 was 0" in refused.value.diagnostic.message
    again = hpdsl.run(DIABETES, overrides=["l2=1"], ledger=ledger, supersede=1)
    assert again.report["ledger"]["test"]["versions"] == 2
    unrecorded = hpdsl.run(DIABETES, overrides=["l2=2"], ledger=False)
    assert unrecorded.report["ledger"] == {"recorded": False, "reason": "--no-ledger"}
