"""Sufficient statistics of a block of rows, and a block of rows that computes them once.

Everything a full-batch gradient step, a ridge solve or an mse/rmse/r2 score needs from
n rows is in a few d x d and d-sized sums, so many candidate models can be trained and
scored without another pass over the rows. The sums are kept centred on the block's own
means (Gram = Σ(x-μ)(x-μ)ᵀ), which keeps them accurate when features are far from zero,
and blocks combine exactly (Chan et al.'s pairwise update), so cross-validation folds
are assembled from per-fold sums.

Second moments of values near 1e154 and above overflow float64 (and of values near
1e-154 and below underflow), so the sums are of the rows divided by a power of two:
`xscale` for every feature, `yscale` for the target. A power of two makes the division
and its undoing exact, so data of ordinary size (scale 1) gives the very same bits as
unscaled sums. One scale for all features, not one per column, because ridge's penalty
l2·‖w‖² is the same in every direction only in a common unit, and one eigendecomposition
then serves every l2.
"""

from __future__ import annotations

import math

import numpy as np

CHUNK = 1 << 14  # rows per pass when summing, to bound the temporary copy
ORDINARY = (2.0 ** -100, 2.0 ** 100)  # magnitudes whose squares summed over any n stay normal
FAINT = np.finfo(float).tiny / np.finfo(float).eps  # a spread below this (per row) has lost its digits


def scale_of(values: np.ndarray) -> float:
    """1 for values of ordinary size, else the power of two at the largest magnitude."""
    largest = float(np.max(np.abs(values), initial=0.0))
    if largest == 0.0 or ORDINARY[0] <= largest <= ORDINARY[1]:
        return 1.0
    return math.ldexp(1.0, math.frexp(largest)[1] - 1)


class Stats:
    """Centred sums of n rows scaled by c = xscale and t = yscale: means μ and ȳ (in the
    data's units), Gram Σ(x-μ)(x-μ)ᵀ/c², Σ(x-μ)(y-ȳ)/(c·t) and Σ(y-ȳ)²/t².

    A feature that is constant on the rows has a Gram diagonal of exactly 0. `lost` lists
    the features that vary but whose spread vanished in these units (values near 1 beside
    values near 1e300): no solve on these sums can see them (see lost_features).
    """

    __slots__ = ("n", "mean", "ymean", "gram", "xy", "yy", "xscale", "yscale", "lost")

    def __init__(self, n, mean, ymean, gram, xy, yy, xscale: float = 1.0, yscale: float = 1.0,
                 lost: tuple[int, ...] = ()) -> None:
        self.n = n
        self.mean = mean
        self.ymean = ymean
        self.gram = gram
        self.xy = xy
        self.yy = yy
        self.xscale = xscale
        self.yscale = yscale
        self.lost = lost

    @classmethod
    def of(cls, X: np.ndarray, y: np.ndarray) -> Stats:
        """One pass, one matrix product per chunk: the (scaled) rows shifted by the first
        row, augmented with y and a column of ones, give every sum at once; the shift keeps
        the centring exact enough (and exactly 0 for a constant column)."""
        n, d = X.shape
        c, t = scale_of(X), scale_of(y)
        shift, yshift = X[0] / c, float(y[0]) / t
        total = np.zeros((d + 2, d + 2))
        block = np.empty((min(n, CHUNK), d + 2))
        block[:, d + 1] = 1.0
        for start in range(0, n, CHUNK):
            m = min(CHUNK, n - start)
            z = block[:m]
            if c == 1.0:
                np.subtract(X[start:start + m], shift, out=z[:, :d])
            else:
                np.divide(X[start:start + m], c, out=z[:, :d])
                z[:, :d] -= shift
            np.subtract(y[start:start + m] / t, yshift, out=z[:, d])
            total += z.T @ z
        offset = total[:d, d + 1] / n  # (mean - shift) / c
        yoffset = total[d, d + 1] / n
        gram = total[:d, :d] - n * np.outer(offset, offset)
        gram = (gram + gram.T) / 2  # exactly symmetric, for eigh
        xy = total[:d, d] - n * offset * yoffset
        yy = max(float(total[d, d]) - n * yoffset * yoffset, 0.0)
        return cls(n, (shift + offset) * c, (yshift + yoffset) * t, gram, xy, yy, c, t,
                   lost_features(X, np.diag(gram), n))

    def rescaled(self, xscale: float, yscale: float) -> Stats:
        """The same statistics with the sums in other units (powers of two)."""
        if xscale == self.xscale and yscale == self.yscale:
            return self
        fx, fy = self.xscale / xscale, self.yscale / yscale
        return Stats(self.n, self.mean, self.ymean, self.gram * (fx * fx), self.xy * (fx * fy),
                     self.yy * (fy * fy), xscale, yscale, self.lost)

    def merge(self, other: Stats) -> Stats:
        """The statistics of both blocks together."""
        c, t = max(self.xscale, other.xscale), max(self.yscale, other.yscale)
        a, b = self.rescaled(c, t), other.rescaled(c, t)
        n = a.n + b.n
        dx = b.mean / c - a.mean / c
        dy = b.ymean / t - a.ymean / t
        weight = a.n * b.n / n
        return Stats(
            n,
            a.mean + dx * (b.n / n) * c,
            a.ymean + dy * (b.n / n) * t,
            a.gram + b.gram + weight * np.outer(dx, dx),
            a.xy + b.xy + weight * dx * dy,
            a.yy + b.yy + weight * dy * dy,
            c, t, tuple(sorted(set(a.lost) | set(b.lost))),
        )

    def standardized(self, mean: np.ndarray, std: np.ndarray) -> Stats:
        """The statistics of the same rows after x -> (x - mean) / std (in unit scale)."""
        unit = std / self.xscale  # exact: xscale is a power of two
        return Stats(self.n, (self.mean - mean) / std, self.ymean, self.gram / np.outer(unit, unit),
                     self.xy / unit, self.yy, 1.0, self.yscale, self.lost)

    @property
    def spread(self) -> np.ndarray:
        """Σ(x-μ)² of each feature, in the data's units (infinite where it overflows)."""
        with np.errstate(over="ignore"):
            return np.diag(self.gram) * self.xscale * self.xscale

    def scaled(self, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Models in the units of the sums: U = W·c/t and β = b/t predict y/t from x/c."""
        return W * (self.xscale / self.yscale), b / self.yscale

    def scaled_sse(self, W: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Σ(x·w + b - y)² / t² over the rows, for each column of W (d x K) and entry of b (K):
        the sum of squares in units that cannot overflow where the models are sane."""
        return self.sse_in_units(*self.scaled(W, b))

    def sse_in_units(self, U: np.ndarray, beta: np.ndarray, GU: np.ndarray | None = None) -> np.ndarray:
        """scaled_sse for models already in the sums' units (U, β; GU = Gram·U if known):
        Σ((x-μ)·U - (y-ȳ))² + n·(β + μ·U - ȳ)²."""
        if GU is None:
            GU = self.gram @ U
        offset = beta + (self.mean / self.xscale) @ U - self.ymean / self.yscale
        centred = np.einsum("ik,ik->k", U, GU) - 2 * (self.xy @ U) + self.yy
        return np.maximum(centred, 0.0) + self.n * offset * offset


def lost_features(X: np.ndarray, spread: np.ndarray, n: int) -> tuple[int, ...]:
    """Features that vary on the rows but whose scaled spread Σ(x-μ)² underflowed (or is
    too close to underflow to be accurate): one common unit cannot hold them beside the
    largest feature."""
    faint = np.flatnonzero(spread < FAINT * n)
    if not len(faint):
        return ()
    varies = X[:, faint].min(axis=0) != X[:, faint].max(axis=0)
    return tuple(int(j) for j in faint[varies])


def merged(parts: list[Stats]) -> Stats:
    total = parts[0]
    for part in parts[1:]:
        total = total.merge(part)
    return total


class Rows:
    """A block of rows in the model's feature space; its Stats are computed on first use.

    X and y may be given lazily (`make_X`, `make_y`), so full-batch and ridge searches
    over rows whose statistics come from sums (engine.py) never materialise the rows.
    `mae`, when given, computes the mean absolute error of models (W, b) on these rows
    without materialising them either (one pass of the engine, vectorized over models).
    """

    __slots__ = ("_X", "_make_X", "_y", "_make_y", "_stats", "mae")

    def __init__(self, X=None, y=None, *, make_X=None, make_y=None, stats: Stats | None = None,
                 mae=None) -> None:
        self._X = X
        self._make_X = make_X
        self._y = y
        self._make_y = make_y
        self._stats = stats
        self.mae = mae

    @property
    def X(self) -> np.ndarray:
        if self._X is None:
            self._X = self._make_X()
        return self._X

    @property
    def y(self) -> np.ndarray:
        if self._y is None:
            self._y = self._make_y()
        return self._y

    @property
    def stats(self) -> Stats:
        if self._stats is None:
            self._stats = Stats.of(self.X, self.y)
        return self._stats

    @property
    def n(self) -> int:
        return self._stats.n if self._y is None and self._stats is not None else len(self.y)

    @property
    def features(self) -> int:
        return len(self._stats.mean) if self._stats is not None else self.X.shape[1]

    @property
    def wide(self) -> bool:
        """Fewer rows than features: n x n work (the dual, predictions) beats d x d sums."""
        return self.n < self.features
