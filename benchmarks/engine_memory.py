"""Peak memory and CPU of `hpdsl run` in memory and with --stream, on CSV files of N x 20.

    python benchmarks/engine_memory.py [--rows 1e6 1e7] [--modes stream memory] [--folder DIR]

For each row count it writes a CSV (20 standard-normal features, a linear target with
noise; into --folder, a temporary folder by default, removed afterwards) and two
workflows: ridge over 64 l2 under 5-fold cv (standardize on train + validation, test
reporting all four metrics) and full-batch gradient descent (200 epochs, early stopping
on validation mse). Each run is a fresh process (`--no-ledger --quiet`); the table gives
its CPU seconds (user + system) and peak resident memory, from os.wait4, and the passes
a streamed run makes (a counting pass, the statistics pass, one mae pass for the test).
The goal for --stream: under 600 MB at 1e7 rows (1.7 GB as float64), whatever the reader.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _process import cpu_and_peak  # noqa: E402

RIDGE = """\
data d = csv("{csv}", target: "y")
split d -> train 70%, validation 15%, test 15% seed 11
model ridge
hyper {{
    l2: float in [0, inf) = 1.0
}}
standardize using train + validation
tune l2 in logspace(-4, 2, 64) using cv 5 on train + validation minimize mse
test on test
"""

DESCENT = """\
data d = csv("{csv}", target: "y")
split d -> train 70%, validation 15%, test 15% seed 11
model linear_regression
hyper {{
    learning_rate: float in (0, 1] = 0.1
    epochs: int in [1, 1000] = 200
}}
standardize using train
train on train {{
    stop early when mse on validation has not improved for 5 epochs
}}
test on test
"""


def write_csv(path: str, rows: int) -> None:
    rng = np.random.default_rng(0)
    w = rng.uniform(-2, 2, 20)
    with open(path, "w") as handle:
        handle.write(",".join([f"x{i + 1}" for i in range(20)] + ["y"]) + "\n")
        for start in range(0, rows, 200_000):
            m = min(200_000, rows - start)
            X = rng.standard_normal((m, 20))
            np.savetxt(handle, np.column_stack([X, X @ w + 0.5 + 0.3 * rng.standard_normal(m)]),
                       fmt="%.6g", delimiter=",")


def measure(workflow: str, mode: str) -> tuple[float, float]:
    """(CPU seconds, peak RSS in MB) of one `hpdsl run` process."""
    hpdsl = os.path.join(os.path.dirname(sys.executable), "hpdsl")
    args = [hpdsl, "run", workflow, "--no-ledger", "--quiet"] + (["--stream"] if mode == "stream" else [])
    return cpu_and_peak(args, show_output=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", nargs="+", type=float, default=[1e6, 1e7])
    parser.add_argument("--modes", nargs="+", choices=("stream", "memory"), default=["stream", "memory"])
    parser.add_argument("--folder")
    args = parser.parse_args()
    folder = args.folder or tempfile.mkdtemp(prefix="hpdsl-engine-")
    try:
        print(f"{'rows':>10} {'job':<8} {'mode':<7} {'CPU s':>8} {'peak MB':>8}")
        for rows in (int(r) for r in args.rows):
            csv = f"d{rows}.csv"
            write_csv(os.path.join(folder, csv), rows)
            for job, template in (("ridge", RIDGE), ("descent", DESCENT)):
                workflow = os.path.join(folder, f"{job}{rows}.hp")
                with open(workflow, "w") as handle:
                    handle.write(template.format(csv=csv))
                for mode in args.modes:
                    cpu, peak = measure(workflow, mode)
                    print(f"{rows:>10} {job:<8} {mode:<7} {cpu:>8.1f} {peak:>8.0f}", flush=True)
    finally:
        if not args.folder:
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
