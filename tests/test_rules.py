"""The checker's rules, one line per case: what must be rejected, and the near misses that must not.

Each workflow is the standard declarations (helpers.PREAMBLE: a synthetic data set
split into train 60%, validation 20%, test 20%; linear_regression with learning_rate,
l2, epochs, batch_size and seed declared) followed by the steps shown.
"""

from __future__ import annotations

import pytest

from helpers import PREAMBLE, RIDGE_PREAMBLE, codes, diagnostics, step_codes

CLEAN_END = "evaluate on validation\ntest on test\n"


def only(steps: str, preamble: str = PREAMBLE) -> list[str]:
    return step_codes(steps, preamble)


# ---- the clean workflows and near misses: no diagnostics at all -------------------------------------

NEAR_MISSES = {
    "train, evaluate, test": "train on train\n" + CLEAN_END,
    "early stopping on validation": (
        "train on train {\n    stop early when mse on validation has not improved for 10 epochs\n}\n" + CLEAN_END
    ),
    "logging on validation": "train on train {\n    every 10 epochs: log r2 on validation\n}\n" + CLEAN_END,
    "refit on train + validation after a tune": (
        "train on train\ntune l2 in [0.1, 1] on validation\ntrain on train + validation\ntest on test\n"
    ),
    "evaluate on validation after the test": "train on train\ntest on test\nevaluate on validation\n",
    "a schedule declared up front": (
        "set learning_rate = step(0.1, every: 10, factor: 0.5)\ntrain on train\n" + CLEAN_END
    ),
    "an exponential schedule": "set learning_rate = exponential(0.1, rate: 0.99)\ntrain on train\n" + CLEAN_END,
    "a set followed by a retrain": "train on train\nset l2 = 0.5\ntrain on train\n" + CLEAN_END,
    "a set before any training": "set l2 = 0.5\nset epochs = epochs * 2\ntrain on train\n" + CLEAN_END,
    "a standardize followed by a retrain": "train on train\nstandardize using train\ntrain on train\n" + CLEAN_END,
    "a tune directly followed by the test (the tune refits)": (
        "tune l2 in [0.1, 1] on validation\ntest on test\n"
    ),
    "cross-validation over train + validation": (
        "tune l2 in logspace(-3, 1, 50) using cv 5 on train + validation\ntest on test\n"
    ),
    "random search with distributions": (
        "tune learning_rate in loguniform(0.001, 0.5), epochs in randint(10, 100) on validation "
        "using random 20 seed 1\ntest on test\n"
    ),
    "int candidates from a whole-number linspace": "tune epochs in linspace(10, 100, 10) on validation\ntest on test\n",
    "range of ints": "tune batch_size in range(16, 128, 16) on validation\ntest on test\n",
    "maximize r2": "tune l2 in [0.1, 1] on validation maximize r2\ntest on test\n",
    "a set that depends on a tuned value is checked at run time": (
        "tune l2 in [0.1, 0.2] on validation\nset learning_rate = l2 * 2\ntrain on train\ntest on test\n"
    ),
    "standardize on train only, then a tune on validation": (
        "standardize using train\ntune l2 in [0.1, 1] on validation\ntest on test\n"
    ),
}


@pytest.mark.parametrize("steps", NEAR_MISSES.values(), ids=NEAR_MISSES.keys())
def test_near_misses_are_accepted(steps):
    assert only(steps) == []


def test_ridge_near_misses_are_accepted():
    assert only("train on train\n" + CLEAN_END, RIDGE_PREAMBLE) == []
    assert only("tune l2 in logspace(-2, 2, 50) using cv 5 on train + validation\ntest on test\n", RIDGE_PREAMBLE) == []


# ---- HP1xx: the discipline ---------------------------------------------------------------------------


def test_HP101_a_hyperparameter_changed_inside_a_train_body():
    assert only("train on train {\n    set l2 = 0.1\n}\n" + CLEAN_END) == ["HP101"]
    assert only("train on train {\n    every 10 epochs: set learning_rate = 0.05\n}\n" + CLEAN_END) == ["HP101"]


def test_HP101_also_for_a_model_hyperparameter_the_hyper_block_does_not_declare():
    preamble = PREAMBLE.replace("    seed:          int                = 0\n", "")
    assert only("train on train {\n    set seed = 3\n}\n" + CLEAN_END, preamble) == ["HP101"]


def test_HP102_a_learned_parameter_set_tuned_or_used():
    assert only("set weights = 0\ntrain on train\n" + CLEAN_END) == ["HP102"]
    assert only("tune intercept in [0, 1] on validation\ntest on test\n") == ["HP102"]
    assert only("set l2 = weights * 2\ntrain on train\n" + CLEAN_END) == ["HP102"]
    assert only("train on train {\n    set intercept = 1\n}\n" + CLEAN_END) == ["HP102"]


def test_HP103_tuning_on_the_test_split():
    assert only("train on train\ntune l2 in [0.1, 1] on test\nevaluate on validation\ntest on test\n") == ["HP103"]


def test_HP103_cross_validating_over_the_test_split():
    assert only("tune l2 in [0.1, 1] using cv 3 on train + validation + test\ntest on test\n") == ["HP103"]


def test_HP103_early_stopping_on_the_test_split_is_reported_once():
    steps = (
        "train on train {\n    stop early when mse on test has not improved for 5 epochs\n}\n"
        "tune l2 in [0.1, 1] on validation\ntest on test\n"
    )
    assert only(steps) == ["HP103"]


def test_HP104_training_on_the_test_split():
    assert only("train on train + test\n" + CLEAN_END) == ["HP104"]


def test_HP104_is_not_reported_again_for_a_tune_that_inherits_those_rows():
    assert only("train on train + test\ntune l2 in [0.1, 1] on validation\ntest on test\n") == ["HP104"]


def test_HP105_evaluating_or_logging_on_the_test_split():
    assert only("train on train\nevaluate on test\n" + CLEAN_END) == ["HP105"]
    assert only("train on train {\n    every 5 epochs: log mse on test\n}\n" + CLEAN_END) == ["HP105"]
    assert only("train on train\ntest on test\nevaluate on test\nevaluate on validation\n") == ["HP105"]


def test_at_most_one_of_HP103_HP104_HP105_per_step():
    steps = (
        "train on train + test {\n"
        "    every 5 epochs: log mse on test\n"
        "    stop early when mse on test has not improved for 5 epochs\n"
        "}\n" + CLEAN_END
    )
    assert only(steps) == ["HP103"]
    assert only("train on train + test {\n    every 5 epochs: log mse on test\n}\n" + CLEAN_END) == ["HP104"]


@pytest.mark.parametrize(
    "late_step, code",
    [
        ("set l2 = 1", "HP106"),
        ("train on train", "HP106"),
        ("tune l2 in [0.1, 1] on validation", "HP106"),
        ("standardize using train", "HP106"),
        ("test on test", "HP106"),
    ],
)
def test_HP106_changes_after_the_final_test(late_step, code):
    found = diagnostics(PREAMBLE + "train on train\nevaluate on validation\ntest on test\n" + late_step + "\n")
    assert [d.code for d in found] == [code]
    assert found[0].related[0].message == "the final test"


def test_HP107_scoring_before_anything_trained():
    assert only("evaluate on validation\ntrain on train\ntest on test\n") == ["HP107"]
    assert only("test on test\n") == ["HP205", "HP205", "HP107"]


def test_HP107_is_not_a_cascade_of_an_undefined_split_in_train():
    assert only("train on trian\n" + CLEAN_END) == ["HP002"]


def test_HP108_a_stale_model_points_at_what_made_it_stale():
    found = diagnostics(PREAMBLE + "train on train\nset l2 = 0.5\nevaluate on validation\ntrain on train\ntest on test\n")
    assert [d.code for d in found] == ["HP108"]
    (related,) = found[0].related
    assert related.message == "changed here, after the model was trained"


def test_HP108_even_when_set_to_the_same_value_and_after_a_standardize():
    assert only("train on train\nset l2 = 0.0\nevaluate on validation\ntrain on train\ntest on test\n") == ["HP108"]
    assert only("train on train\nstandardize using train\nevaluate on validation\ntrain on train\ntest on test\n") == [
        "HP108"
    ]


def test_HP108_a_set_after_a_tune_makes_the_refit_model_stale():
    assert only("tune l2 in [0.1, 1] on validation\nset epochs = 10\ntest on test\n") == ["HP108"]


def test_HP108_not_for_command_line_overrides():
    assert codes(PREAMBLE + "train on train\n" + CLEAN_END, overrides=["l2=0.5"]) == []


def test_HP109_standardize_fitted_on_the_test_split():
    assert only("standardize using train + test\ntrain on train\n" + CLEAN_END) == ["HP109"]


def test_HP110_the_final_test_on_rows_already_used():
    assert only("train on train\nevaluate on validation\ntest on train\n") == ["HP110"]
    assert only("train on train\ntune l2 in [0.1, 1] on validation\ntest on validation\n") == ["HP110"]


def test_HP110_counts_rows_used_even_if_the_result_no_longer_holds():
    steps = "train on train + validation\ntrain on train\nevaluate on validation\ntest on validation\n"
    assert only(steps) == ["HP110"]


# ---- HP2xx: warnings, reported beside errors ----------------------------------------------------------


def test_HP201_tuning_on_the_rows_the_candidates_train_on():
    assert only("train on train + validation\ntune l2 in [0.1, 1] on validation\ntest on test\n") == ["HP201"]


def test_HP202_a_single_candidate():
    assert only("tune l2 in [0.1] on validation\ntest on test\n") == ["HP202"]
    assert only("tune l2 in uniform(0, 1) on validation using random 1\ntest on test\n") == ["HP202"]


def test_HP203_no_final_test():
    assert only("train on train\nevaluate on validation\n") == ["HP203"]


def test_HP204_a_search_too_large():
    steps = "tune l2 in linspace(0, 1, 200), learning_rate in linspace(0.01, 1, 51) on validation\ntest on test\n"
    (diagnostic,) = diagnostics(PREAMBLE + steps)
    assert diagnostic.code == "HP204"
    assert "--max-trials 10200" in diagnostic.help


def test_HP205_a_split_nothing_reads():
    assert only("train on train\ntest on test\n") == ["HP205"]


def test_HP205_a_tune_reads_its_inherited_training_rows():
    assert only("tune l2 in [0.1, 1] on validation\ntest on test\n") == []


def test_HP206_testing_a_validation_split_nothing_used():
    assert only("train on train\ntest on validation\n") == ["HP206"]


def test_HP207_a_tune_scored_on_rows_the_standardization_saw():
    assert only("standardize using train + validation\ntune l2 in [0.1, 1] on validation\ntest on test\n") == ["HP207"]


@pytest.mark.parametrize("tune", [
    "tune seed in [0, 1, 2, 3] on validation",
    "tune seed in range(0, 200) on validation",
    "tune seed in randint(0, 1000) on validation using random 20 seed 1",
    "tune l2 in [0.1, 1], seed in [1, 2] on validation",
    "tune learning_rate in loguniform(0.001, 0.5), seed in randint(0, 50) on validation using random 10",
    "tune seed in range(0, 5) using cv 3 on train + validation",
], ids=["grid", "range", "random-search", "beside-l2", "random-beside-rate", "cv"])
def test_HP208_tuning_the_seed(tune):
    (diagnostic,) = diagnostics(PREAMBLE + tune + "\ntest on test\n")
    assert diagnostic.code == "HP208"
    assert diagnostic.severity == "warning"
    # The span is the seed's own space item, not the whole tune.
    start = len(PREAMBLE) + tune.index("seed in")
    assert diagnostic.span.start == start
    assert (PREAMBLE + tune)[start:diagnostic.span.end].startswith("seed in ")
    assert "set" in diagnostic.help


def test_HP208_for_ridge_too_and_not_beside_the_HP002_of_an_undeclared_seed():
    ridge = RIDGE_PREAMBLE.replace("}", "    seed: int = 0\n}")
    assert only("tune l2 in [0.1, 1], seed in [0, 1] on validation\ntest on test\n", ridge) == ["HP208"]
    assert only("tune l2 in [0.1, 1], seed in [0, 1] on validation\ntest on test\n", RIDGE_PREAMBLE) == ["HP002"]


@pytest.mark.parametrize("steps", [
    "set seed = 7\ntune l2 in [0.1, 1] on validation\ntest on test\n",
    "set seed = seed + 1\ntrain on train\n" + CLEAN_END,
    "tune l2 in [0.1, 1], batch_size in [16, 32] on validation using random 3 seed 5\ntest on test\n",
    "tune learning_rate in [0.01, 0.1], epochs in [10, 20] using cv 3 on train + validation\ntest on test\n",
], ids=["set-seed", "set-seed-expression", "random-search-seed", "other-names"])
def test_HP208_near_misses(steps):
    assert only(steps) == []


def test_warnings_appear_beside_errors_in_position_order():
    steps = "train on train\nevaluate on test\ntune l2 in [0.5] on validation\n"
    assert only(steps) == ["HP105", "HP203", "HP202"]


# ---- HP002-HP006: names, values, declarations -----------------------------------------------------------


def test_HP002_names_not_declared_suggest_the_nearest():
    (found,) = diagnostics(PREAMBLE + "train on trian\n" + CLEAN_END)
    assert (found.code, found.help) == ("HP002", "did you mean 'train'?")
    preamble = PREAMBLE.replace("    seed:          int                = 0\n", "")
    assert only("set seed = 3\ntrain on train\n" + CLEAN_END, preamble) == ["HP002"]


def test_HP002_missing_declarations_at_the_end_of_the_file():
    found = [d for d in diagnostics("train on train\ntest on test\n") if d.code != "HP107"]
    assert [d.code for d in found] == ["HP002", "HP002", "HP002"]
    assert all(d.span.start == len("train on train\ntest on test\n") for d in found)


def test_HP003_duplicates():
    assert codes(PREAMBLE + "model ridge\ntrain on train\n" + CLEAN_END) == ["HP003"]
    assert only("tune l2 in [0.1], l2 in [1] on validation\ntest on test\n") == ["HP003"]
    duplicate_name = PREAMBLE.replace("split d -> train 60%, validation 20%, test 20% seed 7",
                                      "split d -> train 60%, validation 20%, epochs 20% as test seed 7")
    (found,) = diagnostics(duplicate_name + "train on train\nevaluate on validation\ntest on epochs\n")
    assert found.code == "HP003"
    assert found.message == "'epochs' is already declared (as split); every name is declared once"
    assert found.related[0].message == "first declared here"


@pytest.mark.parametrize(
    "step",
    [
        "set l2 = 11",  # outside the declared [0, 10]
        "set l2 = -1",  # outside the model's [0, inf) too
        "set epochs = 2.5",  # not an int
        "set l2 = 1 / 0",
        "set l2 = 1e999",
        'set l2 = "a lot"',
        "set learning_rate = step(0.5, every: 10, factor: 3)",  # climbs out of (0, 1]
        "set l2 = step(0.1, every: 1, factor: 0.5)",  # only learning_rate takes a schedule
    ],
)
def test_HP004_values_outside_their_domain_or_type(step):
    assert only(step + "\ntrain on train\n" + CLEAN_END) == ["HP004"]


@pytest.mark.parametrize(
    "tune",
    [
        "tune l2 in [] on validation",
        "tune l2 in uniform(0, 1) on validation",  # a distribution without random search
        "tune l2 in [0.1, 1] on validation minimize r2",
        "tune l2 in [0.1, 1] on validation maximize mse",
        "tune l2 in [0.1, 1] using cv 1 on train + validation",
        "tune l2 in [0.1, 1] on validation using random 0",
        "tune l2 in [0.1, 20] on validation",
        "tune epochs in linspace(1, 10, 4.5) on validation",
        "tune epochs in linspace(1, 10, 3) on validation",  # 5.5 is not an int
        "tune learning_rate in [step(0.1, every: 2, factor: 0.5)] on validation",
        "tune epochs in uniform(1, 10) on validation using random 5",
        "tune l2 in range(0, 5, 0) on validation",
    ],
)
def test_HP004_bad_searches(tune):
    assert only("train on train\n" + tune + "\ntest on test\n") == ["HP004"]


def test_HP004_bad_declarations():
    assert codes(PREAMBLE.replace("(0, 1]    = 0.1", "[0, 1]    = 0.1") + "train on train\n" + CLEAN_END) == ["HP004"]
    assert codes(PREAMBLE.replace("[0, 10]   = 0.0", "[10, 0]   = 0.0") + "train on train\n" + CLEAN_END) == ["HP004"]
    assert codes(PREAMBLE.replace("[0, 10]   = 0.0", "[0, inf]  = 0.0") + "train on train\n" + CLEAN_END) == ["HP004"]
    assert codes(PREAMBLE.replace("epochs:        int ", "epochs:        float") + "train on train\n" + CLEAN_END) == [
        "HP004"
    ]
    assert codes(PREAMBLE.replace("= 0.1\n", "\n", 1) + "train on train\n" + CLEAN_END) == []
    assert codes(PREAMBLE.replace("(0, 1]    = 0.1", "[0.5, 1]      ") + "train on train\n" + CLEAN_END) == ["HP004"]


def test_HP004_bad_data_and_steps_arguments():
    bad_synthetic = PREAMBLE.replace("rows: 200, features: 3, noise: 0.1", "rows: 1, features: 0, noise: -1")
    assert codes(bad_synthetic + "train on train\n" + CLEAN_END) == ["HP004", "HP004", "HP004"]
    assert only("train on train {\n    every 0 epochs: log mse on validation\n}\n" + CLEAN_END) == ["HP004"]


def test_HP004_for_command_line_overrides_names_the_command_line():
    (found,) = diagnostics(PREAMBLE + "train on train\n" + CLEAN_END, overrides=["l2=50"])
    assert found.code == "HP004"
    assert found.source.path == "<command line>"
    assert found.source.text == "--set l2=50"


def test_HP005_unknown_names_suggest_the_nearest():
    (found,) = diagnostics(PREAMBLE + "set learning_rat = 0.1\ntrain on train\n" + CLEAN_END)
    assert (found.code, found.help) == ("HP005", "did you mean 'learning_rate'?")
    assert only("train on train\nevaluate on validation report rsme\ntest on test\n") == ["HP005"]
    assert codes(PREAMBLE.replace("model linear_regression", "model linear_regresion") + "train on train\n" + CLEAN_END) == [
        "HP005"
    ]
    assert only("train on train {\n    print mse on validation\n}\n" + CLEAN_END) == ["HP005"]
    (found,) = diagnostics(PREAMBLE + "tune l2 in lnspace(0, 1, 3) on validation\ntest on test\n")
    assert (found.code, found.help) == ("HP005", "did you mean 'linspace'?")


def test_HP005_ridge_has_no_learning_rate_and_no_train_body():
    (found,) = diagnostics(RIDGE_PREAMBLE + "set learning_rate = 0.1\ntrain on train\n" + CLEAN_END)
    assert found.code == "HP005"
    assert "solved exactly" in found.message
    body = "train on train {\n    every 5 epochs: log mse on test\n}\n" + CLEAN_END
    assert only(body, RIDGE_PREAMBLE) == ["HP005"]


@pytest.mark.parametrize(
    "split",
    [
        "split d -> train 60%, validation 30%, test 20%",  # 110%
        "split d -> train 80%, validation 0%, test 20%",
        "split d -> train 60%, holdout 20%, test 20%",  # no role
        "split d -> train 60%, holdout 20% as valid, test 20%",
        "split d -> train 60%, validation 20% as test, test 20%",
        "split d -> fit 60% as validation, validation 20%, test 20%",  # no train role
        "split d -> train 60%, extra 20% as test, test 20%",  # two test roles
    ],
)
def test_HP006_bad_splits(split):
    preamble = PREAMBLE.replace("split d -> train 60%, validation 20%, test 20% seed 7", split)
    found = [c for c in codes(preamble + "train on train\n" + CLEAN_END) if c != "HP002"]
    assert found == ["HP006"]


def test_every_independent_mistake_is_reported_in_position_order():
    steps = (
        "set l2 = 50\ntrain on train + test\nevaluate on test\nevaluate on validation\n"
        "tune l2 in [0.1, 1] on test\ntest on test\n"
    )
    assert only(steps) == ["HP004", "HP104", "HP105", "HP103"]


def test_a_set_of_a_parameter_or_of_an_unknown_name_does_not_make_the_model_stale():
    assert only("train on train\nset intercept = 1.0\n" + CLEAN_END) == ["HP102"]
    assert only("train on train\nevaluate on validation\nset learning_rate = 0.1\ntest on test\n", RIDGE_PREAMBLE) == [
        "HP005"
    ]


def test_a_name_that_shares_nothing_with_the_known_ones_gets_no_suggestion():
    from hpdsl.suggest import nearest

    assert nearest("z", ["a", "y"]) is None
    assert nearest("lr", ["l2", "seed"]) == "l2"
    assert nearest("trian", ["train", "validation"]) == "train"


# ---- one mistake, one diagnostic: clashing declarations (docs/rules.md) -------------------------

SPLIT_LINE = "split d -> train 60%, validation 20%, test 20% seed 7"


def test_HP003_a_split_named_like_the_data_set_still_exists_for_every_other_rule():
    preamble = PREAMBLE.replace(SPLIT_LINE, "split d -> d 60% as train, validation 20%, test 20% seed 7")
    assert codes(preamble + "train on d\nevaluate on validation\ntest on test\n") == ["HP003"]
    # the near miss: the same workflow with its own name for the split is clean
    preamble = PREAMBLE.replace(SPLIT_LINE, "split d -> fit 60% as train, validation 20%, test 20% seed 7")
    assert codes(preamble + "train on fit\nevaluate on validation\ntest on test\n") == []


def test_HP003_a_hyperparameter_named_like_a_split_still_exists_for_every_other_rule():
    preamble = PREAMBLE.replace(SPLIT_LINE, "split d -> train 60%, l2 20% as validation, test 20% seed 7")
    steps = "set l2 = 0.5\ntrain on train\nevaluate on l2\ntune l2 in [0.1, 1] on l2\ntest on test\n"
    (found,) = diagnostics(preamble + steps)
    assert found.code == "HP003"
    assert found.message == "'l2' is already declared (as split); every name is declared once"
    # its value is still checked against its own domain: a second, independent mistake
    assert codes(preamble + steps.replace("set l2 = 0.5", "set l2 = 50")) == ["HP003", "HP004"]


def test_HP003_a_split_declared_after_a_hyperparameter_of_its_name_is_still_a_split():
    # the split line comes last, so the clash is reported there and the split still exists
    hyper_first = PREAMBLE.replace(SPLIT_LINE + "\n", "") + (
        "split d -> train 60%, epochs 20% as validation, test 20% seed 7\n")
    steps = "set epochs = 20\ntrain on train\nevaluate on epochs\ntest on test\n"
    (found,) = diagnostics(hyper_first + steps)
    assert found.code == "HP003"
    assert found.message == "'epochs' is already declared (as hyperparameter); every name is declared once"


def test_HP003_a_parameter_named_like_a_split_still_exists():
    preamble = PREAMBLE.replace(SPLIT_LINE, "split d -> train 60%, weights 20% as validation, test 20% seed 7")
    steps = "param {\n    weights = zeros\n}\ntrain on train\nevaluate on weights\ntest on test\n"
    assert codes(preamble + steps) == ["HP003"]


def test_HP003_the_same_split_twice_keeps_the_first():
    preamble = PREAMBLE.replace(SPLIT_LINE, "split d -> train 60%, validation 20%, validation 20%")
    assert codes(preamble + "train on train\nevaluate on validation\n") == ["HP003", "HP203"]


def test_HP003_a_second_declaration_still_declares_its_names():
    steps = "train on train\nevaluate on validation\ntest on test\n"
    without_epochs = PREAMBLE.replace("    epochs:        int   in [1, 1000] = 50\n", "")
    assert codes(without_epochs + "hyper {\n    epochs: int = 5\n}\nset epochs = 10\n" + steps) == ["HP003"]
    # the same block pasted twice is one mistake, not one per entry
    assert codes(PREAMBLE + PREAMBLE[PREAMBLE.index("hyper {"):] + steps) == ["HP003"]
    second_data = PREAMBLE.replace("split d ->", "data e = synthetic(rows: 100, features: 2, noise: 0.1, seed: 1)\n"
                                                 "split e ->")
    assert codes(second_data + steps) == ["HP003"]
    second_split = PREAMBLE + "split d -> extra 100% as validation\n"
    assert codes(second_split + steps.replace("evaluate on validation", "evaluate on validation + extra")) == ["HP003"]
    assert codes(PREAMBLE + "split d -> train 100%\n" + steps) == ["HP003"]
    assert codes(PREAMBLE + "param {\n    weights = zeros\n}\nparam {\n    intercept = 1\n}\n" + steps) == ["HP003"]


# ---- candidates against a set domain: every candidate, not only the ends ----------------------------------

SET_EPOCHS = PREAMBLE.replace("epochs:        int   in [1, 1000] = 50", "epochs:        int   in {10, 20, 40} = 10")
SET_L2 = PREAMBLE.replace("l2:            float in [0, 10]   = 0.0", "l2:            float in {0.1, 1, 10} = 1")


@pytest.mark.parametrize(
    "tune, preamble",
    [
        ("tune epochs in range(10, 41, 10) on validation", SET_EPOCHS),  # 30
        ("tune epochs in range(40, 9, -10) on validation", SET_EPOCHS),  # 30, walking down
        ("tune epochs in linspace(10, 40, 4) on validation", SET_EPOCHS),  # 20, 30
        ("tune epochs in linspace(10, 40, 3) on validation", SET_EPOCHS),  # 25 is no int either
        ("tune epochs in randint(10, 41) on validation using random 5", SET_EPOCHS),
        ("tune epochs in randint(20, 40) on validation using random 5", SET_EPOCHS),
        ("tune epochs in [10, 30] on validation", SET_EPOCHS),
        ("tune l2 in logspace(-1, 1, 5) on validation", SET_L2),  # 0.316...
        ("tune l2 in uniform(0.1, 10) on validation using random 5", SET_L2),
        ("tune l2 in loguniform(0.1, 10) on validation using random 5", SET_L2),
        ("tune epochs in range(10, 10000000000000000000000, 10) on validation", SET_EPOCHS),  # 10^21 of them
    ],
)
def test_HP004_a_candidate_inside_the_ends_but_outside_a_set_domain(tune, preamble):
    assert only("train on train\n" + tune + "\ntest on test\n", preamble)[-1:] == ["HP004"]


def test_HP004_a_set_domain_names_the_first_candidate_outside_it():
    (found,) = diagnostics(SET_EPOCHS + "train on train\ntune epochs in range(10, 41, 10) on validation\ntest on test\n")
    assert found.code == "HP004"
    assert found.message == "range(...) gives epochs = 30, which is not in the declared domain {10, 20, 40}"
    (found,) = diagnostics(SET_L2 + "tune l2 in uniform(0.1, 10) on validation using random 5\ntest on test\n")
    assert "draws any value between its ends" in found.message


@pytest.mark.parametrize(
    "tune, preamble",
    [
        ("tune epochs in range(10, 50, 10) on validation", SET_EPOCHS.replace("{10, 20, 40}", "{10, 20, 30, 40}")),
        ("tune epochs in linspace(10, 40, 2) on validation", SET_EPOCHS),
        ("tune epochs in linspace(20, 20, 7) on validation", SET_EPOCHS),  # one member, seven times
        ("tune epochs in range(10, 41, 30) on validation", SET_EPOCHS),
        ("tune epochs in randint(40, 41) on validation using random 3", SET_EPOCHS),  # can draw 40 only
        ("tune l2 in logspace(-1, 1, 3) on validation", SET_L2),
        ("tune l2 in uniform(10, 10) on validation using random 3", SET_L2),  # degenerate: one member
        ("tune l2 in [0.1, 10, 1] on validation", SET_L2),
        # ten million copies of two members: the check jumps over runs, it does not walk them
        ("tune l2 in linspace(0.1, 0.1, 10000000), epochs in [10, 20] on validation using random 4", SET_L2),
    ],
)
def test_candidates_that_are_all_members_of_a_set_domain_are_accepted(tune, preamble):
    assert only("train on train\n" + tune + "\ntest on test\n", preamble) == []


def test_HP004_a_schedule_must_stay_in_the_domain_for_every_tuned_epochs_candidate():
    schedule = "set learning_rate = step(0.1, every: 10, factor: 1.5)\n"
    (found,) = diagnostics(PREAMBLE + schedule + "tune epochs in [1, 100] on validation\ntest on test\n")
    assert found.code == "HP004"
    assert "reaches learning_rate 3.84" in found.message and "at epoch 100" in found.message
    assert only(schedule + "tune epochs in randint(1, 101) on validation using random 3\ntest on test\n") == ["HP004"]
    assert only(schedule + "tune epochs in range(1, 101) on validation\ntest on test\n") == ["HP004"]
    # the order does not matter: a schedule set after epochs was tuned meets every candidate too
    steps = "tune epochs in [1, 100] on validation\n" + schedule + "train on train\ntest on test\n"
    assert only(steps) == ["HP004"]
    # near misses: the rates stay inside (0, 1] for the largest candidate
    assert only(schedule + "tune epochs in [1, 50] on validation\ntest on test\n") == []
    assert only("set learning_rate = step(0.1, every: 10, factor: 0.5)\n"
                "tune epochs in [1, 1000] on validation\ntest on test\n") == []
    # a tune of the learning rate itself does not train with the schedule
    assert only(schedule + "tune epochs in [1, 100], learning_rate in [0.1, 0.2] on validation\ntest on test\n") == []


def test_a_schedule_that_overflows_or_underflows_within_the_epochs_is_HP004():
    assert only("set epochs = 1000\nset learning_rate = exponential(0.5, rate: 1e300)\n"
                "train on train\n" + CLEAN_END, PREAMBLE.replace("[1, 1000]", "[1, inf)")) == ["HP004"]
    assert only("set learning_rate = exponential(0.5, rate: 1e-300)\ntrain on train\n" + CLEAN_END) == ["HP004"]
    assert only("set epochs = 9223372036854775808\nset learning_rate = step(0.5, every: 1, factor: 2)\n"
                "train on train\n" + CLEAN_END, PREAMBLE.replace("[1, 1000]", "[1, inf)")) == ["HP004"]


# ---- HP201 and HP207 are independent (docs/rules.md) --------------------------------------------


def test_HP201_and_HP207_are_both_reported_when_both_apply():
    steps = "standardize using train + validation\ntrain on train + validation\ntune l2 in [0.1, 1] on validation\n"
    assert only(steps + "test on test\n") == ["HP201", "HP207"]
    # fixing either one leaves the other
    assert only(steps.replace("train on train + validation", "train on train") + "test on test\n") == ["HP207"]
    assert only(steps.replace("using train + validation", "using train") + "test on test\n") == ["HP201"]


# ---- huge candidate counts and ranges: diagnostics, never an OverflowError --------------------------------

FREE_L2 = PREAMBLE.replace("l2:            float in [0, 10]   = 0.0", "l2:            float = 0.0")


@pytest.mark.parametrize(
    "candidates, expected",
    [
        ("linspace(0, 1, 9223372036854775808)", ["HP204"]),  # 2^63 values
        ("linspace(0, 1, 9223372036854775807)", ["HP204"]),
        ("linspace(0, 1e308, 2000000)", ["HP204"]),  # finite values all the way
        ("linspace(1e308, 0, 2000000)", ["HP204"]),
        ("linspace(-1e308, 1e308, 2000000)", ["HP204", "HP004"]),  # finite, but l2 >= 0
        ("logspace(0, 308, 9223372036854775808)", ["HP204"]),
        ("logspace(-1e300, 1e300, 2000000)", ["HP004"]),  # 10^1e300 is no float
        ("logspace(0, 309, 3)", ["HP004"]),
        ("logspace(-400, 0, 3)", []),  # 10^-400 underflows to 0, which l2 admits
        ("range(0, 18446744073709551616)", ["HP204"]),  # 2^64 ints, accepted where a float is
        ("range(18446744073709551616, 0, -3)", ["HP204"]),
        ("[1e308, 9223372036854775808, -0.0, 1e-320]", []),
        ("[1e308 * 10]", ["HP004"]),  # overflow
        # int ends of 308 digits: the spacing is computed in floats, at half scale
        (f"linspace(0, {'9' * 308}, 3)", []),
        (f"linspace(-{'9' * 308}, {'9' * 308}, 3)", ["HP004"]),  # finite, but l2 >= 0
        (f"[{'9' * 308} + {'9' * 308}]", ["HP004"]),  # past the largest float
    ],
)
def test_huge_counts_and_ranges_are_diagnostics(candidates, expected):
    assert only(f"tune l2 in {candidates} on validation\ntest on test\n", FREE_L2) == expected


def test_huge_counts_of_an_int_hyperparameter():
    preamble = PREAMBLE.replace("batch_size:    int   in [1, 512]  = 32", "batch_size: int in {1, 2, 4} = 1")
    assert only("tune batch_size in range(1, 2 * 9223372036854775808) on validation\ntest on test\n",
                preamble) == ["HP204", "HP004"]
    assert only("tune batch_size in randint(1, 9223372036854775808) on validation using random 3\ntest on test\n",
                preamble) == ["HP004"]
    free = PREAMBLE.replace("[1, 1000]", "[1, inf)")
    assert only("tune epochs in linspace(1, 9223372036854775808, 3) on validation\ntest on test\n", free) == []


# ---- syntax help for a share written as a fraction ---------------------------------------------------------


@pytest.mark.parametrize(
    "shares, help_text",
    [
        ("train 0.6, validation 0.2, test 0.2", "shares are percentages of the rows: write 0.6 as '60%'"),
        ("train .125, validation 87.5%", "shares are percentages of the rows: write .125 as '12.5%'"),
        ("train 1, validation 0, test 0", "shares are percentages of the rows: write 1 as '100%'"),
        ("train 60, validation 20%, test 20%", "write shares as percentages, e.g. '60%'"),
        ("train 1, validation 99%", "write shares as percentages, e.g. '1%'"),
    ],
)
def test_a_share_without_percent_gets_the_percentage_it_means(shares, help_text):
    (found,) = diagnostics(PREAMBLE.replace(SPLIT_LINE, "split d -> " + shares))
    assert found.code == "HP001"
    assert found.help == help_text


def test_a_change_after_the_final_test_is_HP106_and_not_also_HP108_later():
    assert only("train on train\ntest on test\nset l2 = 1\nevaluate on validation\n") == ["HP106"]
    assert only("train on train\ntest on test\nstandardize using train\nevaluate on validation\n") == ["HP106"]
    # near miss: before the final test, a set does make the model stale
    assert only("train on train\nset l2 = 1\nevaluate on validation\ntrain on train\ntest on test\n") == ["HP108"]
