"""The engine's passes on a Dask cluster (`hpdsl run --scheduler ADDRESS`).

Each pass cuts the data into partitions of whole canonical blocks (engine.py), sends one
task per partition to the cluster's workers, which read the files by path through the
same reader as a local run (data.open_stream; they must see the same file system as
this machine) and return their blocks' results; the results
are merged here in block order, exactly as the local engine merges them, so the report
is the same, byte for byte, except timings. Worker processes compute with one BLAS
thread, as `hpdsl run` does, so that no sum depends on a thread count.

A worker reads the data from its start (a csv file's rows can only be found by reading
it) and computes only its partition's blocks. Imported only when --scheduler is given:
`distributed` is the optional `dask` extra.
"""

from __future__ import annotations

import math
import os

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


def _partition(opener: Opener, first: int, stop: int, task) -> list:
    """On a worker: the task's result for each canonical block starting in [first, stop)."""
    _pin_threads()
    out = []
    with opener() as stream:
        for start, X, y in canonical(stream):
            if start >= stop:
                break
            if start >= first:
                out.append(task(start, X, y))
    return out


class DaskSource:
    """Canonical blocks of the data files (csv or parquet), computed on a Dask cluster's workers."""

    def __init__(self, address: str, data_source, base_dir: str, rows: int) -> None:
        self.address = address
        self.opener = Opener(data_source, os.path.abspath(base_dir))
        self.rows = rows

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
            futures = client.map(_partition, [self.opener] * len(starts), starts, stops, [task] * len(starts),
                                 pure=False)
            # In block order, one partition's results held here at a time (a tune's
            # selection sums are a bootstraps x candidates matrix per block).
            for future in futures:
                yield from future.result()
                future.release()
