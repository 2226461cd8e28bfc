"""`hpdsl run` end to end, in a fresh process as a user runs it: exit codes, --out, --json,
--quiet, --set, --strict, --max-trials, --plots, and every example workflow."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time

import pytest
from helpers import EXAMPLES, hpdsl, hpdsl_command

QUICKSTART = os.path.join(EXAMPLES, "quickstart.hp")

pytestmark = pytest.mark.slow


def read(path) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def without_timings(path) -> dict:
    """The report without what differs between two runs by design: timings, and the
    test-use ledger's account of the history (its entry number grows)."""
    with open(path) as handle:
        data = json.load(handle)
    data.pop("timings")
    data.pop("ledger")
    return data


def test_quickstart_runs_end_to_end_and_prints_a_summary():
    result = hpdsl("run", QUICKSTART)
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert "quickstart" in out and "test on test: mse" in out
    assert "audit   test rows (400) read once, by test at line 29" in out


def test_out_writes_report_and_trials_and_is_deterministic(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b" / "nested"
    for folder in (first, second):
        result = hpdsl("run", QUICKSTART, "--out", str(folder), "--quiet")
        assert result.returncode == 0, result.stderr.decode()
        assert result.stdout == b""
    assert sorted(os.listdir(first)) == [".hpdsl-manifest.json", "model.json", "report.json", "trials.csv"]
    assert without_timings(first / "report.json") == without_timings(second / "report.json")
    strip = re.compile(rb'"timings": \{.*', re.DOTALL)
    assert strip.sub(b"", (first / "report.json").read_bytes()) == strip.sub(b"", (second / "report.json").read_bytes())
    assert (first / "trials.csv").read_bytes() == (second / "trials.csv").read_bytes()
    assert (first / "model.json").read_bytes() == (second / "model.json").read_bytes()


def test_json_prints_the_report():
    result = hpdsl("run", QUICKSTART, "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["workflow"]["title"] == "quickstart"


def test_set_overrides_a_hyperparameter_and_is_recorded():
    result = hpdsl("run", QUICKSTART, "--json", "--set", "epochs=20", "--set", "l2=0.5")
    assert result.returncode == 0, result.stderr.decode()
    data = json.loads(result.stdout)
    assert [o["text"] for o in data["overrides"]] == ["epochs=20", "l2=0.5"]
    assert data["hypers"]["epochs"] == 20


def test_an_invalid_set_is_a_check_error_on_the_command_line():
    result = hpdsl("run", QUICKSTART, "--set", "l2=500")
    assert result.returncode == 1
    assert result.stderr.decode().startswith("<command line>:1:10: error[HP004]")
    assert result.stdout == b""


def test_check_errors_exit_1_and_strict_makes_warnings_errors(tmp_path):
    broken = tmp_path / "broken.hp"
    broken.write_text(read(QUICKSTART).replace("test on test report", "evaluate on test report"))
    result = hpdsl("run", str(broken), "--out", str(tmp_path / "out"))
    assert result.returncode == 1 and b"error[HP105]" in result.stderr
    assert not (tmp_path / "out").exists()
    warned = tmp_path / "warned.hp"
    warned.write_text(read(QUICKSTART).replace("test on test report mse, rmse, mae, r2\n", ""))
    assert hpdsl("run", str(warned), "--quiet").returncode == 0
    strict = hpdsl("run", str(warned), "--strict")
    assert strict.returncode == 1 and b"warning[HP203]" in strict.stderr


def test_max_trials_refuses_with_exit_2():
    result = hpdsl("run", QUICKSTART, "--max-trials", "10")
    assert result.returncode == 2
    assert b"the tune has 15 candidates, more than --max-trials 10" in result.stderr


def test_plots_need_out_and_write_png_files(tmp_path):
    assert hpdsl("run", QUICKSTART, "--plots").returncode == 2
    result = hpdsl("run", QUICKSTART, "--plots", "--quiet", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr.decode()
    pngs = sorted(name for name in os.listdir(tmp_path) if name.endswith(".png"))
    assert pngs == ["train_line23.png", "tune_line28_l2.png", "tune_line28_learning_rate.png"]
    assert (tmp_path / "train_line23.png").read_bytes().startswith(b"\x89PNG")


def test_a_runtime_error_exits_3_with_the_diagnostic(tmp_path):
    diverging = tmp_path / "diverging.hp"
    diverging.write_text(
        f'data d = csv("{os.path.join(EXAMPLES, "data", "diabetes.csv")}", target: "target")\n'
        "split d -> train 80%, test 20%\n"
        "model linear_regression\n"
        "hyper {\n    learning_rate: float in (0, 10] = 5\n}\n"
        "train on train\ntest on test\n")
    result = hpdsl("run", str(diverging), "--out", str(tmp_path / "out"))
    stderr = result.stderr.decode()
    assert result.returncode == 3
    assert "error[HP301]" in stderr and "would diverge" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "out").exists()


def workflows() -> list[tuple[str, str]]:
    """Every .hp file in examples/ (the reference's workflow blocks run in test_docs.py)."""
    found = []
    for folder, _, names in sorted(os.walk(EXAMPLES)):
        found.extend((os.path.join(folder, name), None) for name in sorted(names) if name.endswith(".hp"))
    return found


@pytest.mark.parametrize("path, text", workflows(), ids=lambda x: os.path.basename(x) if isinstance(x, str) else "")
def test_every_example_and_documented_workflow_runs_or_is_rejected_cleanly(tmp_path, path, text):
    if text is not None:
        path = str(tmp_path / "documented.hp")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.symlink(os.path.join(EXAMPLES, "data"), tmp_path / "data")  # documented csv paths
    check = hpdsl("check", path)
    result = hpdsl("run", path, "--quiet", "--out", str(tmp_path / "out"))
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr
    if check.returncode == 0:
        assert result.returncode == 0, stderr
        assert (tmp_path / "out" / "report.json").exists()
    else:
        assert result.returncode == 1, stderr


def test_a_workflow_read_from_stdin_runs_in_the_working_folder(tmp_path):
    result = hpdsl("run", "-", "--json", stdin=read(QUICKSTART).encode(), cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout)["workflow"]["path"] == "<stdin>"


def test_the_progress_bar_appears_only_for_lasting_work(capsys, monkeypatch):
    from hpdsl.runtime import command

    clock = iter([0.0, 0.2, 1.0, 1.05, 2.0])
    monkeypatch.setattr(command.time, "monotonic", lambda: next(clock))
    bar = command.Progress()
    bar("tune line 3", 1, 10)  # just started: nothing
    bar("tune line 3", 2, 10)  # 0.2 s: still nothing
    bar("tune line 3", 5, 10)  # 1 s: drawn
    bar("tune line 3", 6, 10)  # 50 ms later: not redrawn
    bar("tune line 3", 10, 10)
    bar.clear()
    err = capsys.readouterr().err
    assert err.count("tune line 3 [") == 2 and "5/10" in err and "10/10" in err and "6/10" not in err


def test_the_run_command_loads_numpy_only_after_choosing_the_blas_threads():
    import sys

    code = ("import sys, os; import hpdsl.runtime.command; "
            "print('numpy' in sys.modules, os.environ['OPENBLAS_NUM_THREADS'])")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, check=True)
    assert out.stdout.split() == [b"False", b"1"]


@pytest.mark.parametrize("args", [("run", QUICKSTART, "--json"), ("run", QUICKSTART), ("rules",), ("explain", "HP103"),
                                  ("fmt", "-")])
def test_a_full_disk_on_stdout_is_one_line_and_exit_2_for_every_command(args):
    with open(QUICKSTART, "rb") as source, open("/dev/full", "wb") as full:
        result = subprocess.run([*hpdsl_command(), *args], stdin=source, stdout=full, stderr=subprocess.PIPE)
    assert (result.returncode, result.stderr) == (2, b"hpdsl: cannot write to stdout: No space left on device\n")


def test_a_closed_stdout_fails_the_run_after_its_folder_is_written(tmp_path):
    """The --out folder is complete (it was written first); the report that could not be
    printed is the failure, exit 2, as for every command."""
    result = subprocess.run([*hpdsl_command(), "run", QUICKSTART, "--json", "--out", str(tmp_path / "out")],
                            stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1))
    assert (result.returncode, result.stderr) == (2, b"hpdsl: cannot write to stdout: stdout is closed\n")
    assert json.loads((tmp_path / "out" / "report.json").read_bytes())["workflow"]["title"] == "quickstart"


def test_a_closed_stdin_is_an_unreadable_workflow(tmp_path):
    result = subprocess.run([*hpdsl_command(), "run", "-", "--out", str(tmp_path / "out")],
                            capture_output=True, preexec_fn=lambda: os.close(0))
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr == b"hpdsl: cannot read -: stdin is closed\n"
    assert not (tmp_path / "out").exists()


def test_ctrl_c_during_a_run_exits_130_and_leaves_the_previous_run(tmp_path):
    out = tmp_path / "out"
    assert hpdsl("run", QUICKSTART, "--quiet", "--out", str(out)).returncode == 0
    before = (out / "report.json").read_bytes()
    slow = tmp_path / "slow.hp"
    slow.write_text(read(QUICKSTART).replace("logspace(-4, 0, 5)", "logspace(-4, 0, 200)"))
    process = subprocess.Popen([*hpdsl_command(), "run", str(slow), "--max-trials", "1000", "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    # The run locks --out (and writes its pid into the lock file) before the first step.
    while (tmp_path / ".out.hpdsl-lock").read_text() != f"{process.pid}\n" and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert (process.returncode, stdout, stderr) == (130, b"", b"hpdsl: interrupted\n")
    assert (out / "report.json").read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == [".out.hpdsl-lock", "out", "slow.hp"]
