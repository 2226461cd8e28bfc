"""Imputation and one-hot encoding: fitted on some rows, applied to every split.

A `Preparation` says how the data's columns become the model's columns: each feature
in the data's order, a numeric one as it is (its missing cells filled by the fitted
`Imputation`), an encoded one replaced in place by one indicator column per category
(`city=Paris`, categories sorted by their text, `Encoding`). A cell whose category the
fitted rows never held, or a missing cell of an encoded column, gives all zeros. Under
cross-validation, `prepared_fold` refits the imputations and encodings fitted on rows
the folds share, inside each fold on its training rows, as a scikit-learn pipeline does.
"""

from __future__ import annotations

import numpy as np

from .preprocess import Standardization
from .stats import Rows


class Imputation:
    """A column's fill value: the mean or median of its present cells in the fitted rows,
    or a constant."""

    __slots__ = ("column", "strategy", "value", "splits")

    def __init__(self, column: str, strategy: str, value: float, splits: tuple[str, ...]) -> None:
        self.column = column
        self.strategy = strategy
        self.value = value
        self.splits = splits

    @classmethod
    def fit(cls, column: str, cells: np.ndarray, strategy: str, constant: float | None,
            splits: tuple[str, ...] = ()) -> Imputation | None:
        """The fit on `cells` (NaN where missing); None when no cell is present to fit on."""
        if strategy == "constant":
            return cls(column, strategy, float(constant), splits)
        present = cells[~np.isnan(cells)]
        if not len(present):
            return None
        value = float(np.median(present)) if strategy == "median" else float(np.mean(present))
        return cls(column, strategy, value, splits)

    def to_json(self) -> dict:
        return {"column": self.column, "strategy": self.strategy, "value": self.value}


class Encoding:
    """A text column's categories, as seen in the fitted rows, sorted."""

    __slots__ = ("column", "categories", "splits", "_index")

    def __init__(self, column: str, categories: tuple[str, ...], splits: tuple[str, ...]) -> None:
        self.column = column
        self.categories = categories
        self.splits = splits
        self._index = {c: k for k, c in enumerate(categories)}

    @classmethod
    def fit(cls, column: str, cells: np.ndarray, splits: tuple[str, ...] = ()) -> Encoding:
        return cls(column, tuple(sorted({c for c in cells if c is not None})), splits)

    @property
    def names(self) -> list[str]:
        return [f"{self.column}={c}" for c in self.categories]

    def indicators(self, cells: np.ndarray) -> np.ndarray:
        """One 0/1 column per category; an unseen or missing cell is a row of zeros."""
        out = np.zeros((len(cells), len(self.categories)))
        position = np.array([self._index.get(c, -1) if c is not None else -1 for c in cells], dtype=np.int64)
        known = position >= 0
        out[np.flatnonzero(known), position[known]] = 1.0
        return out

    def unseen(self, cells: np.ndarray) -> tuple[int, int]:
        """(cells of a category the fitted rows never held, missing cells)."""
        missing = sum(c is None for c in cells)
        return sum(c is not None and c not in self._index for c in cells), missing

    def to_json(self) -> dict:
        return {"column": self.column, "categories": list(self.categories)}


class Preparation:
    """The data's features -> the model's columns, for a set of fitted imputations and encodings."""

    __slots__ = ("features", "imputations", "encodings")

    def __init__(self, features: list[str], imputations: dict[str, Imputation] | None = None,
                 encodings: dict[str, Encoding] | None = None) -> None:
        self.features = list(features)
        self.imputations = dict(imputations or {})
        self.encodings = dict(encodings or {})

    def with_step(self, fitted: Imputation | Encoding) -> Preparation:
        """A copy with one column's imputation or encoding (re)fitted."""
        out = Preparation(self.features, self.imputations, self.encodings)
        (out.imputations if isinstance(fitted, Imputation) else out.encodings)[fitted.column] = fitted
        return out

    @property
    def columns(self) -> list[str]:
        out: list[str] = []
        for feature in self.features:
            encoding = self.encodings.get(feature)
            out.extend(encoding.names if encoding is not None else [feature])
        return out

    @property
    def indicators(self) -> np.ndarray:
        """Per model column: True for an indicator column (never standardized)."""
        out: list[bool] = []
        for feature in self.features:
            encoding = self.encodings.get(feature)
            out.extend([True] * len(encoding.categories) if encoding is not None else [False])
        return np.array(out, dtype=bool)

    def table(self, X: np.ndarray, text: dict[str, np.ndarray]) -> np.ndarray:
        """The model's columns for rows of the data (X with NaN where missing, text for
        encoded columns). Cells no step has filled yet stay NaN."""
        if not self.imputations and not self.encodings:
            return X
        parts = []
        for j, feature in enumerate(self.features):
            encoding = self.encodings.get(feature)
            if encoding is not None:
                parts.append(encoding.indicators(text[feature]))
                continue
            column = X[:, j]
            imputation = self.imputations.get(feature)
            if imputation is not None:
                column = np.where(np.isnan(column), imputation.value, column)
            parts.append(column[:, None])
        return np.ascontiguousarray(np.hstack(parts)) if parts else np.empty((len(X), 0))

    def steps(self) -> list[Imputation | Encoding]:
        """The fitted steps, in the data's column order."""
        out: list[Imputation | Encoding] = []
        for feature in self.features:
            for found in (self.imputations.get(feature), self.encodings.get(feature)):
                if found is not None:
                    out.append(found)
        return out


def refit(preparation: Preparation, X: np.ndarray, text: dict[str, np.ndarray], shared) -> Preparation:
    """The preparation with every step whose fitted rows satisfy `shared(splits)` fitted
    again on these rows (the other steps as they are)."""
    out = preparation
    for step in preparation.steps():
        if not shared(step.splits):
            continue
        j = preparation.features.index(step.column)
        if isinstance(step, Imputation):
            again = Imputation.fit(step.column, X[:, j], step.strategy, step.value, step.splits)
            out = out.with_step(again if again is not None else step)
        else:
            out = out.with_step(Encoding.fit(step.column, text[step.column], step.splits))
    return out


def prepared_fold(preparation: Preparation, X: np.ndarray, text: dict[str, np.ndarray], y: np.ndarray,
                  train_rows: np.ndarray, held_rows: np.ndarray, shared, scaling: Standardization | None,
                  pipeline: bool):
    """(train Rows, held-out Rows) of one fold, given its rows' positions: the steps
    `shared` selects refitted on the fold's training rows, then the standardization
    refitted there too (`pipeline`) or applied as it is."""
    train_text = {k: t[train_rows] for k, t in text.items()}
    fitted = refit(preparation, X[train_rows], train_text, shared)
    train = fitted.table(X[train_rows], train_text)
    held = fitted.table(X[held_rows], {k: t[held_rows] for k, t in text.items()})
    if pipeline:
        fold_scaling = Standardization.fit(train, keep=fitted.indicators, columns=fitted.columns)
    else:
        fold_scaling = scaling.aligned(fitted.columns) if scaling is not None else None
    if fold_scaling is not None:
        train, held = fold_scaling.apply(train), fold_scaling.apply(held)
    return Rows(train, y[train_rows]), Rows(held, y[held_rows])
