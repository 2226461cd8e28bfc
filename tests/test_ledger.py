"""The test-use ledger: runs are recorded, a second version's look at the same test rows
is refused (HP304), so are test rows an earlier run trained on (HP305), replays are not,
--supersede is the recorded way past, and the hash chain catches edits and deletions.

Every run here is a real `hpdsl` process on a real SQLite file (the suite's autouse
fixture points HPDSL_LEDGER at a private one per test).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys

import numpy as np
import pytest

from hpdsl.ledger import default_location, location
from hpdsl.ledger.fingerprints import distinct, member, row_fingerprints

from helpers import EXAMPLES, hpdsl, hpdsl_command

QUICKSTART = os.path.join(EXAMPLES, "quickstart.hp")

WORKFLOW = """\
# A ridge regression tuned on validation.
data d = synthetic(rows: 300, features: 3, noise: 0.5, seed: {data_seed})
split d -> train 60%, validation 20%, test 20% seed {split_seed}

model ridge

hyper {{
    l2: float in [0, 100] = 1.0
}}

standardize using train
tune l2 in {candidates} on validation
test on test
"""


def workflow(tmp_path, name="w.hp", data_seed=4, split_seed=2, candidates="[0.1, 1, 10]", comment=None) -> str:
    text = WORKFLOW.format(data_seed=data_seed, split_seed=split_seed, candidates=candidates)
    if comment is not None:
        text = text.replace("# A ridge regression tuned on validation.", comment)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(*args):
    result = hpdsl("run", *args)
    return result.returncode, result.stdout.decode("utf-8"), result.stderr.decode("utf-8")


def report(*args) -> dict:
    status, out, err = run(*args, "--json")
    assert status == 0, err
    return json.loads(out)


def codes(stderr: str) -> list[str]:
    return re.findall(r"error\[(HP\d{3})\]", stderr)


def ledger_json(*args) -> tuple[int, object]:
    result = hpdsl("ledger", *args, "--json")
    return result.returncode, json.loads(result.stdout) if result.stdout else None


# ---- acceptance: the --set loop, replays, comments, a new split seed ------------------------------


def test_the_set_loop_is_refused_with_hp304_until_superseded():
    first = report(QUICKSTART, "--set", "l2=0")
    assert first["ledger"]["entry"] == 1
    assert first["ledger"]["test"]["looks"] == 1 and first["ledger"]["test"]["versions"] == 1

    status, out, err = run(QUICKSTART, "--set", "l2=1")
    assert status == 3 and out == ""
    assert codes(err) == ["HP304"]
    assert "entry 1 (" in err and "--set l2=1 was 0" in err and "--supersede 1" in err

    status, out, err = run(QUICKSTART, "--set", "l2=1", "--supersede", "1")
    assert status == 0, err
    assert "test rows scored by 2 versions" in out
    again = report(QUICKSTART, "--set", "l2=1")  # a replay of the superseding version
    assert again["ledger"]["test"]["versions"] == 2
    assert again["ledger"]["test"]["entries"] == [1, 2, 3]

    # The refused run stopped before reading any rows, so it left no entry.
    listed = ledger_json("list")[1]
    assert [(e["entry"], e["status"], e["supersedes"]) for e in listed] == [
        (1, "look", None), (2, "look", 1), (3, "look", None)]


def test_the_quickstart_runs_twice_in_a_row_without_refusal():
    for looks in (1, 2):
        status, out, err = run(QUICKSTART)
        assert status == 0, err
        assert f"test rows scored by 1 version in {looks} look" in out


def test_two_identical_runs_are_one_version(tmp_path):
    path = workflow(tmp_path)
    one, two = report(path), report(path)
    assert one["ledger"]["version"] == two["ledger"]["version"]
    assert two["ledger"]["test"] == {"split": "test", "rows": 60, "looks": 2, "versions": 1,
                                     "entries": [1, 2], "supersedes": None}


def test_a_changed_comment_or_layout_is_the_same_version(tmp_path):
    first = report(workflow(tmp_path))
    path = workflow(tmp_path, comment="# Reworded.\n# Another comment.")
    with open(path, encoding="utf-8") as handle:
        text = handle.read().replace("tune l2", "tune   l2")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    second = report(path)
    assert second["ledger"]["version"] == first["ledger"]["version"]
    assert second["ledger"]["test"]["versions"] == 1


def test_a_changed_candidate_is_refused_naming_what_changed(tmp_path):
    assert run(workflow(tmp_path))[0] == 0
    status, _, err = run(workflow(tmp_path, candidates="[0.01, 0.1, 1]"))
    assert status == 3 and codes(err) == ["HP304"]
    assert "the tune's l2 candidates changed ([0.1, 1, 10] -> [0.01, 0.1, 1])" in err
    assert "60 of this run's 60 test rows" in err


def test_a_new_split_seed_that_puts_training_rows_into_test_is_hp305(tmp_path):
    assert run(workflow(tmp_path))[0] == 0
    status, _, err = run(workflow(tmp_path, split_seed=3))
    assert status == 3 and codes(err) == ["HP305"]
    assert "the split seed changed (2 -> 3)" in err and "trained on (train)" in err
    assert "--supersede 1" in err


def test_fresh_data_is_not_a_reuse(tmp_path):
    assert run(workflow(tmp_path))[0] == 0
    status, out, err = run(workflow(tmp_path, data_seed=5, candidates="[0.01, 0.1, 1]"))
    assert status == 0, err
    assert "test rows scored by 1 version in 1 look (entry 2)" in out


def test_a_run_bound_to_be_refused_stops_before_reading_any_rows(tmp_path):
    assert run(workflow(tmp_path))[0] == 0
    status, out, _ = run(workflow(tmp_path, candidates="[2, 3]"))
    assert status == 3 and out == ""
    assert [e["status"] for e in ledger_json("list")[1]] == ["look"]


def test_rows_are_identified_by_their_values_whatever_the_file_order(tmp_path):
    rng = np.random.default_rng(0)
    rows = rng.standard_normal((200, 4))
    header = "a,b,c,y\n"
    (tmp_path / "data.csv").write_text(header + "".join(",".join(repr(float(x)) for x in r) + "\n" for r in rows))
    text = WORKFLOW.replace("synthetic(rows: 300, features: 3, noise: 0.5, seed: {data_seed})",
                            'csv("data.csv", target: "y")')
    (tmp_path / "w.hp").write_text(text.format(split_seed=2, candidates="[0.1, 1]"))
    assert run(str(tmp_path / "w.hp"))[0] == 0
    # The file rewritten in another order: the same version now splits other rows into
    # test, among them rows entry 1 trained on.
    (tmp_path / "data.csv").write_text(header + "".join(",".join(repr(float(x)) for x in r) + "\n" for r in rows[::-1]))
    status, _, err = run(str(tmp_path / "w.hp"))
    assert status == 3 and codes(err) == ["HP305"]
    assert "the data (sha256" in err


def test_fingerprints_depend_on_values_not_positions():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((1000, 3)), rng.standard_normal(1000)
    order = rng.permutation(1000)
    mine = distinct(row_fingerprints(X, y))
    assert (mine == distinct(row_fingerprints(X[order], y[order]))).all()
    assert len(mine) == 1000
    assert member(mine, row_fingerprints(X[order[:300]], y[order[:300]])).sum() == 300
    changed = X.copy()
    changed[5, 2] = np.nextafter(changed[5, 2], 1)
    assert (row_fingerprints(changed, y) != row_fingerprints(X, y)).sum() == 1
    minus_zero = np.zeros((1, 3)), np.array([-0.0])
    assert row_fingerprints(*minus_zero)[0] == row_fingerprints(np.zeros((1, 3)), np.zeros(1))[0]


def test_runs_that_read_data_without_a_test_are_recorded_and_count_for_hp305(tmp_path):
    path = workflow(tmp_path)
    text = open(path, encoding="utf-8").read()
    (tmp_path / "untested.hp").write_text(text.replace("test on test\n", ""), encoding="utf-8")
    diverging = text.replace("model ridge", "model linear_regression").replace(
        "l2: float in [0, 100] = 1.0", "learning_rate: float in (0, 1000] = 900\n    l2: float in [0, 100] = 1.0")
    (tmp_path / "diverging.hp").write_text(diverging.replace("split_seed", "x"), encoding="utf-8")
    assert run(str(tmp_path / "untested.hp"))[0] == 0
    assert run(str(tmp_path / "diverging.hp"))[0] == 3
    listed = ledger_json("list")[1]
    assert [(e["status"], e["test_split"]) for e in listed] == [("no test", None), ("failed HP301", None)]
    status, _, err = run(workflow(tmp_path, split_seed=3))
    assert status == 3 and codes(err) == ["HP305"] and "entry 2 (" in err and "(and 1 earlier entry)" in err


# ---- --supersede and --no-ledger ------------------------------------------------------------------


def test_supersede_must_name_an_entry_that_concerns_these_rows(tmp_path):
    assert run(workflow(tmp_path))[0] == 0
    status, _, err = run(workflow(tmp_path), "--supersede", "7")
    assert status == 2 and "has no entry 7" in err
    status, _, err = run(workflow(tmp_path), "--supersede", "1")
    assert status == 2 and "nothing to supersede" in err
    assert run(workflow(tmp_path, data_seed=9), "--supersede", "1")[0] == 2


def test_superseding_an_entry_accepts_later_replays_of_its_version(tmp_path):
    assert run(workflow(tmp_path))[0] == 0
    assert run(workflow(tmp_path))[0] == 0  # entry 2 replays entry 1
    status, _, err = run(workflow(tmp_path, candidates="[1, 2]"))
    assert status == 3 and "entry 2 (" in err and "(and 1 earlier entry)" in err
    assert run(workflow(tmp_path, candidates="[1, 2]"), "--supersede", "1")[0] == 0


def test_supersede_accepts_the_entries_up_to_the_one_named(tmp_path):
    assert run(workflow(tmp_path))[0] == 0
    assert run(workflow(tmp_path, candidates="[1, 2]"), "--supersede", "1")[0] == 0
    status, _, err = run(workflow(tmp_path, candidates="[3, 4]"), "--supersede", "1")
    assert status == 3 and codes(err) == ["HP304"] and "entry 2 (" in err and "--supersede 2" in err
    final = report(workflow(tmp_path, candidates="[3, 4]"), "--supersede", "2")
    assert final["ledger"]["test"]["versions"] == 3 and final["ledger"]["test"]["supersedes"] == 2


def test_no_ledger_records_nothing_and_never_claims_read_once(tmp_path, private_ledger):
    status, out, err = run(workflow(tmp_path), "--no-ledger")
    assert status == 0, err
    assert "read once in this run" in out
    assert "not recorded (--no-ledger)" in out and "cannot claim they were read once" in out
    assert not os.path.exists(private_ledger)
    data = report(workflow(tmp_path), "--no-ledger")
    assert data["ledger"] == {"recorded": False, "reason": "--no-ledger"}
    status, _, err = run(workflow(tmp_path), "--no-ledger", "--supersede", "1")
    assert status == 2 and "--no-ledger" in err


def test_a_run_killed_after_its_look_still_counts(tmp_path, private_ledger):
    """The look is committed before the test step scores: a process that dies right
    after it (here by os._exit, as a kill would) leaves a look without a score."""
    path = workflow(tmp_path)
    program = f"""
import os, sys
from hpdsl.checker import check_text
from hpdsl.ledger.record import Recorder
from hpdsl.ledger.store import Ledger
from hpdsl.runtime import Options, run

class Killed(Recorder):
    def before_test(self, run, step):
        super().before_test(run, step)
        os._exit(137)

text = open({path!r}).read()
recorder = Killed(Ledger({str(private_ledger)!r}), {path!r})
run(check_text(text, {path!r}), Options(ledger=recorder))
"""
    died = subprocess.run([sys.executable, "-c", program], capture_output=True)
    assert died.returncode == 137, died.stderr
    listed = ledger_json("list")[1]
    assert [(e["status"], e["test_scores"]) for e in listed] == [("look", None)]
    status, _, err = run(workflow(tmp_path, candidates="[5, 6]"))
    assert status == 3 and codes(err) == ["HP304"] and "entry 1 (" in err


# ---- hpdsl ledger list / show / verify -------------------------------------------------------------


def test_list_show_and_verify(tmp_path):
    assert run(workflow(tmp_path))[0] == 0
    assert run(workflow(tmp_path, data_seed=6))[0] == 0
    table = hpdsl("ledger", "list").stdout.decode()
    assert table.splitlines()[0].split()[:4] == ["entry", "time", "(UTC)", "workflow"]
    assert re.search(r"^2 .* mse \S+ +1 \(1 version\) +look$", table, re.M)
    status, shown = ledger_json("show", "2")
    assert status == 0
    assert shown["id"] == 2 and shown["status"] == "look" and shown["test_split"] == "test"
    assert shown["splits"]["train"]["read_for"] == ["fit", "standardize"]
    assert set(shown["result"]["scores"]) == {"mse", "rmse", "mae", "r2"}
    assert shown["identity"]["overrides"] == []
    status, verified = ledger_json("verify")
    assert status == 0 and verified["ok"] and verified["entries"] == 2
    assert hpdsl("ledger", "show", "9").returncode == 2


def test_ledger_commands_without_a_ledger_are_usage_errors(tmp_path):
    result = hpdsl("ledger", "list", "--ledger", str(tmp_path / "none.sqlite"))
    assert result.returncode == 2 and b"no test-use ledger" in result.stderr
    assert not (tmp_path / "none.sqlite").exists()


def tampered(private_ledger, sql: str, params=()) -> tuple[int, dict]:
    with sqlite3.connect(private_ledger) as connection:
        connection.execute(sql, params)
    return ledger_json("verify")


@pytest.fixture
def three_entries(tmp_path, private_ledger):
    for seed in (4, 5, 6):
        assert run(workflow(tmp_path, data_seed=seed))[0] == 0
    assert ledger_json("verify")[1]["ok"]
    return private_ledger


def test_verify_finds_an_edited_entry(three_entries):
    status, found = tampered(three_entries, "UPDATE hpdsl_entries SET looks = 0 WHERE id = 2")
    assert status == 1 and found["broken_at"] == 2 and "edited" in found["reason"]
    text = hpdsl("ledger", "verify").stdout.decode()
    assert text.startswith("ledger broken at entry 2:")


def test_verify_finds_a_deleted_entry(three_entries):
    status, found = tampered(three_entries, "DELETE FROM hpdsl_entries WHERE id = 2")
    assert status == 1 and found["broken_at"] == 2 and "missing" in found["reason"]


def test_verify_finds_a_rehashed_entry_by_its_broken_link(three_entries):
    from hpdsl.ledger.store import entry_hash

    with sqlite3.connect(three_entries) as connection:
        connection.row_factory = sqlite3.Row
        row = dict(connection.execute("SELECT * FROM hpdsl_entries WHERE id = 2").fetchone())
        row["looks"] = 5
        connection.execute("UPDATE hpdsl_entries SET looks = 5, hash = ? WHERE id = 2", (entry_hash(row),))
    status, found = ledger_json("verify")
    assert status == 1 and found["broken_at"] == 3 and "does not link" in found["reason"]


def test_verify_finds_altered_fingerprints_and_results(three_entries):
    status, found = tampered(three_entries, "UPDATE hpdsl_results SET result = '{}' WHERE entry = 3")
    assert status == 1 and found["broken_at"] == 3
    with sqlite3.connect(three_entries) as connection:
        connection.execute("UPDATE hpdsl_results SET result = (SELECT result FROM hpdsl_results WHERE entry = 1) "
                           "WHERE entry = 3")
        digest = json.loads(connection.execute("SELECT splits FROM hpdsl_entries WHERE id = 1").fetchone()[0])
        digest = digest["test"]["rowset"]
        connection.execute("UPDATE hpdsl_rowsets SET data = zeroblob(8) WHERE digest = ?", (digest,))
    status, found = ledger_json("verify")
    assert status == 1 and found["broken_at"] == 1 and "fingerprints" in found["reason"]


def test_verify_checks_the_schema(three_entries):
    status, found = tampered(three_entries, "ALTER TABLE hpdsl_entries ADD COLUMN note TEXT")
    assert status == 1 and found["broken_at"] is None and "hpdsl_entries" in found["reason"]


# ---- concurrency ---------------------------------------------------------------------------------------


def concurrent_runs(tmp_path, ledger: str, count: int = 16) -> list[subprocess.CompletedProcess]:
    """`count` real processes, each a different version (and data) of the workflow, started
    together against one ledger."""
    env = {**os.environ, "HPDSL_LEDGER": ledger}
    processes = [subprocess.Popen([*hpdsl_command(), "run", workflow(tmp_path, f"w{k}.hp", data_seed=100 + k,
                                                                      candidates=f"[0.1, {k + 1}]"), "--quiet"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
                 for k in range(count)]
    return [(p.wait(timeout=600), p.stderr.read().decode()) for p in processes]


def test_sixteen_concurrent_runs_against_one_sqlite_ledger(tmp_path, private_ledger):
    results = concurrent_runs(tmp_path, str(private_ledger))
    assert [status for status, _ in results] == [0] * 16, [err for _, err in results if err]
    listed = ledger_json("list")[1]
    assert [e["entry"] for e in listed] == list(range(1, 17))
    assert {e["status"] for e in listed} == {"look"}
    assert sorted(e["workflow"] for e in listed) == sorted(str(tmp_path / f"w{k}.hp") for k in range(16))
    assert all(e["test_scores"] is not None for e in listed)
    status, verified = ledger_json("verify")
    assert status == 0 and verified["entries"] == 16


def test_concurrent_versions_on_the_same_test_rows_get_exactly_one_look(tmp_path, private_ledger):
    """The check and the look are one serialized transaction: of 16 versions racing for
    the same test rows, one scores; each other is refused, early (no entry, nothing read)
    or, if it had already trained when the winner's look landed, with a recorded refusal."""
    env = {**os.environ, "HPDSL_LEDGER": str(private_ledger)}
    processes = [subprocess.Popen([*hpdsl_command(), "run", workflow(tmp_path, f"v{k}.hp", candidates=f"[0.1, {k + 1}]"),
                                   "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
                 for k in range(16)]
    results = [(p.wait(timeout=600), p.stderr.read().decode()) for p in processes]
    assert sorted(status for status, _ in results) == [0] + [3] * 15
    assert all(codes(err) == ["HP304"] for status, err in results if status == 3)
    listed = ledger_json("list")[1]
    assert [e["status"] for e in listed].count("look") == 1
    assert {e["status"] for e in listed} <= {"look", "refused HP304"}
    assert ledger_json("verify")[0] == 0


# ---- where the ledger lives -------------------------------------------------------------------------


def test_the_default_ledger_is_at_the_nearest_project_root(tmp_path, monkeypatch):
    monkeypatch.delenv("HPDSL_LEDGER")
    project = tmp_path / "project"
    (project / "experiments" / "a").mkdir(parents=True)
    (project / ".git").mkdir()
    assert default_location(str(project / "experiments" / "a")) == str(project / ".hpdsl" / "ledger.sqlite")
    (project / "experiments" / ".hpdsl").mkdir()
    assert default_location(str(project / "experiments" / "a")) == str(
        project / "experiments" / ".hpdsl" / "ledger.sqlite")
    lone = tmp_path / "lone"
    lone.mkdir()
    if not any(os.path.exists(os.path.join(p, m)) for p in [str(tmp_path), *map(str, tmp_path.parents)]
               for m in (".git", ".hg", ".hpdsl")):
        assert default_location(str(lone)) == str(lone / ".hpdsl" / "ledger.sqlite")
    assert location("elsewhere.sqlite", str(lone)) == "elsewhere.sqlite"
    monkeypatch.setenv("HPDSL_LEDGER", "from-env.sqlite")
    assert location(None, str(lone)) == "from-env.sqlite"
    assert location("flag.sqlite", str(lone)) == "flag.sqlite"


def test_a_run_writes_the_ledger_at_the_project_root(tmp_path, monkeypatch):
    monkeypatch.delenv("HPDSL_LEDGER")
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    (project / ".hg").mkdir()
    path = workflow(project / "sub")
    status, out, err = run(path)
    assert status == 0, err
    assert (project / ".hpdsl" / "ledger.sqlite").is_file()
    assert f"in {project / '.hpdsl' / 'ledger.sqlite'}:" in out
    listed = hpdsl("ledger", "list", "--json", cwd=str(project / "sub"))
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 1


def test_an_unwritable_ledger_is_a_clear_usage_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    status, _, err = run(workflow(tmp_path), "--ledger", str(blocker / "ledger.sqlite"))
    assert status == 2 and "cannot open the test-use ledger" in err and "Traceback" not in err
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    status, _, err = run(workflow(tmp_path), "--ledger", str(garbage))
    assert status == 2 and "cannot open the test-use ledger" in err and "Traceback" not in err


# ---- the README's commands ----------------------------------------------------------------------


def test_the_readme_ledger_commands_do_what_their_comments_say(tmp_path, monkeypatch):
    """The README's ledger block, run as written from a copy of the project's layout."""
    from helpers import ROOT

    monkeypatch.delenv("HPDSL_LEDGER")
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    block = readme.split("## Test-use ledger")[1].split("```console\n")[1].split("```")[0]
    (tmp_path / ".git").mkdir()
    (tmp_path / "examples").mkdir()
    with open(QUICKSTART, encoding="utf-8") as handle:
        (tmp_path / "examples" / "quickstart.hp").write_text(handle.read(), encoding="utf-8")
    expected = {0: 0, 1: 3, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0}
    lines = [line[2:].split("#")[0].split() for line in block.splitlines() if line.startswith("$ ")]
    assert len(lines) == len(expected)
    outputs = []
    for index, words in enumerate(lines):
        assert words[0] == "hpdsl"
        result = hpdsl(*words[1:], cwd=str(tmp_path))
        assert result.returncode == expected[index], (words, result.stderr.decode())
        outputs.append(result.stdout.decode() + result.stderr.decode())
    assert "error[HP304]" in outputs[1] and "entry 1 (" in outputs[1] and "--set l2=1 was 0" in outputs[1]
    assert "test rows scored by 2 versions" in outputs[2]
    assert "test rows scored by 2 versions in 3 looks" in outputs[3]
    assert outputs[6].startswith("ledger ok: 3 entries")
    assert (tmp_path / "demo.sqlite").is_file() and not (tmp_path / ".hpdsl").exists()


def test_what_changed_reads_domains_as_written_and_names_steps_with_their_article():
    from hpdsl.ledger.identity import canonical, changes
    from hpdsl.syntax import parse_bytes

    def identity(hyper: str, steps: str) -> dict:
        text = ("data d = synthetic(rows: 100, features: 2, noise: 0.1, seed: 1)\n"
                "split d -> train 60%, validation 20%, test 20% seed 3\nmodel ridge\n"
                f"hyper {{\n    l2: float in {hyper} = 1.0\n}}\n{steps}test on test\n")
        program = parse_bytes(text.encode(), "w.hp").program
        assert program is not None
        return canonical(program)

    before = identity("[0, 10]", "train on train\nevaluate on validation report mse\n")
    after = identity("(0, inf)", "train on train\n")
    said = changes(before, after)
    assert "the hyper block's l2 domain changed ([0, 10] -> (0, inf))" in said
    assert any(phrase.startswith("an evaluate step was removed") for phrase in said)
    assert changes(before, identity("{0.1, 1}", "train on train\nevaluate on validation report mse\n")) == [
        "the hyper block's l2 domain changed ([0, 10] -> {0.1, 1})"]
