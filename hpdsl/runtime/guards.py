"""Runtime guards: frozen hyperparameters, and the one accessor through which rows are read.

These enforce the checker's error-level discipline (HP101-HP110) a second time, from
what actually happens rather than from the text: every read of a split's rows goes
through SplitStore.rows(names, step, purpose), which refuses a read the discipline
forbids (HP303 naming the rule) and records it in the audit. A fitted standardization
is applied to every split without reading anyone's rows.
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
    """Rows read for one purpose: raw features, model-space Rows (with statistics), target."""

    __slots__ = ("names", "raw", "rows")

    def __init__(self, names: tuple[str, ...], raw: np.ndarray, rows: Rows) -> None:
        self.names = names
        self.raw = raw
        self.rows = rows

    @property
    def y(self) -> np.ndarray:
        return self.rows.y


class SplitStore:
    """The data, laid out split by split (each split a contiguous block of the shuffled
    rows, in declaration order), behind the single accessor `rows`."""

    def __init__(self, raw: np.ndarray, y: np.ndarray, layout: dict[str, tuple[int, int]],
                 roles: dict[str, str | None]) -> None:
        self._raw = raw
        self._y = y
        self._model = raw
        self._layout = layout
        self._roles = roles
        self._cache: dict[tuple[str, ...], Block] = {}
        self._shaped_by: dict[str, StepRef] = {}
        self._audit: dict[str, list[dict]] = {name: [] for name in layout}
        self._purposes: dict[str, set[str]] = {name: set() for name in layout}

    def size(self, name: str) -> int:
        start, stop = self._layout[name]
        return stop - start

    def prepare(self, raw: np.ndarray, standardization: Standardization | None) -> None:
        """Replace the model's columns of every split (an impute or encode was fitted; not
        a read) and apply the standardization in effect to them."""
        self._raw = raw
        self.transform(standardization)

    def transform(self, standardization: Standardization | None) -> None:
        """Apply a fitted standardization to every split (not a read)."""
        self._model = self._raw if standardization is None else standardization.apply(self._raw)
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
        return self._block(tuple(sorted(names, key=lambda s: self._layout[s][0])))

    def _block(self, names: tuple[str, ...]) -> Block:
        block = self._cache.get(names)
        if block is None:
            spans = [self._layout[name] for name in names]
            if all(spans[i][1] == spans[i + 1][0] for i in range(len(spans) - 1)):
                pick = slice(spans[0][0], spans[-1][1])
                raw, model, y = self._raw[pick], self._model[pick], self._y[pick]
            else:
                index = np.concatenate([np.arange(a, b) for a, b in spans])
                raw, model, y = self._raw[index], self._model[index], self._y[index]
            block = Block(names, raw, Rows(model, y))
            self._cache[names] = block
        return block

    def audit(self) -> dict[str, list[dict]]:
        return {name: list(entries) for name, entries in self._audit.items()}

    def purposes(self) -> dict[str, list[str]]:
        """What each split's rows were read for so far (the ledger records it)."""
        return {name: sorted(found) for name, found in self._purposes.items()}
