"""Selection optimism of a tune: how much the winner's validation score flatters it, and HP209.

The winner of many noisy comparisons won partly by luck, so its validation score is
optimistic. The estimate is the bootstrap bias-corrected method of Tsamardinos, Greasidou
and Borboudakis ("Bootstrapping the out-of-sample predictions for efficient and accurate
cross-validation", Machine Learning 107, 2018: BBC-CV), with no retraining: take the
candidates x held-out-rows matrix of losses (hold-out: each validation row under each
candidate's fit; cv: each row's out-of-fold loss, pooled over the folds), draw bootstrap
samples of the rows, select the best candidate on each in-bag sample (by the tune's metric
and direction; rmse and r2 computed from the resampled rows), and score that selection on
the sample's out-of-bag rows. The mean out-of-bag score estimates how the procedure that
picked the winner performs on rows it did not select on; the optimism is the winner's
apparent score minus that estimate, signed so that a positive number flatters.

The bootstrap is Poisson(1) (Hanley & MacGibbon, Computer Methods and Programs in
Biomedicine 83, 2006; Chamandy, Muralidharan, Najmi & Naidu, "Estimating uncertainty
for massive data streams", Google, 2012): row i's count in bootstrap b is a Poisson(1)
draw from a counter-based hash of (seed, b, i), so the in-bag and out-of-bag sums can
be accumulated over blocks of rows in any order or chunking, by any process, with the
same counts. Hash: splitmix64's finalizer (Steele, Lea & Flood, OOPSLA 2014) in uint64
arithmetic, of (seed, group of four bootstraps, row); each 16-bit quarter of it is a
uniform u for one bootstrap, and the count is the smallest k with u < F(k)·2^16, F the
Poisson(1) distribution function (each probability exact to 2^-16). Folds scored on the
one-pass engine's rows (engine.py) are summed that way, in one pass of the engine
(Engine.selection: each canonical block's Sums, merged in block order), so a run in
memory, streamed or on a cluster reports the same numbers; other folds (refit on
prepared rows, fewer rows than features) from their rows.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal, localcontext

import numpy as np

from ..diagnostics import Diagnostic
from ..nodes import keyword_span
from .metrics import lower_is_better
from .stats import scale_of

BOOTSTRAPS = 1000
FLOOR = 200  # bootstraps at least, whatever the size
WORK = 2 * 10**9  # bootstraps x rows x candidates above which fewer bootstraps are drawn
CELLS = 4 * 10**6  # bootstraps x candidates at most: each of the two sum matrices stays within 32 MB
ROWS = 1024  # rows per block at most: bounds the bootstraps x rows counts and the rows x candidates losses
METHOD = "bbc-cv"
GAMMA = 0x9E3779B97F4A7C15  # splitmix64's increment (the golden ratio in 64 bits)
MASK = (1 << 64) - 1


def _table() -> np.ndarray:
    """Poisson(1) counts of the 65,536 values of a 16-bit uniform u: the smallest k with
    u < F(k)·2^16, F computed to 40 digits so that every platform gets the same table."""
    with localcontext() as context:
        context.prec = 40
        term = total = Decimal(-1).exp()
        bounds, k = [], 0
        while total * (1 << 16) < (1 << 16) - 1:
            bounds.append(int((total * (1 << 16)).to_integral_value(rounding=ROUND_CEILING)))
            k += 1
            term /= k
            total += term
    return np.searchsorted(np.array(bounds), np.arange(1 << 16), side="right").astype(np.float64)


TABLE = _table()
TABLE32 = TABLE.astype(np.float32)
ZERO = int(np.count_nonzero(TABLE == 0))  # the uniforms below this draw a count of 0


def mix64(z: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer on uint64s (wrapping arithmetic), in place."""
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def _key(seed: int) -> np.uint64:
    return mix64(np.array([seed & MASK], dtype=np.uint64))[0]


def seed_of(split_seed: int, line: int) -> int:
    """A tune's bootstrap seed (32 bits): from the workflow's split seed and the tune's line."""
    with np.errstate(over="ignore"):
        return int(mix64(np.array([_key(split_seed) + np.uint64(line & MASK)], dtype=np.uint64))[0] >> np.uint64(32))


def lanes(seed: int, bootstraps: int, positions: np.ndarray) -> np.ndarray:
    """The 16-bit uniforms of the rows at `positions`, rows x bootstraps (uint16): one 64-bit
    hash of (seed, b // 4, position) serves four bootstraps (b = 4g .. 4g+3), a 16-bit lane
    each, lowest bits first. Hashed row-major, so a row's lanes are contiguous in bootstrap
    order and no transpose is needed."""
    groups = -(-bootstraps // 4)
    with np.errstate(over="ignore"):
        keys = mix64((np.arange(groups, dtype=np.uint64) + np.uint64(1)) * np.uint64(GAMMA) + _key(seed))
        h = (positions.astype(np.uint64) + np.uint64(1)) * np.uint64(GAMMA)
        h = mix64(h[:, None] + keys[None, :])
    return h.astype("<u8", copy=False).view("<u2")[:, :bootstraps]


class Sums:
    """What BBC-CV needs from the rows, summed block by block: per bootstrap the in-bag and
    out-of-bag weight, y and y² sums and per candidate loss sums; per candidate over all
    rows the loss and squared-loss sums. y is shifted by `shift` (any fixed value near its
    mean) so that r2's Σy² - (Σy)²/n does not cancel; losses are in the units the caller
    chose (errors divided by a fixed scale). The bootstrap loss sums of candidate k are
    those of the `reference` candidate (the tune's winner) in float64 plus those of
    k's loss minus the reference's in float32 (see `add`)."""

    def __init__(self, seed: int, bootstraps: int, candidates: int, shift: float, reference: int = 0) -> None:
        self.seed = seed
        self.reference = reference
        self.bootstraps = bootstraps
        self.shift = shift
        shape = (bootstraps, candidates)
        self.n_in, self.y_in, self.yy_in = (np.zeros(bootstraps) for _ in range(3))
        self.n_out, self.y_out, self.yy_out = (np.zeros(bootstraps) for _ in range(3))
        self.loss_in, self.loss_out = np.zeros(shape), np.zeros(shape)
        self.n = 0
        self.y, self.yy = 0.0, 0.0
        self.loss, self.loss2 = np.zeros(candidates), np.zeros(candidates)
        self._work = None

    def add(self, positions: np.ndarray, losses: np.ndarray, y: np.ndarray) -> None:
        """Rows at `positions` (their places in the pooled held-out rows), their losses
        (rows x candidates) and targets. Two matrix products give every bootstrap's in-bag
        and out-of-bag sums, W = [counts | out-of-bag indicator] (exact small integers):
        Wᵀ @ [reference's losses | 1 | y | y²] in float64, and Wᵀ @ (losses - reference's
        losses) in float32, half the work of the big product. Only the candidates' loss
        differences pass through float32, so an in-bag comparison of two candidates is off
        by about 1e-7 of their difference, not of their losses."""
        rows, b, ref = len(y), self.bootstraps, self.reference
        inbag, outbag, terms, differences = self._buffers(rows, losses.shape[1])
        u = lanes(self.seed, b, positions)
        np.take(TABLE32, u, out=inbag)
        np.less(u, ZERO, out=outbag)
        t = y - self.shift
        terms[:, 0] = losses[:, ref]
        terms[:, 1] = 1.0
        terms[:, 2] = t
        np.multiply(t, t, out=terms[:, 3])
        np.subtract(losses, terms[:, :1], out=differences, casting="same_kind")
        for weights, n, ys, yys, loss in ((inbag, self.n_in, self.y_in, self.yy_in, self.loss_in),
                                          (outbag, self.n_out, self.y_out, self.yy_out, self.loss_out)):
            base = weights.astype(np.float64).T @ terms
            n += base[:, 1]
            ys += base[:, 2]
            yys += base[:, 3]
            loss += weights.T @ differences
            loss += base[:, :1]
        self.n += rows
        self.y += float(t.sum())
        self.yy += float(t @ t)
        self.loss += losses.sum(axis=0)
        self.loss2 += np.einsum("ik,ik->k", losses, losses)

    def _buffers(self, rows: int, candidates: int):
        """The work arrays of `add` for `rows` rows, allocated once for the largest block:
        a fresh array of this size per block costs more in page faults than its arithmetic."""
        if self._work is None or len(self._work[0]) < rows:
            size = max(rows, ROWS)
            self._work = (np.empty((size, self.bootstraps), dtype=np.float32),
                          np.empty((size, self.bootstraps), dtype=np.float32),
                          np.empty((size, 4)), np.empty((size, candidates), dtype=np.float32))
        return tuple(array[:rows] for array in self._work)

    def merge(self, other: Sums) -> None:
        """Add the sums of other rows (another block's, of the same bootstraps and candidates)."""
        for name in ("n_in", "y_in", "yy_in", "n_out", "y_out", "yy_out", "loss_in", "loss_out", "loss", "loss2"):
            getattr(self, name).__iadd__(getattr(other, name))
        self.n += other.n
        self.y += other.y
        self.yy += other.yy


def _metric(loss, n, ys, yys, metric: str):
    """The metric from sums of losses (squared or absolute errors) and of shifted y."""
    with np.errstate(all="ignore"):
        if metric == "r2":
            sst = yys - ys * ys / n
            return np.where(sst > 0, 1.0 - loss / sst, np.where(loss == 0, 1.0, 0.0))
        mean = loss / n
        return np.sqrt(mean) if metric == "rmse" else mean


def row_losses(rows, W: np.ndarray, b: np.ndarray, metric: str, scale: float):
    """Blocks (start, losses, y) of the per-row losses of the candidates (columns of W,
    entries of b) on `rows`: squared errors, or absolute errors for mae, of errors divided
    by `scale`."""
    yield from losses_of(rows.X, rows.y, W, b, metric, scale)


def losses_of(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: np.ndarray, metric: str, scale: float):
    """row_losses of rows given as arrays, in blocks of at most ROWS rows (fewer for
    many candidates, so that a block's losses stay within CELLS / 4 numbers)."""
    step = max(16, min(ROWS, CELLS // 4 // max(W.shape[1], 1)))
    for start in range(0, len(y), step):
        stop = min(start + step, len(y))
        with np.errstate(all="ignore"):
            error = (X[start:stop] @ W + b - y[start:stop, None]) / scale
            yield start, (np.abs(error) if metric == "mae" else error * error), y[start:stop]


def bootstraps_for(rows: int, candidates: int) -> int:
    """BOOTSTRAPS, or fewer (a multiple of 4, at least FLOOR) when BOOTSTRAPS x rows x
    candidates would exceed WORK or BOOTSTRAPS x candidates CELLS. The Monte Carlo error
    of the estimate shrinks as 1/sqrt(B): measured (benchmarks/optimism.py), about 0.05
    of the winner's standard error at B = 1000 and 0.1 at B = 200, well inside the
    margin HP209 compares the optimism with."""
    fitting = min(WORK // max(rows * candidates, 1), CELLS // max(candidates, 1))
    return int(max(FLOOR, min(BOOTSTRAPS, fitting - fitting % 4)))


def summarize(folds, fits, scores: np.ndarray, winner: int, metric: str, seed: int,
              bootstraps: int | None = None) -> dict:
    """The report's `selection` of a tune: the winner's pooled score, its standard error,
    the BBC-CV estimate and the optimism, from `folds` (tune.Fold, their `score` rows in
    order) and `fits` (per fold, the candidates' fitted W and b), `scores` candidates x
    folds. Candidates that scored no number in some fold take no part (they cannot win)."""
    lower = lower_is_better(metric)
    alive = np.flatnonzero(np.isfinite(scores).all(axis=1))
    reference = int(np.searchsorted(alive, winner))  # the candidate the others' losses are taken from
    engine = _engine_of(folds)
    if engine is not None:
        # Rows of the one-pass engine (engine.py): the sums taken block by block in one
        # more pass, the same in memory, streamed and on a cluster.
        rows = sum(fold.score.mae.ranges_rows for fold in folds)
        scale = scale_of(engine.magnitudes[-1:])
        if bootstraps is None:
            bootstraps = bootstraps_for(rows, len(alive))
        pooled = engine.stats([r for fold in folds for r in fold.score.mae.ranges])
        sums = engine.selection([(fold.score.mae.ranges, fold.score.mae.scaling, fit.weights[:, alive],
                                  fit.intercept[alive]) for fold, fit in zip(folds, fits)],
                                Sums(seed, bootstraps, len(alive), float(pooled.ymean / scale), reference),
                                metric, scale)
    else:
        y_all = np.concatenate([fold.score.y for fold in folds])
        scale = scale_of(y_all)
        if bootstraps is None:
            bootstraps = bootstraps_for(len(y_all), len(alive))
        sums = Sums(seed, bootstraps, len(alive), float(np.mean(y_all / scale)), reference)
        offset = 0
        for fold, fit in zip(folds, fits):
            for start, losses, y in row_losses(fold.score, fit.weights[:, alive], fit.intercept[alive], metric, scale):
                sums.add(offset + start + np.arange(len(y)), losses, y / scale)
            offset += fold.score.n
    result = estimate(sums, reference, metric, lower)
    unit = 1.0 if metric == "r2" else scale * scale if metric == "mse" else scale
    selection = {key: value * unit for key, value in result.items()}
    return {"method": METHOD, "bootstraps": bootstraps, "seed": seed, "rows": sums.n,
            "candidates": int(len(alive)), **selection,
            "fold_std": float(np.std(scores[winner], ddof=1)) if len(folds) > 1 else None}


def _engine_of(folds):
    """The one-pass engine whose rows every fold scores on, if every one does and it has
    taken its statistics pass (else the rows themselves serve)."""
    engines = {id(getattr(fold.score.mae, "engine", None)): getattr(fold.score.mae, "engine", None) for fold in folds}
    engine = next(iter(engines.values())) if len(engines) == 1 else None
    return engine if engine is not None and engine.summed else None


def estimate(sums: Sums, winner: int, metric: str, lower: bool) -> dict:
    """BBC-CV from the sums: the winner's apparent score on all rows and its standard error
    (delta method from the per-row losses), the mean out-of-bag score of the in-bag
    selections, and the optimism. Bootstraps with no in-bag or no out-of-bag row are skipped."""
    n = sums.n
    apparent = float(_metric(sums.loss[winner], n, sums.y, sums.yy, metric))
    mean = sums.loss[winner] / n
    variance = max(sums.loss2[winner] / n - mean * mean, 0.0) * n / (n - 1) if n > 1 else 0.0
    se_mean = float(np.sqrt(variance / n))  # of the mean loss
    if metric == "rmse":
        standard_error = se_mean / (2 * apparent) if apparent > 0 else 0.0
    elif metric == "r2":
        sst = sums.yy - sums.y * sums.y / n
        standard_error = se_mean * n / sst if sst > 0 else 0.0
    else:
        standard_error = se_mean
    usable = (sums.n_in > 0) & (sums.n_out > 0)
    inbag = _metric(sums.loss_in, sums.n_in[:, None], sums.y_in[:, None], sums.yy_in[:, None], metric)
    inbag = np.where(np.isfinite(inbag), inbag, np.inf if lower else -np.inf)
    chosen = np.argmin(inbag, axis=1) if lower else np.argmax(inbag, axis=1)
    rows = np.arange(len(chosen))
    oob = _metric(sums.loss_out[rows, chosen], sums.n_out, sums.y_out, sums.yy_out, metric)[usable]
    bbc = float(np.mean(oob)) if len(oob) else float("nan")
    optimism = (bbc - apparent) if lower else (apparent - bbc)
    return {"score": apparent, "standard_error": float(standard_error), "estimate": bbc,
            "optimism": float(optimism)}


def noise_warning(selection: dict, step) -> Diagnostic | None:
    """HP209 when the estimated optimism exceeds the winner's standard error: the choice is
    mostly noise. Not for a single candidate (there is no choice; HP202 says so)."""
    if selection["candidates"] < 2 or not selection["optimism"] > selection["standard_error"]:
        return None
    return Diagnostic(
        "HP209", keyword_span(step),
        f"the tune's choice is mostly noise: its winner's validation score flatters it by about "
        f"{selection['optimism']:.3g} (BBC-CV), more than the score's standard error {selection['standard_error']:.3g}",
        help="score the candidates on more validation rows, or use 'using cv K'; compare fewer, more different candidates")
