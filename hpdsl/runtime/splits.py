"""Row partitions: the seeded split of the data, and the folds of cross-validation.

The split rule (docs/declarations.md). With n rows and shares P_1..P_k percent, split i
first gets floor(n·P_i/100) rows, computed exactly (the share's float value as a
fraction); the rows still unassigned go one each to the splits with the largest
remainders n·P_i/100 - floor(n·P_i/100), ties going to the split declared first. The
rows are shuffled once with np.random.default_rng(split seed).permutation(n), and the
splits take consecutive blocks of that order in declaration order, so they are disjoint
and cover every row by construction. Within a split rows keep the shuffled order.

A row's rank (its position in the shuffled order) decides all of this, so the split
of a row read in any block of the file, on any machine, is computed from the row's
index alone (`ranks`).
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


def ranks(rows: int, seed: int) -> np.ndarray:
    """Each row's position in the shuffled order (the inverse of `shuffle`): a row's rank
    decides its split, its place within the split and its cross-validation fold, whatever
    block of the file it is read in. int32 when it fits, to halve the memory."""
    order = shuffle(rows, seed)
    out = np.empty(rows, dtype=np.int32 if rows < 2 ** 31 else np.int64)
    out[order] = np.arange(rows, dtype=out.dtype)
    return out


def fold_ranges(spans: list[tuple[int, int]], folds: int) -> list[list[tuple[int, int]]]:
    """The K folds of the rows of these splits (each a [start, stop) of the shuffled
    order, taken one after the other) as ranges of the shuffled order: fold_bounds cuts
    the splits' rows, and a fold that spans two splits is two ranges."""
    out = []
    for a, b in fold_bounds(sum(stop - start for start, stop in spans), folds):
        ranges, offset = [], 0
        for start, stop in spans:
            low, high = max(a - offset, 0), min(b - offset, stop - start)
            if low < high:
                ranges.append((start + low, start + high))
            offset += stop - start
        out.append(ranges)
    return out
