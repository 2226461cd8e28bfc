"""`hpdsl run --scheduler`: the statistics computed on a real Dask cluster (a scheduler and
two worker processes on 127.0.0.1, started here) give the local run's report.json byte
for byte except timings; without distributed the flag is a usage error; `hpdsl check`
never imports Dask."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from helpers import hpdsl

from hpdsl.runtime.engine import BLOCK_ROWS

distributed = pytest.importorskip("distributed")

RIDGE = """\
data d = csv("d.csv", target: "y")
split d -> train 60%, validation 20%, test 20% seed 5
model ridge
hyper {
    l2: float in [0, inf) = 1.0
}
standardize using train + validation
tune l2 in logspace(-4, 2, 12) using cv 4 on train + validation minimize mae
test on test
"""

DESCENT = """\
data d = csv("d.csv", target: "y")
split d -> train 60%, validation 20%, test 20% seed 5
model linear_regression
hyper {
    learning_rate: float in (0, 1] = 0.2
    epochs: int in [1, 500] = 40
}
standardize using train
train on train {
    stop early when rmse on validation has not improved for 3 epochs
}
evaluate on validation report mse, r2
test on test report mse
"""


@pytest.fixture(scope="module")
def cluster():
    with warnings.catch_warnings():
        # The scheduler's small HTTP server (on 127.0.0.1) moves off a port another process holds.
        warnings.filterwarnings("ignore", "Port .* is already in use", UserWarning)
        running = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                                           dashboard_address=None)
    with running:
        yield running.scheduler_address


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("dask")
    rng = np.random.default_rng(2)
    rows = 2 * BLOCK_ROWS + 301  # three canonical blocks: three partitions on two workers
    X = rng.normal(5.0, 2.0, size=(rows, 4))
    y = X @ np.array([1.0, -0.5, 2.0, 0.25]) + 0.3 * rng.normal(size=rows)
    lines = ["x1,x2,x3,x4,y"] + [",".join(f"{v:.9g}" for v in (*row, t)) for row, t in zip(X, y)]
    (path / "d.csv").write_text("\n".join(lines) + "\n")
    (path / "ridge.hp").write_text(RIDGE)
    (path / "descent.hp").write_text(DESCENT)
    import pyarrow as pa
    import pyarrow.parquet as pq

    (path / "pq").mkdir()
    for k, (a, b) in enumerate([(0, 20_000), (20_000, rows)]):
        pq.write_table(pa.table({**{f"x{j + 1}": X[a:b, j] for j in range(4)}, "y": y[a:b]}), path / "pq" / f"{k}.parquet")
    (path / "parquet.hp").write_text(RIDGE.replace('csv("d.csv", target: "y")', 'parquet("pq/", target: "y")'))
    return path


def report(folder, name: str, *args: str, env=None) -> dict:
    out = folder / f"out-{name}-{len(args)}-{env is not None}"
    result = hpdsl("run", str(folder / name), "--no-ledger", "--quiet", "--out", str(out), *args, env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads((out / "report.json").read_text())
    data.pop("timings")
    return data


def test_a_cluster_run_gives_the_local_report_byte_for_byte(cluster, folder):
    local = report(folder, "ridge.hp")
    assert report(folder, "ridge.hp", "--scheduler", cluster) == local
    assert report(folder, "ridge.hp", "--stream") == local
    assert [s["selection"]["bootstraps"] for s in local["steps"] if s["kind"] == "tune"] == [1000]


def test_a_folder_of_parquet_files_runs_on_the_cluster_as_here(cluster, folder):
    local = report(folder, "parquet.hp")
    assert report(folder, "parquet.hp", "--scheduler", cluster) == local
    assert report(folder, "parquet.hp", "--stream") == local


def test_the_scheduler_address_may_come_from_the_environment(cluster, folder):
    local = report(folder, "descent.hp")
    assert report(folder, "descent.hp", env={**os.environ, "DASK_SCHEDULER_ADDRESS": cluster}) == local


def test_without_distributed_the_scheduler_is_a_usage_error(folder):
    script = ("import sys; sys.modules['distributed'] = None\n"
              "from hpdsl.cli import main\n"
              f"sys.exit(main(['run', {str(folder / 'ridge.hp')!r}, '--no-ledger', '--scheduler', 'tcp://127.0.0.1:1']))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 2
    assert "dask extra" in result.stderr and "pip install '.[dask]'" in result.stderr


def test_synthetic_data_is_not_sent_to_a_cluster(cluster, tmp_path):
    (tmp_path / "w.hp").write_text(RIDGE.replace('csv("d.csv", target: "y")',
                                                 "synthetic(rows: 100, features: 2, noise: 0.1, seed: 1)"))
    result = hpdsl("run", str(tmp_path / "w.hp"), "--no-ledger", "--scheduler", cluster)
    assert result.returncode == 2 and b"run it without --scheduler" in result.stderr


def test_check_imports_no_dask():
    script = ("import sys\nfrom hpdsl.cli import main\nmain(['check', '-'])\n"
              "assert not {'dask', 'distributed'} & set(sys.modules), 'dask imported'")
    result = subprocess.run([sys.executable, "-c", script], input="model ridge\n", capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
