"""The learners: gradient descent and ridge for the loss mean((X·w + b - y)²)/2 + l2/2·‖w‖².

Both fit K candidate models at once: weights are a d x K matrix W, intercepts a vector
b, and l2, the learning rate and the epoch count are per column. Columns never mix, so
a candidate's result does not depend on which others share its run (up to the order in
which BLAS sums, about 1e-16 relative).

Full-batch gradient descent needs no pass over the rows per epoch: with the training
rows' centred statistics (stats.Stats) the gradient is
    ∂/∂W = (Gc·W - Σ(x-μ)(y-ȳ))/n + μ·(b + μᵀW - ȳ) + l2·W,   ∂/∂b = b + μᵀW - ȳ,
which is the usual Xᵀ(XW + b - y)/n + l2·W rearranged, at O(d²K) per epoch.
Mini-batch gradient descent shuffles the training rows every epoch with
np.random.default_rng(seed) and takes batches of batch_size rows in that order (the
last one smaller); candidates sharing batch_size and seed shuffle alike and train
together. Ridge is the exact minimiser, from one eigendecomposition of Gc for every l2.

Parameters start from the `param` block, drawn from np.random.default_rng(seed):
the weights first, then the intercept. A negative seed s uses the entropy [1, -s].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from ..checker import values as v
from .metrics import lower_is_better, score
from .stats import Rows, Stats


def generator(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed if seed >= 0 else [1, -seed])


class Fit:
    """K fitted models. epochs_run is None for ridge; diverged_at is the 1-based epoch
    whose loss was not finite (0: never)."""

    __slots__ = ("weights", "intercept", "epochs_run", "stopped_early", "diverged_at", "best_epoch")

    def __init__(self, weights, intercept, epochs_run=None, stopped_early=None, diverged_at=None, best_epoch=None):
        K = len(intercept)
        self.weights = weights
        self.intercept = intercept
        self.epochs_run = epochs_run
        self.stopped_early = stopped_early if stopped_early is not None else np.zeros(K, bool)
        self.diverged_at = diverged_at if diverged_at is not None else np.zeros(K, int)
        self.best_epoch = best_epoch

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at > 0


class Monitor:
    """Early stopping: METRIC on some rows, checked after every epoch, with patience N."""

    __slots__ = ("rows", "metric", "patience", "lower")

    def __init__(self, rows: Rows, metric: str, patience: int) -> None:
        self.rows = rows
        self.metric = metric
        self.patience = patience
        self.lower = lower_is_better(metric)

    def scores(self, W, b) -> np.ndarray:
        return score(self.rows, W, b, self.metric)


# ---- initialisation ----------------------------------------------------------------------------


def initial(inits: Mapping[str, tuple], features: int, seeds: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Starting weights (d x K) and intercepts (K) for candidates with these seeds."""
    W = np.empty((features, len(seeds)))
    b = np.empty(len(seeds))
    cache: dict[int, tuple] = {}
    for k, seed in enumerate(seeds):
        if seed not in cache:
            rng = generator(seed)
            w0 = _draw(inits.get("weights", ("zeros",)), rng, features)
            b0 = float(_draw(inits.get("intercept", ("zeros",)), rng, None))
            cache[seed] = (w0, b0)
        W[:, k], b[k] = cache[seed]
    return W, b


def _draw(init: tuple, rng: np.random.Generator, size):
    kind = init[0]
    if kind == "zeros":
        return np.zeros(size) if size is not None else 0.0
    if kind == "constant":
        return np.full(size, init[1]) if size is not None else init[1]
    if kind == "normal":
        return rng.normal(init[1], init[2], size)
    return rng.uniform(init[1], init[2], size)


# ---- gradient descent -------------------------------------------------------------------------


def _rates(learning_rates: list) -> Callable[[int], np.ndarray]:
    """The learning rate of every column during 0-based epoch e (schedules via .at)."""
    constant = np.array([0.0 if isinstance(r, v.Schedule) else float(r) for r in learning_rates])
    scheduled: dict[v.Schedule, list[int]] = {}
    for k, rate in enumerate(learning_rates):
        if isinstance(rate, v.Schedule):
            scheduled.setdefault(rate, []).append(k)
    if not scheduled:
        return lambda epoch: constant
    groups = [(schedule, np.array(columns)) for schedule, columns in scheduled.items()]

    def at(epoch: int) -> np.ndarray:
        rates = constant.copy()
        for schedule, columns in groups:
            rates[columns] = schedule.at(epoch)
        return rates

    return at


class _Run:
    """Per-column bookkeeping of a gradient-descent run: which columns still train, their
    divergence, and early stopping (the best epoch's parameters are kept)."""

    def __init__(self, W: np.ndarray, b: np.ndarray, epochs: np.ndarray, monitor: Monitor | None,
                 on_epoch=None) -> None:
        K = len(b)
        self.on_epoch = on_epoch
        self.epochs = epochs
        self.active = epochs > 0
        self.epochs_run = np.zeros(K, int)
        self.stopped = np.zeros(K, bool)
        self.diverged_at = np.zeros(K, int)
        self.monitor = monitor
        if monitor is not None:
            self.best = np.full(K, np.nan)
            self.best_epoch = np.zeros(K, int)
            self.best_W = W.copy()
            self.best_b = b.copy()

    def end_epoch(self, epoch: int, W: np.ndarray, b: np.ndarray, loss: np.ndarray) -> bool:
        """Account for 1-based `epoch` just run; False when no column trains any more."""
        running = self.active
        self.epochs_run[running] = epoch
        bad = running & ~np.isfinite(loss)
        self.diverged_at[bad] = epoch
        going = running & ~bad
        monitor = self.monitor
        if monitor is not None:
            scores = monitor.scores(W, b)
            fresh = np.isnan(self.best) & ~np.isnan(scores)
            better = (scores < self.best) if monitor.lower else (scores > self.best)
            better = going & (better | fresh)
            self.best[better] = scores[better]
            self.best_epoch[better] = epoch
            self.best_W[:, better] = W[:, better]
            self.best_b[better] = b[better]
            stop = going & ~better & (epoch - self.best_epoch >= monitor.patience)
            self.stopped |= stop
            going &= ~stop
        self.active = going & (epoch < self.epochs)
        if self.on_epoch is not None:
            self.on_epoch(epoch, W, b, loss)
        return bool(self.active.any())

    def result(self, W: np.ndarray, b: np.ndarray) -> Fit:
        if self.monitor is not None:
            W, b = self.best_W, self.best_b
            return Fit(W, b, self.epochs_run, self.stopped, self.diverged_at, self.best_epoch)
        return Fit(W, b, self.epochs_run, self.stopped, self.diverged_at)


def _loss(stats: Stats, W, b, l2, GW=None) -> np.ndarray:
    """The training loss of every column, from the statistics (GW = Gc·W if known)."""
    if GW is None:
        GW = stats.gram @ W
    offset = b + stats.mean @ W - stats.ymean
    sse = np.einsum("ik,ik->k", W, GW) - 2 * (stats.xy @ W) + stats.yy
    return np.maximum(sse, 0.0) / (2 * stats.n) + offset * offset / 2 + l2 / 2 * np.einsum("ik,ik->k", W, W)


def _full_batch(stats: Stats, rates, l2, W, b, run: _Run) -> Fit:
    n = stats.n
    G = stats.gram
    xy = stats.xy[:, None]
    mu = stats.mean
    mu_col = mu[:, None]
    GW = G @ W
    for epoch in range(int(run.epochs.max(initial=0))):
        step = rates(epoch) * run.active  # 0 for a column that has finished
        offset = b + mu @ W - stats.ymean
        W = W - step * ((GW - xy) / n + mu_col * offset + l2 * W)
        b = b - step * offset
        GW = G @ W
        loss = _loss(stats, W, b, l2, GW)
        if not run.end_epoch(epoch + 1, W, b, loss):
            break
    return run.result(W, b)


def _mini_batch(rows: Rows, batch: int, seed: int, rates, l2, W, b, run: _Run) -> Fit:
    X, y = rows.X, rows.y
    stats = rows.stats
    n = len(y)
    rng = generator(seed)
    W = W.copy()
    b = b.copy()
    for epoch in range(int(run.epochs.max(initial=0))):
        step = rates(epoch) * run.active
        order = rng.permutation(n)
        Xp = X[order]
        yp = y[order][:, None]
        for start in range(0, n, batch):
            XB = Xp[start:start + batch]
            R = XB @ W
            R += b
            R -= yp[start:start + batch]
            gW = XB.T @ R
            gW *= 1.0 / len(R)
            gW += l2 * W
            W -= step * gW
            b -= step * R.mean(axis=0)
        loss = _loss(stats, W, b, l2)
        if not run.end_epoch(epoch + 1, W, b, loss):
            break
    return run.result(W, b)


def gradient_descent(rows: Rows, hypers: list[Mapping], inits: Mapping[str, tuple],
                     monitor: Monitor | None = None, on_epoch=None) -> Fit:
    """Fit one linear_regression per hyperparameter mapping, all together.

    A batch_size of None (full batch), or one at least the number of rows, is full-batch
    descent; the others are grouped by (batch_size, seed). `on_epoch(epoch, W, b, loss)`
    is called after every epoch (for logging and learning curves).
    """
    K = len(hypers)
    d = len(rows.stats.mean)
    n = rows.n
    W0, b0 = initial(inits, d, [h["seed"] for h in hypers])
    groups: dict[tuple | None, list[int]] = {}
    for k, h in enumerate(hypers):
        batch = h["batch_size"]
        key = None if batch is None or batch >= n else (batch, h["seed"])
        groups.setdefault(key, []).append(k)
    out = Fit(np.empty((d, K)), np.empty(K), np.zeros(K, int), np.zeros(K, bool), np.zeros(K, int),
              np.zeros(K, int) if monitor is not None else None)
    with np.errstate(all="ignore"):
        for key, columns in groups.items():
            chosen = [hypers[k] for k in columns]
            rates = _rates([h["learning_rate"] for h in chosen])
            l2 = np.array([float(h["l2"]) for h in chosen])
            epochs = np.array([int(h["epochs"]) for h in chosen])
            W, b = W0[:, columns], b0[columns]
            run = _Run(W, b, epochs, monitor, on_epoch)
            if key is None:
                fit = _full_batch(rows.stats, rates, l2, W, b, run)
            else:
                fit = _mini_batch(rows, key[0], key[1], rates, l2, W, b, run)
            out.weights[:, columns] = fit.weights
            out.intercept[columns] = fit.intercept
            out.epochs_run[columns] = fit.epochs_run
            out.stopped_early[columns] = fit.stopped_early
            out.diverged_at[columns] = fit.diverged_at
            if monitor is not None:
                out.best_epoch[columns] = fit.best_epoch
    return out


def stable_rate(stats: Stats, l2: float) -> float:
    """2 / the largest eigenvalue of the loss's Hessian in (w, b): full-batch gradient
    descent with a constant rate converges exactly when the rate is below this."""
    largest = float(np.linalg.eigvalsh(stats.hessian(l2))[-1])
    return 2.0 / largest if largest > 0 else float("inf")


# ---- ridge -----------------------------------------------------------------------------------


class Spectrum:
    """The eigendecomposition of a block's centred Gram matrix: every l2 from one solve."""

    __slots__ = ("stats", "values", "projected", "vectors", "null")

    def __init__(self, stats: Stats) -> None:
        values, vectors = np.linalg.eigh(stats.gram)
        d = len(values)
        # Directions whose eigenvalue is rounding noise are exactly null: the minimiser
        # has no component along them (for l2 = 0 this is the minimum-norm solution).
        tolerance = max(float(values[-1]), 0.0) * d * np.finfo(float).eps if d else 0.0
        self.stats = stats
        self.values = values
        self.vectors = vectors
        self.null = values <= tolerance
        self.projected = vectors.T @ stats.xy

    def solve(self, l2s) -> Fit:
        stats = self.stats
        l2s = np.asarray(l2s, dtype=float)
        denominator = self.values[:, None] + stats.n * l2s[None, :]
        denominator[self.null, :] = 1.0
        coefficients = self.projected[:, None] / denominator
        coefficients[self.null, :] = 0.0
        W = self.vectors @ coefficients
        b = stats.ymean - stats.mean @ W
        return Fit(W, b)


def ridge(rows: Rows, hypers: list[Mapping]) -> Fit:
    """The exact minimiser for each candidate's l2, from one decomposition."""
    return Spectrum(rows.stats).solve([float(h["l2"]) for h in hypers])
