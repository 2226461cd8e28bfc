"""The --out folder is one transaction: real `hpdsl run` processes killed (SIGKILL, SIGINT,
SIGTERM) at many instants, run side by side, refused a folder they cannot use, or stopped
by a write that fails; after each, the folder holds one complete run or the previous one."""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import time

import pytest
from helpers import EXAMPLES, hpdsl, hpdsl_command

from hpdsl.runtime.outputs import MANIFEST, OutputError, OutputFolder, recover, verify_folder, write_folder

pytestmark = pytest.mark.slow

QUICKSTART = os.path.join(EXAMPLES, "quickstart.hp")


def workflow(seed: int) -> bytes:
    """A small tuned ridge workflow; each seed gives other data, so another run."""
    return (
        f"data d = synthetic(rows: 200, features: 3, noise: 0.1, seed: {seed})\n"
        "split d -> train 60%, validation 20%, test 20% seed 7\n"
        "model ridge\n"
        "hyper {\n    l2: float in [0, 1000] = 1.0\n}\n"
        f"tune l2 in [0.01, 0.1, 1, 10, {seed + 11}] on validation minimize mse\n"
        "test on test report mse\n"
    ).encode()


def run_id(folder) -> str:
    """The run a folder holds (the workflow's SHA-256), after checking that it is one
    complete, consistent run: exactly the files its manifest lists, with those bytes, and
    a trials.csv that is the table of the trials in report.json."""
    verify_folder(str(folder))
    report = json.loads((folder / "report.json").read_bytes())
    header, *rows = csv.reader(io.StringIO((folder / "trials.csv").read_text()))
    names = header[2:header.index("score")]
    trials = [(step["line"], index + 1, [trial["hypers"][name] for name in names], trial["score"])
              for step in report["steps"] if step["kind"] == "tune"
              for index, trial in enumerate(step["trials"])]
    assert [(int(r[0]), int(r[1]), [float(x) for x in r[2:2 + len(names)]], float(r[2 + len(names)]))
            for r in rows] == trials
    return report["workflow"]["sha256"]


def start(path, out, *extra) -> subprocess.Popen:
    return subprocess.Popen([*hpdsl_command(), "run", str(path), "--quiet", "--out", str(out), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def leftovers(parent, out) -> list[str]:
    """What lies beside the output folder besides it and its lock file."""
    return sorted(set(os.listdir(parent)) - {out.name, f".{out.name}.hpdsl-lock"})


def wait_for_stage(parent, process: subprocess.Popen, deadline: float) -> bool:
    """Poll until the run has begun staging its folder (or has ended)."""
    while process.poll() is None and time.monotonic() < deadline:
        if any(".hpdsl-new-" in name for name in os.listdir(parent)):
            return True
        time.sleep(0.0005)
    return False


def test_a_run_killed_at_any_instant_leaves_one_complete_run_or_the_previous(tmp_path):
    """30 SIGKILLs at seeded random instants: half anywhere from start-up to past the end,
    half just after the run starts staging its folder (writing, fsync, swap, cleanup)."""
    work, parent = tmp_path / "work", tmp_path / "outs"
    work.mkdir()
    parent.mkdir()
    out = parent / "out"
    ids, plotted = {}, {}

    def prepare(seed: int, plots: bool):
        path = work / f"w{seed}.hp"
        path.write_bytes(workflow(seed))
        ids[seed] = hashlib.sha256(workflow(seed)).hexdigest()
        plotted[ids[seed]] = plots
        return path, ("--plots",) if plots else ()

    path, flags = prepare(0, False)
    began = time.monotonic()
    assert start(path, out, *flags).wait() == 0
    full = time.monotonic() - began
    previous = run_id(out)
    rng = random.Random(8)
    outcomes = {"previous": 0, "new": 0, "staged": 0}
    for seed in range(1, 31):
        path, flags = prepare(seed, plots=seed % 10 == 0)
        process = start(path, out, *flags)
        began = time.monotonic()
        if seed % 2:
            time.sleep(rng.uniform(0, 1.5 * full))
        elif wait_for_stage(parent, process, began + 30):
            time.sleep(rng.choice([0, 0, rng.uniform(0, 0.01)]))
        process.kill()
        process.wait()
        now = run_id(out)
        assert now in (previous, ids[seed]), f"kill {seed}: a run that is neither the previous nor this one"
        pngs = sorted(name for name in os.listdir(out) if name.endswith(".png"))
        assert pngs == (["tune_line7_l2.png"] if plotted[now] else []), f"kill {seed}: stale or missing plots"
        outcomes["new" if now == ids[seed] and now != previous else "previous"] += 1
        stray = leftovers(parent, out)
        assert all(name.startswith(".out.hpdsl-new-") or name.startswith(".out.hpdsl-old-") for name in stray), stray
        outcomes["staged"] += bool(stray)
        previous = now
    # Both sides of the swap were hit, and some kills landed while a folder was staged.
    assert outcomes["previous"] and outcomes["new"] and outcomes["staged"], outcomes
    path, flags = prepare(99, False)
    result = start(path, out)
    assert result.wait() == 0, result.stderr.read().decode()
    assert run_id(out) == ids[99]
    assert leftovers(parent, out) == []


def test_two_runs_into_one_folder_never_interleave(tmp_path):
    (tmp_path / "a.hp").write_bytes(quickstart_bytes())
    (tmp_path / "b.hp").write_bytes(quickstart_bytes().replace(b"seed: 1)", b"seed: 2)"))
    out = tmp_path / "out"
    first, second = start(tmp_path / "a.hp", out), start(tmp_path / "b.hp", out)
    codes = [first.wait(), second.wait()]
    errors = [first.stderr.read().decode(), second.stderr.read().decode()]
    assert 0 in codes and set(codes) <= {0, 2}, errors
    for code, error in zip(codes, errors):
        if code == 2:
            assert "another hpdsl run (process" in error and "is writing --out" in error
    verify_folder(str(out))
    report = json.loads((out / "report.json").read_bytes())
    tuned = [t for s in report["steps"] if s["kind"] == "tune" for t in s["trials"]]
    assert len((out / "trials.csv").read_text().splitlines()) == len(tuned) + 1
    assert leftovers(tmp_path, out) == ["a.hp", "b.hp"]


def quickstart_bytes() -> bytes:
    with open(QUICKSTART, "rb") as handle:
        return handle.read()


def test_a_folder_locked_by_another_run_is_refused_before_the_work(tmp_path):
    out = tmp_path / "out"
    assert hpdsl("run", QUICKSTART, "--quiet", "--out", str(out)).returncode == 0
    before = run_id(out)
    with open(tmp_path / ".out.hpdsl-lock", "r+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock.write("4242\n")
        lock.flush()
        result = hpdsl("run", QUICKSTART, "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.decode() == (f"hpdsl: another hpdsl run (process 4242) is writing --out {out}; "
                                      "wait for it to finish or choose another folder\n")
    assert result.stdout == b"" and run_id(out) == before


def test_ctrl_c_and_sigterm_at_any_instant_exit_130_and_143_with_a_clean_folder(tmp_path):
    work, parent = tmp_path / "work", tmp_path / "outs"
    work.mkdir()
    parent.mkdir()
    out = parent / "out"
    (work / "w0.hp").write_bytes(workflow(0))
    assert start(work / "w0.hp", out).wait() == 0
    rng = random.Random(130)
    interrupted = 0
    for seed in range(1, 13):
        sig = signal.SIGINT if seed % 2 else signal.SIGTERM
        (work / f"w{seed}.hp").write_bytes(workflow(seed))
        process = start(work / f"w{seed}.hp", out)
        # Once hpdsl holds the lock (its pid is in the lock file), a signal is hpdsl's to
        # answer; before that, Python's own start-up may meet it.
        deadline = time.monotonic() + 30
        while (parent / ".out.hpdsl-lock").read_text() != f"{process.pid}\n" and time.monotonic() < deadline:
            time.sleep(0.001)
        if seed % 3:
            time.sleep(rng.uniform(0, 0.2))
        else:
            wait_for_stage(parent, process, deadline)
        process.send_signal(sig)
        code = process.wait()
        stderr = process.stderr.read().decode()
        assert code in (0, 128 + sig, -sig), (seed, code, stderr)
        assert "Traceback" not in stderr and "FileNotFoundError" not in stderr, stderr
        if code == 128 + sig:
            interrupted += 1
            assert stderr.endswith("hpdsl: interrupted\n" if sig == signal.SIGINT else "hpdsl: terminated\n")
        finished = run_id(out) == hashlib.sha256(workflow(seed)).hexdigest()
        # 0: the run had finished; -signal: the signal came while the interpreter was
        # shutting down after it (Python restores the default handlers then).
        assert code == 128 + sig or finished, (seed, code)
        assert leftovers(parent, out) == [], (seed, code)
    assert interrupted >= 4, interrupted


def test_a_failed_write_keeps_the_previous_run_and_leaves_nothing(tmp_path):
    """A write that fails on a later file (here the PNG, over a file-size limit the
    kernel enforces, as a full disk would) leaves the previous run whole: exit 3."""
    out = tmp_path / "out"
    (tmp_path / "w0.hp").write_bytes(workflow(0))
    (tmp_path / "w1.hp").write_bytes(workflow(1))
    assert hpdsl("run", str(tmp_path / "w0.hp"), "--quiet", "--out", str(out)).returncode == 0
    before = run_id(out)

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (12_000, 12_000))

    # --no-ledger: the limit would stop the ledger's database first, and this is about --out
    result = subprocess.run([*hpdsl_command(), "run", str(tmp_path / "w1.hp"), "--plots", "--out", str(out),
                             "--no-ledger"],
                            capture_output=True, preexec_fn=small_files)
    assert result.returncode == 3, result.stderr.decode()
    assert result.stderr.decode() == (f"hpdsl: cannot write --out {out}: File too large; "
                                      "it still holds the previous run\n")
    assert result.stdout == b""
    assert run_id(out) == before
    assert leftovers(tmp_path, out) == ["w0.hp", "w1.hp"]


def test_stale_plots_of_an_earlier_run_do_not_remain(tmp_path):
    (tmp_path / "w.hp").write_bytes(workflow(0))
    out = tmp_path / "out"
    assert hpdsl("run", str(tmp_path / "w.hp"), "--quiet", "--plots", "--out", str(out)).returncode == 0
    assert (out / "tune_line7_l2.png").exists()
    assert hpdsl("run", str(tmp_path / "w.hp"), "--quiet", "--out", str(out)).returncode == 0
    assert sorted(os.listdir(out)) == [MANIFEST, "model.json", "report.json", "trials.csv"]


def test_a_folder_of_an_earlier_hpdsl_is_replaced_and_its_temporaries_swept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("report.json", "trials.csv", "train_line23.png", ".report.json.k2j4h1x0", ".trials.csv.a8f_3kd1"):
        (out / name).write_text("from an earlier version\n")
    result = hpdsl("run", QUICKSTART, "--quiet", "--out", str(out))
    assert result.returncode == 0, result.stderr.decode()
    assert sorted(os.listdir(out)) == [MANIFEST, "model.json", "report.json", "trials.csv"]
    run_id_of_quickstart = json.loads((out / "report.json").read_bytes())["workflow"]["sha256"]
    assert run_id_of_quickstart == hashlib.sha256(quickstart_bytes()).hexdigest()


# ---- --out that cannot be used: exit 2 before the first step ----------------------------------


def refused(tmp_path, out, *extra) -> str:
    """stderr of a run refused with exit 2, after checking that no work was done."""
    began = time.monotonic()
    result = hpdsl("run", QUICKSTART, "--out", str(out), *extra)
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert result.stdout == b"" and "HP302" not in stderr and "Traceback" not in stderr
    assert stderr.count("\n") == 1
    assert time.monotonic() - began < 5
    return stderr


def test_out_naming_a_regular_file_is_a_usage_error(tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("keep me\n")
    assert refused(tmp_path, target) == (f"hpdsl: --out {target} is a file, not a folder; "
                                         "give a folder (it is created if missing)\n")
    assert target.read_text() == "keep me\n"


def test_out_below_a_regular_file_cannot_be_created(tmp_path):
    (tmp_path / "file").write_text("")
    stderr = refused(tmp_path, tmp_path / "file" / "out")
    file = tmp_path / "file"
    assert stderr == f"hpdsl: cannot create --out {file / 'out'}: {file} is a file, not a folder\n"


def test_a_folder_with_files_hpdsl_did_not_write_is_refused_and_kept(tmp_path):
    (tmp_path / "notes.txt").write_text("mine\n")
    (tmp_path / "data.csv").write_text("x,y\n")
    stderr = refused(tmp_path, tmp_path)
    assert "holds files hpdsl did not write ('data.csv', 'notes.txt')" in stderr
    assert sorted(os.listdir(tmp_path)) == ["data.csv", "notes.txt"]
    browsed = tmp_path / "browsed"
    browsed.mkdir()
    (browsed / ".DS_Store").write_bytes(b"\0")  # what a file browser leaves is no one's work
    assert hpdsl("run", QUICKSTART, "--quiet", "--out", str(browsed)).returncode == 0


@pytest.fixture
def read_only(tmp_path):
    """A folder nobody may write into: chmod for a user, the immutable flag for root
    (whom permission bits do not stop)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)]).returncode != 0:
        pytest.fail("running as root, the test needs chattr +i to make a folder read-only")
    yield folder
    subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_read_only_out_folder_is_a_usage_error(read_only):
    assert refused(read_only.parent, read_only) == f"hpdsl: cannot write --out {read_only}: the folder is read-only\n"


def test_an_out_folder_inside_a_read_only_folder_is_a_usage_error(read_only):
    stderr = refused(read_only.parent, read_only / "out")
    assert stderr == f"hpdsl: cannot write --out {read_only / 'out'}: its parent folder {read_only} is read-only\n"
    assert os.listdir(read_only) == []


# ---- the writer, used directly -------------------------------------------------------------


def test_the_recovery_rule_puts_back_the_old_copy_a_two_rename_swap_left(tmp_path):
    """Where the file system cannot exchange names, a kill between the two renames leaves
    the folder missing beside its old copy; the next writer (or `recover`) renames it back."""
    out = tmp_path / "out"
    write_folder(str(out), {"report.json": b"{}\n", "trials.csv": b"line\n"})
    os.rename(out, tmp_path / ".out.hpdsl-old-x1y2")
    (tmp_path / ".out.hpdsl-new-z3").mkdir()
    recover(str(out))
    assert verify_folder(str(out)) == {"report.json": hashlib.sha256(b"{}\n").hexdigest(),
                                       "trials.csv": hashlib.sha256(b"line\n").hexdigest()}
    with OutputFolder(str(out)):  # opening sweeps what the killed writer staged
        pass
    assert sorted(os.listdir(tmp_path)) == [".out.hpdsl-lock", "out"]


def test_the_writer_takes_any_mapping_of_plain_names(tmp_path):
    out = tmp_path / "out"
    write_folder(str(out), {"report.json": b"1", "model.json": b"2"})
    write_folder(str(out), {"report.json": b"3"})
    assert sorted(os.listdir(out)) == [MANIFEST, "report.json"]
    for bad in ("../x", ".hidden", MANIFEST, "a/b", ""):
        with OutputFolder(str(out)) as folder, pytest.raises(ValueError):
            folder.commit({bad: b""})
    assert (out / "report.json").read_bytes() == b"3"
    with pytest.raises(OutputError, match="is a file, not a folder"):
        write_folder(str(out / "report.json"), {"x": b""})


def test_an_out_symlink_writes_into_the_folder_it_names(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    write_folder(str(tmp_path / "link"), {"report.json": b"{}"})
    assert (tmp_path / "link").is_symlink()
    assert (tmp_path / "real" / "report.json").read_bytes() == b"{}"


def test_where_names_cannot_be_exchanged_two_renames_do_the_swap(tmp_path, monkeypatch):
    """The fallback for file systems without RENAME_EXCHANGE / RENAME_SWAP, on real files."""
    from hpdsl.runtime import outputs

    monkeypatch.setattr(outputs, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    write_folder(str(out), {"report.json": b"1", "a.png": b"png"})
    write_folder(str(out), {"report.json": b"2"})
    assert verify_folder(str(out)) == {"report.json": hashlib.sha256(b"2").hexdigest()}
    assert sorted(os.listdir(tmp_path)) == [".out.hpdsl-lock", "out"]


def test_a_file_added_to_the_folder_during_the_work_stops_the_swap(tmp_path):
    out = tmp_path / "out"
    write_folder(str(out), {"report.json": b"1"})
    with OutputFolder(str(out)) as folder:
        (out / "notes.txt").write_text("written while the run was working\n")
        with pytest.raises(OutputError, match=r"holds files hpdsl did not write \('notes.txt'\)"):
            folder.commit({"report.json": b"2"})
    assert (out / "notes.txt").exists() and (out / "report.json").read_bytes() == b"1"
    assert sorted(os.listdir(tmp_path)) == [".out.hpdsl-lock", "out"]


def test_one_process_cannot_open_a_folder_twice(tmp_path):
    with OutputFolder(str(tmp_path / "out")):
        with pytest.raises(OutputError, match=r"another hpdsl run \(process \d+\) is writing --out"):
            OutputFolder(str(tmp_path / "out")).open()
    OutputFolder(str(tmp_path / "out")).open().close()  # released on leaving
