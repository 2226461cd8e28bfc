"""`hpdsl predict`: the acceptance on diabetes, the same data diagnostics as `run`, atomic
output, bad model files as HP306, and constant memory on a large file."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import hpdsl

from helpers import EXAMPLES, hpdsl as run_hpdsl

DIABETES = os.path.join(EXAMPLES, "diabetes.hp")
DATA = os.path.join(EXAMPLES, "data", "diabetes.csv")
COLUMNS = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "target"]


@pytest.fixture(scope="module")
def run_out(tmp_path_factory):
    """examples/diabetes.hp run once: (Result, the --out folder)."""
    out = tmp_path_factory.mktemp("out")
    return hpdsl.run(DIABETES, out=out), out


def read_table(path) -> tuple[list[int], dict[str, np.ndarray]]:
    """A csv file's data rows (numbered as in the file, the header being row 1) and columns."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    return list(range(2, len(body) + 2)), {name: np.array([float(r[i]) for r in body]) for i, name in enumerate(header)}


def read_predictions(path) -> tuple[list[int], np.ndarray]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["row", "prediction"]
    return [int(r[0]) for r in rows[1:]], np.array([float(r[1]) for r in rows[1:]])


def metrics(predicted: np.ndarray, y: np.ndarray) -> dict:
    error = predicted - y
    mse = float(np.mean(error**2))
    return {"mse": mse, "rmse": mse**0.5, "mae": float(np.mean(np.abs(error))),
            "r2": 1 - float(error @ error) / float(((y - y.mean()) ** 2).sum())}


def write_csv(path, header, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def diabetes_rows() -> list[list[str]]:
    with open(DATA, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))[1:]


# ---- the acceptance ---------------------------------------------------------------------------------


def test_predict_reproduces_numpy_from_the_raw_coefficients(run_out, tmp_path):
    result, out = run_out
    preds = tmp_path / "preds.csv"
    done = run_hpdsl("predict", str(out), "--data", DATA, "--out", str(preds))
    assert done.returncode == 0, done.stderr.decode()
    rows, predicted = read_predictions(preds)
    file_rows, columns = read_table(DATA)
    model = json.loads((out / "model.json").read_bytes())
    X = np.column_stack([columns[name] for name in model["features"]])
    by_hand = X @ np.array(model["raw"]["weights"]) + model["raw"]["intercept"]
    assert rows == file_rows
    assert np.max(np.abs(predicted - by_hand)) <= 1e-10


def test_predictions_on_the_test_rows_give_the_reported_test_scores(run_out, tmp_path):
    result, out = run_out
    preds = tmp_path / "preds.csv"
    assert run_hpdsl("predict", str(out), "--data", DATA, "--out", str(preds)).returncode == 0
    rows, predicted = read_predictions(preds)
    _, columns = read_table(DATA)
    test = result.rows("test")
    pick = np.searchsorted(rows, test)
    assert list(np.array(rows)[pick]) == list(test) and len(test) == 88
    scores = metrics(predicted[pick], columns["target"][pick])
    report = json.loads((out / "report.json").read_bytes())
    reported = next(s for s in report["steps"] if s["kind"] == "test")["scores"]
    assert set(reported) == set(scores)
    for name, value in reported.items():
        assert scores[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


def test_to_sklearn_agrees_with_predict(run_out, tmp_path):
    import warnings

    _, out = run_out
    preds = tmp_path / "preds.csv"
    assert run_hpdsl("predict", str(out), "--data", DATA, "--out", str(preds)).returncode == 0
    _, predicted = read_predictions(preds)
    model = hpdsl.load_model(out)
    _, columns = read_table(DATA)
    X = np.column_stack([columns[name] for name in model.features])
    with warnings.catch_warnings():  # a plain array has no column names to check
        warnings.filterwarnings("ignore", message=".*feature names.*")
        by_sklearn = model.to_sklearn().predict(X)
    assert np.max(np.abs(by_sklearn - predicted)) <= 1e-10


def test_the_target_column_gives_the_four_metrics_of_the_whole_file(run_out, tmp_path):
    _, out = run_out
    done = run_hpdsl("predict", str(out / "model.json"), "--data", DATA, "--out", str(tmp_path / "p.csv"))
    assert done.returncode == 0
    _, predicted = read_predictions(tmp_path / "p.csv")
    _, columns = read_table(DATA)
    expected = metrics(predicted, columns["target"])
    printed = done.stdout.decode()
    assert printed.startswith(f"predicted 442 rows of {DATA} with {out / 'model.json'} -> {tmp_path / 'p.csv'}\n")
    assert printed.splitlines()[1] == "  ".join(f"{k} {v:.6g}" for k, v in expected.items())


def test_json_holds_the_metrics_and_every_prediction(run_out, tmp_path):
    _, out = run_out
    done = run_hpdsl("predict", str(out), "--data", DATA, "--json")
    assert done.returncode == 0
    document = json.loads(done.stdout)
    assert run_hpdsl("predict", str(out), "--data", DATA, "--out", str(tmp_path / "p.csv")).returncode == 0
    rows, predicted = read_predictions(tmp_path / "p.csv")
    assert [p["row"] for p in document["predictions"]] == rows
    assert [p["prediction"] for p in document["predictions"]] == list(predicted)
    _, columns = read_table(DATA)
    assert document["metrics"] == pytest.approx(metrics(predicted, columns["target"]), rel=1e-12)
    assert document["data"]["rows"] == 442 and len(document["data"]["sha256"]) == 64


def test_without_out_the_csv_goes_to_stdout(run_out, tmp_path):
    _, out = run_out
    done = run_hpdsl("predict", str(out), "--data", DATA)
    assert done.returncode == 0
    (tmp_path / "p.csv").write_bytes(done.stdout)
    rows, _ = read_predictions(tmp_path / "p.csv")
    assert len(rows) == 442
    assert "mse " in done.stderr.decode()


def test_extra_columns_are_ignored_and_the_target_is_optional(run_out, tmp_path):
    _, out = run_out
    rows = diabetes_rows()
    order = [10, 3, 0, 9, 1, 2, 8, 4, 6, 5, 7]  # any column order; an extra id column
    write_csv(tmp_path / "shuffled.csv", ["id"] + [COLUMNS[i] for i in order],
              [[f"p{k}"] + [r[i] for i in order] for k, r in enumerate(rows)])
    write_csv(tmp_path / "no_target.csv", COLUMNS[:10], [r[:10] for r in rows])
    results = {}
    for name in ("shuffled.csv", "no_target.csv"):
        done = run_hpdsl("predict", str(out), "--data", str(tmp_path / name), "--json")
        assert done.returncode == 0, done.stderr.decode()
        results[name] = json.loads(done.stdout)
    assert results["shuffled.csv"]["predictions"] == results["no_target.csv"]["predictions"]
    assert results["no_target.csv"]["metrics"] is None
    assert results["shuffled.csv"]["metrics"] is not None


# ---- the test-leak hook -----------------------------------------------------------------------------


def test_predicting_the_runs_own_file_says_it_includes_the_test_split(run_out, tmp_path):
    _, out = run_out
    done = run_hpdsl("predict", str(out), "--data", DATA, "--json")
    assert "note: these are the rows the model's run split with seed 2004" in done.stderr.decode()
    assert json.loads(done.stdout)["notes"] == [done.stderr.decode().removeprefix("note: ").strip()]
    write_csv(tmp_path / "new.csv", COLUMNS, diabetes_rows()[:50])
    fresh = run_hpdsl("predict", str(out), "--data", str(tmp_path / "new.csv"), "--json")
    assert fresh.returncode == 0 and "note:" not in fresh.stderr.decode()
    assert json.loads(fresh.stdout)["notes"] == []


# ---- bad data: the same diagnostics as run ------------------------------------------------------------


BAD_DATA = {
    "a text cell": lambda rows: rows[4].__setitem__(2, "NA"),
    "an empty cell": lambda rows: rows[300].__setitem__(9, ""),
    "a ragged row": lambda rows: rows[7].pop(),
    "a bad target cell": lambda rows: rows[20].__setitem__(10, "?"),
}


@pytest.mark.parametrize("what", sorted(BAD_DATA))
def test_bad_data_gets_the_run_diagnostic_and_writes_nothing(run_out, tmp_path, what):
    _, out = run_out
    rows = diabetes_rows()
    BAD_DATA[what](rows)
    write_csv(tmp_path / "data.csv", COLUMNS, rows)
    (tmp_path / "w.hp").write_text(open(DIABETES, encoding="utf-8").read().replace("data/diabetes.csv", "data.csv"),
                                   encoding="utf-8")
    with pytest.raises(hpdsl.RunError) as caught:
        hpdsl.run(tmp_path / "w.hp")
    (tmp_path / "p.csv").write_text("earlier predictions\n", encoding="utf-8")
    done = run_hpdsl("predict", str(out), "--data", "data.csv", "--out", "p.csv", cwd=tmp_path)
    stderr = done.stderr.decode()
    assert done.returncode == 3
    assert f"error[HP302] data-error: {caught.value.diagnostic.message}\n" in stderr
    assert "Traceback" not in stderr
    assert (tmp_path / "p.csv").read_text(encoding="utf-8") == "earlier predictions\n"
    assert sorted(os.listdir(tmp_path)) == ["data.csv", "p.csv", "w.hp"]


def test_a_bad_byte_is_named_by_row_and_byte_as_run_does(run_out, tmp_path):
    _, out = run_out
    data = open(DATA, "rb").read().replace(b"48,1,21.6", b"48,1,2\xe96", 1)
    (tmp_path / "data.csv").write_bytes(data)
    (tmp_path / "w.hp").write_text(open(DIABETES, encoding="utf-8").read().replace("data/diabetes.csv", "data.csv"),
                                   encoding="utf-8")
    with pytest.raises(hpdsl.RunError) as caught:
        hpdsl.run(tmp_path / "w.hp")
    done = run_hpdsl("predict", str(out), "--data", "data.csv", cwd=tmp_path)
    assert done.returncode == 3
    assert "(row 3, byte " in caught.value.diagnostic.message
    assert caught.value.diagnostic.message in done.stderr.decode()


def test_a_missing_feature_column_names_it_and_points_at_the_file(run_out, tmp_path):
    _, out = run_out
    write_csv(tmp_path / "d.csv", [c if c != "bmi" else "bmii" for c in COLUMNS], diabetes_rows())
    done = run_hpdsl("predict", str(out), "--data", str(tmp_path / "d.csv"))
    stderr = done.stderr.decode()
    assert done.returncode == 3 and done.stdout == b""
    assert f"data file '{tmp_path / 'd.csv'}' has no column 'bmi', a feature of the model" in stderr
    assert "help: did you mean 'bmii'?" in stderr
    assert stderr.startswith("<command line>:1:")


@pytest.mark.parametrize("content, message", [
    ("", "is empty"),
    (",".join(COLUMNS) + "\n", "has a header but no data rows"),
])
def test_an_empty_file(run_out, tmp_path, content, message):
    _, out = run_out
    (tmp_path / "d.csv").write_text(content, encoding="utf-8")
    done = run_hpdsl("predict", str(out), "--data", str(tmp_path / "d.csv"))
    assert done.returncode == 3 and message in done.stderr.decode()


def test_a_missing_data_file_and_a_folder(run_out, tmp_path):
    _, out = run_out
    missing = run_hpdsl("predict", str(out), "--data", str(tmp_path / "none.csv"))
    assert missing.returncode == 3 and "does not exist" in missing.stderr.decode()
    folder = run_hpdsl("predict", str(out), "--data", str(tmp_path))
    assert folder.returncode == 3 and "is a directory; hpdsl reads regular files only" in folder.stderr.decode()


def test_out_must_be_a_file_in_an_existing_folder(run_out, tmp_path):
    _, out = run_out
    done = run_hpdsl("predict", str(out), "--data", DATA, "--out", str(tmp_path))
    assert done.returncode == 2 and "is a folder; give the name of the CSV file" in done.stderr.decode()
    done = run_hpdsl("predict", str(out), "--data", DATA, "--out", str(tmp_path / "no" / "p.csv"))
    assert done.returncode == 2 and "there is no folder" in done.stderr.decode()


# ---- bad model files ------------------------------------------------------------------------------


def bad_models(folder, good: bytes) -> dict:
    document = json.loads(good)
    missing = dict(document)
    del missing["trained"]
    files = {
        "truncated": good[: len(good) * 2 // 3],
        "version 2": json.dumps({**document, "version": 2}).encode(),
        "missing keys": json.dumps(missing).encode(),
        "not JSON": open(DATA, "rb").read(),
    }
    paths = {}
    for name, content in files.items():
        path = folder / (name.replace(" ", "_") + ".json")
        path.write_bytes(content)
        paths[name] = path
    (folder / "empty_out").mkdir()
    paths["a folder without model.json"] = folder / "empty_out"
    return paths


def test_bad_model_files_give_hp306_never_a_traceback(run_out, tmp_path):
    _, out = run_out
    expected = {
        "truncated": "is not valid JSON: ",
        "version 2": "is format version 2; this hpdsl reads version 1",
        "missing keys": 'has no "trained"',
        "not JSON": "is not valid JSON",
        "a folder without model.json": "holds no model.json",
    }
    for what, path in bad_models(tmp_path, (out / "model.json").read_bytes()).items():
        done = run_hpdsl("predict", str(path), "--data", DATA, "--out", str(tmp_path / "p.csv"))
        stderr = done.stderr.decode()
        assert done.returncode == 3, what
        assert "error[HP306] bad-model-file: " in stderr and expected[what] in stderr, (what, stderr)
        assert "Traceback" not in stderr and done.stdout == b""
        assert not (tmp_path / "p.csv").exists()


# ---- streaming ------------------------------------------------------------------------------------

MEASURE = """
import json, resource, sys
from hpdsl.cli import main

model, small, big, out = sys.argv[1:]
assert main(["predict", model, "--data", small, "--out", out]) == 0  # load every module first
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
code = main(["predict", model, "--data", big, "--out", out])
unit = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is in bytes on macOS, KiB on Linux
print(json.dumps({"code": code, "growth": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * unit}))
"""


@pytest.mark.slow
def test_a_large_file_is_predicted_in_constant_memory(run_out, tmp_path):
    _, out = run_out
    with open(DATA, encoding="utf-8") as f:
        header, body = f.readline(), f.read()
    big = tmp_path / "big.csv"
    with open(big, "w", encoding="utf-8") as f:
        f.write(header)
        while f.tell() < 24_000_000:
            f.write(body)
    size = os.path.getsize(big)
    copies = (size - len(header)) // len(body.encode())
    done = subprocess.run([sys.executable, "-c", MEASURE, str(out), DATA, str(big), str(tmp_path / "p.csv")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    measured = json.loads(done.stdout.splitlines()[-1])
    assert measured["code"] == 0
    # Reading the whole file would take several times its size; a block of rows, a few MB.
    assert measured["growth"] < size / 3, (measured, size)
    rows, predicted = read_predictions(tmp_path / "p.csv")
    assert len(rows) == 442 * copies and rows[-1] == 442 * copies + 1
    np.testing.assert_array_equal(predicted.reshape(copies, 442), np.tile(predicted[:442], (copies, 1)))
    assert f"predicted {442 * copies} rows" in done.stdout


def test_a_prediction_that_overflows_is_a_diagnostic_not_inf(run_out, tmp_path):
    _, out = run_out
    rows = [r[:10] for r in diabetes_rows()[:3]]
    rows[2][2] = "1e308"  # bmi: finite, but its standardized value times the weight is not
    write_csv(tmp_path / "d.csv", COLUMNS[:10], rows)
    done = run_hpdsl("predict", str(out), "--data", str(tmp_path / "d.csv"), "--json")
    assert done.returncode == 3 and done.stdout == b""
    assert "row 4 of" in done.stderr.decode() and "the prediction is not a finite number" in done.stderr.decode()


def test_json_with_out_leaves_the_predictions_to_the_file(run_out, tmp_path):
    _, out = run_out
    done = run_hpdsl("predict", str(out), "--data", DATA, "--json", "--out", str(tmp_path / "p.csv"))
    assert done.returncode == 0
    document = json.loads(done.stdout)
    assert "predictions" not in document and document["data"]["rows"] == 442
    assert len(read_predictions(tmp_path / "p.csv")[0]) == 442
