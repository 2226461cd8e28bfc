"""The learners: gradient descent and ridge for the loss mean((X·w + b - y)²)/2 + l2/2·‖w‖².

Both fit K candidate models at once: weights are a d x K matrix W, intercepts a vector
b, and l2, the learning rate and the epoch count are per column. Columns never mix, so
a candidate's result does not depend on which others share its run (up to the order in
which BLAS sums, about 1e-16 relative).

Full-batch gradient descent needs no pass over the rows per epoch: with the training
rows' centred statistics (stats.Stats) the gradient is
    ∂/∂W = (Gc·W - Σ(x-μ)(y-ȳ))/n + μ·(b + μᵀW - ȳ) + l2·W,   ∂/∂b = b + μᵀW - ȳ,
which is the usual Xᵀ(XW + b - y)/n + l2·W rearranged, at O(d²K) per epoch; an epoch
is that update alone, and the losses (divergence), monitor scores (early stopping) and
callbacks of a block of epochs are taken together afterwards (_full_batch).
Mini-batch gradient descent shuffles the training rows every epoch with
np.random.default_rng(seed) and takes batches of batch_size rows in that order (the
last one smaller); candidates sharing batch_size and seed shuffle alike and train
together. A full-batch rate above the stability limit 2/λmax(Hessian) is refused before
the first epoch; any run whose loss explodes is stopped (_Run). Ridge is the exact
minimiser, from one eigendecomposition of Gc for every l2, or of the n x n kernel when
there are fewer rows than features (Dual).

Parameters start from the `param` block, drawn from np.random.default_rng(seed):
the weights first, then the intercept. A negative seed s uses the entropy [1, -s].
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..checker import values as v
from .metrics import lower_is_better, score
from .stats import Rows, Stats, lost_features, scale_of


def generator(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed if seed >= 0 else [1, -seed])


class Fit:
    """K fitted models. epochs_run is None for ridge; diverged_at is the 1-based epoch
    whose loss was not finite or grew without bound (0: never); an `unstable` column was
    not trained at all, because its rate at that epoch exceeds `limit`, the full-batch
    stability limit (NaN where it was not computed)."""

    __slots__ = ("weights", "intercept", "epochs_run", "stopped_early", "diverged_at", "best_epoch",
                 "unstable", "limit")

    def __init__(self, weights, intercept, epochs_run=None, stopped_early=None, diverged_at=None, best_epoch=None):
        K = len(intercept)
        self.weights = weights
        self.intercept = intercept
        self.epochs_run = epochs_run
        self.stopped_early = stopped_early if stopped_early is not None else np.zeros(K, bool)
        self.diverged_at = diverged_at if diverged_at is not None else np.zeros(K, int)
        self.best_epoch = best_epoch
        self.unstable = np.zeros(K, bool)
        self.limit = np.full(K, np.nan)

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at > 0


class NumericFailure(Exception):
    """A computation float64 cannot carry out on these rows (the interpreter names the
    column whose magnitude is the likely cause, and the `faint` features lost beside it:
    HP302)."""

    def __init__(self, message: str, faint: tuple[int, ...] = ()) -> None:
        super().__init__(message)
        self.faint = faint


def _visible(lost: tuple[int, ...]) -> None:
    if lost:
        raise NumericFailure("features vary by too little beside the largest for one float64 unit to hold "
                             "them all", lost)


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


class _Rates:
    """The learning rate of every column during 0-based epoch e (schedules via .at);
    `constant` tells that no column follows a schedule."""

    __slots__ = ("values", "groups", "constant")

    def __init__(self, learning_rates: list) -> None:
        self.values = np.array([0.0 if isinstance(r, v.Schedule) else float(r) for r in learning_rates])
        scheduled: dict[v.Schedule, list[int]] = {}
        for k, rate in enumerate(learning_rates):
            if isinstance(rate, v.Schedule):
                scheduled.setdefault(rate, []).append(k)
        self.groups = [(schedule, np.array(columns)) for schedule, columns in scheduled.items()]
        self.constant = not self.groups

    def __call__(self, epoch: int) -> np.ndarray:
        if self.constant:
            return self.values
        rates = self.values.copy()
        for schedule, columns in self.groups:
            rates[columns] = schedule.at(epoch)
        return rates


class _Run:
    """Per-column bookkeeping of a gradient-descent run: which columns still train, their
    divergence, and early stopping (the best epoch's parameters are kept).

    A column diverges at the first epoch whose training loss is not finite, or has grown
    for RISING epochs in a row to more than GROWTH times the loss of its starting
    parameters. Below the stability limit full-batch descent never raises the loss, and
    mini-batch noise moves it around its minimum, not to thousands of times where it
    started; above it, the loss grows geometrically (by (rate·λ - 1)² per step along the
    steepest direction), so this stops a diverging run within a few epochs instead of the
    hundreds it takes to overflow, and before its numbers mean nothing.
    """

    GROWTH = 1e4
    RISING = 3

    def __init__(self, W: np.ndarray, b: np.ndarray, epochs: np.ndarray, start: np.ndarray,
                 monitor: Monitor | None, on_epochs=None, tick=None) -> None:
        K = len(b)
        self.on_epochs = on_epochs
        self.tick = tick
        self.epochs = epochs
        self.active = epochs > 0
        self.epochs_run = np.zeros(K, int)
        self.stopped = np.zeros(K, bool)
        self.diverged_at = np.zeros(K, int)
        self.ceiling = self.GROWTH * start
        self.previous = start
        self.rising = np.zeros(K, int)
        self.monitor = monitor
        self.last = 0  # the last epoch of the latest block any column ran (end_block)
        if monitor is not None:
            self.best = np.full(K, np.nan)
            self.best_epoch = np.zeros(K, int)
            self.best_W = W.copy()
            self.best_b = b.copy()

    def end_epoch(self, epoch: int, W: np.ndarray, b: np.ndarray, loss: np.ndarray, unit: float) -> bool:
        """Account for 1-based `epoch` just run (`loss` in units of `unit`, the squared
        target scale); False when no column trains any more."""
        running = self.active
        self.epochs_run[running] = epoch
        self.rising = np.where(loss > self.previous, self.rising + 1, 0)
        self.previous = loss
        exploding = (loss > self.ceiling) & (self.rising >= self.RISING)
        bad = running & (~np.isfinite(loss) | exploding)
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
        if self.on_epochs is not None:
            self.on_epochs(epoch, W[None], b[None], (loss * unit)[None])
        if self.tick is not None:
            self.tick(epoch)
        return bool(self.active.any())

    def end_block(self, first: int, losses: np.ndarray, W: np.ndarray | None, b: np.ndarray | None) -> bool:
        """Account for the 1-based epochs first..first+B-1 just run, with `losses` (B x K)
        and, when a monitor needs them, the parameters after each epoch (W: B x d x K, b:
        B x K): what end_epoch would have done epoch by epoch. A column that stops early
        inside the block went on moving to its end, but what it keeps is its best epoch's
        parameters, and what it ran is counted up to its stop. `last` is then the last
        epoch any column ran. False, changing nothing, when some running column's loss
        in the block is not finite or above its ceiling: those epochs must be taken one at
        a time (end_epoch), to find where it diverged."""
        running = self.active
        if not (np.isfinite(losses[:, running]).all() and (losses[:, running] <= self.ceiling[running]).all()):
            return False
        size = len(losses)
        rises = losses > np.vstack([self.previous, losses[:-1]])
        # the rises in a row at the block's end, continuing the count it started with
        calm = ~rises[::-1]
        self.rising = np.where(calm.any(axis=0), np.argmax(calm, axis=0), self.rising + size)
        self.previous = losses[-1]
        end = np.full(len(running), size - 1)  # each column's last row of the block
        going = running
        if self.monitor is not None:
            stopping, end = self._monitored(first, W, b, running)
            self.stopped |= stopping
            going = running & ~stopping
        self.epochs_run[running] = first + end[running]
        self.active = going & (first + end < self.epochs)
        self.last = first + int(end[running].max())
        if self.tick is not None:
            self.tick(self.last)
        return True

    def _monitored(self, first: int, W: np.ndarray, b: np.ndarray, running: np.ndarray):
        """Early stopping over a block, as end_epoch takes it epoch by epoch: the running
        best score before each epoch (a cumulative min or max, NaN skipped), the epochs
        that improve on it strictly, the first epoch whose best is `patience` behind. The
        columns that stop, and each column's last row of the block."""
        monitor = self.monitor
        size = len(W)
        epochs = np.arange(first, first + size)[:, None]
        scores = np.stack([monitor.scores(W[e], b[e]) for e in range(size)])  # as end_epoch scores them
        pick = np.fmin if monitor.lower else np.fmax
        best = pick.accumulate(np.vstack([self.best, scores]), axis=0)  # row e: the best after e - 1 rows
        before = best[:-1]
        better = ((scores < before) if monitor.lower else (scores > before)) | (np.isnan(before) & ~np.isnan(scores))
        best_epoch = np.maximum.accumulate(np.where(better, epochs, self.best_epoch), axis=0)
        stop = ~better & (epochs - best_epoch >= monitor.patience)
        stopping = running & stop.any(axis=0)
        end = np.where(stopping, np.argmax(stop, axis=0), size - 1)
        columns = np.flatnonzero(running)
        rows = end[columns]
        kept = best_epoch[rows, columns]
        self.best[columns] = best[rows + 1, columns]
        self.best_epoch[columns] = kept
        fresh = kept >= first  # the best epoch lies in this block: keep its parameters
        at, moved = kept[fresh] - first, columns[fresh]
        self.best_W[:, moved] = W[at, :, moved].T
        self.best_b[moved] = b[at, moved]
        return stopping, end

    def result(self, W: np.ndarray, b: np.ndarray) -> Fit:
        if self.monitor is not None:
            W, b = self.best_W, self.best_b
            return Fit(W, b, self.epochs_run, self.stopped, self.diverged_at, self.best_epoch)
        return Fit(W, b, self.epochs_run, self.stopped, self.diverged_at)


# Gradient descent runs in the units of the statistics (stats.Stats): with c = xscale and
# t = yscale, U = W·c/t and β = b/t, the loss is t²·L(U, β) with the penalty l2/c², and a
# step of `rate` on (W, b) is a step of rate·c² on U and of rate on β. For data of
# ordinary size c = t = 1 and these are the textbook updates.


def _loss(stats: Stats, U, beta, penalty, GU=None) -> np.ndarray:
    """The training loss of every column in the statistics' units (GU = Gc·U if known)."""
    return stats.sse_in_units(U, beta, GU) / (2 * stats.n) + penalty / 2 * np.einsum("ik,ik->k", U, U)


BLOCK = 64  # full-batch epochs whose divergence check is taken together, at most
BLOCK_CELLS = 1 << 16  # ... and at most this many weights (B x d x K) kept for it


def _full_batch(stats: Stats, rates: _Rates, l2, W, b, run: _Run) -> Fit:
    """Full-batch descent from the statistics, O(d²K) an epoch, run in blocks of epochs:
    each epoch is only its update, and the block's losses (and the monitor's scores,
    with early stopping) are computed afterwards, the divergence check and early stopping
    taken for the whole block (_Run.end_block) and the epochs handed to on_epochs
    together; a block that may have diverged is taken again epoch by epoch. The updates
    are the same either way, so the result does not depend on the blocks."""
    n = stats.n
    c, t = stats.xscale, stats.yscale
    gain, back, unit = c * c, t / c, t * t
    penalty = l2 / c / c
    G = stats.gram
    xy = stats.xy[:, None]
    mu = stats.mean / c
    mu_col = mu[:, None]
    ybar = stats.ymean / t
    U, beta = stats.scaled(W, b)
    GU = G @ U
    keep = run.monitor is not None or run.on_epochs is not None  # the parameters after each epoch
    longest = max(1, min(BLOCK, BLOCK_CELLS // max(U.size, 1)))
    epoch, stop, careful = 0, int(run.epochs.max(initial=0)), 0
    ran = False
    while epoch < stop and run.active.any():
        one = epoch < careful
        size = 1 if one else min(longest, int(run.epochs[run.active].min()) - epoch)
        start = U, beta, GU
        states = []
        step = None
        for e in range(epoch, epoch + size):
            if step is None or not rates.constant:
                step = rates(e) * run.active  # 0 for a column that has finished
                rate = step * gain
            offset = beta + mu @ U - ybar
            U = U - rate * ((GU - xy) / n + mu_col * offset + penalty * U)
            beta = beta - step * offset
            GU = G @ U
            states.append((U, beta, GU))
        ran = True
        if one:
            if not run.end_epoch(epoch + 1, U * back, beta * t, _loss(stats, U, beta, penalty, GU), unit):
                break
        else:
            Us, betas = np.stack([s[0] for s in states]), np.stack([s[1] for s in states])
            losses = _block_loss(stats, Us, betas, np.stack([s[2] for s in states]), penalty)
            Ws, bs = (Us * back, betas * t) if keep else (None, None)
            if not run.end_block(epoch + 1, losses, Ws, bs):
                U, beta, GU = start
                careful = epoch + size
                continue
            if run.on_epochs is not None:
                count = run.last - epoch  # the epochs before every column stopped early
                run.on_epochs(epoch + 1, Ws[:count], bs[:count], losses[:count] * unit)
        epoch += size
    if not ran:
        return run.result(W, b)
    return run.result(U * back, beta * t)


def _block_loss(stats: Stats, U: np.ndarray, beta: np.ndarray, GU: np.ndarray, penalty) -> np.ndarray:
    """_loss after each epoch of a block (B x K), from each epoch's U, β and Gc·U (B x d x K,
    B x K, B x d x K)."""
    c, t = stats.xscale, stats.yscale
    offset = beta + (stats.mean / c) @ U - stats.ymean / t
    centred = np.einsum("bik,bik->bk", U, GU) - 2 * (stats.xy @ U) + stats.yy
    sse = np.maximum(centred, 0.0) + stats.n * offset * offset
    return sse / (2 * stats.n) + penalty / 2 * np.einsum("bik,bik->bk", U, U)


def _full_batch_rows(terms: _Direct, rates, l2, W, b, run: _Run) -> Fit:
    """Full batch from the rows themselves, for fewer rows than features: O(ndK) per
    epoch and no d x d sums."""
    X, y = terms.X, terms.y[:, None]
    n = len(y)
    c, t = terms.xscale, terms.yscale
    gain, back, unit = c * c, t / c, t * t
    penalty = l2 / c / c
    U, beta = W * (c / t), b / t
    R = X @ U + beta - y
    for epoch in range(int(run.epochs.max(initial=0))):
        step = rates(epoch) * run.active
        U = U - (step * gain) * (X.T @ R / n + penalty * U)
        beta = beta - step * R.mean(axis=0)
        R = X @ U + beta - y
        W, b = U * back, beta * t
        loss = np.einsum("ik,ik->k", R, R) / (2 * n) + penalty / 2 * np.einsum("ik,ik->k", U, U)
        if not run.end_epoch(epoch + 1, W, b, loss, unit):
            break
    return run.result(W, b)


def _mini_batch(terms: _Sums | _Direct, batch: int, seed: int, rates, l2, W, b, run: _Run) -> Fit:
    c, t = terms.xscale, terms.yscale
    gain, back, unit = c * c, t / c, t * t
    penalty = l2 / c / c
    X, y = terms.X, terms.y
    n = len(y)
    rng = generator(seed)
    U, beta = W * (c / t), b / t
    for epoch in range(int(run.epochs.max(initial=0))):
        step = rates(epoch) * run.active
        order = rng.permutation(n)
        Xp = X[order]
        yp = y[order][:, None]
        for start in range(0, n, batch):
            XB = Xp[start:start + batch]
            R = XB @ U
            R += beta
            R -= yp[start:start + batch]
            gU = XB.T @ R
            gU *= 1.0 / len(R)
            gU += penalty * U
            U -= (step * gain) * gU
            beta -= step * R.mean(axis=0)
        if not run.end_epoch(epoch + 1, U * back, beta * t, terms.loss(U, beta, penalty), unit):
            break
    return run.result(U * back, beta * t)


class _Sums:
    """What descent needs, from the rows' statistics: the loss at O(d²K)."""

    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        self.stats = stats = rows.stats
        self.xscale, self.yscale = stats.xscale, stats.yscale
        self.features = len(stats.mean)
        self.lost = stats.lost

    @property
    def X(self) -> np.ndarray:
        return self.rows.X if self.xscale == 1.0 else self.rows.X / self.xscale

    @property
    def y(self) -> np.ndarray:
        return self.rows.y if self.yscale == 1.0 else self.rows.y / self.yscale

    def loss(self, U, beta, penalty) -> np.ndarray:
        return _loss(self.stats, U, beta, penalty)


class _Direct:
    """What descent needs, from the rows divided by their scales, for fewer rows than
    features: the loss from the residuals at O(ndK), no d x d sums."""

    def __init__(self, rows: Rows) -> None:
        X, y = rows.X, rows.y
        self.xscale, self.yscale = scale_of(X), scale_of(y)
        self.X = X / self.xscale
        self.y = y / self.yscale
        self.features = X.shape[1]
        centred = self.X - self.X.mean(axis=0)
        self.lost = lost_features(X, np.einsum("ij,ij->j", centred, centred), len(y))

    def loss(self, U, beta, penalty) -> np.ndarray:
        R = self.X @ U + beta - self.y[:, None]
        return np.einsum("ik,ik->k", R, R) / (2 * len(R)) + penalty / 2 * np.einsum("ik,ik->k", U, U)


def gradient_descent(rows: Rows, hypers: list[Mapping], inits: Mapping[str, tuple],
                     monitor: Monitor | None = None, on_epochs=None, tick=None) -> Fit:
    """Fit one linear_regression per hyperparameter mapping, all together.

    A batch_size of None (full batch), or one at least the number of rows, is full-batch
    descent; the others are grouped by (batch_size, seed). `on_epochs(first, W, b, loss)`
    is called after every epoch or block of epochs, with those epochs' parameters and
    losses (B x d x K, B x K, B x K; first is the 1-based number of the first), for
    logging and learning curves; `tick(epoch)` likewise with the last epoch run (for
    progress). With fewer rows than
    features, every step works on the rows (n x d), never on d x d sums.

    Full-batch columns are first compared with the stability limit (stable_rates): one
    whose rate exceeds it in some epoch is not trained; it is `unstable`, diverged at
    that epoch, and `limit` holds the rate it should stay below.
    """
    K = len(hypers)
    terms = _Direct(rows) if rows.wide else _Sums(rows)
    d = terms.features
    n = rows.n
    _visible(terms.lost)
    c, t = terms.xscale, terms.yscale
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
            rates = _Rates([h["learning_rate"] for h in chosen])
            l2 = np.array([float(h["l2"]) for h in chosen])
            epochs = np.array([int(h["epochs"]) for h in chosen])
            W, b = W0[:, columns], b0[columns]
            unstable = np.zeros(len(columns), int)
            if key is None:
                limit = stable_rates(rows, c, l2, [h["learning_rate"] for h in chosen], epochs)
                unstable = np.array([_first_unstable(h["learning_rate"], int(h["epochs"]), bound)
                                     for h, bound in zip(chosen, limit)], dtype=int)
                out.limit[columns] = limit
                epochs = np.where(unstable > 0, 0, epochs)
            run = _Run(W, b, epochs, terms.loss(W * (c / t), b / t, l2 / c / c), monitor, on_epochs, tick)
            if key is not None:
                fit = _mini_batch(terms, key[0], key[1], rates, l2, W, b, run)
            elif isinstance(terms, _Sums):
                fit = _full_batch(terms.stats, rates, l2, W, b, run)
            else:
                fit = _full_batch_rows(terms, rates, l2, W, b, run)
            out.weights[:, columns] = fit.weights
            out.intercept[columns] = fit.intercept
            out.epochs_run[columns] = fit.epochs_run
            out.stopped_early[columns] = fit.stopped_early
            out.diverged_at[columns] = np.where(unstable > 0, unstable, fit.diverged_at)
            out.unstable[columns] = unstable > 0
            if monitor is not None:
                out.best_epoch[columns] = fit.best_epoch
    return out


def _first_unstable(rate, epochs: int, limit: float) -> int:
    """The first 1-based epoch whose rate exceeds `limit` (0: none); schedules are monotone."""
    if not isinstance(rate, v.Schedule):
        return 1 if epochs > 0 and rate > limit else 0
    first, last = rate.extremes(epochs)
    if first > limit:
        return 1
    if last <= limit:
        return 0
    low, high = 0, max(epochs, 1) - 1  # at(low) <= limit < at(high)
    while high - low > 1:
        middle = (low + high) // 2
        if rate.at(middle) > limit:
            high = middle
        else:
            low = middle
    return high + 1


def stable_rate(rows: Rows | Stats, l2: float) -> float:
    """2 / the largest eigenvalue of the loss's Hessian in (w, b): full-batch gradient
    descent with a constant rate converges exactly when the rate is below this."""
    if isinstance(rows, Stats) or not rows.wide:
        stats = rows if isinstance(rows, Stats) else rows.stats
        c = stats.xscale
        return _limit(float(_eigvalsh(_scaled_hessian(stats, l2 / c / c))[-1]), c)
    c = scale_of(rows.X)
    return _limit(_largest(rows, l2 / c / c, c), c)


def stable_rates(rows: Rows, c: float, l2: np.ndarray, rates: list, epochs: np.ndarray) -> np.ndarray:
    """stable_rate for each column, exactly where a column's largest rate might exceed it,
    else a lower bound that its rates respect (inf for columns with no epochs).

    H(l2) = H(0) + l2·diag(1, ..., 1, 0), so λmax(H(0)) <= λmax(H(l2)) <= λmax(H(0)) + l2:
    one eigenvalue of H(0) settles most columns, and an exact one per distinct l2 the rest.
    With fewer rows than features the eigenvalues come from an (n+1)-sized problem. c is
    the scale of the features the Hessian is computed in.
    """
    largest_rate = np.array([max(r.extremes(int(e))) if isinstance(r, v.Schedule) else float(r)
                             for r, e in zip(rates, epochs)])
    penalty = l2 / c / c
    top = _largest(rows, 0.0, c)
    out = np.empty(len(l2))
    exact: dict[float, float] = {}
    for k, (p, rate) in enumerate(zip(penalty, largest_rate)):
        if epochs[k] <= 0:
            out[k] = float("inf")
        elif p == 0.0 or rate <= _limit(top + p, c):
            out[k] = _limit(top + p, c) if p else _limit(top, c)
        else:
            if p not in exact:
                exact[p] = _largest(rows, p, c)
            out[k] = _limit(exact[p], c)
    return out


def _limit(largest: float, c: float) -> float:
    """2 / (c²·largest), without forming c² (0 when it underflows: no rate is stable)."""
    return 2.0 / largest / c / c if largest > 0 else float("inf")


def _scaled_hessian(stats: Stats, penalty: float) -> np.ndarray:
    """The (d+1) x (d+1) Hessian of the loss in (w, b), divided by xscale²."""
    c = stats.xscale
    d = len(stats.mean)
    m = stats.mean / c
    H = np.empty((d + 1, d + 1))
    H[:d, :d] = stats.gram / stats.n + np.outer(m, m) + penalty * np.eye(d)
    H[:d, d] = H[d, :d] = m / c
    H[d, d] = 1.0 / c / c
    return H


def _largest(rows: Rows, penalty: float, c: float) -> float:
    """λmax of the scaled Hessian. With n < d: on the span of the rows of A = [X/c, 1/c]
    and of the intercept's axis (an invariant subspace of at most n+1 dimensions, from a QR
    factorisation), and `penalty` on its complement, where H is penalty·I."""
    if not rows.wide:
        return float(_eigvalsh(_scaled_hessian(rows.stats, penalty))[-1])
    X = rows.X
    n, d = X.shape
    A = np.empty((n, d + 1))
    np.divide(X, c, out=A[:, :d])
    A[:, d] = 1.0 / c
    basis = np.zeros((d + 1, n + 1))
    basis[:, :n] = A.T
    basis[d, n] = 1.0
    Q = np.linalg.qr(basis)[0]
    AQ = A @ Q
    q = Q[d]
    inner = AQ.T @ AQ / n + penalty * (np.eye(n + 1) - np.outer(q, q))
    return max(float(_eigvalsh(inner)[-1]), penalty)


# ---- ridge -----------------------------------------------------------------------------------


def _eigh(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    try:
        values, vectors = np.linalg.eigh(matrix)
    except np.linalg.LinAlgError as error:
        raise NumericFailure(f"the eigendecomposition of the Gram matrix failed ({error})") from None
    if not (np.isfinite(values).all() and np.isfinite(vectors).all()):
        raise NumericFailure("the eigendecomposition of the Gram matrix is not finite")
    return values, vectors


def _eigvalsh(matrix: np.ndarray) -> np.ndarray:
    try:
        values = np.linalg.eigvalsh(matrix)
    except np.linalg.LinAlgError as error:
        raise NumericFailure(f"the eigenvalues of the loss's Hessian failed ({error})") from None
    if not np.isfinite(values).all():
        raise NumericFailure("the eigenvalues of the loss's Hessian are not finite")
    return values


class Spectrum:
    """The eigendecomposition of a block's centred Gram matrix: every l2 from one solve.

    In the statistics' units (stats.Stats) the minimiser is W = (t/c)·(Gc + n·l2/c²)⁻¹·xy.
    """

    __slots__ = ("n", "mean", "ymean", "xscale", "yscale", "values", "projected", "vectors", "null")

    def __init__(self, stats: Stats) -> None:
        _visible(stats.lost)
        values, vectors = _eigh(stats.gram)
        self._spectrum(stats.n, stats.mean, stats.ymean, stats.xscale, stats.yscale, values, len(values))
        self.vectors = vectors
        self.projected = vectors.T @ stats.xy

    def _spectrum(self, n, mean, ymean, xscale, yscale, values, d) -> None:
        # Directions whose eigenvalue is rounding noise are exactly null: the minimiser
        # has no component along them (for l2 = 0 this is the minimum-norm solution).
        tolerance = max(float(values[-1]), 0.0) * d * np.finfo(float).eps if len(values) else 0.0
        self.n, self.mean, self.ymean = n, mean, ymean
        self.xscale, self.yscale = xscale, yscale
        self.values = values
        self.null = values <= tolerance

    def coefficients(self, l2s) -> np.ndarray:
        l2s = np.asarray(l2s, dtype=float)
        denominator = self.values[:, None] + (self.n * l2s[None, :] / self.xscale) / self.xscale
        denominator[self.null, :] = 1.0
        coefficients = self.projected[:, None] / denominator
        coefficients[self.null, :] = 0.0
        return coefficients

    def weights(self, coefficients: np.ndarray) -> np.ndarray:
        return self.vectors @ coefficients

    def solve(self, l2s) -> Fit:
        with np.errstate(all="ignore"):
            W = self.weights(self.coefficients(l2s)) * (self.yscale / self.xscale)
            b = self.ymean - self.mean @ W
        return Fit(W, b)


class Dual(Spectrum):
    """Ridge with fewer rows than features, as scikit-learn solves it: from the n x n
    kernel K = Xc·Xcᵀ = V·Λ·Vᵀ of the centred rows, W = Xcᵀ·V·(Λ + n·l2)⁻¹·Vᵀ·yc, which
    is the primal's (Xcᵀ·Xc + n·l2)⁻¹·Xcᵀ·yc by the push-through identity, at O(n²d)
    instead of O(d³). Eigenvalues below the primal's tolerance (relative to d) are null,
    so l2 = 0 gives the same minimum-norm solution."""

    __slots__ = ("centred",)

    def __init__(self, rows: Rows) -> None:
        X, y = rows.X, rows.y
        c, t = scale_of(X), scale_of(y)
        scaled = X / c
        mean = scaled.mean(axis=0)
        self.centred = scaled - mean
        _visible(lost_features(X, np.einsum("ij,ij->j", self.centred, self.centred), len(y)))
        yc = y / t
        ymean = yc.mean()
        yc = yc - ymean
        kernel = self.centred @ self.centred.T
        values, vectors = _eigh((kernel + kernel.T) / 2)
        self._spectrum(len(y), mean * c, ymean * t, c, t, values, X.shape[1])
        self.vectors = vectors
        self.projected = vectors.T @ yc

    def weights(self, coefficients: np.ndarray) -> np.ndarray:
        return self.centred.T @ (self.vectors @ coefficients)


def solver(rows: Rows) -> Spectrum:
    """Ridge's solver for these rows: the dual with fewer rows than features."""
    return Dual(rows) if rows.wide else Spectrum(rows.stats)


def ridge(rows: Rows, hypers: list[Mapping]) -> Fit:
    """The exact minimiser for each candidate's l2, from one decomposition."""
    return solver(rows).solve([float(h["l2"]) for h in hypers])
