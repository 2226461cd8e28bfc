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
from helpers import CSV_TRAIN_TEST, hpdsl

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
    # Each worker read its rows from the row groups that hold them, not from the start.
    streamed, _ = interpret(folder, "parquet.hp", scheduler=cluster)
    assert [type(index).__name__ for index in streamed.engine.source.indexes] == ["ParquetIndex"] * 2


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


# ---- CSV partitions read from their own byte ranges ---------------------------------------------


def interpret(folder, name: str, **options):
    from hpdsl.checker import check_text
    from hpdsl.runtime import Options
    from hpdsl.runtime.interpreter import Interpreter

    analysis = check_text((folder / name).read_text(), str(folder / name))
    interpreter = Interpreter(analysis, Options(base_dir=str(folder), **options))
    return interpreter, interpreter.run()


def test_each_worker_reads_only_its_partitions_bytes(cluster, folder):
    """Every pass reads each data byte once, whichever worker: the sum over partitions is
    the file less its header line, and no partition reads more than its own rows' bytes."""
    streamed, _ = interpret(folder, "ridge.hp", scheduler=cluster)
    source = streamed.engine.source
    assert len(source.indexes) == 1
    data = (folder / "d.csv").read_bytes()
    body = len(data) - (data.index(b"\n") + 1)
    lines = data.split(b"\n")[1:-1]  # the file ends with a newline
    assert len(source.bytes_read) == len(streamed.engine.passes) >= 3  # statistics, mae, selection
    for counted in source.bytes_read:
        assert len(counted) == 3 and sum(counted) == body
        for p, read in enumerate(counted):  # partition p holds canonical block p here
            assert read == sum(len(line) + 1 for line in lines[p * BLOCK_ROWS:(p + 1) * BLOCK_ROWS])


def cell_problem(folder, name: str, *args: str) -> str:
    result = hpdsl("run", str(folder / name), "--no-ledger", "--quiet", *args)
    assert result.returncode == 3, result.stderr
    return result.stderr.decode()


@pytest.fixture(scope="module")
def broken(folder, tmp_path_factory):
    """d.csv with a bad cell deep in the third partition, and a copy with a ragged row after it."""
    path = tmp_path_factory.mktemp("broken")
    lines = (folder / "d.csv").read_text().splitlines()
    row = 2 * BLOCK_ROWS + 250  # a line index: file row row + 1
    cells = lines[row].split(",")
    cells[2] = "n/a"
    lines[row] = ",".join(cells)
    (path / "bad").mkdir()
    (path / "bad" / "d.csv").write_text("\n".join(lines) + "\n")
    (path / "bad" / "ridge.hp").write_text(RIDGE)
    lines[BLOCK_ROWS + 40] = "1,2,3"  # ragged, in the second partition, before the bad cell
    (path / "ragged").mkdir()
    (path / "ragged" / "d.csv").write_text("\n".join(lines) + "\n")
    (path / "ragged" / "ridge.hp").write_text(RIDGE)
    return path, row + 1


def test_a_bad_cell_deep_in_a_later_partition_names_its_row_and_column(cluster, broken):
    path, row = broken
    local = cell_problem(path / "bad", "ridge.hp", "--stream")
    assert f"row {row}, column 'x3' of 'd.csv' holds 'n/a', not a number" in local
    assert cell_problem(path / "bad", "ridge.hp", "--scheduler", cluster) == local
    ragged = cell_problem(path / "ragged", "ridge.hp", "--stream")
    assert f"row {BLOCK_ROWS + 41} of 'd.csv' has 3 cells but the header has 5" in ragged
    assert cell_problem(path / "ragged", "ridge.hp", "--scheduler", cluster) == ragged


TRAIN = CSV_TRAIN_TEST


def test_csv_globs_and_quoted_files_on_the_cluster_give_the_local_report(cluster, folder, tmp_path):
    lines = (folder / "d.csv").read_text().splitlines()
    (tmp_path / "parts").mkdir()
    cut = BLOCK_ROWS + 5000  # the second partition spans both files
    (tmp_path / "parts" / "a.csv").write_text("\n".join(lines[:cut]) + "\n")
    (tmp_path / "parts" / "b.csv").write_text("\n".join([lines[0], *lines[cut:]]) + "\n")
    (tmp_path / "glob.hp").write_text(TRAIN.replace('csv("d.csv"', 'csv("parts/*.csv"'))
    quoted = [lines[0]] + [f'"{line.split(",", 1)[0]}",{line.split(",", 1)[1]}' for line in lines[1:]]
    (tmp_path / "q.csv").write_text("\n".join(quoted) + "\n")
    (tmp_path / "quoted.hp").write_text(TRAIN.replace('csv("d.csv"', 'csv("q.csv"'))
    local = report(tmp_path, "glob.hp")
    streamed, _ = interpret(tmp_path, "glob.hp", scheduler=cluster)
    assert len(streamed.engine.source.indexes) == 2
    assert report(tmp_path, "glob.hp", "--scheduler", cluster) == local
    # Quoted fields may hold a newline: the workers read from the start, as the index is not kept.
    streamed, _ = interpret(tmp_path, "quoted.hp", scheduler=cluster)
    assert streamed.engine.source.indexes is None
    assert report(tmp_path, "quoted.hp", "--scheduler", cluster) == report(tmp_path, "quoted.hp")


def test_the_python_api_runs_on_the_cluster(cluster, folder):
    import hpdsl

    result = hpdsl.run(folder / "ridge.hp", ledger=False, scheduler=cluster)
    assert result.streamed == "--scheduler"
    data = json.loads(result.to_json())
    data.pop("timings")
    assert data == report(folder, "ridge.hp")
