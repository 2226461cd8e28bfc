"""End-to-end: `hpdsl run` on a CSV file against the scikit-learn scripts a user writes.

(Being written; write_csv is shared with benchmarks/readers.py.)
"""

from __future__ import annotations

import os

import numpy as np


def label(rows: int) -> str:
    """1000000 -> '1e6' (for file names and tables)."""
    exponent = len(str(rows)) - 1
    mantissa = rows / 10**exponent
    return f"{mantissa:g}e{exponent}"


def write_csv(folder: str, rows: int, features: int, seed: int = 0) -> str:
    """A numeric CSV of `rows` rows: x1..xD standard normal, y linear in them plus noise, six
    decimals a cell (~10 bytes, 1e6 x 20 is ~200 MB). Written once: an existing file of
    that name is reused."""
    import pyarrow as pa
    import pyarrow.csv as pc

    path = os.path.join(folder, f"r{label(rows)}x{features}.csv")
    if os.path.exists(path):
        return path
    rng = np.random.default_rng(seed)
    weights = rng.uniform(-2, 2, features)
    names = [f"x{i + 1}" for i in range(features)] + ["y"]
    partial = path + ".part"
    with open(partial, "wb") as handle:
        handle.write((",".join(names) + "\n").encode())
        for start in range(0, rows, 250_000):
            count = min(250_000, rows - start)
            X = rng.standard_normal((count, features))
            y = X @ weights + 0.5 + 0.3 * rng.standard_normal(count)
            table = pa.table({name: np.round(column, 6) for name, column in zip(names, [*X.T, y])})
            pc.write_csv(table, handle, pc.WriteOptions(include_header=False, quoting_style="none"))
    os.replace(partial, path)
    return path
