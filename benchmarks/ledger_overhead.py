"""What recording a run in the test-use ledger costs, on a run with 1e6 test rows.

    python benchmarks/ledger_overhead.py [--rows N] [--repeats R]

Two workflows on synthetic data with 2N rows and 5 features, N of them (default
1,000,000) in the test split, so N test rows are fingerprinted and recorded:

  minimal   ridge trained on the other half and tested: the cheapest run there is, so
            the overhead is at its largest relative to the run
  tuned     standardize, tune l2 over 6 candidates on a validation split, test: a run
            as the examples are written

Three kinds of run of each, as fresh `hpdsl run --quiet`
processes interleaved round-robin (so machine noise hits each alike), median wall time
of R rounds:

  --no-ledger   nothing recorded
  first run     a new, empty SQLite ledger each round: fingerprints, 2 x N x 8 bytes of
                row sets written, the look and the result appended
  replay        the same run again against a ledger that already holds it: the row sets
                are stored already, the history is checked, a look is appended

The overhead is (median with ledger - median without) / median without, in CPU time
(user + system) and in wall time. On a busy machine those differences drown in noise,
so a second table times the ledger's own work where it is spent, inside the recorder's
hooks in one process, against the rest of the same run (minimums of the rounds).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HEAD = """\
data d = synthetic(rows: {rows}, features: 5, noise: 0.5, seed: 1)
split d -> {shares} seed 3

model ridge

hyper {{
    l2: float in [0, 100] = 1.0
}}

"""
WORKFLOWS = {
    "minimal": HEAD.replace("{shares}", "train 50%, test 50%") + "train on train\ntest on test report mse\n",
    "tuned": HEAD.replace("{shares}", "train 40%, validation 10%, test 50%")
    + "standardize using train\ntune l2 in logspace(-3, 2, 6) on validation\ntest on test report mse\n",
}


def hpdsl() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), "hpdsl")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "hpdsl"]


def timed(args: list[str], env: dict) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of one process. CPU time is the steadier
    measure on a shared machine, where waiting for a core inflates wall time."""
    began = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(args)}\n{process.stderr.read().decode()}")
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_utime + usage.ru_stime


def in_process(path: str, folder: str, repeats: int) -> None:
    """The ledger's own time, measured where it is spent: inside the recorder's hooks
    (begin, before_test, finish), plus opening and closing the ledger, in one process.
    The rest of the run is the run's time. Minimum of the rounds, the least disturbed
    by other work on a shared machine."""
    from hpdsl.checker import check_text
    from hpdsl.ledger.record import Recorder, close
    from hpdsl.ledger.store import Ledger
    from hpdsl.runtime import Options, run

    class Timed(Recorder):
        spent = 0.0

        def begin(self, *args):
            began = time.perf_counter()
            super().begin(*args)
            Timed.spent += time.perf_counter() - began

        def before_test(self, *args):
            began = time.perf_counter()
            super().before_test(*args)
            Timed.spent += time.perf_counter() - began

    analysis = check_text(open(path).read(), path)
    name = os.path.basename(path).removesuffix(".hp")
    replay = os.path.join(folder, f"{name}-in-process-replay.sqlite")

    def recorded(where: str) -> tuple[float, float]:
        Timed.spent = 0.0
        began = time.perf_counter()
        recorder = Timed(Ledger(where), path)
        opened = time.perf_counter()
        report = run(analysis, Options(ledger=recorder))
        ran = time.perf_counter()
        assert close(recorder, report) is None
        ledger = Timed.spent + (opened - began) + (time.perf_counter() - ran)
        return ledger, (time.perf_counter() - began) - ledger

    recorded(replay)
    rows = {"first run (new ledger)": [], "replay": []}
    for round_ in range(repeats):
        rows["first run (new ledger)"].append(recorded(os.path.join(folder, f"{name}-in-process-{round_}.sqlite")))
        rows["replay"].append(recorded(replay))
    print(f"  {'in one process':<24} {'ledger s':>9} {'run s':>7} {'ledger / run':>13}   (minimums)")
    for kind, values in rows.items():
        ledger, rest = min(v[0] for v in values), min(v[1] for v in values)
        print(f"  {kind:<24} {ledger:9.3f} {rest:7.3f} {100 * ledger / rest:12.1f}%")


def measure(name: str, text: str, rows: int, repeats: int, folder: str) -> None:
    path = os.path.join(folder, f"{name}.hp")
    with open(path, "w") as handle:
        handle.write(text.format(rows=2 * rows))
    env = {key: value for key, value in os.environ.items() if key != "HPDSL_LEDGER"}
    replay_ledger = os.path.join(folder, f"{name}-replay.sqlite")
    timed([*hpdsl(), "run", path, "--quiet", "--ledger", replay_ledger], env)  # the run to replay
    times: dict[str, list[tuple[float, float]]] = {"--no-ledger": [], "first run (new ledger)": [], "replay": []}
    for round_ in range(repeats):
        fresh = os.path.join(folder, f"{name}-fresh{round_}.sqlite")
        times["--no-ledger"].append(timed([*hpdsl(), "run", path, "--quiet", "--no-ledger"], env))
        times["first run (new ledger)"].append(timed([*hpdsl(), "run", path, "--quiet", "--ledger", fresh], env))
        times["replay"].append(timed([*hpdsl(), "run", path, "--quiet", "--ledger", replay_ledger], env))
    print(f"{name}: hpdsl run on {2 * rows:,} rows ({rows:,} test rows), {repeats} interleaved rounds; "
          "whole process: CPU (user + system) and wall seconds")
    print(f"  {'run':<24} {'CPU median':>10} {'CPU min':>8} {'overhead':>9} {'wall median':>12} {'overhead':>9}")
    base_cpu = statistics.median(c for _, c in times["--no-ledger"])
    base_wall = statistics.median(w for w, _ in times["--no-ledger"])
    for kind, values in times.items():
        cpu = statistics.median(c for _, c in values)
        wall = statistics.median(w for w, _ in values)
        more_cpu = "" if kind == "--no-ledger" else f"{100 * (cpu - base_cpu) / base_cpu:+8.1f}%"
        more_wall = "" if kind == "--no-ledger" else f"{100 * (wall - base_wall) / base_wall:+8.1f}%"
        print(f"  {kind:<24} {cpu:10.3f} {min(c for _, c in values):8.3f} {more_cpu:>9} {wall:12.3f} {more_wall:>9}")
    size = os.path.getsize(os.path.join(folder, f"{name}-fresh0.sqlite"))
    print(f"  ledger file after one run: {size / 1e6:.1f} MB")
    in_process(path, folder, repeats)
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="test rows (default 1,000,000)")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="hpdsl-ledger-bench-")
    try:
        for name, text in WORKFLOWS.items():
            measure(name, text, args.rows, args.repeats, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
