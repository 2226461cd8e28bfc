"""What nested cross-validation costs beside the flat cv tune it assesses.

For each n (rows) and d (features) of synthetic data (one split, `train 100%`), it times
the tune step (its entry in report.json's timings: reading the rows, their statistics,
every fit and score, and the final refit) of

  ridge           50 l2 values, `using cv 5` and `using cv 5 nested in cv 10`
  full-batch GD   8 candidates (2 learning rates x 4 l2), 100 epochs, the same two forms

with `standardize using train` before it, so that the pipeline rule refits the
standardization inside every fold at both levels. A nested tune runs (M + 1)·K = 55
inner cross-validation fits per candidate and M = 10 outer refits where the flat one runs
K = 5: if it read the rows again per fold its time would grow about tenfold with n. It
reads them once (runtime/nested.py), so at large n both forms cost about one pass over
the rows plus per-fold work that does not depend on n.

    python benchmarks/nested_cv.py            # n in 1e4, 1e5, 1e6; d in 10, 50
    python benchmarks/nested_cv.py --quick    # n in 1e4, 1e5; d = 10
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # as `hpdsl run` does; before numpy loads

import argparse

from hpdsl.checker import check_text
from hpdsl.runtime import Options, run

WORKFLOW = """\
data d = synthetic(rows: {n}, features: {d}, noise: 1.0, seed: 1)
split d -> train 100% seed 3
model {model}
hyper {{
{hypers}
}}
standardize using train
tune {space} using cv 5{nested} on train
"""
MODELS = {
    "ridge": ("    l2: float in [0, inf) = 1.0", "l2 in logspace(-6, 1, 50)"),
    "full-batch GD": ("    learning_rate: float in (0, 1] = 0.1\n    l2: float in [0, inf) = 0.0\n"
                      "    epochs: int in [1, 1000] = 100",
                      "learning_rate in [0.05, 0.1], l2 in [0, 0.001, 0.01, 0.1]"),
}


def tune_seconds(n: int, d: int, model: str, nested: bool) -> float:
    hypers, space = MODELS[model]
    text = WORKFLOW.format(n=n, d=d, model="ridge" if model == "ridge" else "linear_regression", hypers=hypers,
                           space=space, nested=" nested in cv 10" if nested else "")
    analysis = check_text(text, "nested_bench.hp")
    assert not analysis.errors, analysis.errors
    report = run(analysis, Options()).data
    return next(s["seconds"] for s in report["timings"]["steps"] if s["kind"] == "tune")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    widths = [10] if args.quick else [10, 50]
    print(f"{'model':<14} {'n':>9} {'d':>3} {'cv 5 (s)':>9} {'nested (s)':>11} {'ratio':>6}")
    for model in MODELS:
        for d in widths:
            for n in sizes:
                flat = tune_seconds(n, d, model, False)
                nested = tune_seconds(n, d, model, True)
                print(f"{model:<14} {n:>9,} {d:>3} {flat:>9.3f} {nested:>11.3f} {nested / flat:>6.1f}")


if __name__ == "__main__":
    main()
