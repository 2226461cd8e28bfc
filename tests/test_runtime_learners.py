"""The learners: gradient descent and ridge minimise the documented loss, vectorized over
candidates exactly as one at a time, with early stopping, schedules and divergence (HP301)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from helpers import EXAMPLES

from hpdsl.checker import check_text
from hpdsl.checker import values as v
from hpdsl.runtime import Options, RunError, learners, run, tune
from hpdsl.runtime.learners import Monitor
from hpdsl.runtime.metrics import from_predictions, score
from hpdsl.runtime.stats import Rows, Stats

DIABETES = os.path.join(EXAMPLES, "data", "diabetes.csv")


def diabetes(standardized: bool = True):
    table = np.loadtxt(DIABETES, delimiter=",", skiprows=1)
    X, y = table[:, :-1], table[:, -1]
    if standardized:
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, y


def hypers(**changes) -> dict:
    base = {"learning_rate": 0.1, "l2": 0.0, "epochs": 100, "batch_size": None, "seed": 0}
    base.update(changes)
    return base


def closed_form(X, y, l2):
    """The ridge minimiser by least squares on the centred system augmented with √(n·l2)·I."""
    n, d = X.shape
    mu, ybar = X.mean(axis=0), y.mean()
    A = np.vstack([X - mu, np.sqrt(n * l2) * np.eye(d)])
    w = np.linalg.lstsq(A, np.concatenate([y - ybar, np.zeros(d)]), rcond=None)[0]
    return w, ybar - mu @ w


def reference_gd(X, y, h, W0=None, b0=0.0):
    """Gradient descent written the textbook way, one pass over the rows per step."""
    n, d = X.shape
    w = np.zeros(d) if W0 is None else W0.copy()
    b = b0
    rng = learners.generator(h["seed"])
    batch = h["batch_size"] or n
    for epoch in range(h["epochs"]):
        rate = h["learning_rate"].at(epoch) if isinstance(h["learning_rate"], v.Schedule) else h["learning_rate"]
        order = rng.permutation(n) if batch < n else np.arange(n)
        for start in range(0, n, batch):
            rows = order[start:start + batch]
            residual = X[rows] @ w + b - y[rows]
            grad_w = X[rows].T @ residual / len(rows) + h["l2"] * w
            grad_b = residual.mean()
            w, b = w - rate * grad_w, b - rate * grad_b
    return w, b


def relative(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


# ---- the loss's minimiser -------------------------------------------------------------------------


@pytest.mark.parametrize("l2", [0.0, 0.01, 1.0])
def test_converged_gradient_descent_equals_ridge_and_the_closed_form(l2):
    X, y = diabetes()
    rows = Rows(X, y)
    rate = 0.9 * learners.stable_rate(rows.stats, l2)
    gd = learners.gradient_descent(rows, [hypers(learning_rate=rate, l2=l2, epochs=20000)], {})
    exact = learners.ridge(rows, [hypers(l2=l2)])
    w, b = closed_form(X, y, l2)
    assert relative(exact.weights[:, 0], w) < 1e-9 and abs(exact.intercept[0] - b) < 1e-9 * abs(b)
    assert relative(gd.weights[:, 0], w) < 1e-6 and abs(gd.intercept[0] - b) < 1e-6 * abs(b)


def test_ridge_matches_the_closed_form_in_scikit_learns_convention_alpha_n_times_l2():
    # scikit-learn's Ridge minimises ||Xw + b - y||^2 + alpha ||w||^2; hpdsl's loss divides the
    # first term by 2n and the penalty by 2, so the same minimiser has alpha = n * l2. Solved
    # here with numpy alone, as the stacked least-squares system [Xc; sqrt(alpha) I] w = [yc; 0].
    X, y = diabetes(standardized=False)
    l2 = 0.05
    ours = learners.ridge(Rows(X, y), [hypers(l2=l2)])
    alpha = len(y) * l2
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    stacked = np.vstack([Xc, np.sqrt(alpha) * np.eye(X.shape[1])])
    w = np.linalg.lstsq(stacked, np.concatenate([yc, np.zeros(X.shape[1])]), rcond=None)[0]
    b = y.mean() - X.mean(axis=0) @ w
    assert relative(ours.weights[:, 0], w) < 1e-6
    assert abs(ours.intercept[0] - b) < 1e-6 * abs(b)


def test_ridge_without_penalty_on_a_singular_gram_gives_the_minimum_norm_solution():
    X, y = diabetes()
    X = np.hstack([X, X[:, :2]])  # two duplicated columns: the Gram matrix is singular
    fit = learners.ridge(Rows(X, y), [hypers(l2=0.0)])
    w, _ = closed_form(X, y, 0.0)  # lstsq's answer is the minimum-norm one
    assert np.all(np.isfinite(fit.weights))
    assert relative(fit.weights[:, 0], w) < 1e-8
    assert np.allclose(fit.weights[0, 0], fit.weights[10, 0])  # the weight is shared equally


def test_a_workflow_with_linear_regression_converges_to_the_ridge_workflow():
    declarations = """\
data rows = csv("data/diabetes.csv", target: "target")
split rows -> train 70%, test 30% seed 5
"""
    gd = declarations + """\
model linear_regression
hyper {
    learning_rate: float in (0, 1] = 0.3
    l2: float in [0, 1] = 0.01
    epochs: int in [1, 100000] = 5000
}
standardize using train
train on train
test on test
"""
    exact = declarations + """\
model ridge
hyper {
    l2: float in [0, 1] = 0.01
}
standardize using train
train on train
test on test
"""
    a = run(check_text(gd, os.path.join(EXAMPLES, "gd.hp"))).data["params"]
    b = run(check_text(exact, os.path.join(EXAMPLES, "ridge.hp"))).data["params"]
    assert relative(a["weights"], b["weights"]) < 1e-6
    assert abs(a["intercept"] - b["intercept"]) < 1e-6 * abs(b["intercept"])


# ---- metrics ---------------------------------------------------------------------------------------


def test_metrics_match_a_hand_calculation():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    predicted = np.array([1.5, 2.0, 2.0, 5.0])  # errors .5, 0, -1, 1
    expected = {"mse": 2.25 / 4, "rmse": 0.75, "mae": 2.5 / 4, "r2": 1 - 2.25 / 5}
    for metric, value in expected.items():
        assert from_predictions(predicted[:, None], y, metric)[0] == pytest.approx(value, rel=1e-12)
        # the same from sufficient statistics: X is the prediction, w = 1, b = 0
        rows = Rows(predicted[:, None], y)
        assert score(rows, np.ones((1, 1)), np.zeros(1), metric)[0] == pytest.approx(value, rel=1e-12)


def test_r2_of_a_constant_target_follows_scikit_learn():
    y = np.full(3, 2.0)
    assert from_predictions(np.full((3, 1), 2.0), y, "r2")[0] == 1.0
    assert from_predictions(np.full((3, 1), 3.0), y, "r2")[0] == 0.0


def test_statistics_of_blocks_merge_exactly():
    X, y = diabetes(standardized=False)
    whole = Stats.of(X, y)
    parts = Stats.of(X[:100], y[:100]).merge(Stats.of(X[100:], y[100:]))
    for key in ("mean", "gram", "xy"):
        assert relative(getattr(parts, key), getattr(whole, key)) < 1e-12
    assert parts.yy == pytest.approx(whole.yy, rel=1e-12)


# ---- vectorized equals one at a time ---------------------------------------------------------------


def candidates(**shared):
    out = []
    for rate in (0.01, 0.05, 0.2):
        for l2 in (0.0, 0.1):
            for epochs in (7, 30):
                out.append(hypers(learning_rate=rate, l2=l2, epochs=epochs, **shared))
    return out


INITS = {"weights": ("normal", 0.0, 0.5), "intercept": ("uniform", -1.0, 1.0)}


@pytest.mark.parametrize("shared", [{}, {"batch_size": 32, "seed": 3}], ids=["full-batch", "mini-batch"])
def test_gradient_descent_vectorized_equals_one_at_a_time_and_the_textbook_loop(shared):
    X, y = diabetes()
    rows = Rows(X, y)
    chosen = candidates(**shared)
    together = learners.gradient_descent(rows, chosen, INITS)
    for k, h in enumerate(chosen):
        alone = learners.gradient_descent(rows, [h], INITS)
        assert relative(together.weights[:, k], alone.weights[:, 0]) < 1e-10
        assert relative(together.intercept[k], alone.intercept[0]) < 1e-10
        assert together.epochs_run[k] == h["epochs"]
        W0, b0 = learners.initial(INITS, X.shape[1], [h["seed"]])
        w, b = reference_gd(X, y, h, W0[:, 0], b0[0])
        assert relative(together.weights[:, k], w) < 1e-10
        assert relative(together.intercept[k], b) < 1e-10



def gram_step(X, y, h, w, b, epoch: int = 0):
    """One epoch of full-batch descent written with numpy over the Gram matrix: the
    gradient Xᵀ(Xw + b - y)/n from XᵀX, Xᵀy and the column sums."""
    n = len(y)
    rate = h["learning_rate"].at(epoch) if isinstance(h["learning_rate"], v.Schedule) else h["learning_rate"]
    sx = X.sum(axis=0)
    grad_w = ((X.T @ X) @ w + sx * b - X.T @ y) / n + h["l2"] * w
    grad_b = (sx @ w + n * b - y.sum()) / n
    return w - rate * grad_w, b - rate * grad_b


def gram_gd(X, y, h, epochs):
    w, b = np.zeros(X.shape[1]), 0.0
    for epoch in range(epochs):
        w, b = gram_step(X, y, h, w, b, epoch)
    return w, b


def test_full_batch_epochs_taken_in_blocks_equal_numpy_loops_and_epoch_by_epoch_descent():
    X, y = diabetes()
    rows = Rows(X, y)
    schedule = v.Schedule("step", 0.3, every=25, factor=0.5)
    chosen = [hypers(learning_rate=rate, l2=l2, epochs=epochs)
              for rate, l2, epochs in [(0.1, 0.0, 1), (0.2, 0.1, 63), (0.05, 0.0, 64), (0.3, 0.01, 65),
                                       (schedule, 0.0, 200), (0.2, 1.0, 333)]]
    seen = []
    blocks = learners.gradient_descent(rows, chosen, {},
                                       on_epochs=lambda first, W, b, loss: seen.append((first, W, b, loss)))
    assert seen[0][0] == 1 and 1 < len(seen) < 333  # in blocks, the first ending where the first column stops
    assert [first for first, *_ in seen] == list(np.cumsum([1] + [len(loss) for *_, loss in seen[:-1]]))
    W = np.concatenate([W for _, W, _, _ in seen])
    assert W.shape == (333, X.shape[1], len(chosen))
    assert np.array_equal(W[-1], blocks.weights) and np.array_equal(W[62, :, 1], blocks.weights[:, 1])
    learners.BLOCK = 1
    try:
        alone = learners.gradient_descent(rows, chosen, {})
    finally:
        learners.BLOCK = 64
    assert np.array_equal(blocks.weights, alone.weights) and np.array_equal(blocks.intercept, alone.intercept)
    assert list(blocks.epochs_run) == [h["epochs"] for h in chosen] == list(alone.epochs_run)
    for k, h in enumerate(chosen):
        w, b = gram_gd(X, y, h, h["epochs"])
        assert relative(blocks.weights[:, k], w) < 1e-12 and relative(blocks.intercept[k], b) < 1e-12
        w, b = reference_gd(X, y, h)
        assert relative(blocks.weights[:, k], w) < 1e-12 and relative(blocks.intercept[k], b) < 1e-12



def test_early_stopping_over_blocks_of_epochs_is_the_rule_taken_epoch_by_epoch():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((120, 12))
    y = X[:, 0] - X[:, 1] + 2 * rng.standard_normal(120)  # 60 noisy training rows: it overfits
    Xt, yt, Xw, yw = X[:60], y[:60], X[60:], y[60:]
    chosen = [hypers(learning_rate=rate, l2=l2, epochs=epochs)
              for rate, l2, epochs in [(0.3, 0.0, 400), (0.05, 0.0, 400), (0.005, 0.0, 30), (0.01, 0.0, 130)]]
    fit = learners.gradient_descent(Rows(Xt, yt), chosen, {}, Monitor(Rows(Xw, yw), "mse", 7))
    for k, h in enumerate(chosen):
        w, b = np.zeros(12), 0.0
        best, best_epoch, kept, ran, stopped = np.inf, 0, (w, b), 0, False
        for epoch in range(1, h["epochs"] + 1):
            w, b = gram_step(Xt, yt, h, w, b)
            ran, value = epoch, np.mean((Xw @ w + b - yw) ** 2)
            if value < best:
                best, best_epoch, kept = value, epoch, (w, b)
            elif epoch - best_epoch >= 7:
                stopped = True
                break
        assert (fit.epochs_run[k], fit.best_epoch[k], fit.stopped_early[k]) == (ran, best_epoch, stopped)
        assert relative(fit.weights[:, k], kept[0]) < 1e-12 and relative(fit.intercept[k], kept[1]) < 1e-12
    # blocks of epochs 1-30 (the third column's end) and 31-94: two stop in the first, one in the second
    assert list(fit.epochs_run) == [9, 19, 30, 70] and list(fit.stopped_early) == [True, True, False, True]

def test_a_block_of_epochs_in_which_a_column_diverges_is_taken_again_epoch_by_epoch():
    # Full-batch rates above the stability limit are refused before training; run the
    # descent itself on one, beside a stable column, to see the divergence check at work.
    X, y = diabetes()
    stats = Rows(X, y).stats
    limit = learners.stable_rate(stats, 0.0)
    rates = [0.5 * limit, 1.2 * limit, 3 * limit]

    def descend():
        W, b = np.zeros((X.shape[1], 3)), np.zeros(3)
        epochs, l2 = np.array([300, 300, 300]), np.zeros(3)
        start = learners._loss(stats, *stats.scaled(W, b), l2)
        run = learners._Run(W, b, epochs, start, None)
        return learners._full_batch(stats, learners._Rates(rates), l2, W, b, run)

    blocks = descend()
    learners.BLOCK = 1
    try:
        alone = descend()
    finally:
        learners.BLOCK = 64
    # where the documented rule stops each column, from a numpy loop over the Gram matrix
    expected = []
    for rate in rates:
        h = hypers(learning_rate=rate)
        losses, w, b = [], np.zeros(X.shape[1]), 0.0
        for epoch in range(1, 301):
            w, b = gram_step(X, y, h, w, b)
            losses.append(np.mean((X @ w + b - y) ** 2) / 2)
            rising = 0
            for k in range(len(losses)):
                rising = rising + 1 if k and losses[k] > losses[k - 1] else 0
            if losses[-1] > 1e4 * np.mean(y ** 2) / 2 and rising >= 3:  # 1e4 x the loss at w = 0, b = 0
                break
        expected.append(epoch if epoch < 300 else 0)
    assert list(blocks.diverged_at) == list(alone.diverged_at) == expected
    assert expected[0] == 0 and 0 < expected[2] < expected[1] < 300
    assert list(blocks.epochs_run) == list(alone.epochs_run) == [300, *expected[1:]]
    assert np.array_equal(blocks.weights, alone.weights, equal_nan=True)

def test_mini_batch_candidates_with_different_seeds_and_batch_sizes_train_apart():
    X, y = diabetes()
    rows = Rows(X, y)
    chosen = [hypers(batch_size=b, seed=s, epochs=5) for b in (16, 50) for s in (0, 1)] + [hypers(epochs=5)]
    together = learners.gradient_descent(rows, chosen, {})
    for k, h in enumerate(chosen):
        w, b = reference_gd(X, y, h)
        assert relative(together.weights[:, k], w) < 1e-10
        assert relative(together.intercept[k], b) < 1e-10


def test_ridge_vectorized_equals_one_at_a_time():
    X, y = diabetes()
    rows = Rows(X, y)
    chosen = [hypers(l2=l2) for l2 in np.logspace(-5, 2, 12)] + [hypers(l2=0.0)]
    together = learners.ridge(rows, chosen)
    for k, h in enumerate(chosen):
        w, _ = closed_form(X, y, h["l2"])
        assert relative(together.weights[:, k], learners.ridge(rows, [h]).weights[:, 0]) < 1e-10
        assert relative(together.weights[:, k], w) < 1e-8


@pytest.mark.parametrize("model, shared", [("linear_regression", {}), ("linear_regression", {"batch_size": 64}),
                                           ("ridge", {})], ids=["full-batch", "mini-batch", "ridge"])
@pytest.mark.parametrize("pipeline", [False, True], ids=["cv", "cv-pipeline"])
def test_cross_validated_scores_vectorized_equal_one_at_a_time(model, shared, pipeline):
    X, y = diabetes(standardized=not pipeline)
    chosen = candidates(**shared)
    folds = tune.cv_folds(X, X, y, 4, pipeline)
    together, _ = tune.search(model, chosen, folds, {}, "mse")
    for k, h in enumerate(chosen):
        alone, _ = tune.search(model, [h], tune.cv_folds(X, X, y, 4, pipeline), {}, "mse")
        assert relative(together[k], alone[0]) < 1e-10
    # and a fold's score equals training on the fold's rows directly
    held = slice(0, 111)  # 442 rows in 4 folds: 111, 111, 110, 110
    Xt, yt, Xv, yv = X[111:], y[111:], X[held], y[held]
    if pipeline:
        mean, std = Xt.mean(axis=0), Xt.std(axis=0)
        Xt, Xv = (Xt - mean) / std, (Xv - mean) / std
    h = chosen[0]
    if model == "ridge":
        w, b = closed_form(Xt, yt, h["l2"])
    else:
        w, b = reference_gd(Xt, yt, h)
    direct = np.mean((Xv @ w + b - yv) ** 2)
    assert relative(together[0, 0], direct) < 1e-10


# ---- early stopping, schedules, initialisation -------------------------------------------------------


def test_early_stopping_keeps_the_best_epochs_parameters():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 30))
    y = X[:, 0] + rng.standard_normal(80)  # 40 training rows, 30 features: it overfits
    train, watched = Rows(X[:40], y[:40]), Rows(X[40:], y[40:])
    h = hypers(learning_rate=0.05, epochs=3000)
    fit = learners.gradient_descent(train, [h], {}, Monitor(watched, "mse", 25))
    best = int(fit.best_epoch[0])
    assert fit.stopped_early[0] and fit.epochs_run[0] == best + 25
    assert 0 < best < 3000 - 25
    again = learners.gradient_descent(train, [hypers(learning_rate=0.05, epochs=best)], {})
    assert relative(fit.weights[:, 0], again.weights[:, 0]) < 1e-12
    # no later epoch of the run scored strictly better
    longer = learners.gradient_descent(train, [hypers(learning_rate=0.05, epochs=best + 25)], {})
    assert score(watched, longer.weights, longer.intercept, "mse")[0] >= \
        score(watched, fit.weights, fit.intercept, "mse")[0]


def test_a_schedule_sets_the_rate_of_each_epoch():
    X, y = diabetes()
    schedule = v.Schedule("step", 0.2, every=10, factor=0.5)
    h = hypers(learning_rate=schedule, epochs=35)
    fit = learners.gradient_descent(Rows(X, y), [h], {})
    w, b = reference_gd(X, y, h)
    assert relative(fit.weights[:, 0], w) < 1e-10
    assert relative(fit.intercept[0], b) < 1e-10


def test_initialisation_draws_weights_then_intercept_from_the_seed():
    W, b = learners.initial(INITS, 3, [7, 7, 8])
    rng = np.random.default_rng(7)
    assert np.array_equal(W[:, 0], rng.normal(0.0, 0.5, 3)) and b[0] == rng.uniform(-1.0, 1.0)
    assert np.array_equal(W[:, 0], W[:, 1]) and not np.array_equal(W[:, 0], W[:, 2])
    assert np.all(learners.initial({}, 3, [1])[0] == 0)


# ---- divergence ------------------------------------------------------------------------------------


DIVERGING = """\
data rows = csv("data/diabetes.csv", target: "target")
split rows -> train 80%, test 20% seed 1
model linear_regression
hyper {
    learning_rate: float in (0, 100] = 5
    epochs: int in [1, 1000] = 200
}
standardize using train
train on train
test on test
"""


def test_a_full_batch_rate_above_the_limit_is_hp301_before_epoch_1_naming_the_stable_rate():
    epochs = []
    with pytest.raises(RunError) as caught:
        run(check_text(DIVERGING, os.path.join(EXAMPLES, "w.hp")),
            Options(progress=lambda label, done, total: epochs.append(done)))
    assert epochs == []  # refused before the first epoch
    diagnostic = caught.value.diagnostic
    assert diagnostic.code == "HP301"
    message = diagnostic.message
    assert message.startswith("train at line 9 would diverge: learning_rate 5 exceeds ")
    assert "learning_rate 5, l2 0, epochs 200, batch_size full batch, seed 0" in message
    # the bound, computed independently: 2 / largest eigenvalue of the Hessian in (w, b)
    X, y = diabetes(standardized=False)
    from hpdsl.runtime.splits import share_counts, shuffle

    order = shuffle(len(y), 1)[: share_counts(len(y), [80, 20])[0]]
    Xt = X[order]
    Xs = (Xt - Xt.mean(axis=0)) / Xt.std(axis=0)
    A = np.hstack([Xs, np.ones((len(Xs), 1))])
    bound = 2 / np.linalg.eigvalsh(A.T @ A / len(Xs))[-1]
    assert (f"learning_rate 5 exceeds {bound:.3g}, the stability limit of full-batch gradient descent on "
            "these rows (2 / largest eigenvalue of the loss's Hessian), so the loss would grow from epoch 1 on "
            "(learning_rate 5, l2 0, epochs 200, batch_size full batch, seed 0)") == message.split(": ", 1)[1]
    assert diagnostic.help.startswith(f"use a learning_rate below {bound:.3g}, e.g. {float(f'{bound / 2:.2g}'):g}")


def test_the_stable_rate_is_the_edge_of_convergence():
    X, y = diabetes()
    rows = Rows(X, y)
    edge = learners.stable_rate(rows.stats, 0.0)
    below = learners.gradient_descent(rows, [hypers(learning_rate=0.99 * edge, epochs=3000)], {})
    above = learners.gradient_descent(rows, [hypers(learning_rate=1.5 * edge, epochs=3000)], {})
    assert not below.diverged[0] and above.diverged[0]
