"""Runtime guards: frozen hyperparameters, and the one accessor through which rows are read.

These enforce the checker's error-level discipline (HP101-HP110) a second time, from
what actually happens rather than from the text: every read of a split's rows goes
through SplitStore.rows(names, step, purpose), which refuses a read the discipline
forbids (HP303 naming the rule) and records it in the audit. A fitted standardization
is applied to every split without reading anyone's rows. The rows' statistics come from
the one-pass engine (engine.py); the rows themselves are gathered only when a
computation needs them.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from ..source import Span
from .errors import guard
from .preprocess import Standardization
from .stats import Rows

# purpose -> (the rule a read of test-role rows for it breaks, what the read is for)
PURPOSES = {
    "fit": ("HP104", "to fit the model"),
    "standardize": ("HP109", "to fit the standardization"),
    "impute": ("HP109", "to fit the imputation"),
    "encode": ("HP109", "to fit the encoding"),
    "tune-score": ("HP103", "to score tune candidates"),
    "cv": ("HP103", "to cross-validate over"),
    "early-stop": ("HP103", "to decide when to stop early"),
    "log": ("HP105", "to log a metric"),
    "evaluate": ("HP105", "to evaluate the model"),
    "test": (None, "for the final test"),
}
# Reads after which a split's rows have shaped the model: a final test on them is HP110.
SHAPING = frozenset({"fit", "tune-score", "cv", "early-stop"})


def frozen(hypers: dict) -> MappingProxyType:
    """The hyperparameters a model trains with: a read-only view of a private copy."""
    return MappingProxyType(dict(hypers))


class StepRef:
    """The step doing a read: its line, keyword, and where to point."""

    __slots__ = ("line", "kind", "span")

    def __init__(self, line: int, kind: str, span: Span) -> None:
        self.line = line
        self.kind = kind
        self.span = span

    def __str__(self) -> str:
        return f"{self.kind} at line {self.line}" if self.line else self.kind  # line 0: a --set


class Block:
    """Rows read for one purpose: their raw statistics, model-space Rows (statistics from
    the engine; X and y materialised only when a computation needs the rows), raw features
    and target (materialised on first use)."""

    __slots__ = ("names", "ranges", "rows", "_store", "_raw", "_raw_stats")

    def __init__(self, names: tuple[str, ...], ranges, rows: Rows, store) -> None:
        self.names = names
        self.ranges = ranges  # [start, stop) ranges of the shuffled order, in row order
        self.rows = rows
        self._store = store
        self._raw = None
        self._raw_stats = None

    @property
    def wide(self) -> bool:
        """Fewer rows than features: the rows themselves, not d x d sums, serve it."""
        return sum(b - a for a, b in self.ranges) < self._store.engine.features

    @property
    def raw_stats(self):
        if self._raw_stats is None:
            self._raw_stats = self._store.engine.stats(self.ranges)
        return self._raw_stats

    @property
    def raw(self) -> np.ndarray:
        if self._raw is None:
            self._raw = self._store.gather.X(self.ranges)
        return self._raw

    @property
    def y(self) -> np.ndarray:
        return self.rows.y


class SplitStore:
    """The data, laid out split by split (each split a contiguous block of the shuffled
    rows, in declaration order), behind the single accessor `rows`.

    Statistics come from the engine (engine.py); rows themselves only from `gather`
    (engine.MemoryRows: raw X or y of ranges, in the shuffled order), which in a streamed
    run raises the RunError saying the step needs its rows in memory."""

    def __init__(self, engine, layout: dict[str, tuple[int, int]], roles: dict[str, str | None], gather) -> None:
        self.engine = engine
        self.gather = gather
        self.scaling: Standardization | None = None
        self._layout = layout
        self._roles = roles
        self._cache: dict[tuple, Block] = {}
        self._shaped_by: dict[str, StepRef] = {}
        self._audit: dict[str, list[dict]] = {name: [] for name in layout}
        self._purposes: dict[str, set[str]] = {name: set() for name in layout}

    @property
    def total(self) -> int:
        return self.engine.rows

    def size(self, name: str) -> int:
        start, stop = self._layout[name]
        return stop - start

    def prepare(self, engine, gather, standardization: Standardization | None) -> None:
        """Replace the model's columns of every split (an impute or encode was fitted; not
        a read): the engine and rows of the prepared table, under the standardization in
        effect."""
        self.engine = engine
        self.gather = gather
        self.transform(standardization)

    def transform(self, standardization: Standardization | None) -> None:
        """Apply a fitted standardization to every split (not a read)."""
        self.scaling = standardization
        self._cache.clear()

    def rows(self, refs: list[tuple[str, Span | None]], step: StepRef, purpose: str) -> Block:
        """The rows of the named splits, for `purpose`, read by `step`; raises HP303."""
        rule, why = PURPOSES[purpose]
        names: list[str] = []
        for name, span in refs:
            where = span or step.span
            role = self._roles.get(name)
            if role == "test" and purpose != "test":
                raise guard(rule, where, f"{step} read rows of split '{name}' (role test) {why}")
            if purpose == "test" and role != "test" and name in self._shaped_by:
                raise guard("HP110", where, f"{step} scores split '{name}' (role {role}) for the final test, "
                            f"but {self._shaped_by[name]} already used its rows to fit or select the model")
            if name not in names:
                names.append(name)
        for name in names:
            entries = self._audit[name]
            if not entries or entries[-1]["line"] != step.line or entries[-1]["kind"] != step.kind:
                entries.append({"line": step.line, "kind": step.kind})
            if purpose in SHAPING:
                self._shaped_by.setdefault(name, step)
            self._purposes[name].add(purpose)
        # Scores every epoch (early stopping, logs) come from the rows in memory, not a pass each.
        per_epoch = purpose in ("early-stop", "log")
        return self._block(tuple(sorted(names, key=lambda s: self._layout[s][0])), per_epoch)

    def _block(self, names: tuple[str, ...], per_epoch: bool) -> Block:
        key = (names, per_epoch)
        block = self._cache.get(key)
        if block is None:
            ranges = _joined([self._layout[name] for name in names])
            wide = sum(b - a for a, b in ranges) < self.engine.features
            raw_stats = None if wide else self.engine.stats(ranges)
            block = Block(names, ranges, self.model_rows(ranges, raw_stats, self.scaling, not per_epoch), self)
            block._raw_stats = raw_stats
            self._cache[key] = block
        return block

    def model_rows(self, ranges, raw_stats, scaling: Standardization | None, mae: bool = True) -> Rows:
        """The rows of these ranges in the model's space under `scaling`: statistics now,
        X and y when asked."""
        from .engine import EngineMae

        def make_X():
            raw = self.gather.X(ranges)
            return raw if scaling is None else scaling.apply(raw)

        # Raw sums that lost a feature's spread cannot be standardized: the scaled rows' own
        # (and rows fewer than their features have none: raw_stats None).
        stats = raw_stats if scaling is None or raw_stats is None else None if raw_stats.lost else \
            raw_stats.standardized(scaling.mean, scaling.std)
        return Rows(make_X=make_X, make_y=lambda: self.gather.y(ranges), stats=stats,
                    mae=EngineMae(self.engine, ranges, None if scaling is None else (scaling.mean, scaling.std))
                    if mae else None)

    def folds(self, block: Block, k: int, pipeline: bool, keep: np.ndarray | None = None) -> list:
        """The K cross-validation folds of a block's rows (tune.Fold), from the engine's
        statistics; `pipeline` refits the standardization inside each fold (the `keep`
        indicator columns left as they are)."""
        from .engine import cv_folds

        return cv_folds(self, block, k, pipeline, keep)

    def audit(self) -> dict[str, list[dict]]:
        return {name: list(entries) for name, entries in self._audit.items()}

    def purposes(self) -> dict[str, list[str]]:
        """What each split's rows were read for so far (the ledger records it)."""
        return {name: sorted(found) for name, found in self._purposes.items()}


def _joined(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Adjacent ranges as one."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and out[-1][1] == a:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out
