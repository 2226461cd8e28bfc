"""Nested cross-validation: the folds of a nested tune, built from statistics of row segments summed once.

`tune SPACE using cv K nested in cv M on SPLITS` (docs/steps.md). The cross-validated
rows, in their order (the splits named, each in its shuffled order), are cut by
splits.fold_bounds into M contiguous outer folds. For outer fold o, the rows [a, b), the
outer-training rows are all the others in their order (those before a, then those from
b on), and its K inner folds are fold_bounds over those r - (b - a) rows in that order,
so an inner fold may straddle the outer block as two ranges of rows. The flat tune that
chooses the final model cross-validates over all r rows with fold_bounds(r, K), as a
`using cv K` tune does. No inner fold ever holds a row of its outer fold: the inner
folds partition the outer-training rows (tests/test_nested.py checks it for every size).

Every range's ends are cut points; the segments between consecutive cut points are
summed once (stats.Stats.of, one pass over the rows), and each fold's training and
held-out statistics are merges of its segments (Stats.merge), so the outer and inner
loops read no row again: full-batch descent and ridge train from those sums, mse, rmse
and r2 score from them. An impute or encode fitted on the cross-validated rows is
refitted inside every outer and inner fold on its training rows (PreparedFolds), from
the rows. In a run, the segments are the one-pass engine's (engine.py): the interpreter
cuts its plan at every point of the nested tune's Plan (rank_cuts), and StoreFolds
merges them, so a streamed run needs no rows either; Folds serves rows held as arrays. Mini-batches and mae need rows, built when asked. Under the
pipeline rule each fold's standardization is fitted on its training rows alone (from
their merged sums) and applied to its held-out rows. Rows fewer than features, or raw
features whose spread one float64 unit cannot hold, build every fold from its rows.
"""

from __future__ import annotations

import numpy as np

from .preprocess import Standardization
from .splits import fold_bounds
from .stats import Rows, Stats, merged
from .tune import Fold

Ranges = tuple[tuple[int, int], ...]


def _take(ranges: Ranges, start: int, stop: int) -> Ranges:
    """Positions [start, stop) of the rows that `ranges` lists in order, as ranges of rows."""
    out = []
    offset = 0
    for a, b in ranges:
        lo, hi = max(start - offset, 0), min(stop - offset, b - a)
        if lo < hi:
            out.append((a + lo, a + hi))
        offset += b - a
    return tuple(out)


def _joined(parts: list[Ranges]) -> Ranges:
    """Ranges one after another, adjacent ones made one."""
    out: list[tuple[int, int]] = []
    for a, b in (r for part in parts for r in part):
        if out and out[-1][1] == a:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return tuple(out)


def kfold(ranges: Ranges, k: int) -> list[tuple[Ranges, Ranges]]:
    """K contiguous folds of the rows `ranges` lists: (training ranges, held-out ranges) each."""
    size = sum(b - a for a, b in ranges)
    pieces = [_take(ranges, a, b) for a, b in fold_bounds(size, k)]
    return [(_joined([p for g, p in enumerate(pieces) if g != f]), pieces[f]) for f in range(k)]


def indices(ranges: Ranges) -> np.ndarray:
    """The row positions the ranges list, in order."""
    if not ranges:
        return np.empty(0, dtype=np.intp)
    return np.concatenate([np.arange(a, b) for a, b in ranges])


class Plan:
    """The row ranges of a nested tune over `rows` rows: `outer[o]` is outer fold o's
    (training, held-out) ranges, `inner[o]` the K inner folds of its training rows, and
    `flat` the K folds of all the rows."""

    def __init__(self, rows: int, inner: int, outer: int) -> None:
        self.rows = rows
        everything = ((0, rows),)
        self.outer = kfold(everything, outer)
        self.inner = [kfold(training, inner) for training, _ in self.outer]
        self.flat = kfold(everything, inner)

    def cuts(self) -> list[int]:
        """Every position where a fold's range starts or ends, sorted."""
        points = {0, self.rows}
        for training, held in [*self.outer, *self.flat, *(fold for folds in self.inner for fold in folds)]:
            for a, b in (*training, *held):
                points.update((a, b))
        return sorted(points)


def fewest_training_rows(rows: int, outer: int) -> int:
    """The outer-training rows of the outer fold with the most held-out rows."""
    return rows - fold_bounds(rows, outer)[0][1]


class Folds:
    """Folds of `source` (raw features under the pipeline rule, else the model's features)
    for the ranges of a Plan."""

    def __init__(self, source: np.ndarray, y: np.ndarray, plan: Plan, pipeline: bool,
                 keep: np.ndarray | None = None) -> None:
        self.source = source
        self.y = y
        self.pipeline = pipeline
        self.keep = keep  # indicator columns of an encode: never standardized
        cuts = plan.cuts()
        self.segments = list(zip(cuts[:-1], cuts[1:]))
        self.first = {a: i for i, (a, _) in enumerate(self.segments)}
        self.parts: list[Stats] | None = None
        if source.shape[0] >= source.shape[1]:
            parts = [Stats.of(source[a:b], y[a:b]) for a, b in self.segments]
            if not (pipeline and any(part.lost for part in parts)):
                self.parts = parts  # else raw sums too faint to standardize from: rows

    def stats(self, ranges: Ranges) -> Stats:
        chosen = []
        for a, b in ranges:
            i = self.first[a]
            while i < len(self.segments) and self.segments[i][1] <= b:
                chosen.append(self.parts[i])
                i += 1
        return merged(chosen)

    def fold(self, training: Ranges, held: Ranges) -> Fold:
        y_train, y_held = self.y[indices(training)], self.y[indices(held)]
        if self.parts is None:
            X, X_held = self.source[indices(training)], self.source[indices(held)]
            if self.pipeline:
                scaling = Standardization.fit(X, keep=self.keep)
                X, X_held = scaling.apply(X), scaling.apply(X_held)
            return Fold(Rows(X, y_train), Rows(X_held, y_held))
        train_stats, held_stats = self.stats(training), self.stats(held)
        scaling = Standardization.from_stats(train_stats, self.keep) if self.pipeline else None
        if scaling is not None:
            train_stats = train_stats.standardized(scaling.mean, scaling.std)
            held_stats = held_stats.standardized(scaling.mean, scaling.std)
        return Fold(Rows(y=y_train, stats=train_stats, make_X=self._rows_of(training, scaling)),
                    Rows(y=y_held, stats=held_stats, make_X=self._rows_of(held, scaling)))

    def _rows_of(self, ranges: Ranges, scaling: Standardization | None):
        def make() -> np.ndarray:
            X = self.source[indices(ranges)]
            return scaling.apply(X) if scaling is not None else X

        return make

    def folds(self, pairs: list[tuple[Ranges, Ranges]]) -> list[Fold]:
        return [self.fold(training, held) for training, held in pairs]


def _ranks(ranges: Ranges, spans: Ranges) -> Ranges:
    """Positions among the cross-validated rows (the shuffled order's `spans`, one after
    another) as ranges of the shuffled order."""
    return _joined([_take(spans, a, b) for a, b in ranges])


def rank_cuts(plan: Plan, spans) -> list[int]:
    """Every cut point of a Plan as a position of the shuffled order: where the one-pass
    engine (engine.py) must cut its segments for the nested tune's folds."""
    spans = tuple(spans)
    return [edge for a, b in zip(plan.cuts()[:-1], plan.cuts()[1:]) for pair in _ranks(((a, b),), spans)
            for edge in pair]


class StoreFolds:
    """Folds for the ranges of a Plan from the engine's statistics (guards.SplitStore): a
    fold's training and held-out statistics are merges of the engine's segments, which
    the interpreter cut at every point of the Plan before the data's one pass."""

    def __init__(self, store, block, pipeline: bool, keep: np.ndarray | None = None) -> None:
        self.store = store
        self.spans = tuple(block.ranges)
        self.pipeline = pipeline
        self.keep = keep

    def fold(self, training: Ranges, held: Ranges) -> Fold:
        store = self.store
        train, held = _ranks(training, self.spans), _ranks(held, self.spans)
        train_raw, held_raw = store.engine.stats(train), store.engine.stats(held)
        scaling = Standardization.from_stats(train_raw, self.keep) if self.pipeline else store.scaling
        return Fold(store.model_rows(train, train_raw, scaling, mae=False), store.model_rows(held, held_raw, scaling))

    def folds(self, pairs: list[tuple[Ranges, Ranges]]) -> list[Fold]:
        return [self.fold(training, held) for training, held in pairs]


def folds_of(store, block, plan: Plan, pipeline: bool, keep: np.ndarray | None = None):
    """The folds of a nested tune over a block's rows: from the engine's statistics
    (StoreFolds), or from the rows when they are fewer than their features or their raw
    sums are too faint to standardize from (Folds)."""
    if not block.wide:
        cuts = plan.cuts()
        parts = [store.engine.stats(_ranks(((a, b),), tuple(block.ranges))) for a, b in zip(cuts[:-1], cuts[1:])]
        if not ((pipeline or store.scaling is not None) and any(part.lost for part in parts)):
            return StoreFolds(store, block, pipeline, keep)
    return Folds(block.raw if pipeline else block.rows.X, block.y, plan, pipeline, keep)


class PreparedFolds:
    """Folds for the ranges of a Plan when an impute or encode was fitted on rows the
    nested tune cross-validates: each fold refits those steps on its training rows alone
    (`make(training_positions, held_positions)`, runtime/tables.py), as `using cv K` does."""

    def __init__(self, make) -> None:
        self.make = make

    def fold(self, training: Ranges, held: Ranges) -> Fold:
        return Fold(*self.make(indices(training), indices(held)))

    def folds(self, pairs: list[tuple[Ranges, Ranges]]) -> list[Fold]:
        return [self.fold(training, held) for training, held in pairs]
