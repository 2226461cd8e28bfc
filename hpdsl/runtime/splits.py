"""Row partitions: the seeded split of the data, and the folds of cross-validation.

The split rule (docs/declarations.md). With n rows and shares P_1..P_k percent, split i
first gets floor(n·P_i/100) rows, computed exactly (the share's float value as a
fraction); the rows still unassigned go one each to the splits with the largest
remainders n·P_i/100 - floor(n·P_i/100), ties going to the split declared first. The
rows are shuffled once with np.random.default_rng(split seed).permutation(n), and the
splits take consecutive blocks of that order in declaration order, so they are disjoint
and cover every row by construction. Within a split rows keep the shuffled order.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np


def share_counts(rows: int, percents: list[float]) -> list[int]:
    """Row counts for the shares, by the largest-remainder rule above."""
    quotas = [Fraction(rows) * Fraction(p) / 100 for p in percents]
    counts = [int(q) for q in quotas]  # floor: quotas are non-negative
    left = rows - sum(counts)
    by_remainder = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in by_remainder[: max(0, min(left, len(counts)))]:
        counts[i] += 1
    return counts


def shuffle(rows: int, seed: int) -> np.ndarray:
    """The row order every split and fold is cut from."""
    return np.random.default_rng(seed).permutation(rows)


def blocks(counts: list[int]) -> list[tuple[int, int]]:
    """[start, stop) of each split within the shuffled order."""
    out = []
    start = 0
    for count in counts:
        out.append((start, start + count))
        start += count
    return out


def fold_bounds(rows: int, folds: int) -> list[tuple[int, int]]:
    """K contiguous folds of `rows` rows: the first rows % K folds get one row more."""
    base, extra = divmod(rows, folds)
    out = []
    start = 0
    for k in range(folds):
        size = base + (1 if k < extra else 0)
        out.append((start, start + size))
        start += size
    return out
