"""Data sources -> arrays: a CSV file read with the standard csv module, or synthetic rows.

Every problem with the data is an HP302 diagnostic that names the file, the row (as in
the file, the header being row 1) and the column. Only the columns the workflow uses
must hold numbers; every row must have as many cells as the header.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
from operator import itemgetter

import numpy as np

from .. import nodes as n
from ..source import Span
from ..files import NotRegularFile, open_regular
from ..suggest import did_you_mean
from .errors import RunError, fail


class Dataset:
    """The rows of the workflow's data: raw features X (rows x features) and target y."""

    __slots__ = ("X", "y", "features", "target", "source", "sha256", "truth", "seed", "rows", "text")

    def __init__(self, X, y, features, target, source, sha256, truth=None, seed=None, rows=None, text=None) -> None:
        self.X = X
        self.y = y
        self.features = features
        self.target = target
        self.source = source  # how the workflow names the data, for the report
        self.sha256 = sha256
        self.truth = truth  # {"weights": [...], "intercept": x} for synthetic data
        self.seed = seed
        # Each row's number in the file (the header is row 1); synthetic rows count from 1.
        self.rows = rows if rows is not None else np.arange(1, len(y) + 1)
        # column -> the cells of an encoded column as text (None where missing); X holds NaN there.
        self.text = text if text is not None else {}


def load(data_source, base_dir: str, *, imputed=frozenset(), encoded=frozenset(), fit_split="train") -> Dataset:
    """The data a `data` declaration names. Raises RunError (HP302).

    Missing cells of `imputed` columns are NaN in X; `encoded` columns hold NaN in X and
    their cells as text in `Dataset.text` (None where missing)."""
    try:
        if data_source.kind == "synthetic":
            data = synthetic(**data_source.args)
            for column in encoded:
                j = data.features.index(column)
                data.text[column] = np.array([repr(float(x)) for x in data.X[:, j]], dtype=object)
                data.X[:, j] = np.nan
            if not np.isfinite(data.y).all():  # noise near 1e308 overflows the target
                raise fail("HP302", data_source.node.source.span,
                           f"the synthetic target overflows float64 (noise {data_source.args['noise']!r})",
                           help="use a noise whose size float64 can carry, e.g. noise: 1e100")
            return data
        return read_csv(data_source, base_dir, imputed, encoded, fit_split)
    except MemoryError:
        raise fail("HP302", data_source.node.source.span, "the data does not fit in memory") from None


# ---- synthetic ---------------------------------------------------------------------------------


def synthetic(rows: int, features: int, noise: float, seed: int) -> Dataset:
    """y = X·w_true + b_true + noise·ε, all drawn from one generator seeded by `seed`.

    Draw order (part of the format: the same seed gives the same data forever): X from a
    standard normal (rows x features, row by row), then w_true uniform in [-2, 2) per
    feature, then b_true uniform in [-2, 2), then ε standard normal per row.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, features))
    w_true = rng.uniform(-2.0, 2.0, size=features)
    b_true = float(rng.uniform(-2.0, 2.0))
    with np.errstate(over="ignore", invalid="ignore"):  # load() reports a target that overflows
        y = X @ w_true + b_true + noise * rng.standard_normal(rows)
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(X, dtype="<f8").tobytes())
    digest.update(np.ascontiguousarray(y, dtype="<f8").tobytes())
    names = [f"x{i + 1}" for i in range(features)]
    source = f"synthetic(rows: {rows}, features: {features}, noise: {noise!r}, seed: {seed})"
    truth = {"weights": [float(w) for w in w_true], "intercept": b_true}
    return Dataset(X, y, names, "y", source, digest.hexdigest(), truth, seed)


# ---- csv ---------------------------------------------------------------------------------------


def _arg_node(call: n.Call, key: str, position: int | None):
    """The expression given for argument `key` of a data call (for pointing at it)."""
    positional = 0
    for arg in call.args:
        if arg.name is None:
            if positional == position:
                return arg.value
            positional += 1
        elif arg.name.name == key:
            return arg.value
    return call


_HEAD_BYTES = 1 << 16  # read and looked at for a NUL byte before the rest of the file


def read_csv(data_source, base_dir: str, imputed=frozenset(), encoded=frozenset(), fit_split="train") -> Dataset:
    call = data_source.node.source
    path_node = _arg_node(call, "path", 0)
    target_node = _arg_node(call, "target", None)
    features_node = _arg_node(call, "features", None)
    shown = data_source.args["path"]
    target = data_source.args["target"]
    wanted = data_source.args["features"]
    here = path_node.span

    def problem(message: str, span: Span = here, help: str | None = None) -> RunError:
        return fail("HP302", span, message, help=help)

    full = os.path.join(base_dir, shown)
    try:
        with open_regular(full) as handle:
            # A binary file shows a NUL byte early: refuse it before reading gigabytes.
            raw = handle.read(_HEAD_BYTES)
            if b"\0" not in raw:
                handle.seek(0)
                raw = handle.read()
    except FileNotFoundError:
        raise problem(f"data file '{shown}' does not exist",
                      help=f"the path is read relative to the workflow's folder ({base_dir or '.'})") from None
    except NotRegularFile as error:
        raise problem(f"data file '{shown}' {error.strerror}") from None
    except OSError as error:
        raise problem(f"cannot read data file '{shown}': {error.strerror or error}") from None
    _refuse_binary(raw, shown, problem)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = raw[: error.start].count(b"\n") + 1
        raise problem(f"data file '{shown}' is not UTF-8 text (row {row}, byte {error.start + 1})") from None
    if not text.strip():
        raise problem(f"data file '{shown}' is empty; it needs a header row and data rows")

    sep = data_source.args.get("sep", ",")
    missing = frozenset(data_source.args.get("missing", [""]))
    records = _records(text, shown, problem, sep)
    header_row, header = records[0]
    columns, position = _header_columns(header_row, header, shown, problem)
    if target not in position:
        raise problem(f"data file '{shown}' has no column '{target}' for the target", target_node.span,
                      help=_column_hint(target, columns, target_node.span))
    if wanted is None:
        features = [c for c in columns if c != target]
    else:
        for name, item in zip(wanted, getattr(features_node, "items", ())):
            if name not in position:
                raise problem(f"data file '{shown}' has no column '{name}' (named in features)", item.span,
                              help=_column_hint(name, columns, item.span))
        features = list(wanted)
    if not features:
        raise problem(f"data file '{shown}' has no feature columns besides the target '{target}'")
    body = records[1:]
    if not body:
        raise problem(f"data file '{shown}' has a header but no data rows")
    for row, cells in body:
        _check_width(row, cells, columns, shown, problem)

    texts = {c: np.array([None if cells[position[c]].strip() in missing else cells[position[c]].strip()
                          for _, cells in body], dtype=object) for c in features if c in encoded}
    numeric = [c for c in features if c not in encoded] + [target]
    used = [position[c] for c in numeric]
    table = _numbers(body, used, numeric, shown, problem, missing, imputed, fit_split)
    digest = hashlib.sha256(raw).hexdigest()
    X = np.full((len(body), len(features)), np.nan)
    for k, c in enumerate(numeric[:-1]):
        X[:, features.index(c)] = table[:, k]
    y = np.ascontiguousarray(table[:, -1])
    rows = np.array([row for row, _ in body], dtype=np.int64)
    return Dataset(X, y, features, target, shown, digest, rows=rows, text=texts)


def _records(text: str, shown: str, problem, sep: str = ",") -> list[tuple[int, list[str]]]:
    """(row number in the file, cells) for every non-blank record."""
    return list(_iter_records(io.StringIO(text, newline=""), shown, problem, sep))


def _iter_records(lines, shown: str, problem, sep: str = ","):
    """(row number in the file, cells) for every non-blank record of a text stream."""
    reader = csv.reader(lines, strict=True, delimiter=sep)
    start = 1
    try:
        for cells in reader:
            if len(cells) > 1 or cells and cells[0].strip():
                yield start, cells
            start = reader.line_num + 1
    except csv.Error as error:
        raise problem(f"row {start} of '{shown}' is not valid CSV: {error}") from None


def _refuse_binary(head: bytes, shown: str, problem) -> None:
    """CSV text never holds a NUL byte; a file that does is binary (or NUL-separated, as
    /proc/self/environ is) and none of it is echoed."""
    nul = head.find(b"\0")
    if nul != -1:
        row = head[:nul].count(b"\n") + 1
        raise problem(f"data file '{shown}' holds a NUL byte (row {row}, byte {nul + 1}); "
                      "it is binary, not CSV text")


def _header_columns(header_row: int, header: list[str], shown: str, problem) -> tuple[list[str], dict[str, int]]:
    """The header's column names, each present and named once, and each name's position."""
    columns = [name.strip() for name in header]
    position: dict[str, int] = {}
    for index, name in enumerate(columns):
        if not name:
            raise problem(f"row {header_row} of '{shown}' (the header) leaves column {index + 1} without a name")
        if name in position:
            raise problem(f"row {header_row} of '{shown}' (the header) names column '{_clip(name)}' twice "
                          f"(columns {position[name] + 1} and {index + 1})")
        position[name] = index
    return columns, position


def _check_width(row: int, cells: list[str], columns: list[str], shown: str, problem) -> None:
    """Every row has as many cells as the header."""
    width = len(columns)
    if len(cells) != width:
        if len(cells) < width:
            detail = f"column '{_clip(columns[len(cells)])}' is missing"
        else:
            detail = f"cell {width + 1} lies beyond the last column '{_clip(columns[-1])}'"
        raise problem(f"row {row} of '{shown}' has {len(cells)} cells but the header has {width} ({detail})")


def _numbers(body, used: list[int], names: list[str], shown: str, problem, missing=frozenset({""}),
             imputed=frozenset(), fit_split="train") -> np.ndarray:
    """The used columns as floats (NaN for a missing cell of an `imputed` column); the
    first bad cell in file order is the error."""
    pick = itemgetter(*used) if len(used) > 1 else lambda cells: (cells[used[0]],)
    cells = [pick(cells) for _, cells in body]
    try:
        table = np.array(cells, dtype=np.float64)
        if np.isfinite(table).all():
            return table
    except ValueError:
        pass
    if missing != {""} or imputed:
        gaps = np.array([[text.strip() in missing and names[k] in imputed for k, text in enumerate(values)]
                         for values in cells], dtype=bool).reshape(len(cells), len(used))
        filled = [tuple("nan" if gap else text for gap, text in zip(flags, values))
                  for flags, values in zip(gaps, cells)]
        try:
            table = np.array(filled, dtype=np.float64)
            if np.isfinite(table[~gaps]).all():
                return table
        except ValueError:
            pass
    # Slow path, only to name the first bad cell: scan in file order (row, then column).
    order = sorted(range(len(used)), key=lambda k: used[k])
    table = np.empty((len(cells), len(used)))
    for r, ((row, _), values) in enumerate(zip(body, cells)):
        for k in order:
            text = values[k].strip()
            if text in missing and names[k] in imputed:
                table[r, k] = np.nan
                continue
            if text in missing:
                shown_cell = "empty" if not text else f"'{_clip(text)}', a missing value"
                raise problem(f"row {row}, column '{_clip(names[k])}' of '{shown}' is {shown_cell}; every cell must "
                              "be a number", help=f"fill missing cells from the training rows: "
                              f"'impute {_step_column(names[k])} using {fit_split}'")
            try:
                value = float(text)
            except ValueError:
                raise problem(f"row {row}, column '{_clip(names[k])}' of '{shown}' holds '{_clip(text)}', "
                              "not a number", help=f"a text column is used by encoding it "
                              f"('encode {_step_column(names[k])} using {fit_split}') or left out with "
                              "csv(..., features: [...])") from None
            if not math.isfinite(value):
                raise problem(f"row {row}, column '{_clip(names[k])}' of '{shown}' holds '{_clip(text)}', "
                              "not a finite number")
            table[r, k] = value
    return table


# Caps on what a data file can put into a message: its text is echoed to a terminal and
# into reports, and a file that is not what it seems (a secret, a huge header) must not
# come back whole.
_CELL_CHARS = 40
_LISTED_COLUMNS = 8


def _clip(text: str) -> str:
    """A name or cell from the data file, cut to a length a message can carry."""
    return text if len(text) <= _CELL_CHARS else text[: _CELL_CHARS - 3] + "..."


def _step_column(name: str) -> str:
    """A column as a step names it: bare when it is a name, else in double quotes."""
    bare = name.isidentifier() and name.isascii()
    return _clip(name) if bare else '"' + _clip(name).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _column_hint(name: str, columns: list[str], span=None) -> str:
    """'did you mean ...?' (with its fix when `span` is the column's string in the
    workflow), or the first few columns of the file."""
    listed = ", ".join(_clip(c) for c in columns[:_LISTED_COLUMNS])
    more = len(columns) - _LISTED_COLUMNS
    otherwise = "its columns are " + listed + (f", ... and {more} more" if more > 0 else "")
    return did_you_mean(name, columns, span, otherwise, string=True, clip=_CELL_CHARS)


# ---- csv, streamed -----------------------------------------------------------------------------


class CsvStream:
    """A csv file read a block of rows at a time, in constant memory, for `hpdsl predict`.

    The same rules and diagnostics as read_csv (records, header, ragged rows and cells
    are checked by the same functions): the `features` must be columns of the file, the
    `target` is read when the file has it, and every other column is ignored. Iterating
    yields (rows, X, y) blocks of at most `block_rows` rows, where rows are the rows'
    numbers in the file and y is None without a target column. `sha256` is the file's
    digest once every block has been read. `problem(message, help=None)` makes the
    HP302 RunError, pointing wherever the caller names the file.
    """

    def __init__(self, path: str, shown: str, features: list[str], target: str | None, problem,
                 block_rows: int = 4096, *, sep: str = ",", missing=("",), imputed=frozenset(),
                 encoded=frozenset()) -> None:
        self.shown = shown
        self._sep, self._missing = sep, frozenset(missing)
        self._imputed, self._encoded = frozenset(imputed), frozenset(encoded)
        self.text: dict = {}  # an encoded column's cells in the block last yielded (None where missing)
        self.problem = problem
        self.block_rows = block_rows
        self._digest = hashlib.sha256()
        self.sha256: str | None = None
        try:
            self._handle = open_regular(path)
        except FileNotFoundError:
            raise problem(f"data file '{shown}' does not exist") from None
        except NotRegularFile as error:
            raise problem(f"data file '{shown}' {error.strerror}") from None
        except OSError as error:
            raise problem(f"cannot read data file '{shown}': {error.strerror or error}") from None
        text = io.TextIOWrapper(io.BufferedReader(_Digesting(self._handle, self._digest), 1 << 16),
                                encoding="utf-8-sig", newline="")
        try:
            _refuse_binary(self._handle.read(_HEAD_BYTES), shown, problem)
            self._handle.seek(0)
            self._records = _iter_records(self._decoded(text), shown, problem, sep)
            first = next(self._records, None)
            if first is None:
                raise problem(f"data file '{shown}' is empty; it needs a header row and data rows")
            self.columns, position = _header_columns(first[0], first[1], shown, problem)
            for name in features:
                if name not in position:
                    raise problem(f"data file '{shown}' has no column '{name}', a feature of the model",
                                  help=_column_hint(name, self.columns))
        except BaseException:
            self._handle.close()
            raise
        self.has_target = target is not None and target in position
        self._position = position
        self._all = list(features)
        features = [name for name in features if name not in self._encoded]
        self._used = [position[name] for name in features]
        if self.has_target:
            self._used.append(position[target])
        self._names = [self.columns[i] for i in self._used]
        self._features = len(features)

    def _decoded(self, text):
        """The file's text; at a byte that is not UTF-8, the HP302 that read_csv gives."""
        try:
            yield from text
        except UnicodeDecodeError:
            raise self._not_utf8() from None

    def _not_utf8(self) -> RunError:
        """Find the first bad byte again, line by line (a newline byte is never inside a
        UTF-8 character), to name its row and byte as read_csv does."""
        offset = 0
        self._handle.seek(0)
        for row, line in enumerate(self._handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                return self.problem(f"data file '{self.shown}' is not UTF-8 text "
                                    f"(row {row}, byte {offset + error.start + 1})")
            offset += len(line)
        return self.problem(f"data file '{self.shown}' is not UTF-8 text (it ends inside a character)")

    def __iter__(self):
        try:
            block: list[tuple[int, list[str]]] = []
            count = 0
            width = len(self.columns)
            for record in self._records:
                if len(record[1]) != width:
                    _check_width(*record, self.columns, self.shown, self.problem)
                block.append(record)
                if len(block) == self.block_rows:
                    count += len(block)
                    yield self._convert(block)
                    block = []
            if block:
                count += len(block)
                yield self._convert(block)
            if not count:
                raise self.problem(f"data file '{self.shown}' has a header but no data rows")
            self.sha256 = self._digest.hexdigest()
        finally:
            self._handle.close()

    def _convert(self, block):
        table = _numbers(block, self._used, self._names, self.shown, self.problem, self._missing, self._imputed)
        rows = np.fromiter((row for row, _ in block), dtype=np.int64, count=len(block))
        X = np.ascontiguousarray(table[:, : self._features])
        if self._encoded:
            self.text = {c: np.array([None if cells[self._position[c]].strip() in self._missing
                                      else cells[self._position[c]].strip() for _, cells in block], dtype=object)
                         for c in self._encoded}
            full = np.full((len(block), len(self._all)), np.nan)
            full[:, [self._all.index(c) for c in self._all if c not in self._encoded]] = X
            X = full
        y = table[:, self._features] if self.has_target else None
        return rows, X, y

    def close(self) -> None:
        self._handle.close()


class _Digesting(io.RawIOBase):
    """A binary file that feeds every byte read through it to a hash."""

    def __init__(self, raw, digest) -> None:
        self._raw = raw
        self._digest = digest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self._raw.readinto(buffer)
        if count:
            self._digest.update(memoryview(buffer)[:count])
        return count


# ---- the streamed run's reader ------------------------------------------------------------------


def open_stream(data_source, base_dir: str, block_rows: int = 1 << 14) -> CsvStream:
    """The rows of a `csv(...)` source as (rows, X, y) blocks, for a run that never holds
    the data (`hpdsl run --stream`): the target and features resolved, and diagnosed, as
    read_csv does; `.features` names the feature columns; `.sha256` once read."""
    call = data_source.node.source
    path_node = _arg_node(call, "path", 0)
    shown = data_source.args["path"]
    target = data_source.args["target"]
    wanted = data_source.args["features"]
    full = os.path.join(base_dir, shown)

    def problem(message: str, span: Span = path_node.span, help: str | None = None) -> RunError:
        return fail("HP302", span, message, help=help)

    dialect = {"sep": data_source.args.get("sep", ","), "missing": data_source.args.get("missing", [""])}
    header = CsvStream(full, shown, [], None, problem, **dialect)
    header.close()
    position = {name: i for i, name in enumerate(header.columns)}
    if target not in position:
        raise problem(f"data file '{shown}' has no column '{target}' for the target",
                      _arg_node(call, "target", None).span, help=_column_hint(target, header.columns))
    if wanted is None:
        features = [c for c in header.columns if c != target]
    else:
        for name, item in zip(wanted, getattr(_arg_node(call, "features", None), "items", ())):
            if name not in position:
                raise problem(f"data file '{shown}' has no column '{name}' (named in features)", item.span,
                              help=_column_hint(name, header.columns))
        features = list(wanted)
    if not features:
        raise problem(f"data file '{shown}' has no feature columns besides the target '{target}'")
    stream = CsvStream(full, shown, features, target, problem, block_rows, **dialect)
    stream.features = features
    return stream


def row_count(data_source, base_dir: str) -> tuple[int, str, list[str]]:
    """(rows, sha256, feature names) of a `csv(...)` source, from one pass that keeps
    nothing: every cell is checked, so a bad cell is reported before anything is fitted."""
    stream = open_stream(data_source, base_dir)
    rows = sum(len(block[0]) for block in stream)
    return rows, stream.sha256, stream.features
