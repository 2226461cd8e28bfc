"""`hpdsl predict` in the test-use ledger: scores computed on rows a recorded run tested
are a look after the fact, recorded as a hash-chained "predict" entry that later runs
count; fresh rows, rows without a target and --no-ledger record nothing.

Every run is a real `hpdsl` process on a real SQLite file (the suite's autouse fixture
points HPDSL_LEDGER at a private one per test).
"""

from __future__ import annotations

import csv
import json
import sqlite3

import numpy as np
import pytest

from hpdsl.ledger.store import SCHEMA_VERSION

from helpers import hpdsl

WORKFLOW = """\
data d = csv("d.csv", target: "y")
split d -> train 60%, validation 20%, test 20% seed 2

model ridge

hyper {
    l2: float in [0, 100] = 1.0
}

standardize using train
tune l2 in {candidates} on validation
test on test
"""


def write_csv(path, header, rows) -> str:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


@pytest.fixture
def project(tmp_path):
    """A workflow on a csv of 200 rows, run once with --out (ledger entry 1: a look)."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(200, 3)).round(3)
    y = (X @ [1.5, -2.0, 0.5] + 3 + rng.normal(scale=0.3, size=200)).round(3)
    write_csv(tmp_path / "d.csv", ["a", "b", "c", "y"], [[*map(float, x), float(t)] for x, t in zip(X, y)])
    (tmp_path / "w.hp").write_text(WORKFLOW.replace("{candidates}", "[0.1, 1, 10]"), encoding="utf-8")
    report = run_json("run", str(tmp_path / "w.hp"), "--out", str(tmp_path / "out"))
    assert report["ledger"]["entry"] == 1
    return {"dir": tmp_path, "X": X, "y": y, "report": report}


def run_json(*args) -> dict:
    result = hpdsl(*args, "--json")
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def predict(project, data, *args):
    result = hpdsl("predict", str(project["dir"] / "out"), "--data", str(data), "--json", *args)
    return result.returncode, (json.loads(result.stdout) if result.returncode == 0 else None), result.stderr.decode()


def entries() -> list[dict]:
    return run_json("ledger", "list")


def test_predict_on_the_runs_own_data_records_a_look_the_next_run_counts(project):
    status, out, err = predict(project, project["dir"] / "d.csv")
    assert status == 0, err
    test_rows = project["report"]["ledger"]["test"]["rows"]
    assert test_rows == 40
    assert out["ledger"]["entry"] == 2 and out["ledger"]["test_rows"] == test_rows
    assert f"{test_rows} of the predicted rows are test rows of recorded run 1" in err and "entry 2" in err
    # The scores on the recognised rows are the run's own test scores.
    test_step = [s for s in project["report"]["steps"] if s["kind"] == "test"][-1]
    for name, value in test_step["scores"].items():
        assert out["ledger"]["metrics"][name] == pytest.approx(value, rel=1e-9)

    listed = entries()
    assert [(e["entry"], e["status"], e["looks"], e["versions"]) for e in listed] == [
        (1, "look", 1, 1), (2, "predict", 2, 1)]
    shown = run_json("ledger", "show", "2")
    assert shown["identity"]["overlaps"] == [{"entry": 1, "status": "look", "rows": test_rows}]
    assert shown["identity"]["test_rows_scored"] == test_rows
    assert shown["identity"]["model"]["sha256"] == _sha256(project["dir"] / "out" / "model.json")
    assert shown["data_sha256"] == out["data"]["sha256"]
    assert shown["result"]["test_rows_scored"] == test_rows
    text = hpdsl("ledger", "show", "2").stdout.decode()
    assert "overlaps   entry 1 (look): 40 rows" in text

    # The next run (a replay) counts the predict among the looks, not as a version.
    again = run_json("run", str(project["dir"] / "w.hp"))
    assert again["ledger"]["test"]["looks"] == 3 and again["ledger"]["test"]["entries"] == [1, 2, 3]
    assert again["ledger"]["test"]["versions"] == 1
    assert run_json("ledger", "verify")["ok"]


def test_a_predict_never_refuses_and_never_blocks_a_supersede(project):
    assert predict(project, project["dir"] / "d.csv")[0] == 0
    path = project["dir"] / "w.hp"
    path.write_text(WORKFLOW.replace("{candidates}", "[0.5, 5]"), encoding="utf-8")
    refused = hpdsl("run", str(path))
    assert refused.returncode == 3 and b"HP304" in refused.stderr and b"entry 1 (" in refused.stderr
    accepted = run_json("run", str(path), "--supersede", "1")
    assert accepted["ledger"]["test"]["versions"] == 2 and accepted["ledger"]["test"]["entries"] == [1, 2, 3]


def test_reordered_and_rewritten_rows_are_still_recognised(project):
    X, y = project["X"], project["y"]
    order = np.random.default_rng(1).permutation(len(y))
    # Other column order, an extra column, numbers written differently, rows shuffled.
    rows = [[f"{y[i]:.6f}", "x", f"{X[i, 2]:+.4e}", f"{X[i, 0]}", f"{X[i, 1]:.5f}"] for i in order]
    data = write_csv(project["dir"] / "rewritten.csv", ["y", "note", "c", "a", "b"], rows)
    status, out, err = predict(project, data)
    assert status == 0, err
    assert out["ledger"]["test_rows"] == 40
    assert out["data"]["sha256"] != project["report"]["data"]["sha256"]
    assert [e["status"] for e in entries()] == ["look", "predict"]


def test_fresh_rows_and_rows_without_a_target_record_nothing(project):
    X, y = project["X"], project["y"]
    fresh = write_csv(project["dir"] / "fresh.csv", ["a", "b", "c", "y"],
                      [[*(x + 0.0005), t] for x, t in zip(X, y)])
    status, out, err = predict(project, fresh)
    assert status == 0, err
    assert "ledger" not in out and out["metrics"] is not None and err == ""
    # The run's own rows, but no target: nothing is scored, so nothing is recorded.
    unscored = write_csv(project["dir"] / "features.csv", ["a", "b", "c"], X.tolist())
    status, out, err = predict(project, unscored)
    assert status == 0, err
    assert "ledger" not in out and out["metrics"] is None
    assert [e["status"] for e in entries()] == ["look"]


def test_no_ledger_records_nothing(project, tmp_path):
    status, out, err = predict(project, project["dir"] / "d.csv", "--no-ledger")
    assert status == 0, err
    assert "ledger" not in out
    # Without the ledger, the note about the model's own data file still tells the truth.
    assert "they include its test split" in err
    assert [e["status"] for e in entries()] == ["look"]
    both = hpdsl("predict", str(project["dir"] / "out"), "--data", str(project["dir"] / "d.csv"),
                 "--no-ledger", "--ledger", str(tmp_path / "x.sqlite"))
    assert both.returncode == 2 and b"cannot be combined with --ledger" in both.stderr


def test_a_named_ledger_that_does_not_exist_is_a_usage_error_and_is_not_created(project, tmp_path):
    missing = tmp_path / "elsewhere" / "none.sqlite"
    result = hpdsl("predict", str(project["dir"] / "out"), "--data", str(project["dir"] / "d.csv"),
                   "--ledger", str(missing), "--out", str(tmp_path / "p.csv"))
    assert result.returncode == 2 and b"no ledger at" in result.stderr
    assert not missing.exists() and not (tmp_path / "p.csv").exists()


def test_the_ledger_written_by_run_is_unchanged_in_schema_and_verifies_with_predicts(project, private_ledger):
    with sqlite3.connect(private_ledger) as connection:
        before = connection.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    assert predict(project, project["dir"] / "d.csv")[0] == 0
    with sqlite3.connect(private_ledger) as connection:
        after = connection.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
        schema = connection.execute("SELECT value FROM hpdsl_meta WHERE key = 'schema'").fetchone()[0]
    assert before == after and schema == SCHEMA_VERSION == "1"
    verified = run_json("ledger", "verify")
    assert verified["ok"] and verified["entries"] == 2


@pytest.mark.parametrize("sql", [
    "UPDATE hpdsl_entries SET identity = replace(identity, '\"rows\": 40', '\"rows\": 4') WHERE id = 2",
    "UPDATE hpdsl_results SET result = replace(result, 'test_rows_scored\": 40', 'test_rows_scored\": 0') "
    "WHERE entry = 2",
    "UPDATE hpdsl_rowsets SET data = zeroblob(8) WHERE digest = (SELECT test_rowset FROM hpdsl_entries WHERE id = 2)",
    "DELETE FROM hpdsl_entries WHERE id = 2",
])
def test_verify_detects_tampering_with_a_predict_entry(project, private_ledger, sql):
    assert predict(project, project["dir"] / "d.csv")[0] == 0
    assert run_json("run", str(project["dir"] / "w.hp"))["ledger"]["entry"] == 3
    with sqlite3.connect(private_ledger) as connection:
        assert connection.execute(sql).rowcount == 1
    result = hpdsl("ledger", "verify", "--json")
    found = json.loads(result.stdout)
    assert result.returncode == 1 and found["broken_at"] == 2, found


def _sha256(path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_ledger_that_cannot_be_read_is_a_usage_error_with_nothing_written(project, tmp_path):
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"not a database, " * 100)
    result = hpdsl("predict", str(project["dir"] / "out"), "--data", str(project["dir"] / "d.csv"),
                   "--ledger", str(broken), "--out", str(tmp_path / "p.csv"))
    assert result.returncode == 2, result.stderr
    assert result.stderr.decode().startswith("hpdsl: cannot open the test-use ledger:")
    assert b"Traceback" not in result.stderr and not (tmp_path / "p.csv").exists()
    assert broken.read_bytes() == b"not a database, " * 100
