"""The engine's passes on a Dask cluster (`hpdsl run --scheduler ADDRESS`).

Each pass cuts the data file into partitions of whole canonical blocks (engine.py), sends
one task per partition to the cluster's workers, which read the file by path (they must
see the same file system as this machine) and return their blocks' results; the results
are merged here in block order, exactly as the local engine merges them, so the report
is the same, byte for byte, except timings. Worker processes compute with one BLAS
thread, as `hpdsl run` does, so that no sum depends on a thread count.

A csv file's rows can only be found by reading it: a worker parses the file from its
start and computes only its partition's blocks. Imported only when --scheduler is given:
`distributed` is the optional `dask` extra.
"""

from __future__ import annotations

import math
import os

from .engine import BLOCK_ROWS, canonical
from .errors import UsageError

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class CsvOpener:
    """Opens the data file on a worker: picklable (paths and names only)."""

    def __init__(self, path: str, shown: str, features: list[str], target: str, sep: str = ",",
                 missing=("",)) -> None:
        self.path = path
        self.shown = shown
        self.features = features
        self.target = target
        self.sep = sep
        self.missing = tuple(missing)

    def __call__(self):
        from ..source import Span
        from .data import CsvStream
        from .errors import fail

        def problem(message: str, span=None, help: str | None = None):
            return fail("HP302", Span(0, 0), message, help=help)

        return CsvStream(self.path, self.shown, self.features, self.target, problem, BLOCK_ROWS, sep=self.sep,
                         missing=self.missing)


def _pin_threads() -> None:
    """In a worker: one BLAS thread (for the libraries already loaded, and any child)."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the variables above then act on the worker's next start
        return
    threadpool_limits(1)


def _partition(opener: CsvOpener, first: int, stop: int, task) -> list:
    """On a worker: the task's result for each canonical block starting in [first, stop)."""
    _pin_threads()
    out = []
    for start, X, y in canonical(opener()):
        if start >= stop:
            break
        if start >= first:
            out.append(task(start, X, y))
    return out


class DaskSource:
    """Canonical blocks of a csv file, computed on a Dask cluster's workers."""

    def __init__(self, address: str, data_source, base_dir: str, rows: int, features: list[str]) -> None:
        self.address = address
        self.opener = CsvOpener(os.path.abspath(os.path.join(base_dir, data_source.args["path"])),
                                data_source.args["path"], features, data_source.args["target"],
                                data_source.args.get("sep", ","), data_source.args.get("missing", [""]))
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
            results = client.gather(futures)
        for part in results:
            yield from part
