"""Numbers float64 can hold: extreme but finite data works (or is HP302 naming the column),
full-batch rates above the stability limit are HP301 before epoch 1, exploding losses
stop early, a tune without a finite score and a failing eigensolver are diagnostics, and
ridge with fewer rows than features solves the dual and gives the primal's answer."""

from __future__ import annotations

import math
import os
import time

import numpy as np
import pytest
from helpers import EXAMPLES, hpdsl

from hpdsl.checker import check_text
from hpdsl.runtime import Options, RunError, learners, run, tune
from hpdsl.runtime.metrics import from_predictions
from hpdsl.runtime.preprocess import Standardization
from hpdsl.runtime.stats import Rows, Stats

SCALES = [1e154, 1e200, 1e300]
DIABETES = os.path.join(EXAMPLES, "data", "diabetes.csv")


def table(rows: int = 60, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 3))
    return X, X @ np.array([1.5, -2.0, 0.5]) + 3.0 + 0.1 * rng.normal(size=rows)


def write_csv(path, X: np.ndarray, y: np.ndarray) -> str:
    names = [f"f{j}" for j in range(X.shape[1])] if X.shape[1] > 3 else ["a", "b", "c"][:X.shape[1]]
    lines = [",".join([*names, "y"])]
    lines += [",".join(repr(float(x)) for x in (*row, target)) for row, target in zip(X, y)]
    path.write_text("\n".join(lines) + "\n")
    return path.name


RIDGE = """\
data d = csv("{csv}", target: "y")
split d -> train 60%, validation 20%, test 20% seed 4
model ridge
hyper {{
    l2: float in [0, 100] = 0
}}
{steps}"""

DESCENT = """\
data d = csv("{csv}", target: "y")
split d -> train 60%, validation 20%, test 20% seed 4
model linear_regression
hyper {{
    learning_rate: float in (0, 10] = 0.3
    l2:            float in [0, 100] = 0
    epochs:        int in [1, 1000] = 200
    batch_size:    int in [1, 512] = 512
    seed:          int = 0
}}
{steps}"""


def run_workflow(tmp_path, template: str, X, y, steps: str, name: str = "d.csv", **options) -> dict:
    csv = write_csv(tmp_path / name, X, y)
    analysis = check_text(template.format(csv=csv, steps=steps), str(tmp_path / "w.hp"))
    assert not analysis.errors, analysis.errors
    return run(analysis, Options(**options)).data


def run_error(tmp_path, template: str, X, y, steps: str, **options):
    with pytest.raises(RunError) as caught:
        run_workflow(tmp_path, template, X, y, steps, **options)
    return caught.value.diagnostic


def final_scores(data: dict) -> dict:
    return next(step for step in data["steps"] if step["kind"] == "test")["scores"]


def relative(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


# ---- extreme but finite data -----------------------------------------------------------------------


@pytest.mark.parametrize("scale", SCALES)
def test_ridge_on_features_near_the_top_of_float64_matches_the_unscaled_fit(tmp_path, scale):
    X, y = table()
    steps = "train on train\ntest on test report mse, rmse, mae, r2\n"
    reference = run_workflow(tmp_path, RIDGE, X, y, steps, "ref.csv")
    data = run_workflow(tmp_path, RIDGE, X * scale, y, steps)
    assert relative(np.array(data["params"]["weights"]) * scale, reference["params"]["weights"]) < 1e-9
    assert data["params"]["intercept"] == pytest.approx(reference["params"]["intercept"], rel=1e-9)
    assert final_scores(data) == pytest.approx(final_scores(reference), rel=1e-9)
    # cross-validation with a standardization refitted inside each fold, from fold sums
    steps = "standardize using train\ntune l2 in [0, 0.1, 1] using cv 3 on train + validation\ntest on test\n"
    reference = run_workflow(tmp_path, RIDGE, X, y, steps, "ref.csv")
    data = run_workflow(tmp_path, RIDGE, X * scale, y, steps)
    tuned, expected = (next(s for s in d["steps"] if s["kind"] == "tune") for d in (data, reference))
    assert relative([t["fold_scores"] for t in tuned["trials"]], [t["fold_scores"] for t in expected["trials"]]) < 1e-9
    assert relative(data["params"]["weights"], reference["params"]["weights"]) < 1e-9


@pytest.mark.parametrize("scale", SCALES)
def test_ridge_on_a_target_near_the_top_of_float64_matches_or_names_the_target(tmp_path, scale):
    X, y = table()
    reference = run_workflow(tmp_path, RIDGE, X, y, "train on train\ntest on test report mse, rmse, r2\n", "ref.csv")
    # rmse and r2 of these values are numbers; the tune's objective is r2
    data = run_workflow(tmp_path, RIDGE, X, y * scale,
                        "tune l2 in [0, 0.1, 1] on validation maximize r2\ntest on test report rmse, r2\n")
    assert data["hypers"]["l2"] == 0
    assert relative(data["params"]["weights"], np.array(reference["params"]["weights"]) * scale) < 1e-9
    scores = final_scores(data)
    assert scores["rmse"] == pytest.approx(final_scores(reference)["rmse"] * scale, rel=1e-9)
    assert scores["r2"] == pytest.approx(final_scores(reference)["r2"], rel=1e-9)
    # an mse of this target is a number only while mse·scale² is
    steps = "train on train\ntest on test report mse\n"
    if math.isfinite(final_scores(reference)["mse"] * scale * scale):
        mse = final_scores(run_workflow(tmp_path, RIDGE, X, y * scale, steps))["mse"]
        assert mse == pytest.approx(final_scores(reference)["mse"] * scale * scale, rel=1e-9)
    else:
        diagnostic = run_error(tmp_path, RIDGE, X, y * scale, steps)
        assert diagnostic.code == "HP302"
        assert diagnostic.message.startswith("the mse of test at line 8 is not a finite number: the target "
                                             "column 'y' holds values up to ")
        assert "rescale column 'y'" in diagnostic.help


@pytest.mark.parametrize("scale", SCALES)
def test_descent_on_huge_features_needs_standardizing_and_then_matches(tmp_path, scale):
    X, y = table()
    diagnostic = run_error(tmp_path, DESCENT, X * scale, y, "train on train\ntest on test\n")
    assert diagnostic.code == "HP301"
    assert diagnostic.message.startswith("train at line 11 would diverge: ")
    if scale > 1e154:  # the limit 2/λmax underflows
        assert "no learning rate is stable for full-batch gradient descent on these rows" in diagnostic.message
    assert "standardize using train" in diagnostic.help
    steps = "standardize using train\ntrain on train\ntest on test report rmse, r2\n"
    reference = run_workflow(tmp_path, DESCENT, X, y, steps, "ref.csv")
    data = run_workflow(tmp_path, DESCENT, X * scale, y * scale, steps)
    assert relative(data["params"]["weights"], np.array(reference["params"]["weights"]) * scale) < 1e-9
    assert final_scores(data)["r2"] == pytest.approx(final_scores(reference)["r2"], rel=1e-9)


def test_a_feature_lost_beside_a_huge_one_is_hp302_naming_both_until_standardized(tmp_path):
    X, y = table()
    mixed = X.copy()
    mixed[:, 1] *= 1e300
    diagnostic = run_error(tmp_path, RIDGE, mixed, y, "train on train\ntest on test\n")
    assert diagnostic.code == "HP302"
    assert ("feature columns 'a', 'c' vanish beside feature column 'b', whose values reach "
            in diagnostic.message)
    assert diagnostic.help.startswith("standardize the features")
    steps = "standardize using train\ntune l2 in [0, 0.01] using cv 3 on train + validation\ntest on test\n"
    reference = run_workflow(tmp_path, RIDGE, X, y, steps, "ref.csv")
    data = run_workflow(tmp_path, RIDGE, mixed, y, steps)
    assert relative(data["params"]["weights"], reference["params"]["weights"]) < 1e-9
    assert final_scores(data) == pytest.approx(final_scores(reference), rel=1e-9)


def test_statistics_of_huge_blocks_merge_and_standardize_like_the_unscaled_ones():
    X, y = table()
    big = [Stats.of(X[a:b] * 1e200, y[a:b] * 1e250) for a, b in ((0, 25), (25, 60))]
    small = [Stats.of(X[a:b], y[a:b]) for a, b in ((0, 25), (25, 60))]
    merged, plain = big[0].merge(big[1]), small[0].merge(small[1])
    assert relative(merged.mean / 1e200, plain.mean) < 1e-12
    unit = (merged.xscale / 1e200) ** 2
    assert relative(merged.gram * unit, plain.gram) < 1e-12
    scaling, plain_scaling = Standardization.from_stats(merged), Standardization.from_stats(plain)
    assert relative(scaling.std / 1e200, plain_scaling.std) < 1e-12
    standardized = merged.standardized(scaling.mean, scaling.std)
    expected = plain.standardized(plain_scaling.mean, plain_scaling.std)
    assert standardized.xscale == 1.0 and relative(standardized.gram, expected.gram) < 1e-12
    assert relative(standardized.xy * standardized.yscale / 1e250, expected.xy) < 1e-12
    assert relative(Standardization.fit(X * 1e300).std / 1e300, X.std(axis=0)) < 1e-12


# ---- divergence --------------------------------------------------------------------------------------


DIABETES_DESCENT = f"""\
data d = csv("{DIABETES}", target: "target")
split d -> train 80%, test 20% seed 1
model linear_regression
hyper {{{{
    learning_rate: float in (0, 100] = {{rate}}
    epochs:        int in [1, 1000] = 40
    batch_size:    int in [1, 512] = 512
}}}}
standardize using train
{{steps}}"""


def diabetes_limit() -> float:
    """2 / λmax of the Hessian in (w, b) on the standardized training rows, from scratch."""
    from hpdsl.runtime.splits import share_counts, shuffle

    rows = np.loadtxt(DIABETES, delimiter=",", skiprows=1)
    train = rows[shuffle(len(rows), 1)[: share_counts(len(rows), [80, 20])[0]]]
    X = train[:, :-1]
    A = np.hstack([(X - X.mean(axis=0)) / X.std(axis=0), np.ones((len(X), 1))])
    return float(2 / np.linalg.eigvalsh(A.T @ A / len(A))[-1])


def diabetes_run(rate: str, steps: str = "train on train\ntest on test\n"):
    analysis = check_text(DIABETES_DESCENT.format(rate=rate, steps=steps), "w.hp")
    assert not analysis.errors, analysis.errors
    epochs = []
    try:
        return run(analysis, Options(progress=lambda label, done, total: epochs.append(done))).data, epochs
    except RunError as error:
        return error.diagnostic, epochs


def test_a_rate_two_and_a_half_times_the_limit_is_hp301_before_epoch_1_with_the_rate_to_use():
    limit = diabetes_limit()
    diagnostic, epochs = diabetes_run(repr(float(2.5 * limit)))
    assert epochs == []
    assert diagnostic.code == "HP301"
    rate = float(2.5 * limit)
    assert diagnostic.message.startswith(f"train at line 10 would diverge: learning_rate {rate!r} exceeds {limit:.3g}, "
                                         "the stability limit of full-batch gradient descent")
    assert diagnostic.help == f"use a learning_rate below {limit:.3g}, e.g. {float(f'{limit / 2:.2g}')!r}"
    safe, epochs = diabetes_run(repr(float(f"{limit / 2:.2g}")))
    assert epochs == list(range(1, 41)) and final_scores(safe)["r2"] > 0.4


def test_a_schedule_is_refused_at_the_first_epoch_whose_rate_exceeds_the_limit():
    limit = diabetes_limit()
    first = next(e for e in range(40) if 0.5 * limit * 1.1 ** e > limit) + 1
    diagnostic, epochs = diabetes_run("0.1", f"set learning_rate = exponential({float(0.5 * limit)!r}, rate: 1.1)\n"
                                      "train on train\ntest on test\n")
    assert epochs == []
    assert diagnostic.code == "HP301"
    assert f"at epoch {first}) exceeds {limit:.3g}" in diagnostic.message
    assert f"so the loss would grow from epoch {first} on" in diagnostic.message
    assert diagnostic.help.startswith(f"start the schedule lower, so that no epoch's rate exceeds {limit:.3g}")


def test_a_diverging_mini_batch_run_stops_within_a_few_epochs_with_exit_3(tmp_path):
    workflow = tmp_path / "minibatch.hp"
    workflow.write_text(DIABETES_DESCENT.format(rate="0.6", steps="set batch_size = 64\nset epochs = 1000\n"
                                                "train on train\ntest on test\n"))
    result = hpdsl("run", str(workflow), "--out", str(tmp_path / "out"))
    stderr = result.stderr.decode()
    assert result.returncode == 3, stderr
    assert "error[HP301]" in stderr and "the training loss grew without bound" in stderr
    epoch = int(stderr.split("diverged at epoch ")[1].split(":")[0])
    # the loss overflows only after dozens of epochs; growth is caught long before
    assert epoch <= 5
    assert "Traceback" not in stderr and not (tmp_path / "out").exists()


def test_mini_batch_noise_at_the_stability_limit_is_not_divergence():
    table_ = np.loadtxt(DIABETES, delimiter=",", skiprows=1)
    X, y = table_[:, :-1], table_[:, -1]
    rows = Rows((X - X.mean(axis=0)) / X.std(axis=0), y)
    limit = learners.stable_rate(rows, 0.0)
    hypers = [{"learning_rate": rate, "l2": 0.0, "epochs": 300, "batch_size": batch, "seed": 0}
              for rate, batch in ((0.95 * limit, 16), (limit, 64), (1.2 * limit, 64))]
    fit = learners.gradient_descent(rows, hypers, {})
    assert list(fit.diverged_at[:2]) == [0, 0] and list(fit.epochs_run[:2]) == [300, 300]
    assert 0 < fit.diverged_at[2] <= 5


def test_a_diverging_candidate_of_a_tune_scores_nothing_and_loses():
    diagnostic, _ = diabetes_run("0.1", "set batch_size = 64\ntune learning_rate in [0.05, 0.6, 2] on train\n"
                                 "test on test\n")
    step = next(s for s in diagnostic["steps"] if s["kind"] == "tune")
    assert [t["score"] is None for t in step["trials"]] == [False, True, True]
    assert step["best"] == {"learning_rate": 0.05}


# ---- tunes without a score, failing solvers ------------------------------------------------------------


def test_a_ridge_tune_where_no_candidate_has_a_finite_score_is_hp302(tmp_path):
    X, y = table()
    steps = "tune l2 in [0.1, 1, 10] on validation\ntest on test\n"
    diagnostic = run_error(tmp_path, RIDGE, X, y * 1e300, steps)
    assert diagnostic.code == "HP302"
    assert diagnostic.message.startswith("no candidate of tune at line 7 has a finite mse: the target column 'y' "
                                         "holds values up to ")
    assert diagnostic.help
    workflow = tmp_path / "w.hp"
    workflow.write_text(RIDGE.format(csv="d.csv", steps=steps))
    result = hpdsl("run", str(workflow))
    assert result.returncode == 3 and "error[HP302]" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_an_eigensolver_failure_is_a_numeric_failure_at_the_seam():
    X, y = table()
    stats = Stats.of(X, y)
    stats.gram[0, 0] = np.nan  # what a NaN that slipped into the sums does to LAPACK
    with pytest.raises(learners.NumericFailure, match="eigendecomposition of the Gram matrix failed"):
        learners.Spectrum(stats)
    with pytest.raises(learners.NumericFailure, match="eigenvalues of the loss's Hessian"):
        learners.stable_rate(stats, 0.0)


def test_an_eigensolver_failure_during_a_run_is_hp302_with_a_help(tmp_path, monkeypatch):
    # No finite data makes LAPACK fail once the sums are scaled, so the solver is made to
    # fail here: this pins how the interpreter reports it.
    def failing(matrix):
        raise np.linalg.LinAlgError("Eigenvalues did not converge")

    X, y = table()
    monkeypatch.setattr(np.linalg, "eigh", failing)
    diagnostic = run_error(tmp_path, RIDGE, X, y, "train on train\ntest on test\n")
    assert diagnostic.code == "HP302"
    assert diagnostic.message.startswith("train at line 7: the eigendecomposition of the Gram matrix failed "
                                         "(Eigenvalues did not converge)")
    assert diagnostic.help


# ---- fewer rows than features ------------------------------------------------------------------------


def wide(rows: int = 20, features: int = 60, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, features)) + rng.normal(size=features)
    return X, X @ rng.normal(size=features) + 1.0 + 0.1 * rng.normal(size=rows)


def test_the_dual_solve_equals_the_primal_and_the_minimum_norm_solution():
    X, y = wide()
    rows = Rows(X, y)
    assert rows.wide
    l2s = [0.0, 1e-3, 0.1, 10.0]
    dual = learners.ridge(rows, [{"l2": l2} for l2 in l2s])
    primal = learners.Spectrum(Stats.of(X, y)).solve(l2s)
    assert isinstance(learners.solver(rows), learners.Dual)
    for k in range(len(l2s)):
        assert relative(dual.weights[:, k], primal.weights[:, k]) < 1e-8
        assert dual.intercept[k] == pytest.approx(primal.intercept[k], rel=1e-8)
    mu = X.mean(axis=0)
    minimum_norm = np.linalg.lstsq(X - mu, y - y.mean(), rcond=None)[0]
    assert relative(dual.weights[:, 0], minimum_norm) < 1e-8


@pytest.mark.parametrize("pipeline", [False, True])
def test_cross_validation_on_wide_rows_equals_primal_fold_by_fold(pipeline):
    X, y = wide(30, 80)
    l2s = [0.0, 0.01, 1.0]
    hypers = [{"l2": l2} for l2 in l2s]
    folds = tune.cv_folds(X, X, y, 3, pipeline)
    scores, _ = tune.search("ridge", hypers, folds, {}, "mse")
    for f, (a, b) in enumerate([(0, 10), (10, 20), (20, 30)]):
        keep = np.r_[0:a, b:30]
        Xt, Xv = X[keep], X[a:b]
        if pipeline:
            scaling = Standardization.fit(Xt)
            Xt, Xv = scaling.apply(Xt), scaling.apply(Xv)
        fit = learners.Spectrum(Stats.of(Xt, y[keep])).solve(l2s)
        expected = from_predictions(Xv @ fit.weights + fit.intercept, y[a:b], "mse")
        assert scores[:, f] == pytest.approx(expected, rel=1e-8)


def textbook_descent(X, y, rate, epochs, l2=0.0):
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    for _ in range(epochs):
        residual = X @ w + b - y
        w, b = w - rate * (X.T @ residual / n + l2 * w), b - rate * residual.mean()
    return w, b


def test_full_batch_descent_on_wide_rows_works_on_the_rows_and_matches_the_textbook():
    X, y = wide()
    rows = Rows(X, y)
    limit = learners.stable_rate(rows, 0.1)
    A = np.hstack([X, np.ones((len(X), 1))])
    H = A.T @ A / len(X) + 0.1 * np.diag([1.0] * X.shape[1] + [0.0])
    assert limit == pytest.approx(2 / np.linalg.eigvalsh(H)[-1], rel=1e-9)
    fit = learners.gradient_descent(rows, [{"learning_rate": 0.5 * limit, "l2": 0.1, "epochs": 50,
                                            "batch_size": None, "seed": 0}], {})
    assert rows._stats is None  # no d x d sums were formed
    w, b = textbook_descent(X, y, 0.5 * limit, 50, 0.1)
    assert relative(fit.weights[:, 0], w) < 1e-9 and fit.intercept[0] == pytest.approx(b, rel=1e-9)


def test_ten_rows_by_three_thousand_features_solve_in_the_dual_within_seconds(tmp_path):
    rng = np.random.default_rng(8)
    X = rng.normal(size=(10, 3000))
    y = X[:, 0] + rng.normal(size=10)
    csv = write_csv(tmp_path / "wide.csv", X, y)
    for steps in ("train on train\ntune l2 in logspace(-3, 2, 20) on validation\ntest on test\n",
                  "tune l2 in logspace(-3, 2, 20) using cv 2 on train + validation\ntest on test\n"):
        analysis = check_text(RIDGE.format(csv=csv, steps=steps), str(tmp_path / "w.hp"))
        started = time.perf_counter()
        data = run(analysis).data
        elapsed = time.perf_counter() - started
        assert len(data["params"]["weights"]) == 3000
        assert elapsed < 3.0, elapsed  # was about 10 s per eigendecomposition of the 3000 x 3000 Gram


# ---- the edge-of-range note --------------------------------------------------------------------------


def test_no_edge_note_for_a_winner_at_the_bound_of_its_domain(tmp_path):
    X, y = table(200)
    data = run_workflow(tmp_path, RIDGE, X, y, "tune l2 in [0, 0.1, 1, 10] on validation\ntest on test\n")
    step = next(s for s in data["steps"] if s["kind"] == "tune")
    assert step["best"] == {"l2": 0} and step["notes"] == []
    infos = check_text(RIDGE.format(csv="d.csv", steps="train on train\n").replace("[0, 100]", "(0, 100]"),
                       "w.hp").scope.hypers
    tried = [{"l2": x} for x in (1e-4, 0.1, 1, 100)]
    assert tune.edge_notes(tried, {"l2": 1e-4}, infos) == [
        "l2 = 0.0001 is the smallest value tried; the range should probably be extended"]
    assert tune.edge_notes(tried, {"l2": 100}, infos) == []  # 100 is the domain's closed upper end
