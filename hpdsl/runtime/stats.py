"""Sufficient statistics of a block of rows, and a block of rows that computes them once.

Everything a full-batch gradient step, a ridge solve or an mse/rmse/r2 score needs from
n rows is in a few d x d and d-sized sums, so many candidate models can be trained and
scored without another pass over the rows. The sums are kept centred on the block's own
means (Gram = Σ(x-μ)(x-μ)ᵀ), which keeps them accurate when features are far from zero,
and blocks combine exactly (Chan et al.'s pairwise update), so cross-validation folds
are assembled from per-fold sums.
"""

from __future__ import annotations

import numpy as np

CHUNK = 1 << 14  # rows per pass when summing, to bound the temporary copy


class Stats:
    """Centred sums of n rows: means, Gram Σ(x-μ)(x-μ)ᵀ, Σ(x-μ)(y-ȳ) and Σ(y-ȳ)².

    A feature that is constant on the rows has a Gram diagonal of exactly 0.
    """

    __slots__ = ("n", "mean", "ymean", "gram", "xy", "yy")

    def __init__(self, n, mean, ymean, gram, xy, yy) -> None:
        self.n = n
        self.mean = mean
        self.ymean = ymean
        self.gram = gram
        self.xy = xy
        self.yy = yy

    @classmethod
    def of(cls, X: np.ndarray, y: np.ndarray) -> Stats:
        """One pass, one matrix product per chunk: the rows shifted by the first row,
        augmented with y and a column of ones, give every sum at once; the shift keeps
        the centring exact enough (and exactly 0 for a constant column)."""
        n, d = X.shape
        shift, yshift = X[0].copy(), float(y[0])
        total = np.zeros((d + 2, d + 2))
        block = np.empty((min(n, CHUNK), d + 2))
        block[:, d + 1] = 1.0
        for start in range(0, n, CHUNK):
            m = min(CHUNK, n - start)
            z = block[:m]
            np.subtract(X[start:start + m], shift, out=z[:, :d])
            np.subtract(y[start:start + m], yshift, out=z[:, d])
            total += z.T @ z
        offset = total[:d, d + 1] / n  # mean - shift
        yoffset = total[d, d + 1] / n
        gram = total[:d, :d] - n * np.outer(offset, offset)
        gram = (gram + gram.T) / 2  # exactly symmetric, for eigh
        xy = total[:d, d] - n * offset * yoffset
        yy = max(float(total[d, d]) - n * yoffset * yoffset, 0.0)
        return cls(n, shift + offset, yshift + yoffset, gram, xy, yy)

    def merge(self, other: Stats) -> Stats:
        """The statistics of both blocks together."""
        n = self.n + other.n
        dx = other.mean - self.mean
        dy = other.ymean - self.ymean
        weight = self.n * other.n / n
        return Stats(
            n,
            self.mean + dx * (other.n / n),
            self.ymean + dy * (other.n / n),
            self.gram + other.gram + weight * np.outer(dx, dx),
            self.xy + other.xy + weight * dx * dy,
            self.yy + other.yy + weight * dy * dy,
        )

    def standardized(self, mean: np.ndarray, std: np.ndarray) -> Stats:
        """The statistics of the same rows after x -> (x - mean) / std."""
        return Stats(self.n, (self.mean - mean) / std, self.ymean, self.gram / np.outer(std, std),
                     self.xy / std, self.yy)

    def sse(self, W: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Σ(x·w + b - y)² over the rows, for each column of W (d x K) and entry of b (K)."""
        gw = self.gram @ W
        offset = b + self.mean @ W - self.ymean
        centred = np.einsum("ik,ik->k", W, gw) - 2 * (self.xy @ W) + self.yy
        return np.maximum(centred, 0.0) + self.n * offset * offset

    def hessian(self, l2: float = 0.0) -> np.ndarray:
        """The (d+1) x (d+1) Hessian of the loss in (w, b) on these rows."""
        d = len(self.mean)
        H = np.empty((d + 1, d + 1))
        H[:d, :d] = self.gram / self.n + np.outer(self.mean, self.mean) + l2 * np.eye(d)
        H[:d, d] = H[d, :d] = self.mean
        H[d, d] = 1.0
        return H

def merged(parts: list[Stats]) -> Stats:
    total = parts[0]
    for part in parts[1:]:
        total = total.merge(part)
    return total


class Rows:
    """A block of rows in the model's feature space; its Stats are computed on first use.

    X may be given lazily (`make_X`), so full-batch and ridge searches over folds whose
    statistics are assembled from sums never materialise the fold's rows.
    """

    __slots__ = ("_X", "_make_X", "y", "_stats")

    def __init__(self, X=None, y=None, *, make_X=None, stats: Stats | None = None) -> None:
        self._X = X
        self._make_X = make_X
        self.y = y
        self._stats = stats

    @property
    def X(self) -> np.ndarray:
        if self._X is None:
            self._X = self._make_X()
        return self._X

    @property
    def stats(self) -> Stats:
        if self._stats is None:
            self._stats = Stats.of(self.X, self.y)
        return self._stats

    @property
    def n(self) -> int:
        return len(self.y)
