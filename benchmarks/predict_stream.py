"""How fast `hpdsl predict` streams a large csv file, and that its memory does not grow with it.

It runs examples/diabetes.hp with --out into a temporary folder, writes csv files of the
diabetes rows repeated up to each size asked for (the target column included, so the
metrics are computed too), and times `hpdsl predict MODEL --data FILE --out preds.csv`
in a fresh process for each, measuring that process's peak resident memory. The first
line, a 442-row file, is the cost of starting Python, numpy and hpdsl: the growth column
is the peak memory above it. Each file is predicted twice: with --no-ledger, and with
the run's test-use ledger (a temporary one), where every copy of the run's 88 test rows
is recognised by its fingerprint, scored apart and recorded: the ledger columns are
that second pass.

    python benchmarks/predict_stream.py                 # 10, 100 and 1,000 MB
    python benchmarks/predict_stream.py --sizes 50 500  # sizes in MB
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKFLOW = os.path.join(ROOT, "examples", "diabetes.hp")
DATA = os.path.join(ROOT, "examples", "data", "diabetes.csv")

# Runs a command and prints its exit code, CPU seconds and peak resident memory in KiB
# (Linux's ru_maxrss unit). CPU time is the fairer speed on a busy machine.
MEASURE = ("import resource, subprocess, sys\n"
           "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
           "used = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
           "print(done.returncode, used.ru_utime + used.ru_stime, used.ru_maxrss)")


def hpdsl(*args: str) -> list[str]:
    return [sys.executable, "-m", "hpdsl", *args]


def write_file(path: str, megabytes: float) -> int:
    """The diabetes rows repeated until the file has `megabytes` MB; returns its row count."""
    with open(DATA, encoding="utf-8") as f:
        header, body = f.readline(), f.read()
    rows = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write(header)
        while f.tell() < megabytes * 1e6:
            f.write(body)
            rows += 442
    return rows


def measure(model: str, data: str, out: str, *more: str) -> tuple[float, float, int]:
    """(seconds, CPU seconds, peak resident KiB) of one `hpdsl predict` in a fresh process."""
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURE, *hpdsl("predict", model, "--data", data, "--out", out, *more)],
                          capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - began
    code, cpu, peak = done.stdout.split()
    if code != "0":
        raise SystemExit(f"hpdsl predict failed on {data}: exit {code}")
    return seconds, float(cpu), int(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[10, 100, 1000], metavar="MB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["HPDSL_LEDGER"] = os.path.join(folder, "ledger.sqlite")  # not the project's ledger
        out = os.path.join(folder, "out")
        subprocess.run(hpdsl("run", WORKFLOW, "--out", out, "--quiet"), check=True)
        preds = os.path.join(folder, "preds.csv")
        base_seconds, base_cpu, base_peak = measure(out, DATA, preds, "--no-ledger")
        print(f"{'file MB':>8} {'rows':>11} {'seconds':>8} {'cpu s':>7} {'rows/cpu s':>11} {'MB/cpu s':>9} "
              f"{'peak MiB':>9} {'growth MiB':>11} {'ledger cpu s':>13} {'ledger peak MiB':>16}")
        print(f"{os.path.getsize(DATA) / 1e6:8.2f} {442:11,} {base_seconds:8.2f} {base_cpu:7.2f} {'':>11} {'':>9} "
              f"{base_peak / 1024:9.1f} {0:11.1f}")
        for size in args.sizes:
            data = os.path.join(folder, "data.csv")
            rows = write_file(data, size)
            megabytes = os.path.getsize(data) / 1e6
            seconds, cpu, peak = measure(out, data, preds, "--no-ledger")
            _, watched_cpu, watched_peak = measure(out, data, preds)
            print(f"{megabytes:8.1f} {rows:11,} {seconds:8.2f} {cpu:7.2f} {rows / cpu:11,.0f} {megabytes / cpu:9.1f} "
                  f"{peak / 1024:9.1f} {(peak - base_peak) / 1024:11.1f} {watched_cpu:13.2f} "
                  f"{watched_peak / 1024:16.1f}", flush=True)
            os.remove(data)


if __name__ == "__main__":
    main()
