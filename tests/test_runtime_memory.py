"""Data larger than the memory budget streams by itself: the same report as in memory;
a workflow that cannot stream is refused before the data is read (HP302, naming the
alternatives); `--memory` sizes, and what a run is estimated to hold."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from helpers import CSV_TRAIN_TEST, hpdsl

from hpdsl.checker import check_text
from hpdsl.runtime import Options, RunError
from hpdsl.runtime import memory
from hpdsl.runtime.engine import BLOCK_ROWS
from hpdsl.runtime.engine_stream import SAMPLE_BYTES, estimate
from hpdsl.runtime.interpreter import Interpreter

RIDGE = """\
data d = csv("{path}", target: "y")
split d -> train 60%, validation 20%, test 20% seed 5
model ridge
hyper {{
    l2: float in [0, inf) = 1.0
}}
{prepare}standardize using train + validation
tune l2 in logspace(-4, 2, 12) using cv 4 on train + validation minimize mae
test on test
"""

TRAIN = CSV_TRAIN_TEST

MINI_BATCH = """\
data d = csv("d.csv", target: "y")
split d -> train 60%, validation 20%, test 20% seed 5
model linear_regression
hyper {
    learning_rate: float in (0, 1] = 0.05
    epochs: int in [1, 100] = 5
    batch_size: int in [1, 512] = 64
}
train on train
test on test
"""


def lines(rows: int, seed: int = 3) -> list[str]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.2 * rng.normal(size=rows)
    return ["x1,x2,x3,x4,y"] + [",".join(f"{v:.9g}" for v in (*row, t)) for row, t in zip(X, y)]


ROWS = 2 * BLOCK_ROWS + 77  # about 2.2 MB of CSV: larger than a 1MB budget, and than the sample


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("memory")
    (path / "d.csv").write_text("\n".join(lines(ROWS)) + "\n")
    (path / "w.hp").write_text(RIDGE.format(path="d.csv", prepare=""))
    (path / "train.hp").write_text(TRAIN)
    return path


def report(folder, *args: str):
    out = folder / f"out{len(list(folder.iterdir()))}"
    result = hpdsl("run", str(folder / "w.hp"), "--no-ledger", "--out", str(out), *args)
    assert result.returncode == 0, result.stderr
    data = json.loads((out / "report.json").read_text())
    data.pop("timings")
    return data, result.stderr.decode()


def interpret(folder, text: str, **options):
    analysis = check_text(text, str(folder / "w.hp"))
    assert not analysis.errors, analysis.errors
    interpreter = Interpreter(analysis, Options(base_dir=str(folder), **options))
    return interpreter, interpreter.run()


def test_data_over_the_memory_budget_streams_and_gives_the_in_memory_report(folder):
    in_memory, said = report(folder)
    assert "streamed" not in said
    streamed, said = report(folder, "--memory", "1MB")
    assert streamed == in_memory
    assert "hpdsl: streamed the data: holding the data in memory takes about" in said
    assert "more than the memory budget of 1.0 MB (--memory 1MB)" in said


def test_the_interpreter_streams_over_the_budget_and_holds_the_data_under_it(folder):
    text = TRAIN
    small, _ = interpret(folder, text, memory=memory.parse("1MB"))
    assert small.streamed.startswith("holding the data in memory takes about")
    assert small.split_order is None  # no shuffle of the rows in memory: they were never held
    large, _ = interpret(folder, text, memory=memory.parse("1GB"))
    assert large.streamed is None and large.split_order is not None
    forced, _ = interpret(folder, text, stream=True)
    assert forced.streamed == "--stream"


def test_a_workflow_that_cannot_stream_is_refused_over_the_budget_before_reading(folder, tmp_path):
    """The glob's second file holds a NUL byte, which the reader finds as it opens the
    files, and the first a bad cell deep inside: over the budget the refusal comes
    first, so neither was read (only the first file's first rows, for the estimate)."""
    body = lines(ROWS)
    cells = body[ROWS - 5].split(",")
    body[ROWS - 5] = ",".join([cells[0], "oops", *cells[2:]])
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "a.csv").write_text("\n".join(body) + "\n")
    (tmp_path / "parts" / "b.csv").write_bytes(b"x1,x2,x3,x4,y\n\0\0\0\n")
    text = RIDGE.format(path="parts/*.csv", prepare="impute x1 using train\n")
    with pytest.raises(RunError) as unread:
        interpret(tmp_path, text, memory=memory.parse("1MB"))
    diagnostic = unread.value.diagnostic
    assert diagnostic.code == "HP302"
    assert "more than the memory budget of 1.0 MB (--memory 1MB), and this workflow cannot stream it" \
        in diagnostic.message
    assert "at line 7, 'impute' fits on the rows" in diagnostic.message
    assert "--memory SIZE" in diagnostic.help and "features:" in diagnostic.help
    with pytest.raises(RunError) as read:
        interpret(tmp_path, text, memory=memory.parse("1GB"))
    assert "data file 'parts/b.csv' holds a NUL byte" in read.value.diagnostic.message
    one = text.replace("parts/*.csv", "parts/a.csv")
    with pytest.raises(RunError) as unread:
        interpret(tmp_path, one, memory=memory.parse("1MB"))
    assert "cannot stream it" in unread.value.diagnostic.message
    with pytest.raises(RunError) as read:
        interpret(tmp_path, one, memory=memory.parse("1GB"))
    assert f"row {ROWS - 4}, column 'x2'" in read.value.diagnostic.message


def test_mini_batches_over_the_budget_are_refused_on_the_command_line_naming_the_alternatives(tmp_path):
    (tmp_path / "d.csv").write_text("\n".join(lines(ROWS)) + "\n")
    (tmp_path / "w.hp").write_text(MINI_BATCH)
    result = hpdsl("run", str(tmp_path / "w.hp"), "--no-ledger", "--memory", "500kB")
    assert result.returncode == 3
    said = result.stderr.decode()
    assert "error[HP302]" in said and "batch_size 64 trains on mini-batches" in said
    assert "full-batch gradient descent" in said and "model ridge" in said and "--memory SIZE" in said


@pytest.mark.parametrize(("value", "says"), [
    ("lots", "'lots' is not a memory size; write e.g. 2GB"),
    ("0", "must be at least one byte"),
    ("-1GB", "'-1GB' is not a memory size"),
    ("2XB", "'2XB' is not a memory size"),
    ("150%", "give a percentage in (0, 100]"),
])
def test_a_bad_memory_size_is_a_usage_error(folder, value, says):
    result = hpdsl("run", str(folder / "w.hp"), "--no-ledger", f"--memory={value}")
    assert result.returncode == 2
    assert says in result.stderr.decode() and "Traceback" not in result.stderr.decode()


def test_memory_sizes_are_read_as_people_write_them():
    assert memory.parse("2GB").bytes == 2_000_000_000
    assert memory.parse("512 MB").bytes == 512_000_000
    assert memory.parse("1.5GiB").bytes == 3 * 2 ** 29
    assert memory.parse("4000000").bytes == 4_000_000
    assert memory.parse(123).bytes == 123
    available, _ = memory.available_memory()
    assert 0 < memory.parse("25%").bytes <= available
    default = memory.default()
    assert 0 < default.bytes and default.origin.startswith("half of the")
    with pytest.raises(ValueError):
        memory.parse(True)


def test_the_estimate_counts_a_small_file_exactly_and_a_large_one_from_its_first_rows(folder, tmp_path):
    analysis = check_text(RIDGE.format(path="d.csv", prepare=""), str(folder / "w.hp"))
    large = estimate(analysis.scope.source, str(folder), frozenset())
    assert (folder / "d.csv").stat().st_size > SAMPLE_BYTES and not large.exact
    assert abs(large.rows - ROWS) < 0.02 * ROWS
    assert large.bytes == large.rows * (5 * 8 + 24)
    (tmp_path / "d.csv").write_text("\n".join(lines(500)) + "\n")
    small = estimate(analysis.scope.source, str(tmp_path), frozenset({"x1"}))
    assert small.exact and small.rows == 500 and (small.numbers, small.texts) == (4, 1)


def test_parquet_rows_come_from_the_metadata(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "pq").mkdir()
    for k, rows in enumerate((300, 450)):
        pq.write_table(pa.table({name: np.arange(rows, dtype=float) for name in ("x1", "x2", "y")}),
                       tmp_path / "pq" / f"{k}.parquet")
    analysis = check_text(RIDGE.format(path="d.csv", prepare="").replace('csv("d.csv"', 'parquet("pq/"'),
                          str(tmp_path / "w.hp"))
    guess = estimate(analysis.scope.source, str(tmp_path), frozenset())
    assert guess.exact and guess.rows == 750 and guess.numbers == 3


# ---- the Python API ---------------------------------------------------------------------------


def without_timings(result) -> dict:
    data = json.loads(result.to_json())
    data.pop("timings")
    return data


def test_the_python_api_takes_the_commands_stream_and_memory_options(folder):
    import hpdsl

    held = hpdsl.run(folder / "train.hp", ledger=False)
    small = hpdsl.run(folder / "train.hp", ledger=False, memory="1MB")
    forced = hpdsl.run(folder / "train.hp", ledger=False, stream=True, memory=10 ** 12)
    assert held.streamed is None and forced.streamed == "--stream"
    assert small.streamed.endswith("more than the memory budget of 1.0 MB (memory=1MB)")
    assert without_timings(small) == without_timings(held) == without_timings(forced)
    # A streamed run held no row numbers: they are read again when asked.
    assert small.rows("test").tolist() == held.rows("test").tolist()
    assert len(held.rows("test")) == held.report["splits"]["test"]["rows"]


def test_the_python_api_refuses_what_the_command_refuses_before_reading(tmp_path):
    import hpdsl

    (tmp_path / "w.hp").write_text(RIDGE.format(path="d.csv", prepare="impute x1 using train\n"))
    with pytest.raises(hpdsl.UsageError, match="memory='a lot' is not a memory size"):
        hpdsl.run(tmp_path / "w.hp", ledger=False, memory="a lot")
    with pytest.raises(hpdsl.UsageError, match="--stream cannot run this workflow: 'impute' fits on the rows"):
        hpdsl.run(tmp_path / "w.hp", ledger=False, stream=True)  # d.csv does not exist: nothing was read
    with pytest.raises(hpdsl.RunError, match="data file 'd.csv' does not exist"):
        hpdsl.run(tmp_path / "w.hp", ledger=False)


def test_the_python_api_without_distributed_refuses_a_scheduler(folder):
    script = ("import sys; sys.modules['distributed'] = None\n"
              "import hpdsl\n"
              f"hpdsl.run({str(folder / 'w.hp')!r}, ledger=False, scheduler='tcp://127.0.0.1:1')")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 1 and "hpdsl.runtime.errors.UsageError" in result.stderr
    assert "needs Dask's distributed package (the dask extra)" in result.stderr


def test_a_step_that_needs_the_rows_of_streamed_data_asks_for_a_larger_budget(tmp_path):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 12))  # the validation split has fewer rows than features
    rows = [",".join([f"x{j + 1}" for j in range(12)] + ["y"])]
    rows += [",".join(f"{v:.9g}" for v in (*row, row.sum())) for row in X]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    text = TRAIN.replace("standardize using train\ntrain on train", "train on validation")
    with pytest.raises(RunError) as caught:
        interpret(tmp_path, text, memory=memory.parse("1kB"))
    diagnostic = caught.value.diagnostic
    assert "needs the rows themselves in memory, which a streamed run never holds" in diagnostic.message
    assert diagnostic.help == "give a memory budget that holds the data (--memory SIZE)"
    _, report = interpret(tmp_path, text)  # in memory, the budget holding it
    assert report.data["splits"]["validation"]["rows"] == 8
