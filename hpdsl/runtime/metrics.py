"""The four metrics, for many models at once: from predictions, or from sufficient statistics.

mse = mean((ŷ - y)²), rmse = √mse, mae = mean(|ŷ - y|), r2 = 1 - Σ(ŷ - y)² / Σ(y - ȳ)²;
when every y is the same, r2 is 1 for a perfect fit and 0 otherwise (scikit-learn's
convention). A model whose predictions are not finite scores NaN. mse, rmse and r2 come
from the rows' Stats without predicting (exact up to rounding); mae needs predictions
(from the engine's pass over the rows, engine.py, where the rows carry one), and so do
rows with fewer rows than features, where predicting costs less than d x d sums.

Sums of squares are taken of the errors divided by a power of two near the largest
(exact, and undone exactly), so an rmse or r2 of values near 1e200 is still a number; an
mse that is itself beyond float64 is infinite, and the interpreter reports it (HP302).
"""

from __future__ import annotations

import numpy as np

from ..checker.models import METRICS
from .stats import ORDINARY, Rows, scale_of

FROM_STATS = ("mse", "rmse", "r2")


def lower_is_better(metric: str) -> bool:
    return METRICS[metric]


def _r2(sse: np.ndarray, sst: float) -> np.ndarray:
    if sst > 0:
        return 1.0 - sse / sst
    return np.where(sse == 0, 1.0, 0.0) + np.where(np.isnan(sse), np.nan, 0.0)


def _column_scales(error: np.ndarray) -> np.ndarray:
    """Per column, 1 for errors of ordinary size, else the power of two at the largest."""
    largest = np.max(np.abs(error), axis=0, initial=0.0)
    ordinary = ~np.isfinite(largest) | (largest == 0) | ((largest >= ORDINARY[0]) & (largest <= ORDINARY[1]))
    return np.where(ordinary, 1.0, np.ldexp(1.0, np.frexp(largest)[1] - 1))


def _from_scaled_sse(sse: np.ndarray, scale, n: int, sst: float, metric: str) -> np.ndarray:
    """The metric from Σ(error/scale)², with Σ(y-ȳ)² in the same units for r2."""
    if metric == "r2":
        return _r2(sse, sst)
    mean = sse / n
    return np.sqrt(mean) * scale if metric == "rmse" else mean * scale * scale


def from_predictions(predicted: np.ndarray, y: np.ndarray, metric: str) -> np.ndarray:
    """The metric of each column of `predicted` (rows x K) against y."""
    with np.errstate(all="ignore"):
        error = predicted - y[:, None]
        scale = _column_scales(error)
        error /= scale
        if metric == "mae":
            return np.abs(error).mean(axis=0) * scale
        sse = np.einsum("ik,ik->k", error, error)
        if metric == "r2":
            t = scale_of(y)
            centred = y / t - (y / t).mean()
            ratio = scale / t
            return _r2(sse * ratio * ratio, float(centred @ centred))
        return _from_scaled_sse(sse, scale, len(y), 0.0, metric)


def score(rows: Rows, W: np.ndarray, b: np.ndarray, metric: str) -> np.ndarray:
    """The metric of each model (columns of W, entries of b) on `rows`."""
    if metric == "mae" and rows.mae is not None:
        return rows.mae(W, b)
    with np.errstate(all="ignore"):
        if metric not in FROM_STATS or rows.wide:
            return from_predictions(rows.X @ W + b, rows.y, metric)
        stats = rows.stats
        return _from_scaled_sse(stats.scaled_sse(W, b), stats.yscale, stats.n, stats.yy, metric)


def score_many(items, metric: str) -> list[np.ndarray]:
    """score() of several (rows, W, b) at once: mae of rows the engine computes (Rows.mae
    with a `batch`) in one pass for all of them."""
    if metric == "mae" and items and all(getattr(rows.mae, "batch", None) is not None for rows, _, _ in items):
        return items[0][0].mae.batch([(rows.mae, W, b) for rows, W, b in items])
    return [score(rows, W, b, metric) for rows, W, b in items]
