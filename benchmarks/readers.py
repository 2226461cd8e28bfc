"""Which fast CSV reader hpdsl depends on: pyarrow against polars, measured.

Each reader (and hpdsl's own, built on the one chosen) turns a synthetic numeric CSV (rows x 20 features + a target, six decimals a
cell, as benchmarks/e2e.py writes it) into one float64 numpy matrix, in a separate Python
process, and the parent reads that process's CPU seconds (user + system) and peak
resident memory from os.wait4. Each is run `--repeats` times and the median is printed,
with the machine's load average (the machine is shared: CPU seconds are the fair
measure). `import` is the cost of importing the library alone.

    python benchmarks/readers.py                       # 1e6 and 5e6 rows
    python benchmarks/readers.py --rows 1e5 --repeats 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _process import cpu_and_peak  # noqa: E402
from e2e import write_csv  # noqa: E402  (the same files the end-to-end benchmark reads)

READERS = {
    "import pyarrow.csv": "import pyarrow.csv",
    "import polars": "import polars",
    "pyarrow read_csv": """
import numpy as np, pyarrow as pa, pyarrow.csv as pc
table = pc.read_csv(PATH, convert_options=pc.ConvertOptions(column_types={c: pa.float64() for c in NAMES}))
X = np.empty((table.num_rows, len(NAMES)))
for j, c in enumerate(NAMES):
    X[:, j] = table.column(c).to_numpy()
""",
    "pyarrow open_csv (blocks)": """
import numpy as np, pyarrow as pa, pyarrow.csv as pc
reader = pc.open_csv(PATH, read_options=pc.ReadOptions(block_size=1 << 22),
                     convert_options=pc.ConvertOptions(column_types={c: pa.float64() for c in NAMES}))
blocks = []
for batch in reader:
    blocks.append(np.column_stack([col.to_numpy() for col in batch.columns]))
X = np.concatenate(blocks)
""",
    # hpdsl's own reader: the scan of the bytes (sha256, UTF-8, line count) and pyarrow in
    # blocks, filling one float64 matrix.
    "hpdsl load (this reader)": """
from hpdsl.checker import check_text
from hpdsl.runtime.data import load
import os
text = f'data d = csv("{os.path.basename(PATH)}", target: "y")\\nsplit d -> train 50%, test 50%\\nmodel ridge\\ntrain on train\\ntest on test\\n'
data = load(check_text(text, PATH + ".hp").scope.source, os.path.dirname(PATH))
""",
    "polars read_csv": """
import polars as pl
X = pl.read_csv(PATH, schema={c: pl.Float64 for c in NAMES}).to_numpy()
""",
    "polars scan_csv (batches)": """
import numpy as np, polars as pl
blocks = [frame.to_numpy() for frame in pl.scan_csv(PATH, schema={c: pl.Float64 for c in NAMES}).collect_batches()]
X = np.concatenate(blocks)
""",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="*", default=["1e6", "5e6"])
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--folder", default=None, help="where the CSV files are written (kept)")
    args = parser.parse_args()
    folder = args.folder or tempfile.mkdtemp(prefix="hpdsl-readers-")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; medians of {args.repeats}")
    print(f"{'rows':>6} {'reader':28} {'CPU s':>8} {'peak MB':>8}")
    for rows in args.rows:
        path = write_csv(folder, int(float(rows)), args.features)
        names = [f"x{i + 1}" for i in range(args.features)] + ["y"]
        for label, body in READERS.items():
            code = f"PATH = {path!r}\nNAMES = {names!r}\n{body}"
            runs = [cpu_and_peak([sys.executable, "-c", code], show_output=True) for _ in range(args.repeats)]
            cpu = statistics.median(r[0] for r in runs)
            peak = statistics.median(r[1] for r in runs)
            print(f"{rows:>6} {label:28} {cpu:8.2f} {peak:8.0f}", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} at the end ({time.strftime('%H:%M UTC', time.gmtime())})")


if __name__ == "__main__":
    main()
