"""Tune: the candidates of a search space, and scoring them all on hold-out rows or folds.

Grid: the Cartesian product in the order written, the first name varying slowest.
`using random N [seed K]` (seed 0 by default): a generator np.random.default_rng(K)
draws N candidates; for each, every hyperparameter in space order: a list, linspace,
logspace or range uniformly among its values (Generator.integers), uniform(a, b) as
Generator.uniform(a, b), loguniform(a, b) as exp(uniform(log a, log b)), randint(a, b)
as Generator.integers(a, b) (b excluded). Duplicates count.

Candidates are scored in chunks, each chunk trained together (learners.py): full-batch
descent and ridge from the training rows' statistics, ridge from one eigendecomposition
per fold (of the n x n kernel when the rows are fewer than the features). A candidate
whose training diverged, or whose score is not a finite number, scores NaN and cannot win.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .. import nodes as n
from ..checker import values as v
from ..checker.domains import Interval, ValueSet
from ..checker.scope import HyperInfo, check_value
from . import learners
from .learners import Monitor
from .metrics import score_many
from .preprocess import Standardization
from .splits import fold_bounds
from .stats import Rows, Stats, merged

CHUNK = 2048  # candidates trained together at most: bounds the d x K matrices


class Space:
    """A tune's search space, expanded: per hyperparameter its Candidates."""

    def __init__(self, step: n.Tune, lookup) -> None:
        self.step = step
        self.items = [(item, v.candidates(item.candidates, lookup)) for item in step.space]
        self.names = [item.name.name for item in step.space]
        self.random = isinstance(step.search, n.RandomSearch)
        if self.random:
            self.seed = v.integer(v.constant(step.search.seed), step.search.seed.span, "seed") \
                if step.search.seed is not None else 0

    def count(self) -> int:
        if self.random:
            return v.integer(v.constant(self.step.search.count), self.step.search.count.span, "count")
        return math.prod(c.count for _, c in self.items)

    def candidates(self, infos: dict[str, HyperInfo]) -> list[dict]:
        """Every candidate, each value conformed to its type and checked against its
        domains (v.EvalError HP004 for one that is not)."""
        if self.random:
            rng = np.random.default_rng(self.seed)
            out = []
            for _ in range(self.count()):
                out.append({item.name.name: self._checked(_draw(c, rng), infos, item)
                            for item, c in self.items})
            return out
        columns = [self._all_checked(c.values, infos, item) for item, c in self.items]
        return [dict(zip(self.names, values)) for values in itertools.product(*columns)]

    @staticmethod
    def _checked(value, infos, item: n.SpaceItem):
        return check_value(value, infos[item.name.name], item.candidates.span, f"candidate {item.name.name}")

    def _all_checked(self, values: list, infos, item: n.SpaceItem) -> list:
        """_checked for each of a grid's values. Numbers already of the hyperparameter's
        type, inside its domains (the usual grid), are what check_value would return:
        taken as they are, in one sweep per domain instead of one call per value."""
        info = infos[item.name.name]
        if info.type == "int":
            typed = all(type(x) is int for x in values)
        else:
            typed = all(type(x) is float or type(x) is int for x in values)
        if typed and all(domain is None or all(map(domain.contains, values)) for domain, _ in info.domains()):
            return list(values)
        return [self._checked(x, infos, item) for x in values]


def _draw(c: v.Candidates, rng: np.random.Generator):
    if c.values is not None:
        return c.values[v.draw_below(c.count, rng.integers)]  # counts may exceed 2^63
    if c.kind == "uniform":
        return float(rng.uniform(c.low, c.high))
    if c.kind == "loguniform":
        # exp(log a) can round past a or b (exp(log 10) is 10.000000000000002): keep draws inside
        drawn = math.exp(rng.uniform(math.log(c.low), math.log(c.high)))
        return float(min(max(drawn, c.low), c.high))
    return c.low + v.draw_below(c.high - c.low, rng.integers)  # the same draws as rng.integers(low, high)


# ---- folds -------------------------------------------------------------------------------------


class Fold:
    """Rows candidates train on and rows they are scored on, both in the model's space."""

    __slots__ = ("train", "score")

    def __init__(self, train: Rows, score: Rows) -> None:
        self.train = train
        self.score = score


def cv_folds(raw: np.ndarray, model: np.ndarray, y: np.ndarray, k: int, pipeline: bool,
             keep: np.ndarray | None = None) -> list[Fold]:
    """K contiguous folds of the rows. With `pipeline`, each fold's training rows get
    their own standardization (fitted on them alone, the `keep` columns left as they are)
    and the held-out fold is scaled by it."""
    source = raw if pipeline else model
    bounds = fold_bounds(len(y), k)
    if source.shape[0] < source.shape[1]:
        return _row_folds(source, y, bounds, pipeline, keep)
    parts = [Stats.of(source[a:b], y[a:b]) for a, b in bounds]
    if pipeline and any(part.lost for part in parts):
        return _row_folds(source, y, bounds, pipeline, keep)  # raw sums too faint to standardize from
    folds = []
    for f, (a, b) in enumerate(bounds):
        others = [bounds[g] for g in range(k) if g != f]
        stats = merged([parts[g] for g in range(k) if g != f])
        y_train = np.concatenate([y[c:e] for c, e in others])
        if pipeline:
            scaling = Standardization.from_stats(stats, keep)
            train = Rows(y=y_train, stats=stats.standardized(scaling.mean, scaling.std),
                         make_X=_rows_of(source, others, scaling))
            held_out = Rows(scaling.apply(source[a:b]), y[a:b])
        else:
            train = Rows(y=y_train, stats=stats, make_X=_rows_of(source, others, None))
            held_out = Rows(source[a:b], y[a:b], stats=parts[f])
        folds.append(Fold(train, held_out))
    return folds


def _row_folds(source: np.ndarray, y: np.ndarray, bounds, pipeline: bool, keep=None) -> list[Fold]:
    """Folds built from their rows, not from per-fold sums: for rows fewer than their
    features (no d x d sums: ridge solves the dual and scores predict), and for raw
    features of scales too far apart for one unit (each fold's standardization is fitted
    on its training rows themselves)."""
    folds = []
    for f, (a, b) in enumerate(bounds):
        others = [c for g, c in enumerate(bounds) if g != f]
        X = np.concatenate([source[c:e] for c, e in others])
        held_out = source[a:b]
        if pipeline:
            scaling = Standardization.fit(X, keep=keep)
            X, held_out = scaling.apply(X), scaling.apply(held_out)
        folds.append(Fold(Rows(X, np.concatenate([y[c:e] for c, e in others])), Rows(held_out, y[a:b])))
    return folds


def _rows_of(source: np.ndarray, ranges, scaling: Standardization | None):
    def make() -> np.ndarray:
        X = np.concatenate([source[a:b] for a, b in ranges])
        return scaling.apply(X) if scaling is not None else X

    return make


# ---- scoring -------------------------------------------------------------------------------------


def search(model: str, hypers: list[dict], folds: list[Fold], inits, metric: str,
           monitor: Monitor | None = None, progress=None) -> tuple[np.ndarray, list[learners.Fit]]:
    """Scores (candidates x folds) and, per fold, the fitted candidates."""
    K = len(hypers)
    fits = []
    done = 0
    for fold in folds:
        spectrum = learners.solver(fold.train) if model == "ridge" else None
        parts = []
        for start in range(0, K, CHUNK):
            chunk = hypers[start:start + CHUNK]
            if spectrum is not None:
                fit = spectrum.solve([float(h["l2"]) for h in chunk])
            else:
                fit = learners.gradient_descent(fold.train, chunk, inits, monitor,
                                                tick=_ticker(progress, done, len(chunk), K * len(folds), chunk))
            parts.append(fit)
            done += len(chunk)
            if progress is not None:
                progress(done, K * len(folds))
        fits.append(_joined(parts))
    # Every fold at once: a metric that needs predictions (mae) takes one pass over the rows.
    scores = np.column_stack(score_many([(fold.score, fit.weights, fit.intercept) for fold, fit in zip(folds, fits)],
                                        metric))
    scores[np.column_stack([fit.diverged for fit in fits]) | ~np.isfinite(scores)] = np.nan
    return scores, fits


def _ticker(progress, done: int, size: int, total: int, chunk: list):
    """A tick callback (learners.gradient_descent) that reports a chunk's epochs as a share
    of its candidates: it asks for no parameters, so none are kept for it epoch by epoch."""
    if progress is None:
        return None
    epochs = max(int(h["epochs"]) for h in chunk)

    def tick(epoch: int) -> None:
        progress(done + size * epoch // epochs, total)

    return tick


def _joined(parts: list[learners.Fit]) -> learners.Fit:
    if len(parts) == 1:
        return parts[0]
    optional = [None if getattr(parts[0], key) is None else np.concatenate([getattr(p, key) for p in parts])
                for key in ("epochs_run", "best_epoch")]
    return learners.Fit(np.concatenate([p.weights for p in parts], axis=1),
                        np.concatenate([p.intercept for p in parts]),
                        optional[0], np.concatenate([p.stopped_early for p in parts]),
                        np.concatenate([p.diverged_at for p in parts]), optional[1])


def mean_scores(scores: np.ndarray) -> np.ndarray:
    """Each candidate's score over its folds (candidates x folds); NaN where any fold has
    none or the mean is beyond float64."""
    with np.errstate(all="ignore"):
        means = scores.mean(axis=1)
    return np.where(np.isfinite(means), means, np.nan)


def best(scores: np.ndarray, lower: bool) -> int | None:
    """The earliest candidate with the best score; None when no score is a number."""
    scores = np.where(np.isfinite(scores), scores, np.nan)
    if np.isnan(scores).all():
        return None
    return int(np.nanargmin(scores) if lower else np.nanargmax(scores))


def edge_notes(candidates: list[dict], chosen: dict, infos: dict[str, HyperInfo]) -> list[str]:
    """A note for each tuned value that lies at the edge of what was tried (of at
    least three distinct values): the range should probably be extended. Not at a bound
    of the hyperparameter's domain (l2 = 0 in [0, 100]): there is nothing beyond it."""
    notes = []
    for name, value in chosen.items():
        tried = sorted({c[name] for c in candidates if isinstance(c[name], (int, float))})
        if len(tried) < 3 or not isinstance(value, (int, float)):
            continue
        low, high = _bounds(infos.get(name))
        if value == tried[0] and value > low:
            notes.append(f"{name} = {v.show(value)} is the smallest value tried; the range should probably be extended")
        elif value == tried[-1] and value < high:
            notes.append(f"{name} = {v.show(value)} is the largest value tried; the range should probably be extended")
    return notes


def _bounds(info: HyperInfo | None) -> tuple[float, float]:
    """The smallest and largest value every domain of a hyperparameter allows."""
    low, high = -math.inf, math.inf
    for domain, _ in info.domains() if info is not None else []:
        if isinstance(domain, ValueSet):
            numbers = [x for x in domain.values if isinstance(x, (int, float))]
            if numbers:
                low, high = max(low, min(numbers)), min(high, max(numbers))
        elif isinstance(domain, Interval):
            # An open end is never reached: values approach it without end.
            low = max(low, domain.low if domain.low_closed else -math.inf)
            high = min(high, domain.high if domain.high_closed else math.inf)
    return low, high
