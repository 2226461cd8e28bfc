"""What a Dask worker reads for its partition of a CSV file: its own byte range, against
the whole file up to the partition's end (the reading before byte ranges, still the
path for CSVs with quoted fields).

It writes a CSV file (--rows x 10 features and a target, written once into --folder),
counts its rows once as `hpdsl run --scheduler` does on the client (data.py's scan,
which keeps every 1024th row's offset), then, for N partitions of whole canonical
blocks, runs each partition's worker function in this process, one after the other,
with the statistics pass's task: engine_dask._ranges (its byte range) and
engine_dask._partition (from the start). CPU seconds (process time) summed over the
partitions, and the bytes the byte-range reader read (counted by data.RangeRead) as a
multiple of the file. From the start the total grows with N (O(N^2) bytes over N
partitions of a file of size proportional to N); by byte ranges it stays at one file.

    python benchmarks/dask_partitions.py                        # 400,000 rows, N = 1, 2, 4, 8, 16
    python benchmarks/dask_partitions.py --rows 1000000 --partitions 4 16 32
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from hpdsl.checker import check_text  # noqa: E402
from hpdsl.runtime.data import open_stream  # noqa: E402
from hpdsl.runtime.engine import BLOCK_ROWS, Plan, Ranks, StatsTask  # noqa: E402
from hpdsl.runtime.engine_dask import Opener, _partition, _ranges  # noqa: E402

WORKFLOW = """\
data d = csv("d.csv", target: "y")
split d -> train 80%, test 20% seed 1
model ridge
train on train
test on test
"""


def write(path: str, rows: int) -> None:
    rng = np.random.default_rng(0)
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join([f"x{j + 1}" for j in range(10)] + ["y"]) + "\n")
        for start in range(0, rows, 100_000):
            X = rng.normal(size=(min(100_000, rows - start), 11))
            np.savetxt(f, X, fmt="%.6f", delimiter=",")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--partitions", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--folder", default=None, help="where the CSV file is written (default: a temporary one)")
    args = parser.parse_args()
    folder = args.folder or tempfile.mkdtemp(prefix="hpdsl-dask-partitions-")
    path = os.path.join(folder, "d.csv")
    if not os.path.exists(path):
        write(path, args.rows)
    size = os.path.getsize(path)
    source = check_text(WORKFLOW, os.path.join(folder, "w.hp")).scope.source
    began = time.process_time()
    with open_stream(source, folder) as stream:
        rows, plan, indexes = stream.row_count(), stream.plan, stream.indexes()
    counting = time.process_time() - began
    task = StatsTask(Ranks(rows, 1), Plan(rows, [rows // 2]).bounds, False)
    opener = Opener(source, folder)
    blocks = math.ceil(rows / BLOCK_ROWS)
    print(f"{rows} rows, {size / 1e6:.0f} MB, {blocks} canonical blocks; the client's counting scan "
          f"{counting:.2f} CPU s (python {sys.version.split()[0]})")
    print("| partitions | byte ranges: CPU s | bytes read / file | from the start: CPU s | ratio |")
    print("| --- | --- | --- | --- | --- |")
    for n in args.partitions:
        per = math.ceil(blocks / n)
        starts = [b * BLOCK_ROWS for b in range(0, blocks, per)]
        stops = [min(start + per * BLOCK_ROWS, rows) for start in starts]
        began = time.process_time()
        read = 0
        for start, stop in zip(starts, stops):
            pieces = [(indexes[0], start, stop)]
            _, counted = _ranges(source, plan, pieces, start, task)
            read += counted
        ranged = time.process_time() - began
        began = time.process_time()
        for start, stop in zip(starts, stops):
            _partition(opener, start, stop, task)
        whole = time.process_time() - began
        print(f"| {len(starts)} | {ranged:.2f} | {read / size:.3f} | {whole:.2f} | {whole / ranged:.1f} |")


if __name__ == "__main__":
    main()
