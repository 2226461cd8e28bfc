"""The tune's own overheads: what a candidate and an epoch cost beyond their arithmetic.

Two measurements on small synthetic data held in memory (so that the arithmetic is small
and what is left is hpdsl's own bookkeeping):

(a) Ridge tunes of N = 256, 1,024 and 4,096 candidates (`tune l2 in logspace(-4, 2, N)`,
    and a grid of l2 x seed, whose second hyperparameter ridge ignores but the report
    carries), on hold-out rows and under `cv 5`, 2,000 rows x 10 features. One run of
    hpdsl.runtime.run per repeat, then the report as `hpdsl run --out` writes it
    (command.output_files: report.json, trials.csv, model.json) and the terminal summary.
    The tune step's time (Interpreter.visit_Tune; the functions named here are wrapped
    with timers for the measurement) is split into
      arithmetic   tune.search: every fold's solve and score, already vectorized
      selection    optimism.summarize: the BBC-CV bootstrap of the winner (arithmetic too,
                   a bootstraps x rows x candidates product; not bookkeeping)
      bookkeeping  the rest of the step: candidates, their hyperparameters, the trials
    and, after the run, `report` = Report.finish + output_files + summary.
    Each is given in microseconds per candidate; `book+report / arith` is the ratio the
    work aims to keep small.

(b) Full-batch gradient descent, 500 rows x 10 features, 1,000 epochs: learners.
    gradient_descent on one candidate (as a refit does) and on 64 candidates (as a tune
    does), with and without early stopping, in microseconds per epoch, against the arithmetic of one epoch written with
    numpy directly: the row form X.T @ (X @ w + b - y) / n (what a textbook loop does) and
    the Gram form G @ w - X.T y (what hpdsl's statistics make possible), and a `train`
    step through the interpreter (its per-epoch curve and progress included).

Every number is the median of --repeats runs, as wall and CPU time (time.process_time),
with the load average before and after (os.getloadavg): on a shared machine the CPU
times are the ones to compare.

    python benchmarks/tune_overheads.py            # N in 256, 1024, 4096; 7 repeats
    python benchmarks/tune_overheads.py --quick    # N in 256, 4096; 3 repeats

BLAS runs on one thread, as `hpdsl run` does.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # as `hpdsl run` does; before numpy loads

import argparse
import statistics
import time

import numpy as np

from hpdsl.checker import check_text
from hpdsl.runtime import learners, optimism, run, tune
from hpdsl.runtime.command import output_files
from hpdsl.runtime.interpreter import Interpreter
from hpdsl.runtime.learners import Monitor
from hpdsl.runtime.report import Report
from hpdsl.runtime.stats import Rows

RIDGE = """\
data d = synthetic(rows: {rows}, features: {features}, noise: 1, seed: 0)
split d -> train 60%, validation 20%, test 20% seed 1
model ridge
hyper {{
    l2: float in [0, inf) = 1.0
    seed: int = 0
}}
tune {space} {how} minimize mse
test on test report mse
"""

GD = """\
data d = synthetic(rows: {rows}, features: {features}, noise: 1, seed: 0)
split d -> train 100% seed 1
model linear_regression
hyper {{
    learning_rate: float = 0.05
    l2: float = 0.001
    epochs: int = {epochs}
    batch_size: int
}}
train on train
"""


class Clock:
    """Wall and CPU seconds spent inside one function, summed over its calls."""

    def __init__(self, owner, name: str) -> None:
        self.owner, self.name = owner, name
        self.original = getattr(owner, name)
        self.wall = self.cpu = 0.0

        def timed(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.wall += time.perf_counter() - wall
                self.cpu += time.process_time() - cpu

        setattr(owner, name, timed)

    def restore(self) -> None:
        setattr(self.owner, self.name, self.original)


def _median(values) -> float:
    return statistics.median(values)


def tune_case(space: str, how: str, candidates: int, repeats: int, rows: int, features: int) -> dict:
    analysis = check_text(RIDGE.format(rows=rows, features=features, space=space, how=how), "overheads.hp")
    assert not analysis.errors, analysis.errors
    samples: dict[str, list[tuple[float, float]]] = {}
    for _ in range(repeats + 1):  # the first run warms up
        clocks = [Clock(tune, "search"), Clock(optimism, "summarize"), Clock(Interpreter, "visit_Tune"),
                  Clock(Report, "finish")]
        try:
            report = run(analysis)
        finally:
            for clock in clocks:
                clock.restore()
        wall = time.perf_counter()
        cpu = time.process_time()
        output_files(report, plots=False)
        report.summary()
        written = (time.perf_counter() - wall, time.process_time() - cpu)
        search, selection, step, finish = clocks
        parts = {
            "arithmetic": (search.wall, search.cpu),
            "selection": (selection.wall, selection.cpu),
            "bookkeeping": (step.wall - search.wall - selection.wall, step.cpu - search.cpu - selection.cpu),
            "report": (finish.wall + written[0], finish.cpu + written[1]),
        }
        for key, value in parts.items():
            samples.setdefault(key, []).append(value)
    out = {}
    for key, values in samples.items():
        values = values[1:]
        out[key] = tuple(_median([sample[i] for sample in values]) / candidates * 1e6 for i in (0, 1))
    return out


def print_tunes(sizes: list[int], repeats: int, rows: int, features: int) -> None:
    print(f"(a) ridge tunes, {rows} rows x {features} features, µs per candidate (wall / CPU), "
          f"medians of {repeats}")
    head = ["case", "N", "arithmetic", "selection", "bookkeeping", "report", "book+report / arith"]
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    for how, label in (("on validation", "hold-out"), ("using cv 5 on train + validation", "cv 5")):
        for shape in ("l2", "l2 x seed"):
            for size in sizes:
                if shape == "l2":
                    space = f"l2 in logspace(-4, 2, {size})"
                else:
                    space = f"l2 in logspace(-4, 2, {size // 4}), seed in [0, 1, 2, 3]"
                r = tune_case(space, how, size, repeats, rows, features)
                ratio = (r["bookkeeping"][1] + r["report"][1]) / max(r["arithmetic"][1], 1e-9)
                cells = [f"{label}, {shape}", f"{size:,}"] + [f"{r[k][0]:.2f} / {r[k][1]:.2f}" for k in
                                                               ("arithmetic", "selection", "bookkeeping", "report")]
                print("| " + " | ".join(cells + [f"{ratio:.1f}"]) + " |", flush=True)


# ---- (b) full-batch gradient descent ------------------------------------------------------------


def _timed(fn, repeats: int) -> tuple[float, float]:
    fn()
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return _median(walls), _median(cpus)


def print_descent(repeats: int, rows: int, features: int, epochs: int) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, features))
    y = X @ rng.normal(size=features) + rng.normal(size=rows)
    training = Rows(X, y)
    n = rows

    def hypers(k: int) -> list[dict]:
        rates = np.linspace(0.01, 0.1, k) if k > 1 else [0.05]
        return [{"learning_rate": float(r), "l2": 0.001, "epochs": epochs, "batch_size": None, "seed": 0}
                for r in rates]

    one, many = hypers(1), hypers(64)

    held = Rows(X[: rows // 5] + 0.1, y[: rows // 5])  # rows early stopping scores on

    def descend(h, monitored: bool = False):
        # patience beyond the epochs: every epoch is scored, none stops
        monitor = Monitor(held, "mse", 10 * epochs) if monitored else None
        return lambda: learners.gradient_descent(training, h, {}, monitor)

    def textbook(k: int):
        W, b = np.zeros((features, k)), np.zeros(k)
        rate = 0.05

        def go():
            nonlocal W, b
            for _ in range(epochs):
                R = X @ W + b - y[:, None]
                W = W - rate * (X.T @ R / n + 0.001 * W)
                b = b - rate * R.mean(axis=0)

        return go

    G, xy = X.T @ X, X.T @ y

    def gram(k: int):
        W = np.zeros((features, k))

        def go():
            nonlocal W
            for _ in range(epochs):
                W = W - 0.05 * ((G @ W - xy[:, None]) / n + 0.001 * W)

        return go

    analysis = check_text(GD.format(rows=rows, features=features, epochs=epochs), "overheads.hp")
    assert not analysis.errors, analysis.errors

    def step():
        report = run(analysis)
        step.seconds.append(next(s["seconds"] for s in report.data["timings"]["steps"] if s["kind"] == "train"))

    step.seconds = []
    cases = [("learners.gradient_descent, 1 candidate", descend(one), 1),
             ("learners.gradient_descent, 64 candidates", descend(many), 64),
             ("the same, 1 candidate, early stopping (its mse scored every epoch)", descend(one, True), 1),
             ("the same, 64 candidates, early stopping", descend(many, True), 64),
             ("numpy, row form X.T @ (X @ w + b - y), 1 column", textbook(1), 1),
             ("numpy, row form, 64 columns", textbook(64), 64),
             ("numpy, Gram form G @ w - X.T y, 1 column", gram(1), 1),
             ("numpy, Gram form, 64 columns", gram(64), 64)]
    print(f"\n(b) full-batch gradient descent, {rows} rows x {features} features, {epochs} epochs: "
          f"µs per epoch (wall / CPU), medians of {repeats}")
    print("| what | µs per epoch |")
    print("| --- | --- |")
    for label, fn, _ in cases:
        wall, cpu = _timed(fn, repeats)
        print(f"| {label} | {wall / epochs * 1e6:.1f} / {cpu / epochs * 1e6:.1f} |", flush=True)
    _timed(step, repeats)
    print(f"| `train` step through the interpreter (curve kept per epoch) | "
          f"{_median(step.seconds[1:]) / epochs * 1e6:.1f} (wall) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N in 256 and 4,096, 3 repeats")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--sizes", type=int, nargs="*", default=None)
    args = parser.parse_args()
    repeats = args.repeats or (3 if args.quick else 7)
    sizes = args.sizes or ([256, 4096] if args.quick else [256, 1024, 4096])
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print_tunes(sizes, repeats, 2000, 10)
    print_descent(repeats, 500, 10, 1000)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
