"""Standardization: per-feature mean and population standard deviation, fitted on some rows.

Fitted on the raw features of the rows a `standardize` names (ddof 0); a feature that is
constant on those rows (its minimum equals its maximum) keeps scale 1. It is applied to
every split; the target is never scaled.
"""

from __future__ import annotations

import numpy as np

from .stats import Stats, scale_of


class Standardization:
    __slots__ = ("mean", "std", "splits")

    def __init__(self, mean: np.ndarray, std: np.ndarray, splits: tuple[str, ...]) -> None:
        self.mean = mean
        self.std = std
        self.splits = splits  # the rows it was fitted on (for the pipeline rule under cv)

    @classmethod
    def fit(cls, raw: np.ndarray, splits: tuple[str, ...] = ()) -> Standardization:
        # Per column, divided by a power of two first, so that values near 1e154 and
        # above do not overflow the squares (the division is exact and undone exactly).
        scale = np.array([scale_of(column) for column in raw.T]).reshape(raw.shape[1:])
        scaled = raw / scale
        std = scaled.std(axis=0) * scale
        constant = raw.min(axis=0) == raw.max(axis=0)
        return cls(scaled.mean(axis=0) * scale, _scale(std, constant), splits)

    @classmethod
    def from_stats(cls, stats: Stats) -> Standardization:
        """The same fit from sufficient statistics (a cross-validation fold's training rows)."""
        spread = np.diag(stats.gram)  # in units of stats.xscale, a power of two
        std = np.sqrt(np.maximum(spread, 0.0) / stats.n) * stats.xscale
        return cls(stats.mean, _scale(std, spread == 0), ())

    def apply(self, raw: np.ndarray) -> np.ndarray:
        return (raw - self.mean) / self.std

    def to_json(self) -> dict:
        return {"mean": [float(x) for x in self.mean], "std": [float(x) for x in self.std]}


def _scale(std: np.ndarray, constant: np.ndarray) -> np.ndarray:
    return np.where(constant | (std == 0), 1.0, std)
