"""End-to-end: `hpdsl run` on a CSV file against the scripts a scikit-learn user writes.

The job: a CSV of rows x features (x1..xD standard normal, y linear plus noise, six
decimals a cell), ridge regression with 64 values of the penalty chosen by 5-fold
cross-validation, a refit on the chosen value, one test. Four whole processes each:

- `hpdsl run` on the workflow WORKFLOW below (--no-ledger: no ledger file is written);
- a RidgeCV script: pandas.read_csv, train_test_split, StandardScaler, RidgeCV over 64
  alphas with its efficient leave-one-out (GCV) path, one test;
- a GridSearchCV script: GridSearchCV(Pipeline(StandardScaler, Ridge), 64 alphas, cv=5),
  refit, one test (only up to --grid-max-rows rows: ~3 CPU minutes at 1e6);
- a hand-written numpy reference: pyarrow's read_csv, then one pass of per-fold
  sufficient statistics, every candidate solved from them, refit, test.

CPU seconds (user + system of the child, from os.wait4: this machine is shared) and
peak resident memory (ru_maxrss), medians of --repeats runs (of 1e6 rows or more,
--big-repeats runs, by default once; GridSearchCV once), taken round-robin (one run of
each command, then the next round) so that the machine's drift hits every command
alike, and the ratios. Every child runs with one BLAS thread, as
`hpdsl run` does. The CSV files are written once into --folder and reused.

    python benchmarks/e2e.py --quick                      # 1e5 x 20, once
    python benchmarks/e2e.py                              # 1e5, 1e6, 5e6 x 20 and 1e5 x 200
    python benchmarks/e2e.py --sizes 1e6x20 --folder /var/tmp/e2e
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"  # inherited by every child: one BLAS thread each

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _process import cpu_and_peak  # noqa: E402


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


WORKFLOW = """\
workflow "ridge, 64 l2 under 5-fold cv, refit, test"
data rows = csv("{csv}", target: "y")
split rows -> train 70%, validation 15%, test 15% seed 11
model ridge
hyper {{
    l2: float in [0, inf) = 1.0
}}
standardize using train + validation
tune l2 in logspace(-4, 2, 64) using cv 5 on train + validation minimize mse
train on train + validation
test on test report rmse, r2
"""

# The scripts a scikit-learn user writes for the same job: 85% of the rows to fit on, 15%
# to test, 64 alphas from 1e-4 to 1e2 (alpha = n_fit * l2 is hpdsl's scale; the grid's
# span is what costs, not its position).
RIDGECV = """
import sys, numpy as np, pandas as pd
from sklearn.linear_model import RidgeCV
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
frame = pd.read_csv(sys.argv[1])
X, y = frame.drop(columns="y").to_numpy(), frame["y"].to_numpy()
X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.15, random_state=11)
scaler = StandardScaler().fit(X_fit)
model = RidgeCV(alphas=np.logspace(-4, 2, 64) * len(y_fit)).fit(scaler.transform(X_fit), y_fit)  # efficient LOO (GCV)
predicted = model.predict(scaler.transform(X_test))
print(mean_squared_error(y_test, predicted) ** 0.5, r2_score(y_test, predicted))
"""

GRIDSEARCH = """
import sys, numpy as np, pandas as pd
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
frame = pd.read_csv(sys.argv[1])
X, y = frame.drop(columns="y").to_numpy(), frame["y"].to_numpy()
X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.15, random_state=11)
grid = {"ridge__alpha": np.logspace(-4, 2, 64) * len(y_fit) * 0.8}
search = GridSearchCV(make_pipeline(StandardScaler(), Ridge()), grid, cv=5, scoring="neg_mean_squared_error")
predicted = search.fit(X_fit, y_fit).predict(X_test)
print(mean_squared_error(y_test, predicted) ** 0.5, r2_score(y_test, predicted))
"""

# The hand-written floor: the fast reader, then one pass of sufficient statistics per
# fold (X'X, X'y, sums), every candidate solved from them, refit from their sum, one test.
NUMPY = """
import sys, numpy as np, pyarrow.csv as pc
table = pc.read_csv(sys.argv[1])
X = np.empty((table.num_rows, table.num_columns - 1))
for j, name in enumerate(table.column_names[:-1]):
    X[:, j] = table.column(name).to_numpy()
y = table.column("y").to_numpy()
del table
n = len(y)
order = np.random.default_rng(11).permutation(n)
n_fit = n - n * 15 // 100
fit, test = order[:n_fit], order[n_fit:]
folds = np.array_split(fit, 5)
def stats(rows):
    A = np.c_[X[rows], y[rows], np.ones(len(rows))]
    return A.T @ A
per_fold = [stats(rows) for rows in folds]
whole = sum(per_fold)
l2s = np.logspace(-4, 2, 64)
def solve(S, lams):
    d = S.shape[0] - 2
    m = S[-1, -1]
    mean = S[-1, :-1] / m
    C = S[:-1, :-1] / m - np.outer(mean, mean)
    sd = np.sqrt(np.diag(C)[:d])
    Cxx = C[:d, :d] / np.outer(sd, sd)
    cxy = C[:d, d] / sd
    vals, vecs = np.linalg.eigh(Cxx)
    proj = vecs.T @ cxy
    out = []
    for lam in lams:
        w = (vecs @ (proj / (vals + lam))) / sd
        out.append((w, mean[d] - mean[:d] @ w))
    return out
def sse(S, w, b):
    v = np.r_[w, -1.0, b]
    return v @ S @ v
scores = np.zeros(len(l2s))
for k in range(5):
    train = whole - per_fold[k]
    for i, (w, b) in enumerate(solve(train, l2s)):
        scores[i] += sse(per_fold[k], w, b)
w, b = solve(whole, [l2s[np.argmin(scores)]])[0]
residual = X[test] @ w + b - y[test]
print(np.sqrt(np.mean(residual ** 2)), 1 - np.sum(residual ** 2) / np.sum((y[test] - y[test].mean()) ** 2))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=["1e5x20", "1e6x20", "5e6x20", "1e5x200"],
                        help="rows x features of each CSV")
    parser.add_argument("--quick", action="store_true", help="only 1e5 x 20, once")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--big-repeats", type=int, default=1, help="runs of each command from 1e6 rows on")
    parser.add_argument("--grid-max-rows", type=float, default=1e6,
                        help="GridSearchCV only up to this many rows (it takes ~3 min at 1e6)")
    parser.add_argument("--folder", default=None, help="where the CSV files are written (kept)")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeats = ["1e5x20"], 1
    folder = args.folder or tempfile.mkdtemp(prefix="hpdsl-e2e-")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; medians of {args.repeats} "
          f"(sizes of 1e6 rows or more: {args.big_repeats}; GridSearchCV once), round-robin; "
          "CPU seconds / peak MB of each whole process")
    print(f"{'data':>9} {'MB':>6} | {'hpdsl run':>15} | {'RidgeCV script':>15} | {'GridSearchCV':>15} | "
          f"{'numpy reference':>15} | RidgeCV/hpdsl  Grid/hpdsl  hpdsl/numpy")
    for size in args.sizes:
        rows, features = size.split("x")
        rows, features = int(float(rows)), int(features)
        path = write_csv(folder, rows, features)
        workflow = os.path.join(folder, f"w{label(rows)}x{features}.hp")
        with open(workflow, "w", encoding="utf-8") as handle:
            handle.write(WORKFLOW.format(csv=os.path.basename(path)))
        repeats = args.repeats if rows < 1_000_000 else args.big_repeats
        commands = {
            "hpdsl": [sys.executable, "-m", "hpdsl", "run", workflow, "--out", os.path.join(folder, "out"),
                      "--no-ledger"],
            "ridgecv": [sys.executable, "-c", RIDGECV, path],
            "grid": [sys.executable, "-c", GRIDSEARCH, path] if rows <= args.grid_max_rows else None,
            "numpy": [sys.executable, "-c", NUMPY, path],
        }
        runs = {name: [] for name, command in commands.items() if command is not None}
        for round_ in range(repeats):
            for name in runs:
                if name != "grid" or round_ == 0:
                    runs[name].append(cpu_and_peak(commands[name]))
        result = {name: (statistics.median(r[0] for r in done), statistics.median(r[1] for r in done))
                  if done else None for name, done in runs.items()}
        result.setdefault("grid", None)

        def cell(value):
            return f"{value[0]:7.2f}s/{value[1]:5.0f}" if value else f"{'-':>15}"

        hp = result["hpdsl"][0]
        ratios = (f"{result['ridgecv'][0] / hp:13.1f}  "
                  + (f"{result['grid'][0] / hp:10.1f}" if result["grid"] else f"{'-':>10}")
                  + f"  {hp / result['numpy'][0]:11.2f}")
        print(f"{label(rows) + 'x' + str(features):>9} {os.path.getsize(path) / 1e6:6.0f} | {cell(result['hpdsl'])} | "
              f"{cell(result['ridgecv'])} | {cell(result['grid'])} | {cell(result['numpy'])} | {ratios}", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
