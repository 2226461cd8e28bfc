"""A streamed run (`hpdsl run --stream`, `--scheduler`): what it refuses, and where its blocks come from.

A streamed run never holds the data: the rows are counted without converting a cell
(data.open_stream's reader: a scan of a CSV's bytes, a Parquet file's metadata), then the
engine's passes read the files, block by block, on this machine or on a Dask cluster's
workers; a bad cell is HP302 (row and column) in the first pass, before any step runs. Whatever needs the rows themselves is
refused here, before any data is read, naming the alternatives: mini-batch gradient
descent, mae logged or watched for early stopping every epoch, `impute` and `encode`
(fitted on the rows, they change the model's columns: the engine's sums would have to
be taken of a table that exists only in memory), and steps this engine does not know.

Without --stream, `choose` streams by itself when the data would not fit in the run's
memory budget (memory.py): what an in-memory run would hold is estimated before
reading, from Parquet metadata or a CSV's size and first rows (`estimate`).
"""

from __future__ import annotations

import csv
import io
import math
import os

import numpy as np

from .. import nodes as n
from ..files import open_regular
from ..render import format_line
from . import memory
from .data import data_paths, load, open_stream
from .engine import BLOCK_ROWS, MemorySource, StreamSource, StreamedData
from .errors import RunError, UsageError, fail

# The steps the engine runs from statistics (plus one pass for mae).
STREAMED_STEPS = (n.Set, n.Standardize, n.Train, n.Tune, n.Evaluate, n.Test)
ALTERNATIVES = "run without --stream (in memory)"
FILES = ("csv", "parquet")  # the data sources read from files (data.open_stream)


def refuse_unstreamable(run) -> None:
    """UsageError for a workflow a streamed run cannot do, at the first step that needs
    the rows in memory."""
    path = run.source.path
    flag = "--scheduler" if run.options.scheduler is not None else "--stream"
    if run.options.scheduler is not None and run.scope.source.kind not in FILES:
        raise UsageError(format_line(path, "--scheduler reads data files on the workers; this workflow's data is "
                                           f"{run.scope.source.kind}(...): run it without --scheduler"))
    found = unstreamable(run)
    if found is not None:
        node, what, instead = found
        line = run.source.location(node.span.start)[0]
        raise UsageError(format_line(path, f"{flag} cannot run this workflow: {what}, which needs the rows "
                                           f"in memory; {instead.format(alt=ALTERNATIVES)}", line))


def unstreamable(run):
    """(node, what, instead) for the first thing a streamed run cannot do, or None:
    `instead` names the alternatives, with `{alt}` where running in memory goes."""
    batch = "use full-batch gradient descent (leave batch_size unset), or model ridge, or {alt}"
    iterative = run.model_spec.iterative
    if iterative and run.hypers.get("batch_size") is not None:
        info = run.scope.hypers.get("batch_size")
        return (info.entry if info is not None and info.entry is not None else run.program,
                f"batch_size {run.hypers['batch_size']} trains on mini-batches", batch)
    for _, statement in run.analysis.overrides:
        if iterative and statement.name.name == "batch_size":
            return statement, "--set batch_size trains on mini-batches", batch
    for step in run.program.steps:
        if isinstance(step, (n.Impute, n.Encode)):
            return (step, f"'{n.keyword(step)}' fits on the rows and changes the model's columns",
                    "{alt}, or leave the column out with 'features:'")
        if not isinstance(step, STREAMED_STEPS):
            return step, f"'{n.keyword(step)}'", "{alt}"
        if iterative and isinstance(step, n.Set) and step.name.name == "batch_size":
            return step, "set batch_size trains on mini-batches", batch
        if iterative and isinstance(step, n.Tune) and any(item.name.name == "batch_size" for item in step.space):
            return step, "tuning batch_size trains on mini-batches", batch
        if isinstance(step, n.Train) and step.body is not None:
            for entry in step.body.entries:
                action = entry.action if isinstance(entry, n.Every) else entry
                if isinstance(action, (n.Log, n.StopEarly)) and action.metric.name == "mae":
                    return action, "mae scored after every epoch", "use mse, rmse or r2 there, or {alt}"
    return None


def choose(run, encoded) -> str | None:
    """Why the run streams (--stream, --scheduler, or data over the memory budget), or
    None to hold the data in memory; decided before any data is read (a CSV's size and
    first rows, Parquet metadata). A workflow that cannot stream, over the budget, is
    HP302 naming what needs the rows and the alternatives."""
    options = run.options
    if options.stream:
        refuse_unstreamable(run)
        return "--scheduler" if options.scheduler is not None else "--stream"
    data_source = run.scope.source
    if data_source.kind not in FILES:
        return None  # generated in memory whatever the budget
    budget = options.memory if options.memory is not None else memory.default()
    guess = estimate(data_source, run._base_dir(), encoded)
    if guess is None or guess.bytes <= budget.bytes:
        return None
    over = (f"holding the data in memory takes {guess}, more than the memory budget of "
            f"{memory.show(budget.bytes)} ({budget.origin})")
    found = unstreamable(run)
    if found is not None:
        node, what, instead = found
        line = run.source.location(node.span.start)[0]
        raise fail("HP302", data_source.node.source.span,
                   f"{over}, and this workflow cannot stream it: at line {line}, {what}, which needs the rows "
                   "in memory",
                   help=instead.format(alt="give a budget that holds the data (--memory SIZE)"))
    return over


class Estimate:
    """What holding the data in memory would take: `rows` (exact from Parquet metadata or
    a CSV read whole by the sample, else from the files' sizes and the first rows), and
    per row 8 bytes for each number read (the features and the target), 64 for each
    encoded cell (a Python string), and ROW_BYTES of bookkeeping."""

    ROW_BYTES = 24  # the row's number in its file, its place in the shuffled order, its rank
    TEXT_BYTES = 64

    def __init__(self, rows: int, numbers: int, texts: int, exact: bool) -> None:
        self.rows, self.numbers, self.texts, self.exact = rows, numbers, texts, exact
        self.bytes = rows * (8 * numbers + self.TEXT_BYTES * texts + self.ROW_BYTES)

    def __str__(self) -> str:
        columns = self.numbers + self.texts
        how = "" if self.exact else ", the rows estimated from the file size and its first rows"
        return f"about {memory.show(self.bytes)} ({self.rows} rows x {columns} columns{how})"


SAMPLE_BYTES = 1 << 20  # of a CSV's first rows, to estimate its row count from its size


def estimate(data_source, base_dir: str, encoded) -> Estimate | None:
    """What the in-memory run of these files would hold, from Parquet metadata or the
    first file's header and first rows (the other CSV files are not opened), or None when
    that cannot be told: the in-memory reader then reports the problem as it always has."""
    args = data_source.args
    try:
        paths = data_paths(data_source.kind, args["path"], base_dir,
                           lambda message, help=None: fail("HP302", data_source.node.source.span, message, help))
    except RunError:
        return None
    if data_source.kind == "parquet":
        counted = _parquet_shape([path for path, _ in paths])
    else:
        counted = _csv_shape([path for path, _ in paths], args.get("sep", ","))
    if counted is None:
        return None
    rows, header, exact = counted
    target = args["target"]
    features = args.get("features")
    if target not in header:
        return None
    features = [c for c in header if c != target] if features is None else list(features)
    texts = sum(1 for name in features if name in encoded)
    return Estimate(rows, len(features) - texts + 1, texts, exact)


def _parquet_shape(paths):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 0
    try:
        for path in paths:
            metadata = pq.read_metadata(path)
            rows += metadata.num_rows
            if path == paths[0]:
                header = list(metadata.schema.to_arrow_schema().names)
    except (pa.ArrowException, OSError, ValueError):
        return None
    return rows, header, True


def _csv_shape(paths, sep: str):
    """(rows, header, exact) of CSV files from the first one's first SAMPLE_BYTES: the mean
    length of its first records, into every file's size."""
    try:
        sizes = [os.stat(path).st_size for path in paths]
        with open_regular(paths[0]) as handle:
            head = handle.read(SAMPLE_BYTES)
    except OSError:
        return None
    whole = len(head) == sizes[0]
    cut = head if whole else head[:head.rfind(b"\n") + 1]
    try:
        records = list(csv.reader(io.StringIO(cut.decode("utf-8-sig"), newline=""), delimiter=sep))
    except (UnicodeDecodeError, csv.Error):
        return None
    records = [cells for cells in records if len(cells) > 1 or cells and cells[0].strip()]
    if not records:
        return None
    header = [name.strip() for name in records[0]]
    data = len(records) - 1
    if whole and len(paths) == 1:
        return data, header, True
    header_bytes = len(cut.split(b"\n", 1)[0]) + 1
    if data == 0:  # one record longer than the sample: at least a row a sample
        per_row = len(cut) or SAMPLE_BYTES
    else:
        per_row = (len(cut) - header_bytes) / data
    return sum(math.ceil(max(0, size - header_bytes) / per_row) for size in sizes), header, False


class StreamedFiles(StreamedData):
    """StreamedData of csv or parquet files, with what a Dask worker needs to read a range
    of rows alone: the reader's plan and each file's CsvIndex or ParquetIndex (None: not
    every file has one, so each worker reads from the start)."""

    __slots__ = ("plan", "indexes")

    def __init__(self, features, target, source, sha256, count, plan, indexes) -> None:
        super().__init__(features, target, source, sha256, count)
        self.plan = plan
        self.indexes = indexes


def describe(data_source, base_dir: str):
    """The data as a streamed run knows it: for csv and parquet files, the rows counted
    (Parquet: from the files' metadata; CSV: a scan of its bytes, which also gives its
    sha256 and where every 1024th row starts) and the feature columns from the header,
    no cell converted (a bad cell is HP302 in the engine's pass, before any step runs);
    synthetic data is generated in memory as always."""
    if data_source.kind not in FILES:
        return load(data_source, base_dir)
    with open_stream(data_source, base_dir) as stream:
        count, features, sha256 = stream.row_count(), stream.features, stream.digest()
        plan, indexes = stream.plan, stream.indexes()
    return StreamedFiles(features, data_source.args["target"], data_source.args["path"], sha256, count, plan, indexes)


def file_rows(data_source, base_dir: str):
    """Every row's number in its file, in file order (one pass over the files)."""
    with open_stream(data_source, base_dir, block_rows=BLOCK_ROWS) as stream:
        parts = [block.rows for block in stream.blocks()]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def source(data_source, base_dir: str, data, scheduler: str | None):
    """Where the engine's passes read their blocks."""
    if not isinstance(data, StreamedData):
        return MemorySource(data.X, data.y)
    if scheduler is not None:
        from .engine_dask import DaskSource

        return DaskSource(scheduler, data_source, base_dir, data.count, data.plan, data.indexes)
    return StreamSource(lambda: open_stream(data_source, base_dir, block_rows=BLOCK_ROWS))
