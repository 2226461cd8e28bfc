"""How long `hpdsl run` takes when the rows are fewer than the features (n << d).

Ridge then solves in the dual (an n x n kernel, as scikit-learn's Ridge does), cross-
validation builds its folds from the rows, scores come from predictions, and full-batch
gradient descent steps on the rows: no d x d matrix is formed. For each shape it writes
a CSV of standard-normal features (y = x1 + noise), then times, as a user runs them:

  ridge tune       train, then a hold-out tune of 20 l2 values (logspace(-3, 2, 20))
  ridge tune cv 3  the same 20 l2 values, 3-fold cross-validation
  GD full batch    100 epochs of full-batch gradient descent

Each time is the wall clock of a fresh `hpdsl run` process, so it includes starting
Python and reading the CSV; the best of --repeat runs is shown.

    python benchmarks/wide_rows.py                     # 10 x 3000
    python benchmarks/wide_rows.py --shape 20x10000 --repeat 1
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HEADER = """\
data d = csv("wide.csv", target: "y")
split d -> train 60%, validation 20%, test 20% seed 1
"""
RIDGE = HEADER + """\
model ridge
hyper {
    l2: float in [0, 100] = 1.0
}
"""
DESCENT = HEADER + """\
model linear_regression
hyper {
    learning_rate: float in (0, 1] = 0.0001
    l2: float in [0, 100] = 0.0
    epochs: int in [1, 1000] = 100
}
"""
WORKFLOWS = {
    "ridge tune": RIDGE + "train on train\ntune l2 in logspace(-3, 2, 20) on validation\ntest on test\n",
    "ridge tune cv 3": RIDGE + "tune l2 in logspace(-3, 2, 20) using cv 3 on train + validation\ntest on test\n",
    "GD full batch": DESCENT + "train on train\nevaluate on validation\ntest on test\n",
}


def hpdsl() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), "hpdsl")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "hpdsl"]


def write_data(folder: str, rows: int, features: int) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, features))
    y = X[:, 0] + 0.1 * rng.normal(size=rows)
    names = ",".join([f"x{j + 1}" for j in range(features)] + ["y"])
    np.savetxt(os.path.join(folder, "wide.csv"), np.column_stack([X, y]), delimiter=",", header=names,
               comments="", fmt="%.17g")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="10x3000", help="ROWSxFEATURES (default 10x3000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per workflow; the best is shown")
    args = parser.parse_args()
    rows, features = (int(part) for part in args.shape.lower().split("x"))
    with tempfile.TemporaryDirectory() as folder:
        write_data(folder, rows, features)
        print(f"{rows} rows x {features} features, best of {args.repeat}")
        for name, text in WORKFLOWS.items():
            path = os.path.join(folder, "w.hp")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            best = float("inf")
            for _ in range(args.repeat):
                started = time.perf_counter()
                result = subprocess.run([*hpdsl(), "run", "--quiet", path], capture_output=True, cwd=folder)
                best = min(best, time.perf_counter() - started)
                if result.returncode not in (0,):
                    sys.exit(f"{name}: exit {result.returncode}\n{result.stderr.decode()}")
            print(f"  {name:<18} {best:7.2f} s")


if __name__ == "__main__":
    main()
