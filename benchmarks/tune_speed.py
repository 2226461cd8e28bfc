"""How fast hpdsl's tune step is, against 64 sequential hpdsl fits and against scikit-learn.

For each n (rows) and d (features), on the same rows (synthetic data, split 80/20 with
one seed), it times:

  full-batch GD   64 candidates (8 learning rates x 8 l2), 100 epochs, scored on the 20%
  ridge           64 l2 values, scored on the 20%
  mini-batch GD   64 candidates, batch_size 256, --mb-epochs epochs
  ridge cv 5      100 l2 values, 5-fold cross-validation over the 80%

hpdsl's time is the tune step's own entry in report.json's timings (it includes reading
the rows and computing their statistics, not generating the data). The baselines are 64
one-at-a-time hpdsl fits (each computes its own statistics, as a lone `train` does), and
scikit-learn: GridSearchCV with a PredefinedSplit over Ridge (alpha = n_train * l2) and
over SGDRegressor (alpha = l2, constant learning rate eta0 = learning_rate, max_iter =
epochs, tol=None: per-sample updates, not the same algorithm as hpdsl's mini-batches),
and RidgeCV with the same alphas and the same 5 contiguous folds. A baseline that would
run longer than --budget seconds is timed on the first candidates and extrapolated to all
of them (marked ~). scikit-learn is a benchmark-only extra (pip install '.[bench]' from a checkout).

    python benchmarks/tune_speed.py            # n in 1e4, 1e5, 1e6; d in 10, 50
    python benchmarks/tune_speed.py --quick    # n in 1e4, 1e5; d = 10

Everything runs with the BLAS thread count `hpdsl run` uses: one, unless the environment
sets OPENBLAS_NUM_THREADS (or --threads N, which needs threadpoolctl); scikit-learn gets
the same.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # as `hpdsl run` does; before numpy loads

import argparse
import time

import numpy as np

from hpdsl.checker import check_text
from hpdsl.runtime import learners, run
from hpdsl.runtime.data import synthetic
from hpdsl.runtime.metrics import score
from hpdsl.runtime.splits import share_counts, shuffle
from hpdsl.runtime.stats import Rows

RATES = np.logspace(-3, -0.5, 8)
L2S = np.logspace(-4, 0, 8)
RIDGE_L2S = np.logspace(-6, 1, 64)
CV_L2S = np.logspace(-6, 2, 100)
EPOCHS = 100
BATCH = 256

WORKFLOW = """\
data d = synthetic(rows: {n}, features: {d}, noise: 1, seed: 0)
split d -> train 80%, validation 20% seed 1
model {model}
hyper {{
{hypers}
}}
{tune}
"""
LINEAR = """\
    learning_rate: float = 0.01
    l2: float = 0.0
    epochs: int = {epochs}
    batch_size: int"""


def hpdsl_tune(n: int, d: int, model: str, tune: str, epochs: int = EPOCHS, batch: int | None = None) -> float:
    hypers = LINEAR.format(epochs=epochs) + (f" = {batch}" if batch else "") if model != "ridge" else "    l2: float = 0.0"
    text = WORKFLOW.format(n=n, d=d, model=model, hypers=hypers, tune=tune)
    analysis = check_text(text, "bench.hp")
    assert not analysis.errors, analysis.errors
    report = run(analysis)
    return next(s["seconds"] for s in report.data["timings"]["steps"] if s["kind"] == "tune")


def rows(n: int, d: int):
    data = synthetic(n, d, 1.0, 0)
    order = shuffle(n, 1)
    train = share_counts(n, [80, 20])[0]
    return data.X[order[:train]], data.y[order[:train]], data.X[order[train:]], data.y[order[train:]]


def budgeted(one, count: int, budget: float) -> tuple[float, bool]:
    """Time one(k) for k in range(count); past the budget, extrapolate from those done."""
    started = time.perf_counter()
    for k in range(count):
        one(k)
        spent = time.perf_counter() - started
        if spent > budget and k + 1 < count:
            return spent * count / (k + 1), True
    return time.perf_counter() - started, False


def sequential_gd(Xt, yt, Xv, yv, grid, budget):
    def one(k):
        h = grid[k]
        fit = learners.gradient_descent(Rows(Xt, yt), [h], {})
        score(Rows(Xv, yv), fit.weights, fit.intercept, "mse")

    return budgeted(one, len(grid), budget)


def sequential_ridge(Xt, yt, Xv, yv, l2s, budget):
    def one(k):
        fit = learners.ridge(Rows(Xt, yt), [{"l2": l2s[k]}])
        score(Rows(Xv, yv), fit.weights, fit.intercept, "mse")

    return budgeted(one, len(l2s), budget)


def sklearn_grid(estimator, grid: list[dict], Xt, yt, Xv, yv, budget):
    from sklearn.model_selection import GridSearchCV, PredefinedSplit

    X = np.vstack([Xt, Xv])
    y = np.concatenate([yt, yv])
    split = PredefinedSplit(np.r_[np.full(len(yt), -1), np.zeros(len(yv), int)])
    # One candidate at a time so that a long search can be cut short and extrapolated.
    def one(k):
        search = GridSearchCV(estimator, {key: [value] for key, value in grid[k].items()}, cv=split,
                              scoring="neg_mean_squared_error", refit=False)
        search.fit(X, y)

    return budgeted(one, len(grid), budget)


def sklearn_ridge_cv(Xt, yt, l2s, budget):
    from sklearn.linear_model import RidgeCV
    from sklearn.model_selection import KFold

    alphas = len(yt) * 4 / 5 * l2s

    def fit(count: int) -> float:
        started = time.perf_counter()
        RidgeCV(alphas=alphas[:count], cv=KFold(5), scoring="neg_mean_squared_error").fit(Xt, yt)
        return time.perf_counter() - started

    # RidgeCV with explicit folds fits every alpha on every fold: time a few alphas first.
    few = fit(4)
    if few * len(alphas) / 4 > budget:
        return few * len(alphas) / 4, True
    return fit(len(alphas)), False


def shown(seconds: float, extrapolated: bool) -> str:
    return ("~" if extrapolated else "") + (f"{seconds:.3f}" if seconds < 10 else f"{seconds:.1f}")


def ratio(baseline: float, ours: float) -> str:
    return f"{baseline / ours:.0f}x" if baseline / ours >= 10 else f"{baseline / ours:.1f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n in 1e4, 1e5 and d = 10 only")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds before a baseline is extrapolated")
    parser.add_argument("--mb-epochs", type=int, default=10, help="epochs of the mini-batch search")
    parser.add_argument("--threads", type=int, help="BLAS threads for everything (needs threadpoolctl)")
    args = parser.parse_args()
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    from sklearn.linear_model import Ridge, SGDRegressor

    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    widths = [10] if args.quick else [10, 50]
    hpdsl_tune(2000, 5, "ridge", "tune l2 in [0.1, 1] on validation")  # warm up numpy and BLAS
    header = (f"{'n':>9} {'d':>3}  {'search':<28} {'hpdsl s':>8} {'64 seq. s':>10} {'ratio':>6}"
              f" {'scikit-learn':<26} {'sk s':>8} {'ratio':>6}")
    print(header)
    print("-" * len(header))
    grid = [{"learning_rate": r, "l2": l, "epochs": EPOCHS, "batch_size": None, "seed": 0} for r in RATES for l in L2S]
    for n in sizes:
        for d in widths:
            Xt, yt, Xv, yv = rows(n, d)
            space = "tune learning_rate in logspace(-3, -0.5, 8), l2 in logspace(-4, 0, 8) on validation"

            ours = min(hpdsl_tune(n, d, "linear_regression", space) for _ in range(3))
            seq = sequential_gd(Xt, yt, Xv, yv, grid, args.budget)
            sk_grid = [{"alpha": len(yt) * l} for l in L2S for _ in RATES]
            sk = sklearn_grid(Ridge(), sk_grid, Xt, yt, Xv, yv, args.budget)
            print(f"{n:>9} {d:>3}  {'full-batch GD, 64, 100 ep.':<28} {ours:>8.3f} {shown(*seq):>10} "
                  f"{ratio(seq[0], ours):>6} {'GridSearchCV(Ridge)':<26} {shown(*sk):>8} {ratio(sk[0], ours):>6}")

            ours = min(hpdsl_tune(n, d, "ridge", "tune l2 in logspace(-6, 1, 64) on validation") for _ in range(3))
            seq = sequential_ridge(Xt, yt, Xv, yv, RIDGE_L2S, args.budget)
            sk = sklearn_grid(Ridge(), [{"alpha": len(yt) * l} for l in RIDGE_L2S], Xt, yt, Xv, yv, args.budget)
            print(f"{n:>9} {d:>3}  {'ridge, 64 l2':<28} {ours:>8.3f} {shown(*seq):>10} "
                  f"{ratio(seq[0], ours):>6} {'GridSearchCV(Ridge)':<26} {shown(*sk):>8} {ratio(sk[0], ours):>6}")

            epochs = args.mb_epochs
            ours = hpdsl_tune(n, d, "linear_regression", space, epochs=epochs, batch=BATCH)
            mb_grid = [dict(h, epochs=epochs, batch_size=BATCH) for h in grid]
            seq = sequential_gd(Xt, yt, Xv, yv, mb_grid, args.budget)
            sgd = [{"alpha": l, "eta0": r} for r in RATES for l in L2S]
            sk = sklearn_grid(SGDRegressor(learning_rate="constant", max_iter=epochs, tol=None, random_state=0),
                              sgd, Xt, yt, Xv, yv, args.budget)
            print(f"{n:>9} {d:>3}  {f'mini-batch {BATCH}, 64, {epochs} ep.':<28} {ours:>8.3f} {shown(*seq):>10} "
                  f"{ratio(seq[0], ours):>6} {'GridSearchCV(SGDRegressor)*':<26} {shown(*sk):>8} "
                  f"{ratio(sk[0], ours):>6}")

            ours = min(hpdsl_tune(n, d, "ridge", "tune l2 in logspace(-6, 2, 100) using cv 5 on train")
                       for _ in range(3))
            sk = sklearn_ridge_cv(Xt, yt, CV_L2S, args.budget)
            print(f"{n:>9} {d:>3}  {'ridge cv 5, 100 l2':<28} {ours:>8.3f} {'':>10} {'':>6} "
                  f"{'RidgeCV (same folds)':<26} {shown(*sk):>8} {ratio(sk[0], ours):>6}")
    print("\n~ extrapolated from the candidates timed within --budget seconds."
          "\n* SGDRegressor updates per sample: a different algorithm from hpdsl's mini-batch descent,"
          " shown for scale.")


if __name__ == "__main__":
    main()
