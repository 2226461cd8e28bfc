"""The engine's passes on a Dask cluster (`hpdsl run --scheduler ADDRESS`).

Each pass cuts the data into partitions of whole canonical blocks (engine.py), sends one
task per partition to the cluster's workers, which read the files by path through the
same reader as a local run (data.open_stream; they must see the same file system as
this machine) and return their blocks' results; the results
are merged here in block order, exactly as the local engine merges them, so the report
is the same, byte for byte, except timings. Worker processes compute with one BLAS
thread, as `hpdsl run` does, so that no sum depends on a thread count.

A worker reads only its partition's rows: for CSV files, the counting pass this machine
makes anyway (data.py's scan) keeps the byte offset of every 1024th row, so a
partition's byte range is found by seeking there and reading at most 1023 lines
(data.CsvIndex), and its rows keep their numbers in the file for diagnostics; a Parquet
file's rows are read from the row groups that hold them (data.ParquetIndex). Where a
CSV file's rows are not its lines (a quoted field, which may hold a newline; a blank
line inside; a multi-line header), a worker reads the data from its start and computes
only its partition's blocks. Imported only when --scheduler is given: `distributed` is
the optional `dask` extra.
"""

from __future__ import annotations

import math
import os
from itertools import chain

from .engine import BLOCK_ROWS, canonical
from .errors import UsageError

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class Opener:
    """Opens the data on a worker, through the same reader as a local run
    (data.open_stream): picklable (the data declaration and the workflow's folder as an
    absolute path)."""

    def __init__(self, data_source, base_dir: str) -> None:
        self.data_source = data_source
        self.base_dir = base_dir

    def __call__(self):
        from .data import open_stream

        return open_stream(self.data_source, self.base_dir, block_rows=BLOCK_ROWS)


def _pin_threads() -> None:
    """In a worker: one BLAS thread (for the libraries already loaded, and any child)."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the variables above then act on the worker's next start
        return
    threadpool_limits(1)


def _partition(opener: Opener, first: int, stop: int, task) -> tuple[list, None]:
    """On a worker: the task's result for each canonical block starting in [first, stop),
    reading the data from its start (bytes read: not counted)."""
    _pin_threads()
    out = []
    with opener() as stream:
        for start, X, y in canonical(stream):
            if start >= stop:
                break
            if start >= first:
                out.append(task(start, X, y))
    return out, None


def _ranges(data_source, plan, pieces, first: int, task) -> tuple[list, int | None]:
    """On a worker: the task's result for each canonical block of rows [first, ...), read
    from `pieces` ((CsvIndex or ParquetIndex, a, b): rows [a, b) of a file, in order), and
    the CSV bytes read (None when a piece is Parquet)."""
    from .data import RangeRead

    _pin_threads()
    reads = [RangeRead(data_source, plan, index, a, b, BLOCK_ROWS) for index, a, b in pieces]
    out = [task(first + start, X, y) for start, X, y in canonical(chain.from_iterable(reads))]
    counted = [read.bytes_read for read in reads]
    return out, None if None in counted else sum(counted)


class DaskSource:
    """Canonical blocks of the data files (csv or parquet), computed on a Dask cluster's workers."""

    def __init__(self, address: str, data_source, base_dir: str, rows: int, plan=None, indexes=None) -> None:
        self.address = address
        self.data_source = data_source
        self.opener = Opener(data_source, os.path.abspath(base_dir))
        self.rows = rows
        self.plan = plan
        self.indexes = indexes  # each file's data.CsvIndex or ParquetIndex, or None: read from the start
        if indexes is not None:
            for index in indexes:  # the workers' current folder is not this one's
                index.path = os.path.abspath(index.path)
        self.bytes_read: list[list[int | None]] = []  # per pass, per partition (None: not counted)

    def _pieces(self, first: int, stop: int) -> list:
        """(index, a, b) for the rows [first, stop) of the data: rows [a, b) of each file."""
        pieces, at = [], 0
        for index in self.indexes:
            a, b = max(first, at), min(stop, at + index.rows)
            if a < b:
                pieces.append((index, a - at, b - at))
            at += index.rows
        return pieces

    def map(self, task):
        from distributed import Client

        try:
            client = Client(self.address, timeout="30s")
        except OSError as error:  # TimeoutError too
            raise UsageError(f"cannot reach the Dask scheduler at {self.address}: {error}") from None
        with client:
            client.run(_pin_threads)
            workers = max(1, len(client.scheduler_info().get("workers", {})))
            blocks = math.ceil(self.rows / BLOCK_ROWS)
            per = max(1, math.ceil(blocks / (2 * workers)))
            starts = [b * BLOCK_ROWS for b in range(0, blocks, per)]
            stops = [min(start + per * BLOCK_ROWS, self.rows) for start in starts]
            if self.indexes is not None:
                futures = [client.submit(_ranges, self.data_source, self.plan, self._pieces(start, stop), start, task,
                                         pure=False) for start, stop in zip(starts, stops)]
            else:
                futures = client.map(_partition, [self.opener] * len(starts), starts, stops,
                                     [task] * len(starts), pure=False)
            counted: list[int | None] = []
            self.bytes_read.append(counted)
            # In block order, one partition's results held here at a time (a tune's
            # selection sums are a bootstraps x candidates matrix per block).
            for future in futures:
                results, read = future.result()
                counted.append(read)
                yield from results
                future.release()
