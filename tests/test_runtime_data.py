"""Data: CSV files and synthetic rows, and every data problem as HP302 (file, row, column)."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from helpers import EXAMPLES, hpdsl

from hpdsl.checker import check_text
from hpdsl.runtime import RunError, run

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runtime_data")

STEPS = """\
model ridge
hyper {{
    l2: float in [0, 100] = {l2}
}}
train on train
test on test
"""


def workflow(data: str, split: str = "split rows -> train 60%, validation 20%, test 20% seed 3",
             l2: float = 0.1) -> str:
    return f"{data}\n{split}\n" + STEPS.format(l2=l2)


def run_in(folder: str, text: str):
    analysis = check_text(text, os.path.join(folder, "w.hp"))
    assert not analysis.errors, analysis.errors
    return run(analysis)


def data_error(text: str, folder: str = HERE) -> str:
    with pytest.raises(RunError) as caught:
        run_in(folder, text)
    assert caught.value.diagnostic.code == "HP302"
    return caught.value.diagnostic.message


# ---- csv -------------------------------------------------------------------------------------------


def test_csv_reads_every_other_column_as_a_feature():
    report = run_in(HERE, workflow('data rows = csv("small.csv", target: "y")'))
    assert report.data["data"]["features"] == ["a", "b", "c"]
    assert report.data["data"]["rows"] == 10
    assert report.data["data"]["source"] == "small.csv"


def test_csv_features_pick_columns_in_the_order_written():
    report = run_in(HERE, workflow('data rows = csv("small.csv", target: "y", features: ["c", "a"])'))
    assert report.data["data"]["features"] == ["c", "a"]
    assert len(report.data["params"]["weights"]) == 2


def test_csv_sha256_is_of_the_file_bytes():
    import hashlib

    report = run_in(HERE, workflow('data rows = csv("small.csv", target: "y")'))
    with open(os.path.join(HERE, "small.csv"), "rb") as handle:
        assert report.data["data"]["sha256"] == hashlib.sha256(handle.read()).hexdigest()


def test_diabetes_csv_is_read_whole():
    folder = os.path.join(EXAMPLES)
    report = run_in(folder, workflow('data rows = csv("data/diabetes.csv", target: "target")'))
    assert report.data["data"]["rows"] == 442
    assert len(report.data["data"]["features"]) == 10
    assert sum(s["rows"] for s in report.data["splits"].values()) == 442


def test_missing_file():
    message = data_error(workflow('data rows = csv("nowhere.csv", target: "y")'))
    assert "'nowhere.csv' does not exist" in message


def test_empty_file():
    assert "'empty.csv' is empty" in data_error(workflow('data rows = csv("empty.csv", target: "y")'))


def test_header_only():
    message = data_error(workflow('data rows = csv("header_only.csv", target: "y")'))
    assert "'header_only.csv' has a header but no data rows" in message


def test_ragged_row_names_row_and_column():
    message = data_error(workflow('data rows = csv("ragged.csv", target: "y")'))
    assert "row 3 of 'ragged.csv' has 2 cells but the header has 3" in message
    assert "column 'y' is missing" in message


def test_non_numeric_cell_names_row_and_column():
    message = data_error(workflow('data rows = csv("nonnumeric.csv", target: "y")'))
    assert message == "row 3, column 'b' of 'nonnumeric.csv' holds 'five', not a number"


def test_empty_cell_names_row_and_column():
    message = data_error(workflow('data rows = csv("empty_cell.csv", target: "y")'))
    assert message == "row 3, column 'b' of 'empty_cell.csv' is empty; every cell must be a number"


def test_non_finite_cell():
    message = data_error(workflow('data rows = csv("not_finite.csv", target: "y")'))
    assert "row 3, column 'b' of 'not_finite.csv' holds 'nan', not a finite number" in message


def test_an_unused_bad_column_is_not_an_error():
    report = run_in(HERE, workflow('data rows = csv("nonnumeric.csv", target: "y", features: ["a"])',
                                   "split rows -> train 50%, test 50%"))
    assert report.data["data"]["features"] == ["a"]


def test_missing_target_column():
    message = data_error(workflow('data rows = csv("small.csv", target: "price")'))
    assert "'small.csv' has no column 'price' for the target" in message


def test_features_name_that_is_not_a_column():
    message = data_error(workflow('data rows = csv("small.csv", target: "y", features: ["a", "d"])'))
    assert "'small.csv' has no column 'd' (named in features)" in message


def test_a_split_left_with_no_rows():
    message = data_error(workflow('data rows = csv("small.csv", target: "y")',
                                  "split rows -> train 90%, validation 5%, test 5%"))
    # 10 rows: quotas 9, 0.5, 0.5; the one row left goes to the first of the tied splits
    assert "split 'test' gets no rows: 5% of 10 rows rounds to 0" in message


def test_the_diagnostic_points_at_the_path():
    text = workflow('data rows = csv("nowhere.csv", target: "y")')
    with pytest.raises(RunError) as caught:
        run_in(HERE, text)
    span = caught.value.diagnostic.span
    assert text[span.start:span.end] == '"nowhere.csv"'


@pytest.mark.parametrize("name", ["nowhere", "empty", "header_only", "ragged", "nonnumeric", "empty_cell"])
def test_data_errors_exit_3_without_a_traceback_or_a_report(tmp_path, name):
    hp = tmp_path / "w.hp"
    for fixture in os.listdir(HERE):
        if fixture.endswith(".csv"):
            shutil.copy(os.path.join(HERE, fixture), tmp_path / fixture)
    hp.write_text(workflow(f'data rows = csv("{name}.csv", target: "y")'))
    out = tmp_path / "out"
    result = hpdsl("run", str(hp), "--out", str(out))
    assert result.returncode == 3
    assert b"error[HP302]" in result.stderr
    assert b"Traceback" not in result.stderr
    assert not (out / "report.json").exists()


# ---- synthetic -------------------------------------------------------------------------------------


def test_synthetic_data_follows_its_truth():
    text = workflow("data rows = synthetic(rows: 500, features: 3, noise: 0, seed: 4)", l2=0)
    report = run_in(HERE, text)
    truth = report.data["truth"]
    assert report.data["data"]["features"] == ["x1", "x2", "x3"]
    # no noise, no penalty: the exact fit is the truth
    assert np.allclose(report.data["params"]["weights"], truth["weights"], atol=1e-9)
    assert abs(report.data["params"]["intercept"] - truth["intercept"]) < 1e-9


def test_synthetic_data_depends_only_on_its_seed():
    from hpdsl.runtime.data import synthetic

    a, b, c = synthetic(50, 2, 0.5, 9), synthetic(50, 2, 0.5, 9), synthetic(50, 2, 0.5, 10)
    assert a.sha256 == b.sha256 != c.sha256
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert np.allclose(a.y, a.X @ a.truth["weights"] + a.truth["intercept"], atol=3)


# ---- the fast reader, dialects, missing and text cells, many files, Parquet ------------------------

import hashlib  # noqa: E402

from hpdsl.runtime import data as data_module  # noqa: E402


def source(folder, call: str):
    """The evaluated data source of a workflow whose data line is `call`."""
    analysis = check_text(workflow(f"data rows = {call}"), os.path.join(folder, "w.hp"))
    assert not analysis.errors, analysis.errors
    return analysis.scope.source


def load_error(folder, call: str, **kinds):
    with pytest.raises(RunError) as caught:
        data_module.load(source(folder, call), str(folder), **kinds)
    assert caught.value.diagnostic.code == "HP302"
    return caught.value.diagnostic


def numbers(rows: int, seed: int = 0) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    return [[f"{v:.6f}" for v in row] for row in rng.standard_normal((rows, 3))]


def write(path, header, body, sep=",", end="\n"):
    path.write_text(end.join(sep.join(cells) for cells in [header, *body]) + end, encoding="utf-8")


@pytest.fixture
def small_blocks(monkeypatch):
    """pyarrow parses 64 KB at a time: a 2 MB file is dozens of blocks."""
    monkeypatch.setattr(data_module, "_ARROW_BLOCK", 1 << 16)


def test_the_fast_and_the_slow_reader_give_the_same_rows(tmp_path, small_blocks):
    body = numbers(50_000)
    write(tmp_path / "fast.csv", ["a", "b", "y"], body)
    # A quoted cell after the header sends the file to the csv module.
    write(tmp_path / "slow.csv", ["a", "b", "y"], body[:-1] + [[f'"{body[-1][0]}"', *body[-1][1:]]])
    fast = data_module.load(source(tmp_path, 'csv("fast.csv", target: "y")'), str(tmp_path))
    slow = data_module.load(source(tmp_path, 'csv("slow.csv", target: "y")'), str(tmp_path))
    assert data_module._scan(open(tmp_path / "fast.csv", "rb")).fast
    assert not data_module._scan(open(tmp_path / "slow.csv", "rb")).fast
    assert np.array_equal(fast.X, slow.X) and np.array_equal(fast.y, slow.y)
    assert np.array_equal(fast.rows, np.arange(2, 50_002)) and np.array_equal(fast.rows, slow.rows)
    assert fast.X.dtype == np.float64 and fast.X.flags.c_contiguous
    assert fast.sha256 == hashlib.sha256((tmp_path / "fast.csv").read_bytes()).hexdigest()


@pytest.mark.parametrize("cell, message", [
    ("five", "row {row}, column 'b' of 'd.csv' holds 'five', not a number"),
    ("", "row {row}, column 'b' of 'd.csv' is empty; every cell must be a number"),
    ("nan", "row {row}, column 'b' of 'd.csv' holds 'nan', not a finite number"),
    ("-inf", "row {row}, column 'b' of 'd.csv' holds '-inf', not a finite number"),
    ("1e400", "row {row}, column 'b' of 'd.csv' holds '1e400', not a finite number"),
])
def test_a_bad_cell_deep_in_a_large_file_names_its_row_and_column(tmp_path, small_blocks, cell, message):
    body = numbers(40_000)
    body[31_234][1] = cell
    body[35_000][0] = "later"  # only the first bad cell in file order is reported
    write(tmp_path / "d.csv", ["a", "b", "y"], body)
    assert load_error(tmp_path, 'csv("d.csv", target: "y")').message == message.format(row=31_236)


def test_blank_lines_count_in_the_row_numbers_deep_in_a_file(tmp_path, small_blocks):
    body = numbers(30_000)
    text = "a,b,y\n" + "\n".join(",".join(r) for r in body[:10]) + "\n\n\n" + \
        "\n".join(",".join(r) for r in body[10:]) + "\n"
    text = text.replace(",".join(body[20_000]), ",".join([body[20_000][0], "x", body[20_000][2]]))
    (tmp_path / "d.csv").write_text(text, encoding="utf-8")
    assert load_error(tmp_path, 'csv("d.csv", target: "y")').message == \
        "row 20004, column 'b' of 'd.csv' holds 'x', not a number"


def test_a_ragged_row_after_a_bad_cell_is_the_error_reported(tmp_path, small_blocks):
    body = numbers(30_000)
    body[100][1] = "bad"
    body[29_000] = body[29_000][:2]
    write(tmp_path / "d.csv", ["a", "b", "y"], body)
    assert load_error(tmp_path, 'csv("d.csv", target: "y")').message == \
        "row 29002 of 'd.csv' has 2 cells but the header has 3 (column 'y' is missing)"


def test_a_cell_the_csv_module_reads_but_pyarrow_does_not_still_loads(tmp_path, small_blocks):
    body = numbers(20_000)
    body[15_000][0] = "1_000"
    write(tmp_path / "d.csv", ["a", "b", "y"], body)
    loaded = data_module.load(source(tmp_path, 'csv("d.csv", target: "y")'), str(tmp_path))
    assert loaded.X[15_000, 0] == 1000.0 and len(loaded.y) == 20_000


# Mostly cells and line ends; now and then a byte that sends a file to the csv module.
_PIECES = [b"a", b"1", b",", b",", b"\n", b"\n", b"\n", b"\r\n", b"\r", b" ", b'"', b"\xc3\xa9", b"\xff", b"\0"]


@settings(max_examples=300)  # microseconds each
@given(text=st.lists(st.sampled_from(_PIECES), max_size=30).map(b"".join), chunk=st.integers(1, 6))
@example(text=b"a,y\r\n1,2\r\n", chunk=9)  # a CRLF across two reads, the second without a CR
@example(text=b"\n\r\na", chunk=1)  # an empty line across three reads
@example(text=b"aaaaaa\r\n\r\na\n\n", chunk=5)  # an empty line before the last row and one after it
def test_the_scan_does_not_depend_on_where_its_chunks_end(text, chunk):
    # The scan reads 1 MB at a time; an empty line, a CRLF, a UTF-8 character or the header's
    # end may straddle two reads. Read a few bytes at a time, it must say what one read says
    # (but for a last read of nothing but line ends and spaces, where it leaves the file to
    # the csv module, which is always exact).
    import io

    whole = data_module._scan(io.BufferedReader(io.BytesIO(text)))
    original = data_module._SCAN_BYTES
    data_module._SCAN_BYTES = chunk
    try:
        pieces = data_module._scan(io.BufferedReader(io.BytesIO(text)))
    finally:
        data_module._SCAN_BYTES = original
    last = text[(len(text) - 1) // chunk * chunk:]
    expected = (whole.rows, whole.fast) if last.strip(b" \t\r\n") else (-1, False)
    assert (pieces.sha256, pieces.utf8, pieces.rows, pieces.fast) == (whole.sha256, whole.utf8, *expected)
    assert whole.sha256 == hashlib.sha256(text).hexdigest() and type(whole.rows) is int


def test_an_empty_line_before_the_last_row_counts_even_with_empty_lines_after_it(tmp_path):
    (tmp_path / "d.csv").write_bytes(b"a,y\n1,2\n\n3,4\n\n")
    assert not data_module._scan(open(tmp_path / "d.csv", "rb")).fast
    declared = source(tmp_path, 'csv("d.csv", target: "y")')
    with data_module.open_stream(declared, str(tmp_path)) as stream:
        assert stream.row_count() == 2
    assert data_module.load(declared, str(tmp_path)).rows.tolist() == [2, 4]


def test_trailing_blank_lines_and_crlf_keep_the_fast_reader(tmp_path):
    (tmp_path / "d.csv").write_bytes(b"a,y\r\n1,2\r\n3,4\r\n\r\n\r\n")
    assert data_module._scan(open(tmp_path / "d.csv", "rb")).fast
    loaded = data_module.load(source(tmp_path, 'csv("d.csv", target: "y")'), str(tmp_path))
    assert loaded.X.tolist() == [[1.0], [3.0]] and loaded.rows.tolist() == [2, 3]


@pytest.mark.parametrize("sep, written", [(";", ";"), ("\t", "\\t"), ("|", "|")])
def test_sep_reads_other_separators(tmp_path, sep, written):
    write(tmp_path / "d.csv", ["a", "b", "y"], [["1,5", "2", "3"], ["4", "5", "6"]] if sep != ";" else
          [["1", "2", "3"], ["4", "5", "6"]], sep=sep)
    loaded = data_module.load(source(tmp_path, f'csv("d.csv", target: "y", features: ["b"], sep: "{written}")'),
                              str(tmp_path))
    assert loaded.X.tolist() == [[2.0], [5.0]] and loaded.y.tolist() == [3.0, 6.0]


def test_a_one_column_header_asks_about_the_separator(tmp_path):
    write(tmp_path / "d.csv", ["a", "b", "y"], [["1", "2", "3"]], sep=";")
    diagnostic = load_error(tmp_path, 'csv("d.csv", target: "y")')
    assert diagnostic.message == "data file 'd.csv' has no column 'y' for the target"
    assert diagnostic.help == "the header has one column; is the file separated by ';'? write csv(..., sep: \";\")"


def test_missing_cells_are_nan_in_imputed_columns_and_hp302_elsewhere(tmp_path):
    write(tmp_path / "d.csv", ["a", "b", "y"], [["1", "NA", "3"], ["", "5", "6"], [" ? ", "7", "8"]])
    call = 'csv("d.csv", target: "y", missing: ["", "NA", "?"])'
    loaded = data_module.load(source(tmp_path, call), str(tmp_path), imputed=frozenset({"a", "b"}))
    assert np.isnan(loaded.X[0, 1]) and np.isnan(loaded.X[1, 0]) and np.isnan(loaded.X[2, 0])
    assert loaded.X[2, 1] == 7.0
    diagnostic = load_error(tmp_path, call, imputed=frozenset({"a"}), fit_split="fit")
    assert diagnostic.message == "row 2, column 'b' of 'd.csv' holds 'NA', a missing value; every cell must be a number"
    assert diagnostic.help == 'add \'impute b using fit\' before training, or leave the column out with \'features: ["a"]\''
    # Without `missing:`, only the empty cell is missing: 'NA' is text.
    diagnostic = load_error(tmp_path, 'csv("d.csv", target: "y")', imputed=frozenset({"a", "b"}))
    assert diagnostic.message == "row 2, column 'b' of 'd.csv' holds 'NA', not a number"


def test_text_columns_are_delivered_for_encode_and_named_in_the_help_otherwise(tmp_path):
    write(tmp_path / "d.csv", ["city", "a", "y"], [["Paris", "1", "2"], ["", "3", "4"], [" Lyon ", "5", "6"]])
    call = 'csv("d.csv", target: "y")'
    loaded = data_module.load(source(tmp_path, call), str(tmp_path), encoded=frozenset({"city"}))
    assert loaded.text["city"].tolist() == ["Paris", None, "Lyon"]
    assert loaded.text["city"].dtype == object and np.isnan(loaded.X[:, 0]).all()
    assert loaded.X[:, 1].tolist() == [1.0, 3.0, 5.0]
    diagnostic = load_error(tmp_path, call)
    assert diagnostic.message == "row 2, column 'city' of 'd.csv' holds 'Paris', not a number"
    assert diagnostic.help == '\'encode city using train\', or leave it out with \'features: ["a"]\''


def test_a_glob_reads_every_file_in_sorted_order_with_one_digest(tmp_path):
    (tmp_path / "parts").mkdir()
    write(tmp_path / "parts" / "b.csv", ["a", "y"], [["3", "4"], ["5", "6"]])
    write(tmp_path / "parts" / "a.csv", ["a", "y"], [["1", "2"]])
    for call in ('csv("parts/*.csv", target: "y")', 'csv("parts/", target: "y")'):
        loaded = data_module.load(source(tmp_path, call), str(tmp_path))
        assert loaded.X[:, 0].tolist() == [1.0, 3.0, 5.0] and loaded.rows.tolist() == [2, 2, 3]
        assert loaded.files == ["parts/a.csv", "parts/b.csv"]
        manifest = "".join(f"{hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()}  {name}\n"
                           for name in loaded.files)
        assert loaded.sha256 == hashlib.sha256(manifest.encode()).hexdigest()
    write(tmp_path / "parts" / "c.csv", ["a", "y"], [["1", "x"]])
    assert load_error(tmp_path, 'csv("parts/*.csv", target: "y")').message == \
        "row 2, column 'y' of 'parts/c.csv' holds 'x', not a number"
    write(tmp_path / "parts" / "c.csv", ["b", "y"], [["1", "2"]])
    assert load_error(tmp_path, 'csv("parts/*.csv", target: "y")').message == \
        "data file 'parts/c.csv' has a different header from 'parts/a.csv': column 1 is 'b', not 'a'"
    assert load_error(tmp_path, 'csv("nothing/*.csv", target: "y")').message == "no file matches 'nothing/*.csv'"


def test_parquet_files_and_folders(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "pq").mkdir()
    pq.write_table(pa.table({"a": [1, 2], "city": ["x", "y"], "y": [0.5, 1.5]}), tmp_path / "pq" / "1.parquet")
    pq.write_table(pa.table({"a": [3, None], "city": ["z", None], "y": [2.5, 3.5]}), tmp_path / "pq" / "2.parquet")
    one = data_module.load(source(tmp_path, 'parquet("pq/1.parquet", target: "y", features: ["a"])'), str(tmp_path))
    assert one.X.tolist() == [[1.0], [2.0]] and one.rows.tolist() == [1, 2]
    assert one.sha256 == hashlib.sha256((tmp_path / "pq" / "1.parquet").read_bytes()).hexdigest()
    folder = source(tmp_path, 'parquet("pq/", target: "y")')
    both = data_module.load(folder, str(tmp_path), imputed=frozenset({"a"}), encoded=frozenset({"city"}))
    assert both.X[:3, 0].tolist() == [1.0, 2.0, 3.0] and np.isnan(both.X[3, 0])
    assert both.text["city"].tolist() == ["x", "y", "z", None]
    with data_module.open_stream(folder, str(tmp_path), encoded=frozenset({"city"}), imputed=frozenset({"a"})) as s:
        assert s.row_count() == 4
    diagnostic = load_error(tmp_path, 'parquet("pq/", target: "y")', encoded=frozenset({"city"}))
    assert diagnostic.message == "row 2, column 'a' of 'pq/2.parquet' is missing; every cell must be a number"
    assert load_error(tmp_path, 'parquet("pq/", target: "y")').message == \
        "column 'city' of 'pq/1.parquet' holds string, not numbers"
    (tmp_path / "no.parquet").write_text("a,y\n1,2\n")
    assert "'no.parquet' is not a Parquet file" in load_error(tmp_path, 'parquet("no.parquet", target: "y")').message


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_the_data_is_read_into_one_copy(tmp_path, kind):
    """load() allocates X once and the readers write their blocks straight into it: at its
    peak it holds the data (X, y, the row numbers), a few MB of read buffers, and nothing the
    size of a block beside it (65,536 rows x 20 features is 10 MB; the data here 17 MB)."""
    import tracemalloc

    import pyarrow as pa
    import pyarrow.csv  # noqa: F401 (imported before the count starts, as a run has)
    import pyarrow.parquet as pq

    columns = [f"x{i}" for i in range(20)] + ["y"]
    table = np.arange(100_000 * 21, dtype=np.float64).reshape(100_000, 21) % 7
    if kind == "csv":
        line = ",".join(str(int(v)) for v in table[0]) + "\n"
        table[:] = table[0]
        (tmp_path / "d.csv").write_text(",".join(columns) + "\n" + line * len(table))
    else:
        pq.write_table(pa.table({name: table[:, j] for j, name in enumerate(columns)}), tmp_path / "d.parquet")
    declared = source(tmp_path, f'{kind}("d.{kind}", target: "y")')
    tracemalloc.start()
    try:
        loaded = data_module.load(declared, str(tmp_path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.array_equal(loaded.X, table[:, :20]) and np.array_equal(loaded.y, table[:, 20])
    assert peak < loaded.X.nbytes + loaded.y.nbytes + loaded.rows.nbytes + (4 << 20)


def test_rows_the_csv_module_takes_over_land_where_the_fast_reader_stopped(tmp_path, small_blocks):
    # Two files read into one X: the first switches to the csv module deep inside (pyarrow
    # does not read '1_000'), the second is read fast again after it.
    first, second = numbers(150_000, seed=1), numbers(70_000, seed=2)
    first[140_000][0] = "1_000"
    (tmp_path / "parts").mkdir()
    write(tmp_path / "parts" / "1.csv", ["a", "b", "y"], first)
    write(tmp_path / "parts" / "2.csv", ["a", "b", "y"], second)
    loaded = data_module.load(source(tmp_path, 'csv("parts/", target: "y")'), str(tmp_path))
    expected = np.array([[float(c.replace("_", "")) for c in row] for row in first + second])
    assert np.array_equal(loaded.X, expected[:, :2]) and np.array_equal(loaded.y, expected[:, 2])
    assert np.array_equal(loaded.rows, np.concatenate([np.arange(2, 150_002), np.arange(2, 70_002)]))


def test_a_stream_gives_the_loaded_rows_in_blocks_and_counts_them(tmp_path, small_blocks):
    body = numbers(10_000)
    text = "a,b,y\n\n" + "\n".join(",".join(r) for r in body) + "\n"
    (tmp_path / "blank.csv").write_text(text, encoding="utf-8")  # a blank line: the csv module's count
    write(tmp_path / "plain.csv", ["a", "b", "y"], body)
    for name in ("plain.csv", "blank.csv"):
        declared = source(tmp_path, f'csv("{name}", target: "y")')
        loaded = data_module.load(declared, str(tmp_path))
        with data_module.open_stream(declared, str(tmp_path), block_rows=999) as stream:
            assert stream.row_count() == 10_000
            blocks = list(stream)
            assert stream.sha256 == loaded.sha256
        # Blocks of exactly block_rows rows, whatever pyarrow's own blocks: a row's arithmetic
        # may depend on its place in a block, and must not depend on how the file was parsed.
        assert [len(rows) for rows, _, _ in blocks] == [999] * 10 + [10]
        assert all(X.flags.c_contiguous for _, X, _ in blocks)
        assert np.array_equal(np.concatenate([X for _, X, _ in blocks]), loaded.X)
        assert np.array_equal(np.concatenate([y for _, _, y in blocks]), loaded.y)
        assert np.array_equal(np.concatenate([rows for rows, _, _ in blocks]), loaded.rows)
    assert loaded.rows[0] == 3  # the blank line is row 2


# ---- the checker's side: the arguments of csv() and parquet() ---------------------------------------


def codes(call: str) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in check_text(workflow(f"data rows = {call}"), "w.hp").errors]


@pytest.mark.parametrize("call, expected", [
    ('csv("d.csv", target: "y", sep: ";;")', [("HP004", "csv() sep must be one character, not 2")]),
    ('csv("d.csv", target: "y", sep: "")', [("HP004", "csv() sep must be one character, not 0")]),
    ('csv("d.csv", target: "y", sep: 1)', [("HP004", 'csv() sep must be one character in double quotes, e.g. ";" or "\\t"')]),
    ('csv("d.csv", target: "y", sep: "\\"")', [("HP004", "csv() sep cannot be a quote or a line break")]),
    ('csv("d.csv", target: "y", missing: "NA")', [("HP004", 'csv() missing must be a list of cell texts, e.g. ["", "NA"]')]),
    ('csv("d.csv", target: "y", missing: ["NA", "NA"])', [("HP003", "'NA' is listed twice in missing")]),
    ('csv("d.csv", target: "y", missing: [" NA"])', [("HP004", "a missing text is compared without surrounding spaces")]),
    ('parquet("d.parquet", target: "y", sep: ";")', [("HP005", "parquet() has no argument 'sep'")]),
    ('parquet("", target: "y")', [("HP004", "parquet() path is empty")]),
    ('parquet("d.parquet", target: "y", features: [])', [("HP004", "parquet() features is empty")]),
    ('parket("d.parquet", target: "y")', [("HP005", "unknown data source 'parket'")]),
])
def test_bad_data_arguments_are_static_errors(call, expected):
    assert codes(call) == expected


def test_good_data_arguments_check_clean_and_are_evaluated():
    assert codes('csv("d/*.csv", target: "y", sep: "\\t", missing: ["", "NA", "?"])') == []
    assert codes('parquet("d/", target: "y", features: ["a"])') == []
    text = workflow('data rows = csv("d.csv", target: "y", sep: "\\t", missing: ["NA"])')
    assert check_text(text, "w.hp").scope.source.args == {
        "path": "d.csv", "target": "y", "sep": "\t", "missing": ["NA"], "features": None}
    defaults = check_text(workflow('data rows = csv("d.csv", target: "y")'), "w.hp").scope.source.args
    assert defaults["sep"] == "," and defaults["missing"] == [""]


def range_rows(folder, a: int, b: int):
    """Rows [a, b) read alone from their byte range (a Dask worker's read), and the bytes read."""
    with data_module.open_stream(source(folder, 'csv("d.csv", target: "y")'), str(folder)) as stream:
        stream.row_count()
        plan, (index,) = stream.plan, stream.indexes()
    read = data_module.RangeRead(source(folder, 'csv("d.csv", target: "y")'), plan, index, a, b, 4096)
    return list(read), read.bytes_read


def test_a_range_of_rows_read_from_its_bytes_is_the_same_rows_as_the_whole_file(tmp_path, small_blocks):
    body = numbers(20_000, seed=4)
    write(tmp_path / "d.csv", ["a", "b", "y"], body, end="\r\n")
    whole = data_module.load(source(tmp_path, 'csv("d.csv", target: "y")'), str(tmp_path))
    lines = (tmp_path / "d.csv").read_bytes().split(b"\r\n")
    for a, b in [(0, 1), (0, 20_000), (1023, 1025), (5_000, 13_333), (19_999, 20_000)]:
        blocks, read = range_rows(tmp_path, a, b)
        assert np.array_equal(np.concatenate([rows for rows, _, _ in blocks]), whole.rows[a:b])
        assert np.array_equal(np.concatenate([X for _, X, _ in blocks]), whole.X[a:b])
        assert np.array_equal(np.concatenate([y for _, _, y in blocks]), whole.y[a:b])
        assert read == sum(len(line) + 2 for line in lines[a + 1:b + 1])  # those rows' bytes, no more


def test_a_range_names_a_bad_cell_by_its_row_in_the_file_and_refuses_a_changed_file(tmp_path, small_blocks):
    body = numbers(20_000, seed=5)
    body[12_345][1] = "five"
    write(tmp_path / "d.csv", ["a", "b", "y"], body)
    with pytest.raises(RunError) as caught:
        range_rows(tmp_path, 10_000, 15_000)
    assert caught.value.diagnostic.message == "row 12347, column 'b' of 'd.csv' holds 'five', not a number"
    blocks, _ = range_rows(tmp_path, 0, 10_000)  # the rows before it are read as they are
    assert sum(len(rows) for rows, _, _ in blocks) == 10_000
    with data_module.open_stream(source(tmp_path, 'csv("d.csv", target: "y")'), str(tmp_path)) as stream:
        stream.row_count()
        plan, (index,) = stream.plan, stream.indexes()
    with open(tmp_path / "d.csv", "a", encoding="utf-8") as f:
        f.write("1,2,3\n")
    with pytest.raises(RunError, match="data file 'd.csv' changed while it was read"):
        list(data_module.RangeRead(source(tmp_path, 'csv("d.csv", target: "y")'), plan, index, 0, 10, 4096))


def test_a_range_of_parquet_rows_is_read_from_the_row_groups_that_hold_it(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(6)
    values = rng.standard_normal((10_000, 3))
    values[7_777, 1] = np.nan  # a bad cell, in the fourth row group
    pq.write_table(pa.table({"a": values[:, 0], "b": values[:, 1], "y": values[:, 2]}), tmp_path / "d.parquet",
                   row_group_size=2_500)
    call = 'parquet("d.parquet", target: "y")'
    with data_module.open_stream(source(tmp_path, call), str(tmp_path)) as stream:
        plan, (index,) = stream.plan, stream.indexes()
    for a, b in [(0, 1), (100, 2_600), (2_500, 5_000), (4_999, 7_777)]:
        blocks = list(data_module.RangeRead(source(tmp_path, call), plan, index, a, b, 1024))
        assert np.array_equal(np.concatenate([rows for rows, _, _ in blocks]), np.arange(a + 1, b + 1))
        assert np.array_equal(np.concatenate([X for _, X, _ in blocks]), values[a:b, :2])
        assert np.array_equal(np.concatenate([y for _, _, y in blocks]), values[a:b, 2])
    with pytest.raises(RunError, match=r"row 7778, column 'b' of 'd.parquet' holds nan, not a finite number"):
        list(data_module.RangeRead(source(tmp_path, call), plan, index, 7_000, 8_000, 1024))
