"""model.json: the fitted model as a portable file, read back (HP306) and applied to rows.

The format (version 1) is documented in docs/model.md and described by the JSON Schema
hpdsl/schemas/model.schema.json; `read` checks the same constraints by hand, since
jsonschema is not a dependency of hpdsl. A prediction applies the preprocessing steps in
order, then the trained-space weights: `impute` fills a missing cell of its column with
its value, `encode` replaces its column by one 0/1 column per category (all zeros for a
category it never saw), `standardize` maps z = (x - mean) / std over the model's columns,
and ŷ = z·weights + intercept. The raw-unit coefficients give the same number in one step
from the imputed and encoded columns.
"""

from __future__ import annotations

import html
import json
import math
import os

import numpy as np

from ..diagnostics import Diagnostic
from ..source import Source, Span
from .errors import ModelError
from .report import jsonable
from .tables import Encoding, Imputation, Preparation

FORMAT = "hpdsl-model"
VERSION = 1
KINDS = ("linear_regression", "ridge")
STEPS = ("impute", "encode", "standardize")
FILE_NAME = "model.json"


# ---- writing ---------------------------------------------------------------------------------------


def document(report: dict, fitted, dialect: dict | None = None) -> dict | None:
    """model.json's content from a run's report data and its fitted model (None: untrained).

    The weights, hyperparameters and standardization are those the model was fitted
    under, which a later `set` or `standardize` without a retrain does not change.
    """
    if fitted is None:
        return None
    weights = np.asarray(fitted.weights, dtype=np.float64)
    intercept = float(fitted.intercept)
    preprocessing = []
    raw_weights, raw_intercept = weights, intercept
    preparation = fitted.preparation
    columns = preparation.columns if preparation is not None else list(report["data"]["features"])
    for step in preparation.steps() if preparation is not None else ():
        preprocessing.append({"step": "impute" if hasattr(step, "strategy") else "encode",
                              "fitted_on": list(step.splits), **step.to_json()})
    scaling = fitted.standardization
    if scaling is not None:
        scaling = scaling.aligned(columns)
        preprocessing.append({"step": "standardize", "fitted_on": list(scaling.splits),
                              "mean": scaling.mean, "std": scaling.std})
        raw_weights = weights / scaling.std
        raw_intercept = intercept - float(raw_weights @ scaling.mean)
    workflow, data = report["workflow"], report["data"]
    extra = {}
    if columns != list(data["features"]):
        extra["columns"] = columns
    if dialect is not None and (dialect["sep"] != "," or dialect["missing"] != [""]):
        extra["csv"] = dialect
    return jsonable({
        "format": FORMAT,
        "version": VERSION,
        "kind": report["model"],
        "features": list(data["features"]),
        **extra,
        "target": data["target"],
        "preprocessing": preprocessing,
        "trained": {"weights": weights, "intercept": intercept},
        "raw": {"weights": raw_weights, "intercept": raw_intercept},
        "hyperparameters": dict(fitted.hypers),
        "provenance": {
            "hpdsl": report["versions"]["hpdsl"],
            "workflow": {"title": workflow["title"], "path": workflow["path"], "sha256": workflow["sha256"]},
            "data": {"source": data["source"], "rows": data["rows"], "sha256": data["sha256"]},
            "split_seed": report["seeds"]["split"],
        },
    })


def dumps(content: dict) -> bytes:
    """The file's bytes: two-space indented JSON, keys in the format's order, floats as
    the shortest text that reads back to the same double; the same model, the same bytes."""
    return (json.dumps(content, indent=2, allow_nan=False, ensure_ascii=False) + "\n").encode("utf-8")


def model_json(report) -> bytes | None:
    """The bytes of DIR/model.json for a run's Report (None when it trained nothing)."""
    return None if report.model is None else dumps(report.model)


# ---- reading ---------------------------------------------------------------------------------------


def load(path: str) -> Model:
    """The model in a model.json file, or in the model.json of a run's --out folder.

    Raises ModelError (HP306) for anything that is not a readable version-1 model file.
    """
    if os.path.isdir(path):
        folder, path = path, os.path.join(path, FILE_NAME)
        if not os.path.exists(path):
            raise _bad(path, None, f"folder '{folder}' holds no {FILE_NAME}",
                       help="give the --out folder of a 'hpdsl run' whose workflow trains a model, "
                       "or the path of a model.json")
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise _bad(path, None, f"model file '{path}' does not exist") from None
    except OSError as error:
        raise _bad(path, None, f"cannot read model file '{path}': {error.strerror or error}") from None
    return Model(parse(raw, path), path)


def parse(raw: bytes, path: str) -> dict:
    """The checked content of a model file's bytes; raises ModelError (HP306)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _bad(path, None, f"model file '{path}' is not UTF-8 text (byte {error.start + 1}); "
                   "it is not a model.json") from None
    if not text.strip():
        raise _bad(path, text, f"model file '{path}' is empty")
    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        # Cut short: the error lies on the text's last line (inside its final number,
        # string or nothing), and the document's closing brace is missing.
        rest = text[error.pos:].rstrip()
        truncated = not rest or ("\n" not in rest and not text.rstrip().endswith("}"))
        raise _bad(path, text, f"model file '{path}' is not valid JSON: {error.msg}"
                   + (" at its end (is the file truncated?)" if truncated else ""),
                   at=error.pos, help="write it again with 'hpdsl run WORKFLOW --out DIR'") from None
    except RecursionError:
        raise _bad(path, text, f"model file '{path}' nests too deeply to be a model.json") from None
    problem = _invalid(content)
    if problem is not None:
        raise _bad(path, text, f"model file '{path}' {problem}",
                   help="write it again with 'hpdsl run WORKFLOW --out DIR'")
    return content


def _bad(path: str, text: str | None, message: str, at: int = 0, help: str | None = None) -> ModelError:
    """HP306 pointing into the model file's text, or (text None) about the file as a whole."""
    source = None if text is None else Source(text, path)
    return ModelError(Diagnostic("HP306", Span(at, at), message, help=help, source=source))


def _invalid(doc) -> str | None:
    """What makes `doc` not a version-1 model (the schema's constraints), or None."""
    if not isinstance(doc, dict):
        return f"holds a JSON {_kind(doc)}, not an object"
    if doc.get("format") != FORMAT:
        return f"is not an hpdsl model file (its \"format\" is {_shown(doc.get('format'))}, not \"{FORMAT}\")"
    version = doc.get("version")
    if version != VERSION or isinstance(version, bool):
        return (f"is format version {_shown(version)}; this hpdsl reads version {VERSION}"
                + (" (a newer hpdsl wrote it: upgrade hpdsl)" if _is_int(version) and version > VERSION else ""))
    for key in ("kind", "features", "target", "preprocessing", "trained", "raw", "hyperparameters", "provenance"):
        if key not in doc:
            return f"has no \"{key}\""
    if doc["kind"] not in KINDS:
        return f"has \"kind\" {_shown(doc['kind'])}; version {VERSION} knows " + ", ".join(KINDS)
    features = doc["features"]
    if (not isinstance(features, list) or not features or not all(isinstance(f, str) and f for f in features)
            or len(set(features)) != len(features)):
        return "has \"features\" that are not a list of distinct column names"
    if not isinstance(doc["target"], str) or not doc["target"]:
        return "has a \"target\" that is not a column name"
    columns = doc.get("columns", features)
    if (not isinstance(columns, list) or not columns or not all(isinstance(c, str) and c for c in columns)
            or len(set(columns)) != len(columns)):
        return "has \"columns\" that are not a list of distinct column names"
    dialect = doc.get("csv", {"sep": ",", "missing": [""]})
    if (not isinstance(dialect, dict) or set(dialect) != {"sep", "missing"} or not isinstance(dialect["sep"], str)
            or len(dialect["sep"]) != 1 or not isinstance(dialect["missing"], list)
            or not all(isinstance(m, str) for m in dialect["missing"])):
        return "has a \"csv\" that is not {\"sep\": one character, \"missing\": [cell texts]}"
    d = len(columns)
    if not isinstance(doc["preprocessing"], list):
        return "has \"preprocessing\" that is not a list of steps"
    for index, step in enumerate(doc["preprocessing"]):
        where = f"\"preprocessing\"[{index}]"
        if not isinstance(step, dict) or step.get("step") not in STEPS:
            name = _shown(step.get("step")) if isinstance(step, dict) else _kind(step)
            return f"has {where} = {name}, not a step version {VERSION} knows ({', '.join(STEPS)})"
        if not isinstance(step.get("fitted_on"), list) or not all(isinstance(s, str) for s in step["fitted_on"]):
            return f"has {where} without \"fitted_on\" (the splits it was fitted on)"
        if step["step"] != "standardize":
            problem = _column_step(step, where, features)
            if problem:
                return problem
            continue
        for key in ("mean", "std"):
            problem = _numbers(step.get(key), d, f"{where}.{key}", positive=key == "std")
            if problem:
                return problem
    for space in ("trained", "raw"):
        part = doc[space]
        if not isinstance(part, dict):
            return f"has \"{space}\" that is not an object"
        problem = _numbers(part.get("weights"), d, f"\"{space}\".weights")
        if problem:
            return problem
        if not _is_number(part.get("intercept")):
            return f"has \"{space}\".intercept that is not a finite number"
    if not isinstance(doc["hyperparameters"], dict):
        return "has \"hyperparameters\" that are not an object"
    provenance = doc["provenance"]
    if not isinstance(provenance, dict):
        return "has \"provenance\" that is not an object"
    for key in ("hpdsl", "workflow", "data", "split_seed"):
        if key not in provenance:
            return f"has no \"provenance\".{key}"
    for key in ("workflow", "data"):
        part = provenance[key]
        if not isinstance(part, dict) or not _is_sha256(part.get("sha256")):
            return f"has no sha256 digest in \"provenance\".{key}"
    if not _is_int(provenance["split_seed"]):
        return "has a \"provenance\".split_seed that is not an integer"
    return None


def _column_step(step: dict, where: str, features: list) -> str | None:
    """What is wrong with an impute or encode step, or None."""
    if step.get("column") not in features:
        return f"has {where} whose \"column\" is not one of the features"
    if step["step"] == "impute":
        if step.get("strategy") not in ("mean", "median", "constant") or not _is_number(step.get("value")):
            return f"has {where} without a \"strategy\" (mean, median or constant) and a finite \"value\""
        if set(step) != {"step", "fitted_on", "column", "strategy", "value"}:
            return f"has {where} with keys an impute step does not have"
        return None
    categories = step.get("categories")
    if (not isinstance(categories, list) or not all(isinstance(c, str) for c in categories)
            or categories != sorted(set(categories))):
        return f"has {where} whose \"categories\" are not a sorted list of distinct texts"
    if set(step) != {"step", "fitted_on", "column", "categories"}:
        return f"has {where} with keys an encode step does not have"
    return None


def _numbers(values, count: int, where: str, positive: bool = False) -> str | None:
    if not isinstance(values, list) or not all(_is_number(x) for x in values):
        return f"has {where} that is not a list of finite numbers"
    if len(values) != count:
        return f"has {len(values)} numbers in {where} for {count} features"
    if positive and not all(x > 0 for x in values):
        return f"has {where} with a value that is not positive"
    return None


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_sha256(value) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _kind(value) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")


def _shown(value) -> str:
    if value is None:
        return "missing"
    text = json.dumps(value)
    return text if len(text) <= 30 else text[:27] + "..."


# ---- the model -------------------------------------------------------------------------------------


class Model:
    """A fitted linear model read from model.json: `predict`, its parts, `to_sklearn`.

    `coefficients` are the raw-unit weights by feature and `intercept` the raw-unit
    intercept: ŷ = Σ coefficients[f]·x[f] + intercept, on the input columns as they are.
    """

    def __init__(self, content: dict, path: str | None = None) -> None:
        self.document = content
        self.path = path
        self.kind: str = content["kind"]
        self.features: list[str] = list(content["features"])
        self.target: str = content["target"]
        self.preprocessing: list[dict] = content["preprocessing"]
        self.hyperparameters: dict = content["hyperparameters"]
        self.provenance: dict = content["provenance"]
        # The model's columns: the features, with each encoded one replaced by its indicators.
        self.columns: list[str] = list(content.get("columns", self.features))
        self.csv: dict = content.get("csv", {"sep": ",", "missing": [""]})
        self.coefficients: dict[str, float] = dict(zip(self.columns, content["raw"]["weights"]))
        self.intercept: float = content["raw"]["intercept"]
        self._weights = np.array(content["trained"]["weights"], dtype=np.float64)
        self._intercept = float(content["trained"]["intercept"])
        self._steps = [(np.array(s["mean"], dtype=np.float64), np.array(s["std"], dtype=np.float64))
                       for s in self.preprocessing if s["step"] == "standardize"]
        fitted = {}
        for s in self.preprocessing:
            if s["step"] == "impute":
                fitted[s["column"]] = Imputation(s["column"], s["strategy"], float(s["value"]), tuple(s["fitted_on"]))
            elif s["step"] == "encode":
                fitted[s["column"]] = Encoding(s["column"], tuple(s["categories"]), tuple(s["fitted_on"]))
        self._preparation = Preparation(self.features, {k: x for k, x in fitted.items() if isinstance(x, Imputation)},
                                        {k: x for k, x in fitted.items() if isinstance(x, Encoding)})
        self.imputed = frozenset(self._preparation.imputations)
        self.encoded = frozenset(self._preparation.encodings)

    @classmethod
    def from_report(cls, report) -> Model | None:
        return None if report.model is None else cls(report.model)

    def to_json(self) -> bytes:
        """The model.json bytes."""
        return dumps(self.document)

    # ---- predicting ------------------------------------------------------------------------------

    def predict(self, X) -> np.ndarray:
        """Predictions for rows given as a 2-D array (columns in `features` order) or as a
        mapping of column name -> 1-D array (a pandas DataFrame works; extra columns are
        ignored). Every value must be a finite number, except a missing one (NaN or None)
        in an imputed column; an encoded column holds text (given only in a mapping)."""
        if self.encoded:
            if not (hasattr(X, "keys") and hasattr(X, "__getitem__")):
                raise ValueError("the model encodes column " + ", ".join(repr(c) for c in sorted(self.encoded))
                                 + ": give the rows as a mapping of column name -> values")
            absent = [c for c in self.features if c not in X.keys()]
            if absent:
                raise ValueError(f"the rows have no column {', '.join(repr(m) for m in absent)}; "
                                 f"the model needs {', '.join(self.features)}")
            text = {c: np.array([None if x is None or x != x else str(x) for x in X[c]], dtype=object)
                    for c in self.encoded}
            rows = len(next(iter(text.values())))
            numeric = {c: X[c] if c not in self.encoded else np.zeros(rows) for c in self.features}
            matrix = self.matrix(numeric)
            matrix[:, [self.features.index(c) for c in self.encoded]] = np.nan
            return self.apply(matrix, text)
        return self.apply(self.matrix(X))

    def matrix(self, X) -> np.ndarray:
        """The rows as a float array, features in order; ValueError for anything else."""
        if hasattr(X, "keys") and hasattr(X, "__getitem__"):
            names = set(X.keys())
            missing = [name for name in self.features if name not in names]
            if missing:
                raise ValueError(f"the rows have no column {', '.join(repr(m) for m in missing)}; "
                                 f"the model needs {', '.join(self.features)}")
            columns = [np.array([np.nan if x is None else x for x in X[name]], dtype=np.float64)
                       if name in self.imputed else np.asarray(X[name], dtype=np.float64) for name in self.features]
            for name, column in zip(self.features, columns):
                if column.ndim != 1 or len(column) != len(columns[0]):
                    raise ValueError(f"column {name!r} is not a 1-D array as long as column "
                                     f"{self.features[0]!r} ({len(columns[0])} values)")
            matrix = np.column_stack(columns)
        else:
            matrix = np.asarray(X, dtype=np.float64)
            if matrix.ndim != 2 or matrix.shape[1] != len(self.features):
                raise ValueError(f"expected a 2-D array with {len(self.features)} columns "
                                 f"({', '.join(self.features)}), got shape {matrix.shape}"
                                 + ("; for one row use x.reshape(1, -1)" if matrix.ndim == 1 else ""))
        finite = np.isfinite(matrix)
        for name in self.imputed:
            j = self.features.index(name)
            finite[:, j] |= np.isnan(matrix[:, j])  # missing: the imputation fills it
        if not finite.all():
            row, column = np.argwhere(~finite)[0]
            raise ValueError(f"row {row}, column {self.features[column]!r} holds {matrix[row, column]}, "
                             "not a finite number")
        return matrix

    def apply(self, matrix: np.ndarray, text: dict | None = None) -> np.ndarray:
        """The prediction formula of docs/model.md on a checked float matrix (NaN where an
        imputed cell is missing) and, for encoded columns, their cells as text."""
        z = self._preparation.table(matrix, text or {})
        for mean, std in self._steps:
            z = (z - mean) / std
        return z @ self._weights + self._intercept

    # ---- scikit-learn ----------------------------------------------------------------------------

    def to_sklearn(self):
        """An equivalent fitted scikit-learn Pipeline: for a model that imputes or encodes,
        first a ColumnTransformer ("prepare") giving the model's columns in order (a
        SimpleImputer holding the fill value per imputed column, a OneHotEncoder holding the
        categories per encoded one); then one step per standardize (a StandardScaler, on the
        numeric columns only when the model encodes); then LinearRegression holding the
        trained-space weights. Refitting it fits scikit-learn's estimators, not hpdsl's learner.
        """
        try:
            from sklearn.linear_model import LinearRegression
            from sklearn.pipeline import Pipeline
        except ImportError:
            raise ImportError("Model.to_sklearn needs scikit-learn: pip install scikit-learn") from None
        names = np.array(self.features, dtype=object)
        steps = []
        prepare = self._sklearn_prepare() if self.imputed or self.encoded else None
        if prepare is not None:
            steps.append(("prepare", prepare))
        # Standardize steps see the prepare step's output; the first one without a prepare
        # step checks a DataFrame's column names and order.
        for index, (mean, std) in enumerate(self._steps):
            scaler = self._sklearn_scale(mean, std)
            if index == 0 and prepare is None:
                scaler.feature_names_in_ = names
            steps.append((f"standardize_{index + 1}" if len(self._steps) > 1 else "standardize", scaler))
        linear = LinearRegression()
        linear.coef_ = self._weights.copy()
        linear.intercept_ = self._intercept
        linear.n_features_in_ = len(self.columns)
        if not steps:
            linear.feature_names_in_ = names
        steps.append(("linear", linear))
        return Pipeline(steps)

    def _witness(self) -> np.ndarray:
        """A few rows made of the model's own fitted values (fill values, every category):
        scikit-learn's ColumnTransformer builds its bookkeeping (which input columns feed
        which output columns; private, and different across versions) by fitting, so it is
        fitted on these rows, and the fitted values of each estimator inside are then set
        to the model's exactly."""
        encodings = self._preparation.encodings
        rows = max([1, *(len(e.categories) for e in encodings.values())])
        table = np.zeros((rows, len(self.features)), dtype=object)
        for j, feature in enumerate(self.features):
            if feature in encodings:
                categories = encodings[feature].categories or (None,)
                table[:, j] = [categories[k % len(categories)] for k in range(rows)]
            elif feature in self._preparation.imputations:
                table[:, j] = self._preparation.imputations[feature].value
        return table

    def _sklearn_prepare(self):
        """The ColumnTransformer for the imputations and encodings: one transformer per
        feature, in the features' order, so its output columns are `columns`."""
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.preprocessing import OneHotEncoder

        transformers = []
        for j, feature in enumerate(self.features):
            imputation = self._preparation.imputations.get(feature)
            encoding = self._preparation.encodings.get(feature)
            if encoding is not None:
                # No category at all (every fitted cell was missing) gives no column.
                encoder = (OneHotEncoder(handle_unknown="ignore", sparse_output=False)
                           if encoding.categories else "drop")
                transformers.append((f"encode_{feature}", encoder, [j]))
            elif imputation is not None:
                imputer = (SimpleImputer(strategy="constant", fill_value=imputation.value)
                           if imputation.strategy == "constant" else SimpleImputer(strategy=imputation.strategy))
                transformers.append((f"impute_{feature}", imputer, [j]))
            else:
                transformers.append((feature, "passthrough", [j]))
        prepare = ColumnTransformer(transformers, verbose_feature_names_out=False).fit(self._witness())
        for name, estimator, (j,) in transformers:
            feature = self.features[j]
            fitted = prepare.named_transformers_[name]
            if isinstance(estimator, OneHotEncoder):
                fitted.categories_ = [np.array(self._preparation.encodings[feature].categories, dtype=object)]
            elif isinstance(estimator, SimpleImputer):
                fitted.statistics_ = np.array([self._preparation.imputations[feature].value])
            else:
                continue
            # As if fitted on a DataFrame: each estimator knows its column's name.
            fitted.feature_names_in_ = np.array([feature], dtype=object)
        prepare.feature_names_in_ = np.array(self.features, dtype=object)
        return prepare

    def _sklearn_scale(self, mean: np.ndarray, std: np.ndarray):
        """A StandardScaler holding one standardization; when the model has indicator
        columns, a ColumnTransformer with a scaler per run of numeric columns and the
        indicator columns passed through, in the model's column order."""
        from sklearn.compose import ColumnTransformer
        from sklearn.preprocessing import StandardScaler

        rows = int(self.provenance["data"].get("rows") or 0)

        def fitted(scaler, at):
            scaler.mean_, scaler.scale_, scaler.var_ = mean[at].copy(), std[at].copy(), std[at] * std[at]
            scaler.n_features_in_ = len(at)
            scaler.n_samples_seen_ = rows
            return scaler

        # An indicator column is left as it is (hpdsl writes mean 0, std 1 for it).
        scaled = [bool(flag) for flag in ~self._preparation.indicators | (mean != 0) | (std != 1)]
        if all(scaled):
            return fitted(StandardScaler(), np.arange(len(mean)))
        runs = []  # (scaled?, column positions) for each run of neighbouring columns
        for j, flag in enumerate(scaled):
            if runs and runs[-1][0] == flag:
                runs[-1][1].append(j)
            else:
                runs.append((flag, [j]))
        # Trailing indicator columns are the remainder, as in the usual scikit-learn
        # pipeline: a refit whose encoders find other categories then still fits.
        trailing = runs.pop() if not runs[-1][0] else None
        transformers, counts = [], {True: 0, False: 0}
        for flag, at in runs:
            counts[flag] += 1
            kind = "numeric" if flag else "indicators"
            name = f"{kind}_{counts[flag]}" if sum(f == flag for f, _ in runs) > 1 else kind
            transformers.append((name, StandardScaler() if flag else "passthrough", at))
        scale = ColumnTransformer(transformers, remainder="passthrough" if trailing else "drop",
                                  verbose_feature_names_out=False)
        scale.fit(np.zeros((1, len(self.columns))))
        for name, scaler, at in transformers:
            if isinstance(scaler, StandardScaler):
                fitted(scale.named_transformers_[name], np.array(at))
        return scale

    # ---- display ---------------------------------------------------------------------------------

    def __repr__(self) -> str:
        steps = ", ".join(s["step"] for s in self.preprocessing) or "none"
        lines = [f"<hpdsl Model {self.kind}: {self.target} from {len(self.features)} features; "
                 f"preprocessing: {steps}>"]
        width = max(len(name) for name in [*self.columns, "intercept"])
        lines.extend(f"  {name:<{width}}  {weight: .6g}" for name, weight in self.coefficients.items())
        lines.append(f"  {'intercept':<{width}}  {self.intercept: .6g}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(f"<tr><td>{e(name)}</td><td>{weight:.6g}</td></tr>" for name, weight in self.coefficients.items())
        rows += f"<tr><td><i>intercept</i></td><td>{self.intercept:.6g}</td></tr>"
        steps = ", ".join(s["step"] for s in self.preprocessing) or "none"
        hypers = ", ".join(f"{e(k)} {e(json.dumps(v))}" for k, v in self.hyperparameters.items())
        return (f"<div><b>hpdsl model</b> {e(self.kind)}: <code>{e(self.target)}</code> from "
                f"{len(self.features)} features<br>preprocessing: {e(steps)}<br>hyperparameters: {hypers}"
                f"<table><tr><th>feature</th><th>coefficient (raw units)</th></tr>{rows}</table></div>")
