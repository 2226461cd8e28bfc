"""Selection optimism (runtime/optimism.py): BBC-CV against a textbook implementation,
the Poisson counts' independence from how rows are chunked, and HP209 in real runs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hpdsl.checker import check_text
from hpdsl.runtime import optimism, run

from helpers import hpdsl as run_hpdsl


def counts(seed: int, bootstraps: int, positions: np.ndarray) -> np.ndarray:
    """The Poisson(1) counts Sums.add draws, bootstraps x positions, as float64."""
    return optimism.TABLE[optimism.lanes(seed, bootstraps, positions)].T


def sums_of(losses: np.ndarray, y: np.ndarray, seed: int = 3, bootstraps: int = 1000, blocks=(None,)):
    """Sums over the rows, added block by block in the order of `blocks` (lists of row
    positions; None: all rows at once)."""
    sums = optimism.Sums(seed, bootstraps, losses.shape[1], float(np.mean(y)))
    for positions in blocks:
        positions = np.arange(len(y)) if positions is None else np.asarray(positions)
        sums.add(positions, losses[positions], y[positions])
    return sums


def textbook(losses: np.ndarray, y: np.ndarray, metric: str, bootstraps: int = 2000, seed: int = 0) -> float:
    """BBC-CV as the paper states it, with ordinary (multinomial) resamples of n rows: the
    mean out-of-bag score of the in-bag winner."""
    rng = np.random.default_rng(seed)
    n = len(y)
    lower = metric != "r2"
    out = []
    for _ in range(bootstraps):
        c = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        oob = (c == 0).astype(float)
        if oob.sum() == 0:
            continue
        inbag = optimism._metric(c @ losses, c.sum(), c @ y, c @ (y * y), metric)
        k = int(np.argmin(inbag) if lower else np.argmax(inbag))
        out.append(optimism._metric(oob @ losses[:, k], oob.sum(), oob @ y, oob @ (y * y), metric))
    return float(np.mean(out))


def unrelated(n: int = 60, k: int = 40, seed: int = 1):
    """Candidates about equally good whose errors are independent: (squared errors, y)."""
    rng = np.random.default_rng(seed)
    y = rng.standard_normal(n) * 2
    errors = rng.standard_normal((n, k)) * rng.uniform(0.95, 1.05, k)
    return errors * errors, y, np.abs(errors)


def apparent(losses, y, metric):
    return optimism._metric(losses.sum(axis=0), len(y), y.sum(), y @ y, metric)


# ---- the estimate ---------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", ["mse", "rmse", "r2", "mae"])
def test_unrelated_candidates_flatter_their_winner_as_the_textbook_bbc_cv_says(metric):
    squared, y, absolute = unrelated()
    losses = absolute if metric == "mae" else squared
    scores = apparent(losses, y, metric)
    winner = int(np.argmax(scores) if metric == "r2" else np.argmin(scores))
    result = optimism.estimate(sums_of(losses, y), winner, metric, metric != "r2")
    assert result["score"] == pytest.approx(scores[winner], rel=1e-12)
    assert result["optimism"] > result["standard_error"] > 0  # 40 coin flips: mostly luck
    reference = textbook(losses, y, metric)
    reference_optimism = (reference - scores[winner]) * (-1 if metric == "r2" else 1)
    assert result["optimism"] == pytest.approx(reference_optimism, rel=0.15)


def test_a_single_candidate_has_next_to_no_optimism():
    squared, y, _ = unrelated(k=1)
    result = optimism.estimate(sums_of(squared, y), 0, "mse", True)
    assert abs(result["optimism"]) < 0.1 * result["standard_error"]


def test_a_clear_winner_has_next_to_no_optimism():
    squared, y, _ = unrelated(k=5)
    squared[:, 0] *= 0.3  # far better than the rest on every resample
    result = optimism.estimate(sums_of(squared, y), 0, "mse", True)
    assert abs(result["optimism"]) < 0.1 * result["standard_error"]


def test_the_standard_error_is_that_of_the_mean_loss():
    squared, y, _ = unrelated(k=3)
    result = optimism.estimate(sums_of(squared, y), 1, "mse", True)
    assert result["standard_error"] == pytest.approx(np.std(squared[:, 1], ddof=1) / np.sqrt(len(y)), rel=1e-9)
    rmse = optimism.estimate(sums_of(squared, y), 1, "rmse", True)
    assert rmse["standard_error"] == pytest.approx(result["standard_error"] / (2 * rmse["score"]), rel=1e-9)


# ---- the Poisson counts ----------------------------------------------------------------------------


def test_counts_are_poisson_one():
    c = counts(11, 1000, np.arange(5000))
    assert c.shape == (1000, 5000)
    assert c.mean() == pytest.approx(1.0, abs=0.005) and c.var() == pytest.approx(1.0, abs=0.01)
    assert (c == 0).mean() == pytest.approx(np.exp(-1), abs=0.002)


def test_a_rows_count_depends_only_on_seed_bootstrap_and_position():
    whole = counts(5, 1000, np.arange(300))
    pieces = np.concatenate([counts(5, 1000, np.arange(0, 117)),
                             counts(5, 1000, np.arange(117, 300))], axis=1)
    assert np.array_equal(whole, pieces)
    assert np.array_equal(counts(5, 7, np.arange(300)), whole[:7])  # fewer bootstraps: a prefix
    assert not np.array_equal(counts(6, 1000, np.arange(300)), whole)


def test_the_bootstrap_sums_equal_the_float64_products_to_float32_of_the_loss_differences():
    """Sums.add takes the reference candidate's losses and y in float64 and the others'
    differences from it in float32: each in-bag / out-of-bag loss sum is within 1e-6 of
    the sum of |differences| (not of the losses) of the exact float64 product, even for
    candidates that differ from the reference by 1e-9 of their losses."""
    rng = np.random.default_rng(4)
    n, reference = 3000, 2
    base = rng.exponential(size=n) * 1e3
    losses = base[:, None] + rng.standard_normal((n, 6)) * np.array([1e-6, 1e-3, 0, 1.0, 10.0, 1e-9 * 1e3])
    y = rng.standard_normal(n)
    sums = optimism.Sums(9, 40, 6, 0.0, reference)
    for block in np.array_split(np.arange(n), 5):
        sums.add(block, losses[block], y[block])
    c = counts(9, 40, np.arange(n))
    spread = np.abs(losses - losses[:, [reference]])
    for weights, got in ((c, sums.loss_in), ((c == 0).astype(float), sums.loss_out)):
        exact = weights @ losses
        assert np.all(np.abs(got - exact) <= 1e-6 * (weights @ spread) + 1e-12 * np.abs(exact))
        assert np.array_equal(np.argsort(got[:, [0, 1, 3, 4]], axis=1), np.argsort(exact[:, [0, 1, 3, 4]], axis=1))
    assert np.array_equal(sums.n_in, c.sum(axis=1)) and np.allclose(sums.y_in, c @ y, rtol=1e-12, atol=1e-12)


def test_the_estimate_does_not_depend_on_how_the_rows_are_chunked():
    squared, y, _ = unrelated(n=200)
    once = optimism.estimate(sums_of(squared, y), 0, "r2", False)
    order = np.random.default_rng(0).permutation(200)
    chunked = optimism.estimate(sums_of(squared, y, blocks=np.array_split(order, 9)), 0, "r2", False)
    assert chunked.keys() == once.keys()
    for key in ("score", "standard_error"):  # from float64 sums over all rows
        assert chunked[key] == pytest.approx(once[key], rel=1e-12, abs=1e-12)
    # The bootstrap sums of the candidates' loss differences are float32 per block: the
    # estimate moves by far less than 1e-7 of the score with the chunking.
    for key in ("estimate", "optimism"):
        assert chunked[key] == pytest.approx(once[key], abs=1e-9 * abs(once["score"]))


def test_the_bootstrap_count_shrinks_only_for_huge_work_and_never_below_the_floor():
    assert optimism.bootstraps_for(10_000, 100) == optimism.BOOTSTRAPS
    assert optimism.bootstraps_for(100_000, 50) == 400
    assert optimism.bootstraps_for(10**7, 10_000) == optimism.FLOOR


# ---- in a run --------------------------------------------------------------------------------------

NOISY = """\
data sim = synthetic(rows: 150, features: 10, noise: 2.0, seed: 3)
split sim -> train 70%, validation 15%, test 15% seed 9
model linear_regression
hyper {
    learning_rate: float in (0, 1] = 0.1
    epochs:        int   in [1, 200] = 20
    batch_size:    int   in [1, 64] = 1
    seed:          int            = 0
}
standardize using train
tune epochs in SPACE on validation
test on test
"""


def tune_of(text: str) -> tuple[dict, list[dict]]:
    analysis = check_text(text, "w.hp")
    assert not analysis.errors
    report = run(analysis)
    data = json.loads(report.to_json())
    return [s for s in data["steps"] if s["kind"] == "tune"][0], data["warnings"]


def test_a_noisy_small_validation_tune_warns_and_a_near_miss_does_not():
    noisy, warnings = tune_of(NOISY.replace("SPACE", "range(40, 100)"))
    assert noisy["selection"]["optimism"] > noisy["selection"]["standard_error"]
    assert [(w["code"], w["line"]) for w in warnings] == [("HP209", 11)]
    # Three epoch counts: flattered, but by less than the score's own error (0.83 of it).
    near, warnings = tune_of(NOISY.replace("SPACE", "[30, 60, 90]"))
    selection = near["selection"]
    assert 0.5 * selection["standard_error"] < selection["optimism"] < selection["standard_error"]
    assert warnings == []


def test_the_warning_criterion_is_optimism_above_the_standard_error():
    selection = {"candidates": 2, "optimism": 1.0, "standard_error": 1.0}
    tune = check_text(NOISY.replace("SPACE", "[10, 20]"), "w.hp").program.steps[-2]
    assert optimism.noise_warning(selection, tune) is None
    assert optimism.noise_warning({**selection, "optimism": 1.001}, tune).code == "HP209"
    assert optimism.noise_warning({**selection, "optimism": 5.0, "candidates": 1}, tune) is None
    assert optimism.noise_warning({**selection, "optimism": float("nan")}, tune) is None  # not estimated


CV = """\
data sim = synthetic(rows: 200, features: 5, noise: 1.0, seed: 4)
split sim -> train 60%, validation 20%, test 20% seed 2
model ridge
hyper {
    l2: float in [0, inf) = 1.0
}
standardize using train
tune l2 in logspace(-3, 1, 9) using cv 4 on train + validation maximize r2
test on test
"""


def test_under_cv_the_losses_are_pooled_out_of_fold_and_each_candidate_has_its_fold_std():
    tune, warnings = tune_of(CV)
    selection = tune["selection"]
    assert selection["rows"] == 160 and selection["candidates"] == 9 and selection["method"] == "bbc-cv"
    winner = [t for t in tune["trials"] if t["hypers"] == tune["best"]][0]
    for trial in tune["trials"]:
        assert trial["fold_std"] == pytest.approx(np.std(trial["fold_scores"], ddof=1), rel=1e-12)
    assert selection["fold_std"] == winner["fold_std"]
    assert abs(selection["score"] - tune["score"]) < 0.05  # pooled r2 against the mean of the folds' r2
    assert 0 <= selection["optimism"] < selection["standard_error"] and warnings == []


def test_two_runs_write_the_same_report_and_the_terminal_shows_the_selection(tmp_path):
    path = tmp_path / "w.hp"
    path.write_text(CV, encoding="utf-8")
    outputs = []
    for out in ("a", "b"):
        assert run_hpdsl("run", str(path), "--quiet", "--no-ledger", "--out", str(tmp_path / out)).returncode == 0
        data = json.loads((tmp_path / out / "report.json").read_text(encoding="utf-8"))
        data.pop("timings")
        outputs.append(json.dumps(data))
    assert outputs[0] == outputs[1]
    shown = run_hpdsl("run", str(path), "--no-ledger").stdout.decode("utf-8")
    assert "top candidates, r2 mean ± standard deviation over the folds:" in shown
    assert "winner r2 " in shown and "(standard error over the 160 out-of-fold rows)" in shown
    assert "selection optimism " in shown and "(BBC-CV estimate " in shown and "1000 bootstraps, seed " in shown


def test_the_python_api_lists_the_run_time_warning_after_the_checkers(tmp_path):
    import hpdsl

    path = tmp_path / "w.hp"
    path.write_text(NOISY.replace("SPACE", "range(40, 100)"), encoding="utf-8")
    result = hpdsl.run(path, ledger=False)
    assert [d.code for d in result.warnings] == ["HP209"]
    assert result.report["warnings"][0]["message"] == result.warnings[0].message
