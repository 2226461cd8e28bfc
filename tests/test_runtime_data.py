"""Data: CSV files and synthetic rows, and every data problem as HP302 (file, row, column)."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from helpers import EXAMPLES, hpdsl

from hpdsl.checker import check_text
from hpdsl.runtime import RunError, run

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runtime_data")

STEPS = """\
model ridge
hyper {{
    l2: float in [0, 100] = {l2}
}}
train on train
test on test
"""


def workflow(data: str, split: str = "split rows -> train 60%, validation 20%, test 20% seed 3",
             l2: float = 0.1) -> str:
    return f"{data}\n{split}\n" + STEPS.format(l2=l2)


def run_in(folder: str, text: str):
    analysis = check_text(text, os.path.join(folder, "w.hp"))
    assert not analysis.errors, analysis.errors
    return run(analysis)


def data_error(text: str, folder: str = HERE) -> str:
    with pytest.raises(RunError) as caught:
        run_in(folder, text)
    assert caught.value.diagnostic.code == "HP302"
    return caught.value.diagnostic.message


# ---- csv -------------------------------------------------------------------------------------------


def test_csv_reads_every_other_column_as_a_feature():
    report = run_in(HERE, workflow('data rows = csv("small.csv", target: "y")'))
    assert report.data["data"]["features"] == ["a", "b", "c"]
    assert report.data["data"]["rows"] == 10
    assert report.data["data"]["source"] == "small.csv"


def test_csv_features_pick_columns_in_the_order_written():
    report = run_in(HERE, workflow('data rows = csv("small.csv", target: "y", features: ["c", "a"])'))
    assert report.data["data"]["features"] == ["c", "a"]
    assert len(report.data["params"]["weights"]) == 2


def test_csv_sha256_is_of_the_file_bytes():
    import hashlib

    report = run_in(HERE, workflow('data rows = csv("small.csv", target: "y")'))
    with open(os.path.join(HERE, "small.csv"), "rb") as handle:
        assert report.data["data"]["sha256"] == hashlib.sha256(handle.read()).hexdigest()


def test_diabetes_csv_is_read_whole():
    folder = os.path.join(EXAMPLES)
    report = run_in(folder, workflow('data rows = csv("data/diabetes.csv", target: "target")'))
    assert report.data["data"]["rows"] == 442
    assert len(report.data["data"]["features"]) == 10
    assert sum(s["rows"] for s in report.data["splits"].values()) == 442


def test_missing_file():
    message = data_error(workflow('data rows = csv("nowhere.csv", target: "y")'))
    assert "'nowhere.csv' does not exist" in message


def test_empty_file():
    assert "'empty.csv' is empty" in data_error(workflow('data rows = csv("empty.csv", target: "y")'))


def test_header_only():
    message = data_error(workflow('data rows = csv("header_only.csv", target: "y")'))
    assert "'header_only.csv' has a header but no data rows" in message


def test_ragged_row_names_row_and_column():
    message = data_error(workflow('data rows = csv("ragged.csv", target: "y")'))
    assert "row 3 of 'ragged.csv' has 2 cells but the header has 3" in message
    assert "column 'y' is missing" in message


def test_non_numeric_cell_names_row_and_column():
    message = data_error(workflow('data rows = csv("nonnumeric.csv", target: "y")'))
    assert message == "row 3, column 'b' of 'nonnumeric.csv' holds 'five', not a number"


def test_empty_cell_names_row_and_column():
    message = data_error(workflow('data rows = csv("empty_cell.csv", target: "y")'))
    assert message == "row 3, column 'b' of 'empty_cell.csv' is empty; every cell must be a number"


def test_non_finite_cell():
    message = data_error(workflow('data rows = csv("not_finite.csv", target: "y")'))
    assert "row 3, column 'b' of 'not_finite.csv' holds 'nan', not a finite number" in message


def test_an_unused_bad_column_is_not_an_error():
    report = run_in(HERE, workflow('data rows = csv("nonnumeric.csv", target: "y", features: ["a"])',
                                   "split rows -> train 50%, test 50%"))
    assert report.data["data"]["features"] == ["a"]


def test_missing_target_column():
    message = data_error(workflow('data rows = csv("small.csv", target: "price")'))
    assert "'small.csv' has no column 'price' for the target" in message


def test_features_name_that_is_not_a_column():
    message = data_error(workflow('data rows = csv("small.csv", target: "y", features: ["a", "d"])'))
    assert "'small.csv' has no column 'd' (named in features)" in message


def test_a_split_left_with_no_rows():
    message = data_error(workflow('data rows = csv("small.csv", target: "y")',
                                  "split rows -> train 90%, validation 5%, test 5%"))
    # 10 rows: quotas 9, 0.5, 0.5; the one row left goes to the first of the tied splits
    assert "split 'test' gets no rows: 5% of 10 rows rounds to 0" in message


def test_the_diagnostic_points_at_the_path():
    text = workflow('data rows = csv("nowhere.csv", target: "y")')
    with pytest.raises(RunError) as caught:
        run_in(HERE, text)
    span = caught.value.diagnostic.span
    assert text[span.start:span.end] == '"nowhere.csv"'


@pytest.mark.parametrize("name", ["nowhere", "empty", "header_only", "ragged", "nonnumeric", "empty_cell"])
def test_data_errors_exit_3_without_a_traceback_or_a_report(tmp_path, name):
    hp = tmp_path / "w.hp"
    for fixture in os.listdir(HERE):
        if fixture.endswith(".csv"):
            shutil.copy(os.path.join(HERE, fixture), tmp_path / fixture)
    hp.write_text(workflow(f'data rows = csv("{name}.csv", target: "y")'))
    out = tmp_path / "out"
    result = hpdsl("run", str(hp), "--out", str(out))
    assert result.returncode == 3
    assert b"error[HP302]" in result.stderr
    assert b"Traceback" not in result.stderr
    assert not (out / "report.json").exists()


# ---- synthetic -------------------------------------------------------------------------------------


def test_synthetic_data_follows_its_truth():
    text = workflow("data rows = synthetic(rows: 500, features: 3, noise: 0, seed: 4)", l2=0)
    report = run_in(HERE, text)
    truth = report.data["truth"]
    assert report.data["data"]["features"] == ["x1", "x2", "x3"]
    # no noise, no penalty: the exact fit is the truth
    assert np.allclose(report.data["params"]["weights"], truth["weights"], atol=1e-9)
    assert abs(report.data["params"]["intercept"] - truth["intercept"]) < 1e-9


def test_synthetic_data_depends_only_on_its_seed():
    from hpdsl.runtime.data import synthetic

    a, b, c = synthetic(50, 2, 0.5, 9), synthetic(50, 2, 0.5, 9), synthetic(50, 2, 0.5, 10)
    assert a.sha256 == b.sha256 != c.sha256
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert np.allclose(a.y, a.X @ a.truth["weights"] + a.truth["intercept"], atol=3)
