"""Tune: grid order, seeded random search, hold-out and cross-validation, the refit, ties,
edge notes, --max-trials, divergence of every candidate, and HP004 decided at run time."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hpdsl.checker import check_text
from hpdsl.runtime import Options, RunError, UsageError, run, tune

DECLARATIONS = """\
data d = synthetic(rows: 300, features: 4, noise: 0.5, seed: 2)
split d -> train 60%, validation 20%, test 20% seed 9
model {model}
hyper {{
{hypers}
}}
"""
LINEAR = """\
    learning_rate: float in (0, 10] = 0.1
    l2:            float in [0, 100] = 0.0
    epochs:        int in [1, 1000] = 50
    batch_size:    int in [1, 512] = 32
    seed:          int = 0"""
RIDGE = "    l2: float in [0, 1000] = 1.0"


def workflow(steps: str, model: str = "linear_regression") -> str:
    hypers = LINEAR if model == "linear_regression" else RIDGE
    return DECLARATIONS.format(model=model, hypers=hypers) + steps


def report(steps: str, model: str = "linear_regression", **options):
    analysis = check_text(workflow(steps, model), "tune.hp")
    assert not analysis.errors, analysis.errors
    return run(analysis, Options(**options)).data


def same_params(a: dict, b: dict, rel: float = 1e-12) -> bool:
    return (np.allclose(a["weights"], b["weights"], rtol=rel, atol=0)
            and math.isclose(a["intercept"], b["intercept"], rel_tol=rel))


def tune_step(data: dict) -> dict:
    return next(s for s in data["steps"] if s["kind"] == "tune")


def test_grid_is_the_cartesian_product_first_name_slowest():
    data = report("tune learning_rate in [0.01, 0.1], l2 in [0, 1, 2] on validation\ntest on test")
    tried = [t["hypers"] for t in tune_step(data)["trials"]]
    assert tried == [{"learning_rate": lr, "l2": l2} for lr in (0.01, 0.1) for l2 in (0, 1, 2)]


def test_random_search_draws_as_documented_and_the_same_every_time():
    steps = ("tune learning_rate in loguniform(0.001, 1), l2 in [0, 1, 2], epochs in randint(5, 50), "
             "seed in range(0, 100, 7) on validation using random 6 seed 11\ntest on test")
    first = tune_step(report(steps))["trials"]
    assert first == tune_step(report(steps))["trials"]
    rng = np.random.default_rng(11)
    expected = []
    for _ in range(6):
        rate = math.exp(rng.uniform(math.log(0.001), math.log(1)))
        l2 = [0, 1, 2][int(rng.integers(3))]
        epochs = int(rng.integers(5, 50))
        seed = list(range(0, 100, 7))[int(rng.integers(len(range(0, 100, 7))))]
        expected.append({"learning_rate": rate, "l2": l2, "epochs": epochs, "seed": seed})
    assert [t["hypers"] for t in first] == expected


def test_random_search_seed_defaults_to_0():
    a = tune_step(report("tune l2 in uniform(0, 5) on validation using random 4\ntest on test"))
    b = tune_step(report("tune l2 in uniform(0, 5) on validation using random 4 seed 0\ntest on test"))
    assert a["trials"] == b["trials"]
    assert [t["hypers"]["l2"] for t in a["trials"]] == list(np.random.default_rng(0).uniform(0, 5, 4))


def test_after_a_tune_the_hyperparameters_hold_the_best_candidate_and_the_model_is_refit():
    data = report("tune l2 in [0, 0.1, 10], learning_rate in [0.01, 0.1] on validation minimize mse\n"
                  "test on test")
    step = tune_step(data)
    scores = [t["score"] for t in step["trials"]]
    best = step["trials"][int(np.argmin(scores))]["hypers"]
    assert step["best"] == best and step["score"] == min(scores)
    assert {k: data["hypers"][k] for k in best} == best
    again = report(f"set l2 = {best['l2']}\nset learning_rate = {best['learning_rate']}\n"
                   "train on train\ntest on test")
    assert np.allclose(data["params"]["weights"], again["params"]["weights"], rtol=1e-10, atol=0)
    assert data["steps"][-1]["scores"] == pytest.approx(again["steps"][-1]["scores"], rel=1e-10)


def test_ties_go_to_the_earliest_candidate_and_nan_never_wins():
    assert tune.best(np.array([2.0, 1.0, 1.0]), lower=True) == 1
    assert tune.best(np.array([np.nan, 0.5, 0.7]), lower=False) == 2
    assert tune.best(np.array([np.nan, np.nan]), lower=True) is None


def test_hold_out_candidates_train_on_the_rows_of_the_nearest_preceding_train():
    inherited = report("train on train + validation\ntune l2 in [0, 1, 5] on validation\ntest on test", "ridge")
    direct = report("set l2 = {}\ntrain on train + validation\ntest on test".format(
        tune_step(inherited)["best"]["l2"]), "ridge")
    assert tune_step(inherited)["refit"]["splits"] == ["train", "validation"]
    assert same_params(inherited["params"], direct["params"])
    assert inherited["audit"]["validation"] == [{"line": 7, "kind": "train"}, {"line": 8, "kind": "tune"}]


def test_hold_out_candidates_inherit_early_stopping_but_not_logging():
    data = report("train on train {\n    every 5 epochs: log mse on validation\n"
                  "    stop early when mse on validation has not improved for 3 epochs\n}\n"
                  "tune learning_rate in [0.5, 1, 1.5], epochs in [1000] on validation\ntest on test")
    step = tune_step(data)
    assert step["refit"]["epochs_run"] < 1000  # the winner stopped early
    assert "log" not in step


def test_cross_validation_keeps_fold_scores_and_refits_on_every_cross_validated_row():
    data = report("tune l2 in [0.1, 1, 10, 100] using cv 5 on train + validation\ntest on test", "ridge")
    step = tune_step(data)
    for trial in step["trials"]:
        assert len(trial["fold_scores"]) == 5
        assert trial["score"] == pytest.approx(np.mean(trial["fold_scores"]), rel=1e-12)
    assert step["cv"] == 5 and step["refit"]["splits"] == ["train", "validation"]
    direct = report(f"set l2 = {step['best']['l2']}\ntrain on train + validation\ntest on test", "ridge")
    assert same_params(data["params"], direct["params"], rel=1e-10)


def test_cross_validation_refits_an_overlapping_standardization_inside_each_fold():
    steps = "standardize using train\ntune l2 in [0.1, 1, 10] using cv 3 on train\ntest on test"
    piped = tune_step(report(steps, "ridge"))["trials"]
    # by hand: fold k's training rows get their own mean and std
    from hpdsl.runtime.data import synthetic
    from hpdsl.runtime.splits import share_counts, shuffle

    data = synthetic(300, 4, 0.5, 2)
    rows = shuffle(300, 9)[: share_counts(300, [60, 20, 20])[0]]
    X, y = data.X[rows], data.y[rows]
    folds = [(0, 60), (60, 120), (120, 180)]
    for trial in piped:
        l2 = trial["hypers"]["l2"]
        scores = []
        for a, b in folds:
            keep = np.r_[0:a, b:180]
            mean, std = X[keep].mean(axis=0), X[keep].std(axis=0)
            Xt, Xv = (X[keep] - mean) / std, (X[a:b] - mean) / std
            n = len(keep)
            A = np.vstack([Xt - Xt.mean(axis=0), np.sqrt(n * l2) * np.eye(4)])
            w = np.linalg.lstsq(A, np.r_[y[keep] - y[keep].mean(), np.zeros(4)], rcond=None)[0]
            intercept = y[keep].mean() - Xt.mean(axis=0) @ w
            scores.append(np.mean((Xv @ w + intercept - y[a:b]) ** 2))
        assert trial["fold_scores"] == pytest.approx(scores, rel=1e-9)


def test_a_winner_on_the_edge_of_the_range_gets_a_note():
    step = tune_step(report("tune l2 in logspace(-4, 0, 5) on validation\ntest on test", "ridge"))
    assert step["best"] == {"l2": 0.0001}
    assert step["notes"] == ["l2 = 0.0001 is the smallest value tried; the range should probably be extended"]
    two = tune_step(report("tune l2 in [0.0001, 0.001] on validation\ntest on test", "ridge"))
    assert two["notes"] == []  # fewer than three values: no range to speak of


def test_max_trials_refuses_a_larger_search():
    with pytest.raises(UsageError, match="more than --max-trials 5"):
        report("tune l2 in linspace(0, 1, 6) on validation\ntest on test", "ridge", max_trials=5)


def test_when_every_candidate_diverges_it_is_hp301():
    with pytest.raises(RunError) as caught:
        report("set epochs = 300\nset batch_size = 512\ntune learning_rate in [5, 8] on validation\ntest on test")
    assert caught.value.diagnostic.code == "HP301"
    assert caught.value.diagnostic.message.startswith("every candidate of tune at line 13 would diverge; the first: "
                                                      "learning_rate 5 exceeds ")


def test_a_diverged_candidate_scores_nothing_and_loses():
    data = report("set epochs = 300\nset batch_size = 512\ntune learning_rate in [0.1, 8] on validation\n"
                  "test on test")
    step = tune_step(data)
    assert step["trials"][1]["score"] is None and step["best"] == {"learning_rate": 0.1}


def test_a_value_only_a_tune_decides_is_checked_at_run_time():
    steps = "tune l2 in [0.1, 0.2] on validation\nset learning_rate = l2 * 100\ntrain on train\ntest on test"
    analysis = check_text(workflow(steps).replace("(0, 10]", "(0, 1]"), "tune.hp")
    assert not analysis.errors
    with pytest.raises(RunError) as caught:
        run(analysis)
    diagnostic = caught.value.diagnostic
    assert diagnostic.code == "HP004"
    assert diagnostic.message.startswith("learning_rate = 20 lies outside the declared domain (0, 1]") or \
        diagnostic.message.startswith("learning_rate = 10 lies outside the declared domain (0, 1]")
    text = analysis.source.text
    assert text[diagnostic.span.start:diagnostic.span.end] == "l2 * 100"



@pytest.mark.parametrize("grid, taken", [("[l2 / 2, l2, l2 * 2]", None), ("[l2 / 2, l2 * 5]", "l2 = 1.5"),
                                         ("[l2, 0 - l2]", "l2 = -0.3")])
def test_candidates_computed_from_a_tuned_value_are_checked_against_the_domains_at_run_time(grid, taken):
    text = workflow(f"tune l2 in [0.3, 0.6] on validation\ntune l2 in {grid} on validation", "ridge")
    analysis = check_text(text.replace("l2: float in [0, 1000]", "l2: float in [0, 1]"), "tune.hp")
    assert not analysis.errors
    if taken is None:
        steps = run(analysis).data["steps"]
        assert [t["hypers"]["l2"] for t in steps[-1]["trials"]] == [0.15, 0.3, 0.6]
        return
    with pytest.raises(RunError) as caught:
        run(analysis)
    assert caught.value.diagnostic.code == "HP004"
    assert caught.value.diagnostic.message.startswith(f"{taken} lies outside")

def test_mini_batch_and_full_batch_candidates_in_one_search():
    data = report("tune batch_size in [8, 512], learning_rate in [0.05, 0.1] on validation\ntest on test")
    assert all(t["score"] is not None for t in tune_step(data)["trials"])


def test_a_loguniform_draw_never_rounds_past_its_ends():
    # exp(log 10) is 10.000000000000002, just outside the domain [0, 10]
    text = DECLARATIONS.format(model="ridge", hypers="    l2: float in [0, 10] = 1.0") + \
        "tune l2 in loguniform(10, 10) on validation using random 3\ntest on test"
    analysis = check_text(text, "tune.hp")
    assert not analysis.errors, analysis.errors
    trials = tune_step(run(analysis, Options()).data)["trials"]
    assert [t["hypers"]["l2"] for t in trials] == [10.0, 10.0, 10.0]


def test_a_tune_reports_progress_through_its_epochs_and_scores_as_without_it():
    steps = "tune learning_rate in [0.01, 0.05], l2 in [0, 0.1] using cv 2 on train + validation"
    text = workflow(steps).replace("batch_size:    int in [1, 512] = 32", "batch_size:    int in [1, 512]")
    text = text.replace("epochs:        int in [1, 1000] = 50", "epochs:        int in [1, 1000] = 150")
    analysis = check_text(text, "tune.hp")
    assert not analysis.errors, analysis.errors
    seen = []
    watched = run(analysis, Options(progress=lambda label, done, total: seen.append((done, total)))).data
    quiet = run(analysis).data
    assert [s.get("trials") for s in watched["steps"]] == [s.get("trials") for s in quiet["steps"]]
    dones = [done for done, total in seen]
    assert {total for _, total in seen} == {8} and dones == sorted(dones) and dones[-1] == 8
    # within each fold's chunk of 4 candidates, 150 epochs are reported in blocks, not once at the end
    assert len([d for d in dones if 0 < d < 4]) >= 2
