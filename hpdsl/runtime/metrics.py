"""The four metrics, for many models at once: from predictions, or from sufficient statistics.

mse = mean((ŷ - y)²), rmse = √mse, mae = mean(|ŷ - y|), r2 = 1 - Σ(ŷ - y)² / Σ(y - ȳ)²;
when every y is the same, r2 is 1 for a perfect fit and 0 otherwise (scikit-learn's
convention). A model whose predictions are not finite scores NaN. mse, rmse and r2 come
from the rows' Stats without predicting (exact up to rounding); mae needs predictions.
"""

from __future__ import annotations

import numpy as np

from ..checker.models import METRICS
from .stats import Rows

FROM_STATS = ("mse", "rmse", "r2")


def lower_is_better(metric: str) -> bool:
    return METRICS[metric]


def _r2(sse: np.ndarray, sst: float) -> np.ndarray:
    if sst > 0:
        return 1.0 - sse / sst
    return np.where(sse == 0, 1.0, 0.0) + np.where(np.isnan(sse), np.nan, 0.0)


def from_predictions(predicted: np.ndarray, y: np.ndarray, metric: str) -> np.ndarray:
    """The metric of each column of `predicted` (rows x K) against y."""
    with np.errstate(all="ignore"):
        error = predicted - y[:, None]
        if metric == "mae":
            return np.abs(error).mean(axis=0)
        sse = np.einsum("ik,ik->k", error, error)
        if metric == "r2":
            centred = y - y.mean()
            return _r2(sse, float(centred @ centred))
        mse = sse / len(y)
        return np.sqrt(mse) if metric == "rmse" else mse


def score(rows: Rows, W: np.ndarray, b: np.ndarray, metric: str) -> np.ndarray:
    """The metric of each model (columns of W, entries of b) on `rows`."""
    with np.errstate(all="ignore"):
        if metric not in FROM_STATS:
            return from_predictions(rows.X @ W + b, rows.y, metric)
        stats = rows.stats
        sse = stats.sse(W, b)
        if metric == "r2":
            return _r2(sse, stats.yy)
        mse = sse / stats.n
        return np.sqrt(mse) if metric == "rmse" else mse
