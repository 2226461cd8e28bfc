"""Standardization: per-feature mean and population standard deviation, fitted on some rows.

Fitted on the raw features of the rows a `standardize` names (ddof 0); a feature that is
constant on those rows (its minimum equals its maximum) keeps scale 1. It is applied to
every split; the target is never scaled. Indicator columns of an `encode` (the `keep`
mask) are left as they are: mean 0, scale 1. It knows the names of the columns it was
fitted on, so that a later impute or encode that changes the model's columns leaves the
columns it knows scaled as they were (`aligned`).
"""

from __future__ import annotations

import numpy as np

from .stats import Stats, scale_of


class Standardization:
    __slots__ = ("mean", "std", "splits", "columns")

    def __init__(self, mean: np.ndarray, std: np.ndarray, splits: tuple[str, ...],
                 columns: list[str] | None = None) -> None:
        self.mean = mean
        self.std = std
        self.splits = splits  # the rows it was fitted on (for the pipeline rule under cv)
        self.columns = columns  # the names of the columns it was fitted on (None: not known)

    @classmethod
    def fit(cls, raw: np.ndarray, splits: tuple[str, ...] = (), keep: np.ndarray | None = None,
            columns: list[str] | None = None) -> Standardization:
        # Per column, divided by a power of two first, so that values near 1e154 and
        # above do not overflow the squares (the division is exact and undone exactly).
        scale = np.array([scale_of(column) for column in raw.T]).reshape(raw.shape[1:])
        scaled = raw / scale
        std = scaled.std(axis=0) * scale
        constant = raw.min(axis=0) == raw.max(axis=0)
        return cls(*_kept(scaled.mean(axis=0) * scale, _scale(std, constant), keep), splits, columns)

    @classmethod
    def from_stats(cls, stats: Stats, keep: np.ndarray | None = None) -> Standardization:
        """The same fit from sufficient statistics (a cross-validation fold's training rows)."""
        spread = np.diag(stats.gram)  # in units of stats.xscale, a power of two
        std = np.sqrt(np.maximum(spread, 0.0) / stats.n) * stats.xscale
        return cls(*_kept(stats.mean, _scale(std, spread == 0), keep), ())

    def aligned(self, columns: list[str]) -> Standardization:
        """This standardization for the model's columns `columns`: the columns it was
        fitted on scaled as fitted, any other (new indicator columns) left as they are."""
        if self.columns is None or list(self.columns) == list(columns):
            return self
        known = {name: k for k, name in enumerate(self.columns)}
        mean = np.array([self.mean[known[c]] if c in known else 0.0 for c in columns])
        std = np.array([self.std[known[c]] if c in known else 1.0 for c in columns])
        return Standardization(mean, std, self.splits, list(columns))

    def apply(self, raw: np.ndarray) -> np.ndarray:
        return (raw - self.mean) / self.std

    def to_json(self) -> dict:
        return {"mean": [float(x) for x in self.mean], "std": [float(x) for x in self.std]}


def _kept(mean: np.ndarray, std: np.ndarray, keep: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Mean 0 and scale 1 for the columns `keep` marks (indicator columns)."""
    if keep is None or not keep.any():
        return mean, std
    return np.where(keep, 0.0, mean), np.where(keep, 1.0, std)


def _scale(std: np.ndarray, constant: np.ndarray) -> np.ndarray:
    return np.where(constant | (std == 0), 1.0, std)
