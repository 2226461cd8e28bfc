"""The ledger on PostgreSQL: the same schema, rules and chain, against a real server this
module starts itself (initdb + pg_ctl on 127.0.0.1, a random free port, trust
authentication for local connections only), stopped in teardown.

initdb and the server refuse to run as root, so under root they run as the `postgres`
user. Where no server binaries exist the tests skip, except under CI (CI=true), where
that is a failure: .ci/run installs them.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile

import numpy as np
import psycopg  # in the test extra
import pytest

from helpers import hpdsl, hpdsl_command

from test_ledger import codes, workflow


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}")
    pytest.skip(reason)


def _bin_dir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """A PostgreSQL server for this module; yields a function making a fresh database URL."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        _unavailable("no PostgreSQL server binaries (initdb) on this machine")
    as_user: list[str] = []
    folder = tempfile.mkdtemp(prefix="hpdsl-pg-")
    if os.geteuid() == 0:
        try:
            import pwd

            account = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder)
            _unavailable("running as root, and there is no 'postgres' user to run the server as")
        os.chown(folder, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = os.path.join(folder, "data")
    port = _free_port()

    def tool(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*as_user, *args], capture_output=True, text=True, timeout=120)

    made = tool(os.path.join(bin_dir, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
    if made.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        _unavailable(f"initdb failed: {made.stderr.strip()[-500:]}")
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off -c max_connections=60"
    started = tool(os.path.join(bin_dir, "pg_ctl"), "-D", data, "-o", options, "-l", os.path.join(folder, "log"),
                   "-w", "-t", "60", "start")
    if started.returncode != 0:
        log = open(os.path.join(folder, "log")).read()[-800:] if os.path.exists(os.path.join(folder, "log")) else ""
        shutil.rmtree(folder, ignore_errors=True)
        _unavailable(f"the server did not start: {started.stderr.strip()[-300:]} {log}")
    admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    made_databases = []

    def database() -> str:
        name = f"ledger_{len(made_databases) + 1}"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        made_databases.append(name)
        return f"postgresql://postgres@127.0.0.1:{port}/{name}"

    try:
        yield database
    finally:
        tool(os.path.join(bin_dir, "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def url(server) -> str:
    return server()


def run(*args):
    result = hpdsl("run", *args)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def ledger_json(*args):
    result = hpdsl("ledger", *args, "--json")
    return result.returncode, json.loads(result.stdout) if result.stdout else None


def test_the_set_loop_on_postgresql(tmp_path, url, private_ledger):
    path = workflow(tmp_path)
    status, out, err = run(path, "--ledger", url, "--set", "l2=0")
    assert status == 0, err
    status, _, err = run(path, "--ledger", url, "--set", "l2=1")
    assert status == 3 and codes(err) == ["HP304"] and "--set l2=1 was 0" in err and "entry 1 (" in err
    status, out, err = run(path, "--ledger", url, "--set", "l2=1", "--supersede", "1")
    assert status == 0, err
    assert "test rows scored by 2 versions" in out
    status, listed = ledger_json("list", "--ledger", url)
    assert status == 0 and [(e["entry"], e["supersedes"]) for e in listed] == [(1, None), (2, 1)]
    assert not os.path.exists(private_ledger)  # nothing went to the SQLite default


def test_a_new_split_seed_on_postgresql_is_hp305(tmp_path, url):
    assert run(workflow(tmp_path), "--ledger", url)[0] == 0
    status, _, err = run(workflow(tmp_path, split_seed=3), "--ledger", url)
    assert status == 3 and codes(err) == ["HP305"]


def test_sixteen_concurrent_runs_against_postgresql(tmp_path, url):
    processes = [subprocess.Popen([*hpdsl_command(), "run", workflow(tmp_path, f"w{k}.hp", data_seed=200 + k,
                                                                      candidates=f"[0.1, {k + 1}]"),
                                   "--quiet", "--ledger", url], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for k in range(16)]
    results = [(p.wait(timeout=600), p.stderr.read().decode()) for p in processes]
    assert [status for status, _ in results] == [0] * 16, [err for _, err in results if err]
    status, listed = ledger_json("list", "--ledger", url)
    assert [e["entry"] for e in listed] == list(range(1, 17))
    assert {e["status"] for e in listed} == {"look"} and all(e["test_scores"] for e in listed)
    status, verified = ledger_json("verify", "--ledger", url)
    assert status == 0 and verified["ok"] and verified["entries"] == 16


def test_tampering_on_postgresql_fails_verify_at_that_entry(tmp_path, url):
    for seed in (4, 5, 6):
        assert run(workflow(tmp_path, data_seed=seed), "--ledger", url)[0] == 0
    assert ledger_json("verify", "--ledger", url)[0] == 0
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("UPDATE hpdsl_entries SET data_sha256 = 'x' WHERE id = 2")
    status, found = ledger_json("verify", "--ledger", url)
    assert status == 1 and found["broken_at"] == 2
    result = hpdsl("ledger", "verify", "--ledger", url)
    assert result.returncode == 1 and result.stdout.decode().startswith("ledger broken at entry 2:")


def test_an_unreachable_server_is_a_clear_usage_error(tmp_path):
    url = f"postgresql://postgres@127.0.0.1:{_free_port()}/none"
    status, _, err = run(workflow(tmp_path), "--ledger", url)
    assert status == 2 and "cannot open the test-use ledger" in err and "Traceback" not in err


def test_a_predict_on_recorded_test_rows_is_recorded_on_postgresql(tmp_path, url, private_ledger):
    from test_ledger_predict import WORKFLOW, write_csv

    rng = np.random.default_rng(3)
    X = rng.normal(size=(100, 3)).round(3)
    write_csv(tmp_path / "d.csv", ["a", "b", "c", "y"], np.column_stack([X, X @ [1.0, 2.0, 3.0]]).tolist())
    (tmp_path / "w.hp").write_text(WORKFLOW.replace("{candidates}", "[0.1, 1]"), encoding="utf-8")
    status, _, err = run(str(tmp_path / "w.hp"), "--ledger", url, "--out", str(tmp_path / "out"))
    assert status == 0, err
    result = hpdsl("predict", str(tmp_path / "out"), "--data", str(tmp_path / "d.csv"), "--ledger", url, "--json")
    assert result.returncode == 0, result.stderr.decode()
    found = json.loads(result.stdout)["ledger"]
    assert (found["entry"], found["test_rows"]) == (2, 20) and found["metrics"]["r2"] is not None
    status, listed = ledger_json("list", "--ledger", url)
    assert [(e["entry"], e["status"]) for e in listed] == [(1, "look"), (2, "predict")]
    status, verified = ledger_json("verify", "--ledger", url)
    assert status == 0 and verified["ok"] and verified["entries"] == 2
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("UPDATE hpdsl_entries SET looks = 9 WHERE id = 2")
    assert ledger_json("verify", "--ledger", url)[1]["broken_at"] == 2
    assert not os.path.exists(private_ledger)  # nothing went to the SQLite default
