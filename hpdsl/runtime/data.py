"""Data sources -> arrays: CSV and Parquet files (one, a folder, or a glob) and synthetic rows.

Every problem with the data is an HP302 diagnostic that names the file, the row (as in
the file: for a CSV the header is row 1 and blank lines count; a Parquet file's first
row is row 1) and the column. Only the columns the workflow uses are read: they must
hold numbers, except a column the workflow encodes (its cells are delivered as text)
and a missing cell in a column it imputes (NaN). Every row must have as many cells as
the header, and every file of a folder or glob the same header.

Two readers, one set of rules. pyarrow's CSV reader (imported only here, so `hpdsl
check` never loads it) parses a file in blocks straight into float64; before it, one
scan of the bytes computes the sha256 and decides whether the fast reader numbers the
rows exactly (no blank line inside the file, no quote after the header, no lone CR, no
NUL, valid UTF-8). The standard csv module is the definition: it reads any file the
scan does not pass, and whenever the fast reader stops or finds a cell that is not a
finite number it takes over from the first row not yet delivered, to find and word the
first problem exactly as it always has (or to read on, when the csv module accepts what
pyarrow did not, e.g. '1_000').

The scan also keeps where every 1024th row starts (CsvIndex), so that a Dask worker
reads a range of rows from its own bytes (RangeRead), with the same two readers and
the rows' numbers in the file; a Parquet file's range is read from the row groups
that hold it (ParquetIndex).
"""

from __future__ import annotations

import codecs
import csv
import glob
import hashlib
import io
import math
import os
from typing import Iterator

import numpy as np

from .. import nodes as n
from ..source import Span
from ..files import NotRegularFile, open_regular
from ..suggest import did_you_mean
from .errors import RunError, fail


class Dataset:
    """The rows of the workflow's data: raw features X (rows x features) and target y.

    An encoded column's cells are in `text[name]` (a numpy object array of str, None where
    missing), and X holds NaN in that column."""

    __slots__ = ("X", "y", "features", "target", "source", "sha256", "truth", "seed", "rows", "text", "files")

    def __init__(self, X, y, features, target, source, sha256, truth=None, seed=None, rows=None,
                 text=None, files=None) -> None:
        self.X = X
        self.y = y
        self.features = features
        self.target = target
        self.source = source  # how the workflow names the data, for the report
        self.sha256 = sha256
        self.truth = truth  # {"weights": [...], "intercept": x} for synthetic data
        self.seed = seed
        # Each row's number in its file (a CSV's header is row 1); synthetic rows count from 1.
        self.rows = rows if rows is not None else np.arange(1, len(y) + 1)
        self.text = text if text is not None else {}
        # The files read, in order, as the workflow's folder names them (one for a file).
        self.files = files if files is not None else []


def load(data_source, base_dir: str, *, imputed=frozenset(), encoded=frozenset(), fit_split: str = "train") -> Dataset:
    """The data a `data` declaration names, in memory. Raises RunError (HP302)."""
    try:
        if data_source.kind == "synthetic":
            data = synthetic(**data_source.args)
            for column in encoded:  # each distinct number a category, as its text
                j = data.features.index(column)
                data.text[column] = np.array([repr(float(x)) for x in data.X[:, j]], dtype=object)
                data.X[:, j] = np.nan
            if not np.isfinite(data.y).all():  # noise near 1e308 overflows the target
                raise fail("HP302", data_source.node.source.span,
                           f"the synthetic target overflows float64 (noise {data_source.args['noise']!r})",
                           help="use a noise whose size float64 can carry, e.g. noise: 1e100")
            return data
        with open_stream(data_source, base_dir, imputed=imputed, encoded=encoded, fit_split=fit_split) as stream:
            return stream.collect()
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


# ---- what is read ------------------------------------------------------------------------------

# How a used column is read: numbers; numbers where a missing cell is NaN (imputed); text (encoded).
NUMBER, IMPUTED, TEXT = "number", "imputed", "text"


class _Plan:
    """The columns to read and how, and what to say when a cell is wrong."""

    def __init__(self, features: list[str], target: str | None, imputed, encoded, missing, fit_split: str) -> None:
        self.features = list(features)
        self.target = target
        self.names = self.features + ([target] if target is not None else [])
        self.kinds = [TEXT if name in encoded else IMPUTED if name in imputed else NUMBER for name in self.features]
        if target is not None:
            self.kinds.append(NUMBER)  # a target is never imputed or encoded
        self.missing = frozenset(missing)
        self.fit_split = fit_split

    def others(self, name: str) -> str:
        """`features: [...]` without `name`, for a help that leaves the column out."""
        rest = [f'"{_clip(f)}"' for f in self.features if f != name]
        shown = ", ".join(rest[:_LISTED_COLUMNS]) + (", ..." if len(rest) > _LISTED_COLUMNS else "")
        return f"features: [{shown}]"

    def missing_help(self, name: str) -> str | None:
        if name == self.target:
            return "every row needs a target value: fix the row, or leave it out of the file"
        out = f"add 'impute {_step_column(name)} using {self.fit_split}' before training"
        return out + (f", or leave the column out with '{self.others(name)}'" if len(self.features) > 1 else "")

    def text_help(self, name: str) -> str | None:
        if name == self.target:
            return None
        out = f"'encode {_step_column(name)} using {self.fit_split}'"
        return out + (f", or leave it out with '{self.others(name)}'" if len(self.features) > 1 else "")


class Block:
    """Consecutive rows of one file: their numbers in it, X (rows x features), y, the text
    of the encoded columns, and the file's name as the workflow shows it."""

    __slots__ = ("rows", "X", "y", "text", "file")

    def __init__(self, rows, X, y, text, file) -> None:
        self.rows, self.X, self.y, self.text, self.file = rows, X, y, text, file


# ---- the files a data call names -------------------------------------------------------------


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


_GLOB = frozenset("*?[")


def data_paths(kind: str, shown: str, base_dir: str, problem) -> list[tuple[str, str]]:
    """(full path, shown name) of every file a path names, in sorted order: the file, the
    folder's .csv/.parquet files, or the files a glob matches."""
    suffix = ".parquet" if kind == "parquet" else ".csv"
    full = os.path.join(base_dir, shown)
    if _GLOB & set(shown):
        found = sorted(p for p in glob.glob(full) if os.path.isfile(p))
        if not found:
            raise problem(f"no file matches '{shown}'",
                          help=f"the pattern is read relative to the workflow's folder ({base_dir or '.'})")
    elif shown.endswith(("/", os.sep)) or (os.path.isdir(full) and kind == "parquet"):
        if not os.path.isdir(full):
            raise problem(f"data folder '{shown}' does not exist",
                          help=f"the path is read relative to the workflow's folder ({base_dir or '.'})")
        found = sorted(os.path.join(full, name) for name in os.listdir(full)
                       if name.endswith(suffix) and os.path.isfile(os.path.join(full, name)))
        if not found:
            raise problem(f"data folder '{shown}' holds no {suffix} file")
    else:
        return [(full, shown)]
    return [(path, _shown(path, base_dir, shown)) for path in found]


def _shown(path: str, base_dir: str, written: str) -> str:
    """A matched file's name as the workflow would write it (relative to its folder)."""
    if os.path.isabs(written):
        return path
    return os.path.relpath(path, base_dir or ".")


def combined_sha256(files: list[tuple[str, str]]) -> str:
    """The digest of several files: sha256 of the lines '<sha256 of the file>  <name>\\n' in
    order, names as the workflow's folder shows them (what `sha256sum FILES | sha256sum`
    prints from that folder)."""
    lines = "".join(f"{digest}  {shown}\n" for shown, digest in files)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


# ---- streams -----------------------------------------------------------------------------------


def open_stream(data_source, base_dir: str, *, imputed=frozenset(), encoded=frozenset(), fit_split: str = "train",
                block_rows: int = 65536) -> "Stream":
    """A `data` declaration's csv/parquet files as a Stream of blocks. Raises RunError (HP302)
    for a file that is missing or unreadable, or whose header lacks a column named."""
    call = data_source.node.source
    args = data_source.args
    kind = data_source.kind
    shown = args["path"]
    problem = _problem(data_source)
    paths = data_paths(kind, shown, base_dir, problem)
    files = []
    try:
        for path, name in paths:
            files.append(_open(kind, path, name, args.get("sep", ","), problem, base_dir))
    except BaseException:
        for file in files:
            file.close()
        raise
    try:
        first = files[0]
        columns = first.header()
        for other in files[1:]:
            _same_header(first, columns, other, other.header(), problem)
        target = args["target"]
        position = {name: index for index, name in enumerate(columns)}
        if target not in position:
            raise problem(f"data file '{first.shown}' has no column '{target}' for the target",
                          help=_column_hint(target, columns, first, _arg_node(call, "target", None).span),
                          span=_arg_node(call, "target", None).span)
        wanted = args.get("features")
        if wanted is None:
            features = [c for c in columns if c != target]
        else:
            features_node = _arg_node(call, "features", None)
            for name, item in zip(wanted, getattr(features_node, "items", ())):
                if name not in position:
                    raise problem(f"data file '{first.shown}' has no column '{name}' (named in features)",
                                  help=_column_hint(name, columns, first, item.span), span=item.span)
            features = list(wanted)
        if not features:
            raise problem(f"data file '{first.shown}' has no feature columns besides the target '{target}'",
                          help=first.one_column_hint())
        plan = _Plan(features, target, imputed, encoded, args.get("missing", ("",)), fit_split)
        return Stream(files, plan, block_rows, source=shown)
    except BaseException:
        for file in files:
            file.close()
        raise


def _problem(data_source):
    """The HP302 RunError maker for a data declaration: at the path argument unless told."""
    here = _arg_node(data_source.node.source, "path", 0).span

    def problem(message: str, help: str | None = None, span: Span = here) -> RunError:
        return fail("HP302", span, message, help=help)

    return problem


def open_csv_stream(path: str, shown: str, features: list[str], target: str | None, problem,
                    block_rows: int = 4096, sep: str = ",", missing=("",), imputed=frozenset(),
                    encoded=frozenset()) -> "Stream":
    """One CSV file streamed for `hpdsl predict`: the `features` must be columns of the file,
    the target is read when the file has it (`has_target`), every other column is ignored;
    missing cells of `imputed` columns are NaN and `encoded` columns come as text
    (Stream.blocks).
    `problem(message, help=None)` makes the HP302 RunError, pointing wherever the caller
    names the file."""
    file = _CsvFile(path, shown, sep, problem)
    try:
        columns = file.header()
        for name in features:
            if name not in columns:
                raise problem(f"data file '{shown}' has no column '{name}', a feature of the model",
                              help=_column_hint(name, columns, file))
        if target is not None and target not in columns:
            target = None
        return Stream([file], _Plan(features, target, imputed, encoded, missing, "train"), block_rows, source=shown)
    except BaseException:
        file.close()
        raise


class Stream:
    """The rows of one or more files, a block at a time, in file order.

    Iterating yields (rows, X, y) blocks of at most `block_rows` rows: rows are the rows'
    numbers in their file (int64), X float64 (rows x features), y float64 (None when the
    file has no target column); `blocks()` yields Block objects, which also carry the
    encoded columns' text and the file. `sha256` is the data's digest once every block has
    been read (the file's bytes; for several files see combined_sha256). `row_count()`
    counts the data rows without converting them. Close it (or use `with`)."""

    def __init__(self, files, plan: _Plan, block_rows: int, source: str) -> None:
        self._files = files
        self._plan = plan
        self.block_rows = block_rows
        self.source = source
        self.features = plan.features
        self.target = plan.target
        self.has_target = plan.target is not None
        self.sha256: str | None = None
        self._arrow_block = _STREAM_BLOCK
        self._into: _Into | None = None

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for file in self._files:
            file.close()

    def row_count(self) -> int:
        """The number of data rows: Parquet metadata, or one counting pass over a CSV (its
        scan, or the csv module's records for a file the scan does not pass)."""
        return sum(file.row_count() for file in self._files)

    @property
    def plan(self) -> _Plan:
        """The columns read and how (picklable: a Dask worker reads with it)."""
        return self._plan

    def indexes(self) -> "list[CsvIndex | ParquetIndex] | None":
        """How to read a range of each file's rows alone (a CsvIndex from the counting
        pass, a ParquetIndex); None when a file has none (a CSV with quoted fields, blank
        lines or a multi-line header)."""
        found = [file.index() for file in self._files]
        return None if any(index is None for index in found) else found

    def digest(self) -> str:
        """The data's sha256 (what `sha256` holds once every block is read) from the files'
        bytes, without converting a cell: a CSV's from the scan `row_count()` makes."""
        if len(self._files) == 1:
            return self._files[0].sha256()
        return combined_sha256([(file.shown, file.sha256()) for file in self._files])

    def blocks(self) -> Iterator[Block]:
        try:
            for file in self._files:
                yield from file.blocks(self._plan, self.block_rows, self._arrow_block, self._into)
            self.sha256 = self.digest()
        finally:
            self.close()

    def __iter__(self):
        for block in self.blocks():
            yield block.rows, block.X, block.y

    def collect(self) -> Dataset:
        """Every block in memory. When the row count is known, X and y are allocated once and
        the readers write their blocks straight into them (one copy of the data, written
        once); a block a reader could not place there (the csv module's) is copied in. Else
        the blocks are joined at the end."""
        plan = self._plan
        self._arrow_block = _ARROW_BLOCK
        known = [file.known_rows() for file in self._files]
        total = sum(known) if min(known) >= 0 else -1
        d = len(plan.features)
        if total >= 0:
            X, y, rows = np.empty((total, d)), np.empty(total), np.empty(total, dtype=np.int64)
            self._into = _Into(X, y)
        parts: list[Block] = []
        texts: dict[str, list] = {name: [] for name, kind in zip(plan.features, plan.kinds) if kind == TEXT}
        at = 0
        for block in self.blocks():
            k = len(block.rows)
            if total >= 0 and at + k <= total:
                if not np.may_share_memory(block.X, X):  # not written in place
                    X[at:at + k], y[at:at + k] = block.X, block.y
                rows[at:at + k] = block.rows
            else:
                parts.append(block)
            for name in texts:
                texts[name].append(block.text[name])
            at += k
            if self._into is not None:
                self._into.at = at  # where the readers' next block goes
        if total < 0 or at != total:
            done = [] if total < 0 else [Block(rows[:min(at, total)], X[:min(at, total)], y[:min(at, total)], {}, "")]
            blocks = done + parts
            X = np.concatenate([b.X for b in blocks]) if blocks else np.empty((0, d))
            y = np.concatenate([b.y for b in blocks]) if blocks else np.empty(0)
            rows = np.concatenate([b.rows for b in blocks]) if blocks else np.empty(0, dtype=np.int64)
        text = {name: np.concatenate(chunks) if chunks else np.empty(0, dtype=object) for name, chunks in texts.items()}
        return Dataset(X, y, plan.features, plan.target, self.source, self.sha256, rows=rows, text=text,
                       files=[file.shown for file in self._files])


class _Into:
    """The arrays `collect` fills (X and y for every row of the data) and the first row not
    yet delivered: a reader takes its next block there instead of allocating one."""

    __slots__ = ("X", "y", "at")

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.X, self.y, self.at = X, y, 0

    def views(self, size: int):
        """(X, y) views of the next `size` rows (fewer at the end), or None past the end."""
        stop = min(self.at + size, len(self.X))
        if stop <= self.at:
            return None
        return self.X[self.at:stop], self.y[self.at:stop]


def _same_header(first, columns: list[str], other, theirs: list[str], problem) -> None:
    if theirs == columns:
        return
    for index, (a, b) in enumerate(zip(columns, theirs)):
        if a != b:
            raise problem(f"data file '{other.shown}' has a different header from '{first.shown}': "
                          f"column {index + 1} is '{_clip(b)}', not '{_clip(a)}'",
                          help="every file of the data must have the same columns in the same order")
    raise problem(f"data file '{other.shown}' has {len(theirs)} columns but '{first.shown}' has {len(columns)}",
                  help="every file of the data must have the same columns in the same order")


def _open(kind: str, path: str, shown: str, sep: str, problem, folder: str | None):
    if kind == "parquet":
        return _ParquetFile(path, shown, problem, folder)
    return _CsvFile(path, shown, sep, problem, folder)


# ---- csv ---------------------------------------------------------------------------------------

_HEAD_BYTES = 1 << 16  # read and looked at for a NUL byte before the rest of the file
_SCAN_BYTES = 1 << 20
# Bytes pyarrow parses at a time. Its memory peaks at ~40 times the block (measured: 1 MB
# blocks at 42 MB of Arrow memory, 8 MB blocks at 223 MB), and 1 MB blocks are as fast as
# larger ones; a stream, whose memory must not grow with the file, parses 256 KB (~10 MB).
_ARROW_BLOCK = 1 << 20
_STREAM_BLOCK = 1 << 18
_BLANKS = b" \t\r\n"
MARK_ROWS = 1024  # a row's byte offset is kept every this many rows (8 bytes each): CsvIndex


class _Scan:
    """What one pass over a CSV file's bytes found."""

    __slots__ = ("sha256", "rows", "fast", "utf8", "marks")

    def __init__(self, sha256: str, rows: int, fast: bool, utf8: bool, marks=None) -> None:
        self.sha256 = sha256
        self.rows = rows  # data rows when `fast`, else -1
        self.fast = fast  # pyarrow's rows are the file's lines 2, 3, ... (see the module docstring)
        self.utf8 = utf8
        # When `fast`: the byte offset where data row j starts, for j = 0, MARK_ROWS, 2·MARK_ROWS, ...
        self.marks = marks


def _open_data_file(path: str, shown: str, problem, folder: str | None):
    """A data file opened for reading (a regular file only), or the HP302 that says why not."""
    try:
        return open_regular(path)
    except FileNotFoundError:
        raise problem(f"data file '{shown}' does not exist", help=None if folder is None else
                      f"the path is read relative to the workflow's folder ({folder or '.'})") from None
    except NotRegularFile as error:
        raise problem(f"data file '{shown}' {error.strerror}") from None
    except OSError as error:
        raise problem(f"cannot read data file '{shown}': {error.strerror or error}") from None


class _CsvFile:
    def __init__(self, path: str, shown: str, sep: str, problem, folder: str | None = None) -> None:
        self.path, self.shown, self.sep, self.problem = path, shown, sep, problem
        self._scan: _Scan | None = None
        self._columns: list[str] | None = None
        self.bytes_read = 0  # by range_blocks' fast reader (the Dask engine's measure)
        self._handle = _open_data_file(path, shown, problem, folder)
        try:
            # A binary file shows a NUL byte early: refuse it before reading gigabytes.
            _refuse_binary(self._handle.read(_HEAD_BYTES), shown, problem)
        except BaseException:
            self._handle.close()
            raise

    def close(self) -> None:
        self._handle.close()

    def scan(self) -> _Scan:
        if self._scan is None:
            self._scan = _scan(self._handle)
            if not self._scan.utf8:
                raise self._not_utf8()
        return self._scan

    def sha256(self) -> str:
        return self.scan().sha256

    def known_rows(self) -> int:
        return self.scan().rows

    def row_count(self) -> int:
        if self.scan().fast:
            return self._scan.rows
        return sum(1 for _ in self._records()) - 1

    def _records(self, raw=None, first: int = 1):
        """(row number in the file, cells) of every non-blank record, by the csv module,
        from the start, or from a _Range `raw` whose first line is row `first`."""
        self._handle.seek(0)
        raw = _Unclosing(self._handle) if raw is None else raw
        text = io.TextIOWrapper(io.BufferedReader(raw, 1 << 16), encoding="utf-8-sig", newline="")
        return _iter_records(text, self.shown, self.problem, self.sep, first)

    def header(self) -> list[str]:
        if self._columns is None:
            self.scan()  # bytes that are not UTF-8 are the first problem, as they always were
            self._read_header()
        return self._columns

    def _read_header(self) -> None:
        """The header's columns, from the first record (no scan of the rest)."""
        if self._columns is None:
            records = self._records()
            first = next(records, None)
            if first is None:
                raise self.problem(f"data file '{self.shown}' is empty; it needs a header row and data rows")
            self._header_row, self._header = first
            self._columns, _ = _header_columns(first[0], first[1], self.shown, self.problem)

    def index(self) -> "CsvIndex | None":
        """Where this file's rows start, when pyarrow's rows are its lines (header on row 1,
        no quote, no blank line inside: the scan's fast case), or None."""
        self.header()
        scan = self._scan
        if not (scan.fast and scan.rows > 0 and self._header_row == 1 and self._single_line_header()):
            return None
        return CsvIndex(self.path, self.shown, self.sep, scan.rows, scan.marks, os.fstat(self._handle.fileno()))

    def one_column_hint(self) -> str | None:
        """For a header of one column holding another likely separator: say so."""
        if len(self._columns or ()) != 1:
            return None
        for sep in (";", "\t", "|", ","):
            if sep != self.sep and sep in self._header[0]:
                shown = "\\t" if sep == "\t" else sep
                return f"the header has one column; is the file separated by '{shown}'? write csv(..., sep: \"{shown}\")"
        return None

    def _not_utf8(self) -> RunError:
        """The first byte that is not UTF-8, line by line (a newline byte is never inside a
        UTF-8 character), with its row and byte in the file."""
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

    # ---- blocks

    def blocks(self, plan: _Plan, block_rows: int, arrow_block: int, into: _Into | None = None) -> Iterator[Block]:
        columns = self.header()
        used = [columns.index(name) for name in plan.names]
        delivered = 0
        if self._scan.fast and self._scan.rows > 0 and self._header_row == 1 and self._single_line_header():
            try:
                for block in self._fast(plan, used, block_rows, arrow_block, into):
                    delivered += len(block.rows)
                    yield block
                return
            except _Slow:
                pass
        yield from self._slow(plan, used, block_rows, skip=delivered)

    def range_blocks(self, plan: _Plan, block_rows: int, arrow_block: int, start: int, end: int, first: int,
                     count: int) -> Iterator[Block]:
        """The `count` rows whose first begins at byte `start` (row `first` of the file) and
        the last ends by byte `end`, of a file CsvIndex describes (no scan: its caller's
        counting pass has made it). A problem in them is worded as blocks() words it: the
        csv module rereads from `start`, and past `end` to the end of the file only to
        find a ragged row after a bad cell (the whole-file reader's order)."""
        self._read_header()
        used = [self._columns.index(name) for name in plan.names]
        delivered = 0
        source = _Range(self._handle, start, end)
        try:
            for block in self._fast(plan, used, block_rows, arrow_block, source=source, total=count, first=first):
                delivered += len(block.rows)
                yield block
            return
        except _Slow:
            pass
        finally:
            self.bytes_read += source.done
        rest = _Range(self._handle, start, os.fstat(self._handle.fileno()).st_size)
        try:
            yield from self._slow(plan, used, block_rows, skip=delivered, records=self._records(rest, first),
                                  limit=count)
        finally:
            self.bytes_read += rest.done

    def _single_line_header(self) -> bool:
        self._handle.seek(0)
        line = self._handle.readline()
        return line.count(b'"') % 2 == 0

    def _fast(self, plan: _Plan, used: list[int], block_rows: int, arrow_block: int, into: _Into | None = None,
              source=None, total: int | None = None, first: int = 2) -> Iterator[Block]:
        """pyarrow's reading of the file's rows (or of a byte range, `source`: `total`
        rows, the first being row `first`), into `into`'s arrays when given."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        width = len(self._columns)
        names = [f"c{i}" for i in range(width)]
        wanted = [names[i] for i in used]
        types = {names[i]: pa.string() if kind == TEXT else pa.float64() for i, kind in zip(used, plan.kinds)}
        try:
            # By path: pyarrow reads natively, off the GIL (the scan has read the file as a regular one).
            reader = pacsv.open_csv(
                self.path if source is None else source,
                read_options=pacsv.ReadOptions(block_size=arrow_block, skip_rows=1 if source is None else 0,
                                               column_names=names),
                parse_options=pacsv.ParseOptions(delimiter=self.sep, quote_char='"', double_quote=True,
                                                 escape_char=False, newlines_in_values=False,
                                                 ignore_empty_lines=False),
                convert_options=pacsv.ConvertOptions(include_columns=wanted, column_types=types,
                                                     null_values=sorted(plan.missing), strings_can_be_null=True,
                                                     quoted_strings_can_be_null=True))
        except (pa.ArrowException, ValueError):
            raise _Slow() from None
        total = self._scan.rows if total is None else total
        d = len(plan.features)
        texts = [name for name, kind in zip(plan.names, plan.kinds) if kind == TEXT]
        # Blocks of exactly `block_rows` rows (the last one shorter), whatever pyarrow's
        # batches: a row's arithmetic (X @ w in a prediction) may depend on its place in a
        # block, so the blocks are the csv module's, row for row.
        block = _Filling(block_rows, d, plan.target is not None, texts, first_row=first, into=into)
        at = 0
        try:
            for batch in reader:
                k = min(batch.num_rows, total - at)
                if k <= 0:
                    break  # blank lines after the last row (the scan saw nothing else there)
                columns = []
                for j, kind in enumerate(plan.kinds):
                    column = batch.column(j).slice(0, k)
                    if kind == TEXT:
                        columns.append(_texts(column.to_pylist(), plan.missing))
                        continue
                    values = column.to_numpy(zero_copy_only=False)
                    bad = np.count_nonzero(~np.isfinite(values))
                    # A null is a missing cell; any other NaN or inf is a cell to word exactly.
                    if bad and (kind == NUMBER or bad != column.null_count):
                        raise _Slow()
                    columns.append(values)
                done = 0
                while done < k:
                    take = block.add(columns, plan.kinds, plan.names, done, k)
                    done += take
                    if block.full():
                        yield block.take(self.shown)
                at += k
        except pa.ArrowException:
            raise _Slow() from None
        if at != total:
            raise _Slow()
        if block.fill:
            yield block.take(self.shown)

    def _slow(self, plan: _Plan, used: list[int], block_rows: int, skip: int, records=None,
              limit: int | None = None) -> Iterator[Block]:
        """The csv module's reading: every record's width is checked in file order, the
        first bad cell is remembered and raised only if no later row is ragged (the order
        the whole-file reader always had). `records` from a byte range: its first
        `limit` rows are delivered, and reading stops there unless a bad cell was found."""
        columns = self._columns
        width = len(columns)
        if records is None:
            records = self._records()
            next(records)  # the header
        found: RunError | None = None
        block: list[tuple[int, list[str]]] = []
        count = 0
        for record in records:
            if limit is not None and count == limit and found is None:
                break
            if len(record[1]) != width:
                _check_width(*record, columns, self.shown, self.problem)
            count += 1
            if count <= skip or found is not None or (limit is not None and count > limit):
                continue
            block.append(record)
            if len(block) == block_rows:
                converted = self._convert(block, used, plan)
                if isinstance(converted, RunError):
                    found = converted
                else:
                    yield converted
                block = []
        if block and found is None:
            converted = self._convert(block, used, plan)
            if isinstance(converted, RunError):
                found = converted
            else:
                yield converted
        if found is not None:
            raise found
        if not count:
            raise self.problem(f"data file '{self.shown}' has a header but no data rows")

    def _convert(self, block, used: list[int], plan: _Plan):
        """A Block of records, or the RunError of its first bad cell (row, then column)."""
        d = len(plan.features)
        table, text = _cells(block, used, plan, self.shown, self.problem)
        if isinstance(table, RunError):
            return table
        rows = np.fromiter((row for row, _ in block), dtype=np.int64, count=len(block))
        return Block(rows, np.ascontiguousarray(table[:, :d]), table[:, d] if plan.target is not None else None,
                     text, self.shown)


class _Filling:
    """The block being filled from pyarrow's columns: X row-major, y, the encoded text; in
    `into`'s arrays when given (collect), else in its own."""

    def __init__(self, size: int, features: int, target: bool, texts: list[str], first_row: int,
                 into: _Into | None = None) -> None:
        self.size, self.features, self.target, self.texts = size, features, target, texts
        self.into = into
        self.next_row = first_row
        self.fill = self.capacity = 0
        self.X = None

    def _new(self) -> None:
        views = self.into.views(self.size) if self.into is not None else None
        if views is None:
            self.X = np.empty((self.size, self.features))
            self.y = np.empty(self.size) if self.target else None
        else:
            self.X, y = views
            self.y = y if self.target else None
        self.capacity = len(self.X)
        self.text = {name: np.empty(self.capacity, dtype=object) for name in self.texts}
        self.fill = 0

    def full(self) -> bool:
        return self.fill == self.capacity

    def add(self, columns: list, kinds: list[str], names: list[str], start: int, stop: int) -> int:
        """Copy rows start.. of the batch's columns in, as many as fit; how many did."""
        if self.X is None:
            self._new()
        take = min(self.capacity - self.fill, stop - start)
        here = slice(self.fill, self.fill + take)
        for j, (values, kind) in enumerate(zip(columns, kinds)):
            part = values[start:start + take]
            if kind == TEXT:
                self.text[names[j]][here] = part
                self.X[here, j] = np.nan
            elif j < self.features:
                self.X[here, j] = part
            else:
                self.y[here] = part
        self.fill += take
        return take

    def take(self, shown: str) -> Block:
        n = self.fill
        rows = np.arange(self.next_row, self.next_row + n, dtype=np.int64)
        block = Block(rows, self.X[:n], self.y[:n] if self.y is not None else None,
                      {name: cells[:n] for name, cells in self.text.items()}, shown)
        self.next_row += n
        self.X, self.fill = None, 0
        return block


class _Slow(Exception):
    """The fast reader cannot deliver the next rows exactly: the csv module takes over."""


class _Unclosing(io.RawIOBase):
    """A file read through a buffer that must not close it (the csv module's pass)."""

    def __init__(self, raw) -> None:
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self._raw.readinto(buffer)

    def close(self) -> None:
        pass


class _Range(io.RawIOBase):
    """Bytes [start, end) of an open file, read from its own position; `done` counts them."""

    def __init__(self, raw, start: int, end: int) -> None:
        self._raw = raw
        self._at = start
        self._end = end
        self.done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        want = min(len(buffer), self._end - self._at)
        if want <= 0:
            return 0
        self._raw.seek(self._at)
        got = self._raw.readinto(memoryview(buffer)[:want])
        self._at += got
        self.done += got
        return got

    def close(self) -> None:
        pass


class CsvIndex:
    """Where the rows of a CSV file start, from its counting pass (the scan keeps the
    offset of every MARK_ROWS-th row): `span(a, b)` is the byte range of data rows
    [a, b), found by seeking to the mark before and reading at most MARK_ROWS lines.
    Picklable, so that a Dask worker can read its partition's rows and no others."""

    def __init__(self, path: str, shown: str, sep: str, rows: int, marks: np.ndarray, stat: os.stat_result) -> None:
        self.path, self.shown, self.sep, self.rows, self.marks = path, shown, sep, rows, marks
        self.size, self.mtime = stat.st_size, stat.st_mtime_ns

    def same(self, stat: os.stat_result) -> bool:
        """Whether the file is still the one counted (else its offsets may fall inside rows)."""
        return (stat.st_size, stat.st_mtime_ns) == (self.size, self.mtime)

    def open(self, problem) -> "_CsvFile":
        return _CsvFile(self.path, self.shown, self.sep, problem)

    def read(self, file: "_CsvFile", plan: _Plan, block_rows: int, a: int, b: int) -> Iterator[Block]:
        start, end = self.span(a, b)
        return file.range_blocks(plan, block_rows, _STREAM_BLOCK, start, end, a + 2, b - a)

    def span(self, a: int, b: int) -> tuple[int, int]:
        with open(self.path, "rb") as handle:
            return self._start(handle, a), self._start(handle, b)

    def _start(self, handle, j: int) -> int:
        if j >= self.rows:
            return self.size  # after the last row: at most blank lines, which are not read as rows
        handle.seek(int(self.marks[j // MARK_ROWS]))
        for _ in range(j % MARK_ROWS):
            handle.readline()
        return handle.tell()


class ParquetIndex:
    """A Parquet file's rows, for reading a range of them alone: from the row groups that
    hold them (their sizes are in the file's metadata)."""

    def __init__(self, path: str, shown: str, rows: int, stat: os.stat_result) -> None:
        self.path, self.shown, self.rows = path, shown, rows
        self.size, self.mtime = stat.st_size, stat.st_mtime_ns

    same = CsvIndex.same

    def open(self, problem) -> "_ParquetFile":
        return _ParquetFile(self.path, self.shown, problem)

    def read(self, file: "_ParquetFile", plan: _Plan, block_rows: int, a: int, b: int) -> Iterator[Block]:
        return file.blocks(plan, block_rows, _STREAM_BLOCK, a=a, b=b)


class RangeRead:
    """Data rows [a, b) of a file a CsvIndex or ParquetIndex describes, as (rows, X, y)
    blocks, reading those rows only (on a Dask worker: engine_dask.py; `bytes_read`
    counts a CSV's bytes, None for Parquet); a problem is HP302 as open_stream's reader
    words it, with its row in the file."""

    def __init__(self, data_source, plan: _Plan, index: CsvIndex, a: int, b: int, block_rows: int) -> None:
        self.data_source, self.plan, self.index = data_source, plan, index
        self.a, self.b, self.block_rows = a, b, block_rows
        self.bytes_read = 0

    def __iter__(self):
        problem = _problem(self.data_source)
        file = self.index.open(problem)
        try:
            if not self.index.same(os.fstat(file._handle.fileno())):
                raise problem(f"data file '{self.index.shown}' changed while it was read")
            for block in self.index.read(file, self.plan, self.block_rows, self.a, self.b):
                yield block.rows, block.X, block.y
        finally:
            self.bytes_read = file.bytes_read
            file.close()


def _scan(handle) -> _Scan:
    """One pass over the bytes: sha256, UTF-8 validity, and whether pyarrow's rows are the
    file's lines (no blank line before the last row, no quote after the header line, no
    NUL, no lone CR), with the number of data rows."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    handle.seek(0)
    newlines = lone_cr = 0
    fast = utf8 = True
    header_end = -1  # offset just past the header line's newline
    # An empty line in an earlier chunk / in the current chunk (with the previous one's end).
    blank_before, blank_at = False, -1
    offset = 0
    prev = b""  # the previous chunk's last two bytes, for patterns across chunks
    ends_cr = False
    last = b""
    marks: list[np.ndarray] = []
    # Two buffers read into in turn: the last chunk is still whole after the read that finds
    # the end, and no chunk costs fresh pages (a new 1 MB bytes object per read page-faults
    # ~256 times, ~45,000 faults on a 200 MB file).
    buffers = [bytearray(_SCAN_BYTES), bytearray(_SCAN_BYTES)]
    flags = np.empty((2, _SCAN_BYTES), dtype=bool)
    while True:
        chunk = buffers[0]
        size = handle.readinto(chunk)
        if not size:
            break
        if size < len(chunk):
            chunk = chunk[:size]
        buffers.reverse()
        digest.update(chunk)
        if utf8 and (not chunk.isascii() or decoder.getstate()[0]):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = fast = False
        if fast:
            if b"\0" in chunk:
                fast = False
            if header_end < 0:
                found = chunk.find(b"\n")
                if found >= 0:
                    header_end = offset + found + 1
            data = chunk if header_end <= offset else chunk[max(0, header_end - offset):]
            if header_end >= 0 and b'"' in data:
                fast = False
            newline = np.equal(np.frombuffer(chunk, dtype=np.uint8), 10, out=flags[0, :size])
            breaks = np.flatnonzero(newline)
            # Data row j starts after newline j (counting from 0: the header's is newline 0).
            marks.append(offset + 1 + breaks[(-newlines) % MARK_ROWS::MARK_ROWS])
            newlines += len(breaks)
            carriage = b"\r" in chunk
            if carriage:
                lone_cr += chunk.count(b"\r") - chunk.count(b"\r\n")
            if ends_cr and chunk[:1] == b"\n":
                lone_cr -= 1  # a CRLF across two reads
            blank_before |= blank_at >= 0
            blank_at = _first_blank(chunk, newline, carriage, flags[1])
            if _has_blank(prev + chunk[:2]):
                blank_at = 1
            ends_cr = chunk.endswith(b"\r")
            last, prev = chunk, (prev + chunk[-2:])[-2:]
        offset += size
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = fast = False
    rows = -1
    if fast:
        body = last.rstrip(_BLANKS)
        # Empty lines after the last row are harmless; one before it shifts the numbering.
        if not body or lone_cr or blank_before or 0 <= blank_at < len(body):
            fast = False
        else:
            rows = newlines - last[len(body):].count(b"\n")  # lines of text after the header
    if not fast:
        return _Scan(digest.hexdigest(), -1, False, utf8)
    starts = np.concatenate(marks) if marks else np.empty(0, dtype=np.int64)
    return _Scan(digest.hexdigest(), rows, True, utf8, starts[starts < offset])


def _first_blank(chunk: bytes, newline: np.ndarray, carriage: bool, scratch: np.ndarray) -> int:
    """Where the first empty line of a chunk ends (its second line break), or -1: in the last
    chunk, empty lines after the last row are harmless and one before it is not. `newline`
    flags the chunk's newline bytes. numpy looks for two adjacent flags (an LF file's empty
    line) without listing the offsets, which text without an empty line never needs;
    bytes.find of two newlines is ~8x slower on text with a newline every few hundred bytes."""
    if not carriage and not np.logical_and(newline[1:], newline[:-1], out=scratch[:len(newline) - 1]).any():
        return -1
    breaks = np.flatnonzero(newline)
    gaps = np.diff(breaks)
    ends = breaks[1:][gaps == 1]
    if carriage:
        crlf = breaks[1:][gaps == 2]
        ends = np.concatenate([ends, crlf[np.frombuffer(chunk, dtype=np.uint8)[crlf - 1] == 13]])
    return int(ends.min()) if len(ends) else -1


def _has_blank(text: bytes) -> bool:
    """Whether bytes hold an empty line (two line breaks with nothing between)."""
    return b"\n\n" in text or b"\n\r\n" in text


def _iter_records(lines, shown: str, problem, sep: str = ",", first: int = 1):
    """(row number in the file, cells) for every non-blank record of a text stream whose
    first line is row `first` of the file."""
    reader = csv.reader(lines, strict=True, delimiter=sep)
    start = first
    try:
        for cells in reader:
            if len(cells) > 1 or cells and cells[0].strip():
                yield start, cells
            start = first + reader.line_num
    except csv.Error as error:
        raise problem(f"row {start} of '{shown}' is not valid CSV: {error}") from None
    except UnicodeDecodeError:
        raise problem(f"data file '{shown}' is not UTF-8 text") from None


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


def _texts(cells: list, missing: frozenset) -> np.ndarray:
    """An encoded column's cells: the text without surrounding spaces, None where missing."""
    out = np.empty(len(cells), dtype=object)
    for i, cell in enumerate(cells):
        text = cell.strip() if cell is not None else None
        out[i] = None if text is None or text in missing else text
    return out


def _cells(block, used: list[int], plan: _Plan, shown: str, problem):
    """(the used columns as floats, encoded columns' text) of a block of records, or (the
    RunError of the first bad cell in file order, None)."""
    names, kinds = plan.names, plan.kinds
    table = np.empty((len(block), len(used)))
    text = {}
    numeric = [k for k, kind in enumerate(kinds) if kind != TEXT]
    for k, kind in enumerate(kinds):
        if kind == TEXT:
            text[names[k]] = _texts([cells[used[k]] for _, cells in block], plan.missing)
            table[:, k] = np.nan
    try:
        values = np.array([[cells[used[k]] for k in numeric] for _, cells in block], dtype=np.float64)
        if np.isfinite(values).all():
            table[:, numeric] = values
            return table, text
    except ValueError:
        pass
    # Only to name the first bad cell: scan in file order (row, then column).
    order = sorted(numeric, key=lambda k: used[k])
    for r, (row, cells) in enumerate(block):
        for k in order:
            raw = cells[used[k]]
            stripped = raw.strip()
            name = _clip(names[k])
            if stripped in plan.missing:
                if kinds[k] == IMPUTED:
                    table[r, k] = np.nan
                    continue
                if not stripped:
                    return problem(f"row {row}, column '{name}' of '{shown}' is empty; every cell must be a number",
                                   help=plan.missing_help(names[k])), None
                return problem(f"row {row}, column '{name}' of '{shown}' holds '{_clip(stripped)}', "
                               "a missing value; every cell must be a number",
                               help=plan.missing_help(names[k])), None
            if not stripped:
                return problem(f"row {row}, column '{name}' of '{shown}' is empty; every cell must be a number"), None
            try:
                value = float(stripped)
            except ValueError:
                return problem(f"row {row}, column '{name}' of '{shown}' holds '{_clip(stripped)}', not a number",
                               help=plan.text_help(names[k])), None
            if not math.isfinite(value):
                return problem(f"row {row}, column '{name}' of '{shown}' holds '{_clip(stripped)}', "
                               "not a finite number"), None
            table[r, k] = value
    return table, text


# ---- parquet -----------------------------------------------------------------------------------


class _ParquetFile:
    """A Parquet file, read in record batches with pyarrow; its rows count from 1."""

    def __init__(self, path: str, shown: str, problem, folder: str | None = None) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path, self.shown, self.problem = path, shown, problem
        self._digest: str | None = None
        self._handle = _open_data_file(path, shown, problem, folder)
        try:
            self._file = pq.ParquetFile(self._handle)
        except (pa.ArrowException, OSError, ValueError) as error:
            self._handle.close()
            raise problem(f"data file '{shown}' is not a Parquet file ({_clip(str(error).splitlines()[0])})") from None

    def close(self) -> None:
        self._handle.close()

    def header(self) -> list[str]:
        return list(self._file.schema_arrow.names)

    def one_column_hint(self) -> None:
        return None

    def sha256(self) -> str:
        if self._digest is None:
            digest = hashlib.sha256()
            self._handle.seek(0)
            for chunk in iter(lambda: self._handle.read(_SCAN_BYTES), b""):
                digest.update(chunk)
            self._digest = digest.hexdigest()
        return self._digest

    def known_rows(self) -> int:
        return self._file.metadata.num_rows

    def row_count(self) -> int:
        return self._file.metadata.num_rows

    bytes_read = None  # pyarrow reads the row groups asked for: not counted

    def index(self) -> "ParquetIndex":
        return ParquetIndex(self.path, self.shown, self.row_count(), os.fstat(self._handle.fileno()))

    def blocks(self, plan: _Plan, block_rows: int, arrow_block: int, into: _Into | None = None,
               a: int = 0, b: int | None = None) -> Iterator[Block]:
        """The rows in blocks (of rows [a, b) only, reading the row groups that hold them),
        into `into`'s arrays when given."""
        import pyarrow as pa

        schema = self._file.schema_arrow
        for name, kind in zip(plan.names, plan.kinds):
            kind_of = schema.field(name).type
            numeric = pa.types.is_integer(kind_of) or pa.types.is_floating(kind_of) \
                or pa.types.is_decimal(kind_of) or pa.types.is_boolean(kind_of)
            if kind != TEXT and not numeric:
                raise self.problem(f"column '{_clip(name)}' of '{self.shown}' holds {kind_of}, not numbers",
                                   help=plan.text_help(name))
        d = len(plan.features)
        if self.known_rows() == 0:
            raise self.problem(f"data file '{self.shown}' has no data rows")
        metadata = self._file.metadata
        starts = np.cumsum([0] + [metadata.row_group(g).num_rows for g in range(metadata.num_row_groups)])
        stop = int(starts[-1]) if b is None else b
        groups = [g for g in range(metadata.num_row_groups) if starts[g] < stop and starts[g + 1] > a]
        at = int(starts[groups[0]]) if groups else stop
        for whole in self._file.iter_batches(batch_size=block_rows, columns=plan.names, row_groups=groups):
            lo, hi = min(max(a - at, 0), whole.num_rows), min(max(stop - at, 0), whole.num_rows)
            batch = whole if (lo, hi) == (0, whole.num_rows) else whole.slice(lo, hi - lo)
            at += lo
            k = batch.num_rows
            if k == 0:
                at += whole.num_rows - lo
                if at >= stop:
                    break
                continue
            views = into.views(k) if into is not None else None
            if views is not None and len(views[0]) == k:
                X, y = views[0], views[1] if plan.target is not None else None  # collect's arrays
            else:
                table = np.empty((k, len(plan.names)))
                X, y = table[:, :d], table[:, d] if plan.target is not None else None
            text = {}
            for j, (name, kind) in enumerate(zip(plan.names, plan.kinds)):
                column = batch.column(j)
                out = X[:, j] if j < d else y
                if kind == TEXT:
                    cells = column.cast(pa.string()).to_pylist()
                    text[name] = _texts(cells, frozenset(("",)))
                    out[:] = np.nan
                    continue
                values = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
                bad = ~np.isfinite(values)
                if bad.any():
                    nulls = column.is_null().to_numpy(zero_copy_only=False)
                    if (bad & ~nulls if kind == IMPUTED else bad).any():
                        self._bad_cell(plan, batch, at)
                out[:] = values
            rows = np.arange(at + 1, at + 1 + k, dtype=np.int64)
            yield Block(rows, X, y, text, self.shown)
            at += whole.num_rows - lo
            if at >= stop:
                break

    def _bad_cell(self, plan: _Plan, batch, at: int) -> None:
        """Raise the HP302 of the first bad cell of a batch, in file order (row, then column)."""
        import pyarrow as pa

        columns = [(j, name, kind) for j, (name, kind) in enumerate(zip(plan.names, plan.kinds)) if kind != TEXT]
        order = sorted(columns, key=lambda c: self._file.schema_arrow.get_field_index(c[1]))
        arrays = {j: batch.column(j) for j, _, _ in order}
        values = {j: arrays[j].cast(pa.float64()).to_numpy(zero_copy_only=False) for j, _, _ in order}
        nulls = {j: arrays[j].is_null().to_numpy(zero_copy_only=False) for j, _, _ in order}
        for r in range(batch.num_rows):
            for j, name, kind in order:
                if nulls[j][r]:
                    if kind == IMPUTED:
                        continue
                    raise self.problem(f"row {at + r + 1}, column '{_clip(name)}' of '{self.shown}' is missing; "
                                       "every cell must be a number", help=plan.missing_help(name))
                if not math.isfinite(values[j][r]):
                    raise self.problem(f"row {at + r + 1}, column '{_clip(name)}' of '{self.shown}' holds "
                                       f"{float(values[j][r])!r}, not a finite number")
        raise AssertionError("a bad cell was flagged but not found")


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


def _column_hint(name: str, columns: list[str], file=None, span=None) -> str:
    """A one-column header's likely separator, 'did you mean ...?' (with its fix when
    `span` is the column's string in the workflow), or the first few columns."""
    separator = file.one_column_hint() if file is not None else None
    if separator:
        return separator
    listed = ", ".join(_clip(c) for c in columns[:_LISTED_COLUMNS])
    more = len(columns) - _LISTED_COLUMNS
    otherwise = "its columns are " + listed + (f", ... and {more} more" if more > 0 else "")
    return did_you_mean(name, columns, span, otherwise, string=True, clip=_CELL_CHARS)
