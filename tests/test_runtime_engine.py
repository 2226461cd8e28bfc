"""The one-pass statistics engine: splits and folds from a row's rank, whatever the
blocks; the same numbers in memory and streamed; one pass for a ridge cv tune (plus one
for mae); centred merging keeps far-from-zero features exact; what a streamed run refuses
before reading the data."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hpdsl.checker import check_text
from hpdsl.runtime import Options, RunError, UsageError, learners
from hpdsl.runtime.engine import BLOCK_ROWS, Engine, MemorySource, StreamSource
from hpdsl.runtime.interpreter import Interpreter
from hpdsl.runtime.splits import blocks, fold_bounds, fold_ranges, ranks, share_counts, shuffle


def table(rows: int, features: int = 4, seed: int = 0, mean: float = 0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(mean, 1.0, size=(rows, features))
    return X, X @ rng.uniform(-2, 2, features) + 0.5 + 0.3 * rng.normal(size=rows)


def write_csv(path, X, y) -> None:
    lines = [",".join([*(f"x{j + 1}" for j in range(X.shape[1])), "y"])]
    lines += [",".join(repr(float(v)) for v in (*row, target)) for row, target in zip(X, y)]
    path.write_text("\n".join(lines) + "\n")


def problem(message):
    raise AssertionError(message)


# ---- ranks and folds ---------------------------------------------------------------------------


@given(st.integers(1, 500), st.integers(0, 2 ** 32))
def test_a_rows_rank_is_its_place_in_the_split_permutation(rows, seed):
    order = shuffle(rows, seed)
    assert (order[ranks(rows, seed)] == np.arange(rows)).all()


@given(st.lists(st.integers(1, 40), min_size=1, max_size=4), st.integers(2, 6))
def test_fold_ranges_cut_the_concatenated_splits_like_fold_bounds(sizes, k):
    starts = np.cumsum([0, *(2 * s for s in sizes)])  # splits with a gap between them
    spans = [(int(a), int(a) + s) for a, s in zip(starts, sizes)]
    concatenated = np.concatenate([np.arange(a, b) for a, b in spans])
    if len(concatenated) < k:
        return
    for ranges, (a, b) in zip(fold_ranges(spans, k), fold_bounds(len(concatenated), k)):
        assert np.concatenate([np.arange(c, d) for c, d in ranges]).tolist() == concatenated[a:b].tolist()


def test_statistics_do_not_depend_on_how_the_reader_cuts_the_blocks():
    rows = 3 * BLOCK_ROWS + 123
    X, y = table(rows)
    counts = share_counts(rows, [60, 20, 20])
    cuts = [edge for span in blocks(counts) for edge in span]
    cuts += [edge for fold in fold_ranges(blocks(counts)[:2], 5) for r in fold for edge in r]

    def reader(size):
        def open_():
            return ((np.arange(a, min(a + size, rows)), X[a:a + size], y[a:a + size]) for a in range(0, rows, size))
        return StreamSource(open_)

    engines = [Engine(source, rows, 7, cuts, 4, problem) for source in
               (MemorySource(X, y), reader(1000), reader(BLOCK_ROWS + 1), reader(rows))]
    spans = [(0, counts[0]), (counts[0], counts[0] + counts[1]), (0, counts[0] + counts[1])]
    for span in spans:
        first = engines[0].stats([span])
        for other in engines[1:]:
            stats = other.stats([span])
            assert stats.gram.tobytes() == first.gram.tobytes() and stats.xy.tobytes() == first.xy.tobytes()
            assert stats.mean.tobytes() == first.mean.tobytes() and stats.yy == first.yy
    # And the statistics are those of exactly the rows the split rule picks.
    order = shuffle(rows, 7)
    a, b = spans[0]
    assert engines[0].stats([spans[0]]).n == b - a
    assert np.allclose(engines[0].stats([spans[0]]).mean, X[order[a:b]].mean(axis=0), rtol=0, atol=1e-12)


def test_centred_merging_keeps_coefficients_exact_for_features_near_a_million():
    rows = 2 * BLOCK_ROWS + 500
    X, y = table(rows, features=5, seed=4, mean=1e6)
    engine = Engine(MemorySource(X, y), rows, 1, [], 5, problem)
    fit = learners.Spectrum(engine.stats([(0, rows)])).solve([0.0, 0.1])
    # The two-pass float64 reference: centre with the exact means, then solve.
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    for k, l2 in enumerate([0.0, 0.1]):
        w = np.linalg.solve(Xc.T @ Xc + rows * l2 * np.eye(5), Xc.T @ yc)
        assert np.max(np.abs(fit.weights[:, k] - w) / np.abs(w)) < 1e-9
        assert abs(fit.intercept[k] - (y.mean() - X.mean(axis=0) @ w)) / abs(fit.intercept[k]) < 1e-9


# ---- runs ------------------------------------------------------------------------------------


RIDGE_CV = """\
data d = csv("d.csv", target: "y")
split d -> train 60%, validation 20%, test 20% seed 3
model ridge
hyper {{
    l2: float in [0, inf) = 1.0
}}
standardize using train + validation
tune l2 in logspace(-4, 2, 16) using cv 5 on train + validation minimize {metric}
test on test report {report}
"""

DESCENT = """\
data d = csv("d.csv", target: "y")
split d -> train 60%, validation 20%, test 20% seed 3
model linear_regression
hyper {{
    learning_rate: float in (0, 1] = 0.1
    epochs: int in [1, 500] = 60
    {extra}
}}
standardize using train
train on train {{
    {body}
}}
tune learning_rate in [0.05, 0.1, 0.3] on validation minimize mae
evaluate on validation
test on test
"""


def interpret(tmp_path, text: str, **options):
    analysis = check_text(text, str(tmp_path / "w.hp"))
    assert not analysis.errors, analysis.errors
    interpreter = Interpreter(analysis, Options(base_dir=str(tmp_path), **options))
    return interpreter, interpreter.run()


def without_timings(report) -> str:
    data = json.loads(report.to_json())
    data.pop("timings")
    return json.dumps(data)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("engine")
    write_csv(folder / "d.csv", *table(2 * BLOCK_ROWS + 77, seed=9))
    return folder


def test_a_ridge_cv_tune_reads_each_row_once_and_its_optimism_and_mae_take_one_more_pass_each(data_dir):
    """Every fold's statistics from one pass; the tune's selection optimism (each held-out
    row's loss under every candidate) one more; mae one more where it is scored."""
    rows = 2 * BLOCK_ROWS + 77
    engine, _ = interpret(data_dir, RIDGE_CV.format(metric="mse", report="mse, rmse, r2"), stream=True)
    assert engine.engine.passes == [{"purpose": "statistics", "rows": rows}, {"purpose": "selection", "rows": rows}]
    engine, _ = interpret(data_dir, RIDGE_CV.format(metric="mae", report="mse, rmse, r2"), stream=True)
    assert engine.engine.passes == [{"purpose": "statistics", "rows": rows}, {"purpose": "mae", "rows": rows},
                                    {"purpose": "selection", "rows": rows}]
    engine, report = interpret(data_dir, RIDGE_CV.format(metric="mse", report="mae"), stream=True)
    assert [p["purpose"] for p in engine.engine.passes] == ["statistics", "selection", "mae"]
    assert report.data["steps"][-1]["scores"]["mae"] > 0


@pytest.mark.parametrize("text", [RIDGE_CV.format(metric="mae", report="mse, mae, r2"),
                                  DESCENT.format(extra="", body="stop early when mse on validation has not "
                                                                 "improved for 3 epochs")])
def test_in_memory_and_streamed_runs_give_the_same_report(data_dir, text):
    memory, in_memory = interpret(data_dir, text)
    streamed, stream = interpret(data_dir, text, stream=True)
    assert without_timings(in_memory) == without_timings(stream)  # the tunes' selection optimism included
    assert all(s["selection"]["bootstraps"] == 1000 for s in stream.data["steps"] if s["kind"] == "tune")
    assert memory.split_order is not None and streamed.split_order is None


def test_the_streamed_run_fingerprints_the_rows_for_the_ledger_as_the_in_memory_run_does(data_dir):
    from hpdsl.ledger.record import Recorder
    from hpdsl.ledger.store import Ledger

    text = RIDGE_CV.format(metric="mse", report="mse")
    prints = []
    for stream in (False, True):
        ledger = Ledger(str(data_dir / f"ledger{stream}.sqlite"))
        memory, _ = interpret(data_dir, text, stream=stream, ledger=Recorder(ledger, "w.hp"))
        prints.append(memory.row_fingerprints())
        ledger.close()
    assert prints[0].tobytes() == prints[1].tobytes()


@pytest.mark.parametrize(("extra", "body", "what"), [
    ("batch_size: int in [1, 512] = 64", "", "batch_size 64 trains on mini-batches"),
    ("", "every 5 epochs: log mae on validation", "mae scored after every epoch"),
    ("", "stop early when mae on validation has not improved for 3 epochs", "mae scored after every epoch"),
])
def test_a_streamed_run_refuses_what_needs_rows_before_reading_the_data(tmp_path, extra, body, what):
    text = DESCENT.format(extra=extra, body=body)  # tmp_path holds no d.csv: nothing can be read
    with pytest.raises(UsageError) as caught:
        interpret(tmp_path, text, stream=True)
    message = str(caught.value)
    assert what in message and "needs the rows in memory" in message and "without --stream" in message
    with pytest.raises(RunError) as missing:
        interpret(tmp_path, text)
    assert "does not exist" in missing.value.diagnostic.message


def test_a_streamed_step_that_needs_rows_anyway_is_a_diagnostic(tmp_path):
    X, y = table(40, features=12)  # the validation split has fewer rows than features
    write_csv(tmp_path / "d.csv", X, y)
    text = RIDGE_CV.split("standardize")[0].format() + "train on validation\ntest on test\n"
    with pytest.raises(RunError) as caught:
        interpret(tmp_path, text, stream=True)
    diagnostic = caught.value.diagnostic
    assert diagnostic.code == "HP302" and "needs the rows themselves in memory" in diagnostic.message
    assert "without --stream" in diagnostic.help


def test_a_file_that_changes_between_passes_is_reported_not_misread():
    X, y = table(BLOCK_ROWS + 10)
    grown = StreamSource(lambda: [(None, X, y), (None, X[:5], y[:5])])
    with pytest.raises(ValueError, match="the data changed while it was read: 16399 rows, not 16394"):
        Engine(grown, len(y), 1, [], 4, ValueError)


@pytest.mark.parametrize(("step", "verb"), [("impute x1 using train", "impute"), ("encode x1 using train", "encode")])
def test_a_streamed_run_refuses_impute_and_encode_before_reading_the_data(tmp_path, step, verb):
    text = RIDGE_CV.format(metric="mse", report="mse").replace("standardize", f"{step}\nstandardize")
    with pytest.raises(UsageError) as caught:  # tmp_path holds no d.csv: nothing can be read
        interpret(tmp_path, text, stream=True)
    message = str(caught.value)
    assert f"'{verb}' fits on the rows and changes the model's columns" in message
    assert "w.hp:7:" in message and "without --stream" in message and "features:" in message


NESTED = """\
data d = csv("d.csv", target: "y")
split d -> train 80%, test 20% seed 3
model ridge
hyper {
    l2: float in [0, inf) = 1.0
}
standardize using train
tune l2 in logspace(-4, 2, 8) using cv 4 nested in cv 5 on train
test on test report mse, r2
"""


def test_a_nested_tune_streams_from_the_one_pass_statistics(data_dir):
    memory, in_memory = interpret(data_dir, NESTED)
    streamed, stream = interpret(data_dir, NESTED, stream=True)
    rows = 2 * BLOCK_ROWS + 77
    # Every outer and inner fold's cut points are planned before the pass: one pass (and
    # one for the selection optimism of the flat tune).
    assert streamed.engine.passes == [{"purpose": "statistics", "rows": rows}, {"purpose": "selection", "rows": rows}]
    assert memory.engine.passes == streamed.engine.passes
    assert len(stream.data["steps"][1]["nested"]["outer"]) == 5
    assert without_timings(in_memory) == without_timings(stream)


def test_a_streamed_run_reads_the_csv_dialect(tmp_path):
    X, y = table(500, seed=4)
    write_csv(tmp_path / "d.csv", X, y)
    text = (tmp_path / "d.csv").read_text().replace(",", ";")
    (tmp_path / "d.csv").write_text(text)
    workflow = RIDGE_CV.format(metric="mse", report="mse").replace('target: "y")', 'target: "y", sep: ";")')
    _, in_memory = interpret(tmp_path, workflow)
    _, stream = interpret(tmp_path, workflow, stream=True)
    assert without_timings(in_memory) == without_timings(stream)


def test_parquet_files_and_csv_globs_stream_as_they_load(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    X, y = table(BLOCK_ROWS + 500, seed=5)
    (tmp_path / "pq").mkdir()
    (tmp_path / "parts").mkdir()
    for k, (a, b) in enumerate([(0, 7000), (7000, len(y))]):  # two files, cut inside a canonical block
        pq.write_table(pa.table({**{f"x{j + 1}": X[a:b, j] for j in range(X.shape[1])}, "y": y[a:b]}),
                       tmp_path / "pq" / f"{k}.parquet")
        write_csv(tmp_path / "parts" / f"{k}.csv", X[a:b], y[a:b])
    for call in ('parquet("pq/", target: "y")', 'csv("parts/*.csv", target: "y")'):
        workflow = RIDGE_CV.format(metric="mse", report="mse, mae").replace('csv("d.csv", target: "y")', call)
        _, in_memory = interpret(tmp_path, workflow)
        streamed, stream = interpret(tmp_path, workflow, stream=True)
        assert [p["purpose"] for p in streamed.engine.passes] == ["statistics", "selection", "mae"]
        assert stream.data["data"] == in_memory.data["data"]  # the digest of every file included
        assert without_timings(in_memory) == without_timings(stream)


def test_a_bad_cell_in_a_streamed_file_is_HP302_with_its_row_and_column(tmp_path):
    X, y = table(BLOCK_ROWS + 300, seed=6)
    write_csv(tmp_path / "d.csv", X, y)
    lines = (tmp_path / "d.csv").read_text().splitlines()
    cells = lines[BLOCK_ROWS + 10].split(",")
    cells[2] = "oops"
    lines[BLOCK_ROWS + 10] = ",".join(cells)
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(RunError) as caught:
        interpret(tmp_path, RIDGE_CV.format(metric="mse", report="mse"), stream=True)
    diagnostic = caught.value.diagnostic
    assert diagnostic.code == "HP302"
    assert f"row {BLOCK_ROWS + 11}, column 'x3'" in diagnostic.message and "oops" in diagnostic.message


@pytest.mark.parametrize("text", [RIDGE_CV.format(metric="mae", report="mse"), DESCENT.format(extra="", body=""), NESTED])
def test_the_selection_optimism_from_the_engine_is_the_one_from_the_rows(data_dir, monkeypatch, text):
    """Block by block, each row at its place among the pooled held-out rows: the same
    bootstrap counts as the rows in memory give, so the same estimate up to rounding."""
    from hpdsl.runtime import optimism

    def selections(report):
        return [s["selection"] for s in report.data["steps"] if s["kind"] == "tune"]

    streamed, engine_report = interpret(data_dir, text, stream=True)
    assert "selection" in [p["purpose"] for p in streamed.engine.passes]
    monkeypatch.setattr(optimism, "_engine_of", lambda folds: None)  # the rows' path, in memory
    _, rows_report = interpret(data_dir, text)
    for ours, theirs in zip(selections(engine_report), selections(rows_report), strict=True):
        assert {k: ours[k] for k in ("bootstraps", "seed", "rows", "candidates")} == \
            {k: theirs[k] for k in ("bootstraps", "seed", "rows", "candidates")}
        for key in ("score", "standard_error", "estimate", "optimism"):
            assert ours[key] == pytest.approx(theirs[key], rel=1e-9, abs=1e-12)
