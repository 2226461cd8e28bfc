"""Nested cross-validation: the outer and inner folds (never an outer fold's row in its
inner tune), agreement with scikit-learn's cross_val_score(GridSearchCV(...)) on the same
folds, the flat tune beside it, the refit, the report, and the run-time row checks."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpdsl.checker import check_text
from hpdsl.runtime import Options, RunError, run
from hpdsl.runtime.nested import Plan, indices
from hpdsl.runtime.splits import fold_bounds, shuffle

from helpers import EXAMPLES

NESTED = os.path.join(EXAMPLES, "nested_cv.hp")


def run_file(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        analysis = check_text(handle.read(), path)
    assert not analysis.errors, analysis.errors
    return run(analysis, Options(base_dir=os.path.dirname(path))).data


def run_text(text: str) -> dict:
    analysis = check_text(text, "nested.hp")
    assert not analysis.errors, analysis.errors
    return run(analysis, Options()).data


def tune_step(data: dict) -> dict:
    return next(s for s in data["steps"] if s["kind"] == "tune")


# ---- the folds ----------------------------------------------------------------------------------


@given(rows=st.integers(4, 60), inner=st.integers(2, 6), outer=st.integers(2, 8))
def test_inner_folds_partition_the_outer_training_rows_and_never_touch_the_outer_fold(rows, inner, outer):
    plan = Plan(rows, inner, outer)
    held_out = [indices(held) for _, held in plan.outer]
    assert np.array_equal(np.concatenate(held_out), np.arange(rows))  # outer folds: contiguous, in order
    assert [(int(h[0]), int(h[-1]) + 1) if len(h) else None for h in held_out] == \
        [b if b[0] < b[1] else None for b in fold_bounds(rows, outer)]
    for (training, held), folds in zip(plan.outer, plan.inner):
        train_rows = indices(training)
        assert np.array_equal(np.sort(np.concatenate([train_rows, indices(held)])), np.arange(rows))
        # The inner folds are fold_bounds over the outer-training rows in their order.
        cut = [train_rows[a:b] for a, b in fold_bounds(len(train_rows), inner)]
        assert len(folds) == inner
        for f, (inner_train, inner_held) in enumerate(folds):
            assert np.array_equal(indices(inner_held), cut[f])
            assert np.array_equal(indices(inner_train), np.concatenate([c for g, c in enumerate(cut) if g != f]))
            assert not set(indices(inner_train)) & set(indices(held))
            assert not set(indices(inner_held)) & set(indices(held))
    assert [indices(h).tolist() for _, h in plan.flat] == [list(range(a, b)) for a, b in fold_bounds(rows, inner)]


def test_the_folds_are_scikit_learns_unshuffled_kfold():
    from sklearn.model_selection import KFold

    rows, inner, outer = 442, 5, 10
    plan = Plan(rows, inner, outer)
    X = np.zeros((rows, 1))
    for (training, held), folds, (sk_train, sk_held) in zip(plan.outer, plan.inner, KFold(outer).split(X)):
        assert np.array_equal(indices(training), sk_train) and np.array_equal(indices(held), sk_held)
        for (inner_train, inner_held), (a, b) in zip(folds, KFold(inner).split(sk_train)):
            assert np.array_equal(indices(inner_train), sk_train[a]) and np.array_equal(indices(inner_held),
                                                                                         sk_train[b])


# ---- agreement with scikit-learn -----------------------------------------------------------------


def _sklearn_nested(X, y, grid, inner, outer):
    """scikit-learn's nested and flat estimates on the same folds. hpdsl's l2 is alpha
    divided by the rows of each fit, so the estimator scales it per fit."""
    from sklearn.base import BaseEstimator, RegressorMixin
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV, KFold, cross_validate
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    class PerRowRidge(RegressorMixin, BaseEstimator):
        def __init__(self, l2=1.0):
            self.l2 = l2

        def fit(self, X, y):
            self.ridge_ = Ridge(alpha=self.l2 * len(X)).fit(X, y)
            return self

        def predict(self, X):
            return self.ridge_.predict(X)

    def search():
        pipeline = Pipeline([("scale", StandardScaler()), ("ridge", PerRowRidge())])
        return GridSearchCV(pipeline, {"ridge__l2": grid}, cv=KFold(inner), scoring="neg_mean_squared_error")

    # cross_val_score(search(), ...), keeping each outer fold's fitted search for its choice.
    outer_folds = list(KFold(outer).split(X))
    done = cross_validate(search(), X, y, cv=outer_folds, scoring="neg_mean_squared_error", return_estimator=True)
    nested = -done["test_score"]
    chosen = [fitted.best_params_["ridge__l2"] for fitted in done["estimator"]]
    flat = search().fit(X, y)
    return nested, chosen, -flat.best_score_, flat.best_params_["ridge__l2"]


@pytest.fixture(scope="module")
def example():
    return run_file(NESTED)


def test_nested_cv_example_agrees_with_scikit_learn_on_the_same_folds(example):
    table = np.loadtxt(os.path.join(EXAMPLES, "data", "diabetes.csv"), delimiter=",", skiprows=1)
    X, y = table[:, :-1], table[:, -1]
    order = shuffle(len(y), 2004)  # the split's shuffled order: `train 100% seed 2004` takes all of it
    step = tune_step(example)
    grid = [t["hypers"]["l2"] for t in step["trials"]]
    assert np.allclose(grid, np.logspace(-6, 1, 30), rtol=1e-14, atol=0)  # hpdsl's own values go to sklearn
    nested, chosen, flat, flat_l2 = _sklearn_nested(X[order], y[order], grid, 5, 10)
    ours = step["nested"]
    scores = [fold["score"] for fold in ours["outer"]]
    assert np.allclose(scores, nested, rtol=1e-8, atol=0)
    assert [fold["best"]["l2"] for fold in ours["outer"]] == chosen
    assert math.isclose(ours["mean"], nested.mean(), rel_tol=1e-8)
    assert math.isclose(ours["std"], nested.std(), rel_tol=1e-8)
    assert math.isclose(step["score"], flat, rel_tol=1e-8) and step["best"]["l2"] == flat_l2
    assert math.isclose(ours["mean"] - step["score"], nested.mean() - flat, rel_tol=1e-6, abs_tol=1e-8)
    assert [fold["rows"] for fold in ours["outer"]] == [45, 45] + [44] * 8
    assert [fold["training_rows"] for fold in ours["outer"]] == [397, 397] + [398] * 8


def test_the_report_and_the_terminal_show_the_outer_folds(example):
    from hpdsl.runtime.report import _describe

    step = tune_step(example)
    ours = step["nested"]
    assert step["cv"] == 5 and ours["folds"] == 10 and len(ours["outer"]) == 10
    assert ours["mean"] == pytest.approx(np.mean([f["score"] for f in ours["outer"]]), rel=1e-15)
    lines = _describe(step)
    assert lines[0].split(":")[0].endswith("tune cv 5 nested in cv 10 on train, grid of 30")
    assert f"nested cv 10: mse {ours['mean']:.6g} ± {ours['std']:.6g}" in lines[1]
    first = ours["outer"][0]
    assert lines[2].strip() == (f"outer  1: chose l2 {first['best']['l2']:.6g} (inner cv {first['inner_score']:.6g} "
                                f"on 397 rows), mse {first['score']:.6g} on 45 held out")
    # The flat tune after it: all the rows, its own trials, and the model refit on them.
    assert step["refit"] == {"splits": ["train"], "epochs_run": None}
    assert example["hypers"]["l2"] == step["best"]["l2"]


# ---- the same numbers by another road --------------------------------------------------------------

LINEAR = """\
data d = synthetic(rows: 160, features: 4, noise: 0.5, seed: 3)
split d -> train 70%, validation 10%, test 20% seed 5
model linear_regression
hyper {{
    learning_rate: float in (0, 1] = 0.1
    l2:            float in [0, 10] = 0.0
    epochs:        int in [1, 500] = 40
    batch_size:    int in [1, 512] = {batch}
    seed:          int = 0
}}
standardize using {standardize}
tune l2 in [0, 0.01, 0.1, 1], learning_rate in [0.05, 0.2] using cv 3 nested in cv 4 on {rows} minimize {metric}
test on test
"""


def brute_force(text: str, pipeline: bool, cv_rows: int, metric: str):
    """Each outer fold tuned by the flat cv machinery (tune.cv_folds) on its materialised
    outer-training rows, the winner trained on them and scored on its held-out rows."""
    from hpdsl.runtime import learners, tune
    from hpdsl.runtime.data import load
    from hpdsl.runtime.metrics import lower_is_better, score
    from hpdsl.runtime.preprocess import Standardization
    from hpdsl.runtime.stats import Rows

    analysis = check_text(text, "nested.hp")
    assert not analysis.errors, analysis.errors
    data = run(analysis, Options()).data
    step = tune_step(data)
    hypers = [{**data["hypers"], **t["hypers"]} for t in step["trials"]]
    dataset = load(analysis.scope.source, ".")
    X, y = dataset.X[shuffle(len(dataset.y), 5)], dataset.y[shuffle(len(dataset.y), 5)]
    if not pipeline:  # standardized once, on the validation rows (112..128 of the order)
        X = Standardization.fit(X[112:128]).apply(X)
    X, y = X[:cv_rows], y[:cv_rows]
    scores, chosen = [], []
    for a, b in fold_bounds(cv_rows, 4):
        keep = np.r_[0:a, b:cv_rows]
        X_train, y_train, X_held = X[keep], y[keep], X[a:b]
        folds = tune.cv_folds(X_train, X_train, y_train, 3, pipeline)
        fold_scores, _ = tune.search("linear_regression", hypers, folds, analysis.scope.param_inits, metric)
        winner = tune.best(tune.mean_scores(fold_scores), lower_is_better(metric))
        if pipeline:
            scaling = Standardization.fit(X_train)
            X_train, X_held = scaling.apply(X_train), scaling.apply(X_held)
        fit = learners.gradient_descent(Rows(X_train, y_train), [hypers[winner]], analysis.scope.param_inits)
        scores.append(float(score(Rows(X_held, y[a:b]), fit.weights, fit.intercept, metric)[0]))
        chosen.append(step["trials"][winner]["hypers"])
    return step, scores, chosen


@pytest.mark.parametrize("batch, metric, pipeline", [
    ("512", "mse", True), ("16", "mae", True), ("512", "rmse", False), ("16", "mse", False),
], ids=["full batch, mse, refit per fold", "mini-batch, mae, refit per fold",
        "full batch, rmse, standardized elsewhere", "mini-batch, mse, standardized elsewhere"])
def test_gradient_descent_nested_folds_equal_the_flat_machinery_on_each_outer_fold(batch, metric, pipeline):
    # Under the pipeline rule the standardization (fitted on train) is refit inside every
    # fold of train + validation; fitted on validation alone, a cv over train uses it as it is.
    rows, cv_rows, standardize = ("train + validation", 128, "train") if pipeline else ("train", 112, "validation")
    text = LINEAR.format(batch=batch, standardize=standardize, rows=rows, metric=metric)
    step, scores, chosen = brute_force(text, pipeline, cv_rows, metric)
    ours = step["nested"]
    assert [f["best"] for f in ours["outer"]] == chosen
    assert np.allclose([f["score"] for f in ours["outer"]], scores, rtol=1e-9, atol=0)


def test_ridge_reads_each_row_once_for_all_the_folds(monkeypatch):
    """The segments' sums are the only pass over the rows for the (M + 1)·K inner fits,
    the M outer refits and their scores, and the final refit on all the rows: the
    one-pass engine sums every segment once and merges them for every fold and split."""
    from hpdsl.runtime import stats

    summed = []
    original = stats.Stats.of.__func__

    def counting(cls, X, y):
        summed.append(len(y))
        return original(cls, X, y)

    monkeypatch.setattr(stats.Stats, "of", classmethod(counting))
    data = run_file(NESTED)
    assert len(tune_step(data)["nested"]["outer"]) == 10
    assert sum(summed) == 442 and max(summed) < 442  # segments (one pass), merged for the refit too


def test_rows_fewer_than_features_build_the_folds_from_rows():
    text = """\
data d = synthetic(rows: 30, features: 40, noise: 0.1, seed: 2)
split d -> train 100% seed 1
model ridge
hyper {
    l2: float in [0, 100] = 1.0
}
standardize using train
tune l2 in [0.01, 0.1, 1] using cv 2 nested in cv 3 on train
"""
    data = run_text(text)
    outer = tune_step(data)["nested"]["outer"]
    assert [(f["rows"], f["training_rows"]) for f in outer] == [(10, 20)] * 3
    assert all(np.isfinite(f["score"]) for f in outer)


@pytest.mark.parametrize("rows, folds, message", [
    (5, "cv 2 nested in cv 6", "nested in cv 6 needs at least 6 rows, but train has 5"),
    (7, "cv 5 nested in cv 3", "cv 5 inside each outer fold needs at least 5 rows, but the first of the 3 outer "
                               "folds of train (7 rows) leaves 4"),
])
def test_too_few_rows_for_the_folds_is_hp302(rows, folds, message):
    text = f"""\
data d = synthetic(rows: {rows}, features: 1, noise: 0.1, seed: 2)
split d -> train 100% seed 1
model ridge
hyper {{
    l2: float in [0, 100] = 1.0
}}
tune l2 in [0.01, 1] using {folds} on train
"""
    with pytest.raises(RunError) as caught:
        run_text(text)
    assert caught.value.diagnostic.code == "HP302" and caught.value.diagnostic.message == message


# ---- the checker ----------------------------------------------------------------------------------

RIDGE = """\
data d = synthetic(rows: 200, features: 3, noise: 0.1, seed: 1)
split d -> train 60%, validation 20%, test 20% seed 7
model ridge
hyper {
    l2: float in [0, 100] = 1.0
}
"""
SMALL = """\
data d = synthetic(rows: 60, features: 3, noise: 0.1, seed: 1)
split d -> train 100% seed 7
model ridge
hyper {
    l2: float in [0, 100] = 1.0
}
"""


def test_nested_cv_parses_into_the_tune_node():
    from hpdsl.syntax import parse
    from hpdsl.source import Source

    program = parse(Source(RIDGE + "tune l2 in [1, 2] using cv 3 nested in cv 10 on train + validation\n")).program
    tune = program.steps[0]
    assert (tune.cv.value, tune.outer.value, [s.name for s in tune.splits]) == (3, 10, ["train", "validation"])
    plain = parse(Source(RIDGE + "tune l2 in [1, 2] using cv 3 on train\n")).program.steps[0]
    assert plain.outer is None


@pytest.mark.parametrize("steps, expected", [
    ("tune l2 in [1, 2] using cv 3 nested in cv 5 on train + validation\ntest on test\n", []),
    # Outer folds need at least two, as inner folds do.
    ("tune l2 in [1, 2] using cv 3 nested in cv 1 on train + validation\ntest on test\n", ["HP004"]),
    ("tune l2 in [1, 2] using cv 1 nested in cv 1 on train + validation\ntest on test\n", ["HP004", "HP004"]),
    # The test split is never inside a nested cross-validation.
    ("tune l2 in [1, 2] using cv 3 nested in cv 5 on train + test\ntest on test\n", ["HP103"]),
    ("tune l2 in [1, 2] using cv 3 nested in cv 5 on train + validation\nevaluate on test\n", ["HP105"]),
    # The final test on rows the nested tune cross-validated over saw them already.
    ("tune l2 in [1, 2] using cv 3 nested in cv 5 on train + validation\ntest on validation\n", ["HP110"]),
])
def test_the_discipline_of_a_nested_tune(steps, expected):
    from helpers import codes

    found = [code for code in codes(RIDGE + steps) if code != "HP205"]
    assert found == expected


@pytest.mark.parametrize("steps, expected", [
    # The outer folds measured the procedure that made the final model: no test needed.
    ("standardize using train\ntune l2 in [1, 2] using cv 3 nested in cv 5 on train\n", []),
    # A flat cv tune has no such estimate; nor does a model trained or changed after the nested tune.
    ("tune l2 in [1, 2] using cv 3 on train\n", ["HP203"]),
    ("tune l2 in [1, 2] using cv 3 nested in cv 5 on train\ntrain on train\n", ["HP203"]),
    ("tune l2 in [1, 2] using cv 3 nested in cv 5 on train\nset l2 = 3\n", ["HP203"]),
    ("tune l2 in [1, 2] using cv 3 nested in cv 5 on train\nstandardize using train\n", ["HP203"]),
])
def test_a_nested_tune_is_the_estimate_no_test_is_missing(steps, expected):
    from helpers import codes

    assert codes(SMALL + steps) == expected


# ---- the ledger's versions -----------------------------------------------------------------------


def test_workflows_without_nesting_keep_their_ledger_versions():
    """The versions hpdsl gave these examples before tunes could nest: their ledger
    entries still match them."""
    from hpdsl.ledger.identity import canonical, version

    def version_of(name):
        path = os.path.join(EXAMPLES, name)
        with open(path, encoding="utf-8") as handle:
            return version(canonical(check_text(handle.read(), path).program))

    assert version_of("ridge_cv.hp") == "39e95f7ba2492f8bd78080809965133740ce7854a1be964cd47ed7ef0b7d09e2"
    assert version_of("diabetes.hp") == "597d9ebf04b2fba9e40abdb87e8a9117998a5a748d473abfac594949cb44f757"


def test_nesting_a_tune_is_a_new_version_and_says_so():
    from hpdsl.ledger.identity import canonical, changes, version

    def identity(folds):
        return canonical(check_text(RIDGE + f"tune l2 in [1, 2] using {folds} on train\ntest on test\n", "a").program)

    flat, nested, other = identity("cv 3"), identity("cv 3 nested in cv 5"), identity("cv 3 nested in cv 4")
    assert len({version(flat), version(nested), version(other)}) == 3
    assert changes(flat, nested) == ["the tune's outer folds changed (none -> 5)"]
    assert changes(nested, flat) == ["the tune's outer folds changed (5 -> none)"]
    assert changes(nested, other) == ["the tune's outer folds changed (5 -> 4)"]


# ---- hpdsl.testing knows the form -----------------------------------------------------------------


def _found(strategy, condition):
    from random import Random

    from hypothesis import Phase, find, settings

    return find(strategy, condition, random=Random(0),
                settings=settings(max_examples=3000, database=None, phases=[Phase.generate], deadline=None))


def _nested_tunes(program):
    from hpdsl import nodes as n

    return [s for s in program.steps if isinstance(s, n.Tune) and s.outer is not None]


def _codes_of(program):
    from hpdsl.formatter import format_program
    from helpers import codes

    return codes(format_program(program))


def test_generated_nested_tunes_check_clean_even_as_the_last_training_step():
    from hpdsl import nodes as n
    from hpdsl.testing import programs

    def nested_last(program):
        trained = [s for s in program.steps if isinstance(s, (n.Train, n.Tune))]
        return bool(trained) and trained[-1] in _nested_tunes(program)

    program = _found(programs(), nested_last)
    assert _codes_of(program) == []


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_injected_nested_mistakes_give_exactly_their_code(data):
    """The edits hpdsl.testing makes, applied to a workflow whose final model comes from a
    nested tune (a cv tune over non-test splits put before its final test)."""
    from hpdsl.testing import _inject as inject
    from hpdsl.testing._steps import tune
    from hpdsl.testing._tree import count
    from hpdsl.testing._workflow import Workflow

    def nested_last():
        w = Workflow(data.draw, ("linear_regression", "ridge"), ("synthetic",), {"trains"})
        inject._before_final(w, tune(w, w.subset(w.nontest, 1, 2), count(2), outer=count(3)))
        assert inject._assessed(w) and _codes_of(w.program()) == []
        return w

    for edit, expected in [(inject._nested_over_test, ["HP103"]), (inject._too_few_outer_folds, ["HP004"]),
                           (inject._no_final_test_nor_nesting, ["HP203"]), (inject._no_final_test, [])]:
        w = nested_last()
        edit(w)
        assert _codes_of(w.program()) == expected, edit.__name__
