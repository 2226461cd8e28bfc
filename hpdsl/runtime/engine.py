"""The one-pass statistics engine: every sum a linear model needs, from blocks of rows.

A row's rank in the shuffled order (splits.ranks) decides its split and fold, so rows
can be read in any blocks, on any machine. The shuffled order is cut into *segments* at
every split's and every cross-validation fold's boundary (a Plan); one pass over the
data accumulates, per segment, the centred statistics of its rows (stats.Stats), and
any split, union of splits or fold is then a merge of whole segments, d x d work.

Determinism: the data is cut into canonical blocks of BLOCK_ROWS rows in file order
(rows [b·BLOCK_ROWS, (b+1)·BLOCK_ROWS)), whatever blocks the reader delivers. Each
block's per-segment partial Stats are computed from its rows in file order, and a
segment's partials are merged in block order (Chan's centred update, a left fold); a
union is the left fold of its segments in rank order. The same numbers therefore come
out of data held in memory, a streamed file and a Dask cluster (engine_dask.py), however
the work is scheduled.

Mean absolute errors need predictions: `mae` scores many models on many sets of
segments in one more pass, summing |x·w + b - y| per block and then in block order.
`passes` counts the rows each pass read (the test suite's proof of one pass).
"""

from __future__ import annotations

import numpy as np

from .splits import ranks
from .stats import Stats, merged

BLOCK_ROWS = 1 << 14  # the canonical block: part of the arithmetic, so a constant
MODELS = 256  # models whose errors on a block are held at once (32 MB)


class Ranks:
    """The rank of every row, as (rows, split seed), computed where it is used: the array
    (4 or 8 bytes a row) never travels to a worker; each process computes it once."""

    _cache: dict[tuple[int, int], np.ndarray] = {}

    def __init__(self, rows: int, seed: int) -> None:
        self.rows = rows
        self.seed = seed

    @property
    def array(self) -> np.ndarray:
        key = (self.rows, self.seed)
        if key not in Ranks._cache:
            Ranks._cache.clear()  # one data set per process at a time
            Ranks._cache[key] = ranks(self.rows, self.seed)
        return Ranks._cache[key]


class Plan:
    """The segments of the shuffled order [0, n): [bounds[s], bounds[s+1])."""

    def __init__(self, rows: int, cuts) -> None:
        self.rows = rows
        self.bounds = np.array(sorted({0, rows, *(int(c) for c in cuts)}), dtype=np.int64)

    @property
    def count(self) -> int:
        return len(self.bounds) - 1

    def covers(self, ranges) -> bool:
        edges = np.array([edge for pair in ranges for edge in pair], dtype=np.int64)
        return bool(np.isin(edges, self.bounds).all())

    def segments(self, ranges) -> list[int]:
        """The segments making up these rank ranges, in the ranges' order."""
        out = []
        for a, b in ranges:
            out.extend(range(int(np.searchsorted(self.bounds, a)), int(np.searchsorted(self.bounds, b))))
        return out


# ---- the work done on one block (on this machine or a worker: picklable) --------------------


class StatsTask:
    """Per canonical block: each segment's partial Stats, each column's largest
    magnitude, and (for the test-use ledger) each row's fingerprint."""

    def __init__(self, ranks_: Ranks, bounds: np.ndarray, fingerprints: bool) -> None:
        self.ranks = ranks_
        self.bounds = bounds
        self.fingerprints = fingerprints

    def __call__(self, start: int, X: np.ndarray, y: np.ndarray):
        if start + len(y) > self.ranks.rows:  # more rows than counted: the engine reports it
            return len(y), [], _largest(start, X, y), None
        segment = np.searchsorted(self.bounds, self.ranks.array[start:start + len(y)], side="right") - 1
        order = np.argsort(segment, kind="stable")  # by segment, file order within one
        present, first, counts = np.unique(segment[order], return_index=True, return_counts=True)
        Xs, ys = X[order], y[order]
        partials = [(int(s), Stats.of(Xs[a:a + m], ys[a:a + m])) for s, a, m in zip(present, first, counts)]
        magnitudes = _largest(start, X, y)
        prints = None
        if self.fingerprints:
            from ..ledger.fingerprints import row_fingerprints

            prints = row_fingerprints(X, y)
        return len(y), partials, magnitudes, prints


def _largest(start: int, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The largest magnitude of each feature, then of the target, in a block."""
    return np.concatenate([np.max(np.abs(X), axis=0, initial=0.0), [np.max(np.abs(y), initial=0.0)]])


class MaeTask:
    """Per canonical block: Σ|x·w + b - y| over the rows of each request's segments, for
    each of its models; a request is (segment mask, standardization or None, W, b)."""

    def __init__(self, ranks_: Ranks, bounds: np.ndarray, requests) -> None:
        self.ranks = ranks_
        self.bounds = bounds
        self.requests = requests

    def __call__(self, start: int, X: np.ndarray, y: np.ndarray):
        if start + len(y) > self.ranks.rows:  # more rows than counted: nothing to score
            return len(y), [np.zeros(W.shape[1]) for _, _, W, _ in self.requests]
        segment = np.searchsorted(self.bounds, self.ranks.array[start:start + len(y)], side="right") - 1
        out = []
        with np.errstate(all="ignore"):
            for mask, scaling, W, b in self.requests:
                pick = mask[segment]
                if not pick.any():
                    out.append(np.zeros(W.shape[1]))
                    continue
                Xp = X[pick]
                if scaling is not None:
                    Xp = (Xp - scaling[0]) / scaling[1]
                yp = y[pick][:, None]
                sums = np.empty(W.shape[1])
                for k in range(0, W.shape[1], MODELS):  # bounds the block x models errors
                    error = Xp @ W[:, k:k + MODELS]
                    error += b[k:k + MODELS]
                    error -= yp
                    sums[k:k + MODELS] = np.abs(error).sum(axis=0)
                out.append(sums)
        return len(y), out


class SelectionTask:
    """Per canonical block: the selection optimism's bootstrap sums (optimism.Sums) over the
    block's held-out rows of every fold, each row at its place among the pooled held-out
    rows (fold after fold, each fold's rows in rank order), so that its Poisson counts are
    those of a run in memory; a fold is (segment mask, its ranges' first ranks, the pooled
    place of each range's first row, standardization or None, W, b). None for a block
    with no held-out row."""

    def __init__(self, ranks_: Ranks, bounds: np.ndarray, folds, empty, metric: str, scale: float) -> None:
        self.ranks = ranks_
        self.bounds = bounds
        self.folds = folds
        self.empty = empty  # a Sums of no rows: the bootstraps, candidates and shift
        self.metric = metric
        self.scale = scale

    def __call__(self, start: int, X: np.ndarray, y: np.ndarray):
        from .optimism import Sums, losses_of

        if start + len(y) > self.ranks.rows:  # more rows than counted: the engine reports it
            return len(y), None
        rank = self.ranks.array[start:start + len(y)]
        segment = np.searchsorted(self.bounds, rank, side="right") - 1
        sums = None
        for mask, firsts, places, scaling, W, b in self.folds:
            pick = mask[segment]
            if not pick.any():
                continue
            if sums is None:
                sums = Sums(self.empty.seed, self.empty.bootstraps, W.shape[1], self.empty.shift, self.empty.reference)
            r = rank[pick]
            at = np.searchsorted(firsts, r, side="right") - 1
            positions = places[at] + (r - firsts[at])
            Xp = X[pick]
            if scaling is not None:
                Xp = (Xp - scaling[0]) / scaling[1]
            yp = y[pick]
            for first, losses, ys in losses_of(Xp, yp, W, b, self.metric, self.scale):
                sums.add(positions[first:first + len(ys)], losses, ys / self.scale)
        return len(y), sums


# ---- sources of canonical blocks ----------------------------------------------------------------


class MemorySource:
    """Data held in memory, in file order."""

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.X = X
        self.y = y

    def map(self, task):
        for start in range(0, len(self.y), BLOCK_ROWS):
            yield task(start, self.X[start:start + BLOCK_ROWS], self.y[start:start + BLOCK_ROWS])


class StreamSource:
    """A file read anew for each pass: `open()` gives an iterable of (rows, X, y) blocks of
    any size, re-cut here into canonical blocks; at most one block is held."""

    def __init__(self, open_) -> None:
        self.open = open_

    def map(self, task):
        yield from (task(start, X, y) for start, X, y in canonical(self.open()))


def canonical(stream):
    """(start row, X, y) for each canonical block of a stream of (rows, X, y) blocks."""
    start = 0
    held_X: list[np.ndarray] = []
    held_y: list[np.ndarray] = []
    count = 0
    for _, X, y in stream:
        held_X.append(X)
        held_y.append(y)
        count += len(y)
        while count >= BLOCK_ROWS:
            X_all = held_X[0] if len(held_X) == 1 else np.concatenate(held_X)
            y_all = held_y[0] if len(held_y) == 1 else np.concatenate(held_y)
            yield start, X_all[:BLOCK_ROWS], y_all[:BLOCK_ROWS]
            start += BLOCK_ROWS
            held_X, held_y = [X_all[BLOCK_ROWS:]], [y_all[BLOCK_ROWS:]]
            count -= BLOCK_ROWS
    if count:
        yield start, np.concatenate(held_X), np.concatenate(held_y)


# ---- the engine ------------------------------------------------------------------------------------


class Engine:
    """The statistics of any rank ranges of the data, from one pass (more only when a
    step asks for ranges no plan foresaw, or for mean absolute errors)."""

    def __init__(self, source, rows: int, seed: int, cuts, features: int, problem, fingerprints: bool = False,
                 eager: bool = True) -> None:
        self.source = source
        self.problem = problem  # message -> the RunError (HP302) that points at the data
        self.rows = rows
        self.features = features
        self.ranks = Ranks(rows, seed)
        self.plan = Plan(rows, cuts)
        self.want_fingerprints = fingerprints
        self.fingerprints: np.ndarray | None = None  # in the shuffled order
        self.magnitudes: np.ndarray | None = None  # largest |value| per feature, then the target
        self.passes: list[dict] = []  # {"purpose": "statistics" | "mae", "rows": rows read}
        self._segments: list[Stats | None] | None = None
        if eager:
            self._pass()
        else:
            # Fewer rows than features, in memory: d x d sums would cost more than the rows
            # (ridge solves the dual); the pass runs only if a step asks for sums after all.
            self.magnitudes = np.zeros(features + 1)
            for largest in source.map(_largest):
                np.maximum(self.magnitudes, largest, out=self.magnitudes)

    def _pass(self) -> None:
        plan = self.plan
        totals: list[Stats | None] = [None] * plan.count
        largest = np.zeros(self.features + 1)
        prints = np.zeros(self.rows, dtype=np.uint64) if self.want_fingerprints else None
        ranks_ = self.ranks.array
        read = 0
        task = StatsTask(self.ranks, plan.bounds, self.want_fingerprints)
        for count, partials, magnitudes, block_prints in self.source.map(task):
            for s, part in partials:
                totals[s] = part if totals[s] is None else totals[s].merge(part)
            np.maximum(largest, magnitudes, out=largest)
            if prints is not None and block_prints is not None:
                prints[ranks_[read:read + count]] = block_prints
            read += count
        self.passes.append({"purpose": "statistics", "rows": read})
        if read != self.rows:
            raise self.problem(f"the data changed while it was read: {read} rows, not {self.rows}")
        self._segments = totals
        self.magnitudes = largest
        self.fingerprints = prints

    def stats(self, ranges) -> Stats:
        """The raw statistics of the rows with these ranks (ranges in the order given)."""
        if not self.plan.covers(ranges):
            # A step no plan foresaw (the interpreter plans every cv it can see): one more pass.
            self.plan = Plan(self.rows, [*self.plan.bounds, *(edge for pair in ranges for edge in pair)])
            self._pass()
        elif self._segments is None:
            self._pass()
        return merged([self._segments[s] for s in self.plan.segments(ranges)])

    def mae(self, requests) -> list[np.ndarray]:
        """Mean absolute errors, in one pass: for each request (rank ranges, (mean, std)
        or None, W d x K, b K), the mae of each model on those rows."""
        plan = self.plan
        prepared, sizes = [], []
        for ranges, scaling, W, b in requests:
            if not plan.covers(ranges):
                self.stats(ranges)
                plan = self.plan
            mask = np.zeros(plan.count, dtype=bool)
            mask[plan.segments(ranges)] = True
            prepared.append((mask, scaling, np.asarray(W, dtype=float), np.asarray(b, dtype=float)))
            sizes.append(sum(b_ - a for a, b_ in ranges))
        sums = [np.zeros(W.shape[1]) for _, _, W, _ in prepared]
        read = 0
        for count, parts in self.source.map(MaeTask(self.ranks, plan.bounds, prepared)):
            for total, part in zip(sums, parts):
                total += part
            read += count
        self.passes.append({"purpose": "mae", "rows": read})
        if read != self.rows:
            raise self.problem(f"the data changed while it was read: {read} rows, not {self.rows}")
        with np.errstate(all="ignore"):
            return [total / size for total, size in zip(sums, sizes)]


    @property
    def summed(self) -> bool:
        """Whether the statistics pass has been taken."""
        return self._segments is not None

    def selection(self, folds, sums, metric: str, scale: float):
        """The selection optimism's bootstrap sums (optimism.Sums, `sums` empty) over the
        held-out rows of folds (rank ranges, (mean, std) or None, W d x K, b K), in one
        pass: each block's sums, merged in block order."""
        offset, prepared = 0, []
        for ranges, scaling, W, b in folds:
            if not self.plan.covers(ranges):
                self.stats(ranges)
            lengths = np.array([b_ - a for a, b_ in ranges], dtype=np.int64)
            places = offset + np.concatenate([[0], np.cumsum(lengths)[:-1]])
            firsts = np.array([a for a, _ in ranges], dtype=np.int64)
            order = np.argsort(firsts, kind="stable")  # ranges by first rank, for the lookup
            prepared.append((firsts[order], places[order], scaling, np.asarray(W, dtype=float),
                             np.asarray(b, dtype=float), ranges))
            offset += int(lengths.sum())
        plan = self.plan
        tasks = []
        for firsts, places, scaling, W, b, ranges in prepared:
            mask = np.zeros(plan.count, dtype=bool)
            mask[plan.segments(ranges)] = True
            tasks.append((mask, firsts, places, scaling, W, b))
        read = 0
        for count, part in self.source.map(SelectionTask(self.ranks, plan.bounds, tasks, sums, metric, scale)):
            if part is not None:
                sums.merge(part)
            read += count
        self.passes.append({"purpose": "selection", "rows": read})
        if read != self.rows:
            raise self.problem(f"the data changed while it was read: {read} rows, not {self.rows}")
        return sums


class EngineMae:
    """Rows.mae for rows of the engine: the mean absolute error of models on these rank
    ranges (scaled by `scaling`, (mean, std) or None), by one engine pass; several of them
    are scored in one pass by `batch` (tune.search scores every fold at once)."""

    def __init__(self, engine: Engine, ranges, scaling) -> None:
        self.engine = engine
        self.ranges = ranges
        self.scaling = scaling

    @property
    def ranges_rows(self) -> int:
        return sum(b - a for a, b in self.ranges)

    def __call__(self, W, b) -> np.ndarray:
        return self.engine.mae([(self.ranges, self.scaling, W, b)])[0]

    @staticmethod
    def batch(items) -> list[np.ndarray]:
        """items: (EngineMae, W, b), all of one engine."""
        return items[0][0].engine.mae([(m.ranges, m.scaling, W, b) for m, W, b in items])


class MemoryRows:
    """The rows themselves, for computations that need them (mini-batches, fewer rows than
    features, logs and early stopping on mae): raw X or y of rank ranges, in rank order."""

    def __init__(self, X: np.ndarray, y: np.ndarray, order: np.ndarray) -> None:
        self._X = X
        self._y = y
        self._order = order

    def _index(self, ranges) -> np.ndarray:
        return np.concatenate([self._order[a:b] for a, b in ranges])

    def X(self, ranges) -> np.ndarray:
        return self._X[self._index(ranges)]

    def y(self, ranges) -> np.ndarray:
        return self._y[self._index(ranges)]


class NoRows:
    """A streamed run's rows: never held. `refuse()` is the RunError naming what to do."""

    def __init__(self, refuse) -> None:
        self._refuse = refuse

    def X(self, ranges) -> np.ndarray:
        raise self._refuse()

    y = X


def cv_folds(store, block, k: int, pipeline: bool, keep=None):
    """tune.Fold for each of K folds of a block's rows (tune.cv_folds' rule), from the
    engine's per-fold statistics: the training statistics of fold f are the merge of the
    other folds' (in fold order), and under `pipeline` each fold's standardization is
    fitted from them (Standardization.from_stats, the `keep` indicator columns left as
    they are) and applied to both sides' statistics."""
    from .preprocess import Standardization
    from .splits import fold_ranges
    from .tune import Fold
    from .tune import cv_folds as from_rows

    if block.wide:  # no d x d sums for fewer rows than features
        return from_rows(block.raw, block.rows.X, block.y, k, pipeline, keep)
    ranges = fold_ranges(block.ranges, k)
    parts = [store.engine.stats(r) for r in ranges]
    if (pipeline or store.scaling is not None) and any(part.lost for part in parts):
        # Raw sums too faint to standardize from: each fold's rows themselves.
        return from_rows(block.raw, block.rows.X, block.y, k, pipeline, keep)
    folds = []
    for f in range(k):
        train_ranges = [r for g in range(k) if g != f for r in ranges[g]]
        train_raw = merged([parts[g] for g in range(k) if g != f])
        scaling = Standardization.from_stats(train_raw, keep) if pipeline else store.scaling
        folds.append(Fold(store.model_rows(train_ranges, train_raw, scaling, mae=False),
                          store.model_rows(ranges[f], parts[f], scaling)))
    return folds


class StreamedData:
    """What a run knows of data it never holds: the report's description of it."""

    __slots__ = ("features", "target", "source", "sha256", "count", "truth", "seed", "rows")

    def __init__(self, features, target, source, sha256, count) -> None:
        self.features = features
        self.target = target
        self.source = source
        self.sha256 = sha256
        self.count = count
        self.truth = self.seed = self.rows = None
