"""The checker's rules for `impute` and `encode`: each leak, and the near misses that must pass.

The standard declarations (helpers.RIDGE_PREAMBLE: synthetic features x1, x2, x3 split
into train, validation and test) followed by the steps shown; a csv preamble where the
columns come from a file.
"""

from __future__ import annotations

import pytest

from helpers import RIDGE_PREAMBLE, diagnostics, step_codes

END = "train on train\nevaluate on validation\ntest on test\n"
CSV = """\
data flats = csv("flats.csv", target: "price", features: ["area", "rooms", "city"])
split flats -> train 60%, validation 20%, test 20% seed 7
model ridge
hyper {
    l2: float in [0, inf) = 0.001
}
"""


def only(steps: str, preamble: str = RIDGE_PREAMBLE) -> list[str]:
    return step_codes(steps, preamble)


NEAR_MISSES = {
    "impute on train": "impute x1 using train\n" + END,
    "impute on train + validation, tuned by cv": (
        "impute x1 using train + validation\ntune l2 in [0.1, 1] using cv 3 on train + validation\ntest on test\n"),
    "encode on train + validation, tuned by cv": (
        "encode x2 using train + validation\ntune l2 in [0.1, 1] using cv 3 on train + validation\ntest on test\n"),
    "impute with median": "impute x1, x2 using train with median\n" + END,
    "impute with a negative constant": "impute x1 using train with constant -1.5\n" + END,
    "encode on train, then a hold-out tune": "encode x2 using train\ntune l2 in [0.1, 1] on validation\ntest on test\n",
    "a refit on validation replaced by one on train before the tune": (
        "impute x1 using validation\nimpute x1 using train\ntune l2 in [0.1, 1] on validation\ntest on test\n"),
    "an impute followed by a retrain": "train on train\nimpute x1 using train\n" + END,
    "a column named in a string": "impute \"x1\" using train\n" + END,
    "impute after train (the data decides whether a cell was missing)": (
        "train on train\nimpute x3 using train\n" + END),
}


@pytest.mark.parametrize("name", NEAR_MISSES)
def test_near_misses_are_clean(name):
    assert only(NEAR_MISSES[name]) == []


# ---- HP109: fitted on test rows --------------------------------------------------------------------


@pytest.mark.parametrize("step", ["impute x1 using train + test", "impute x1 using test with median",
                                  "encode x2 using train + test", "encode x2 using test"])
def test_HP109_impute_or_encode_fitted_on_the_test_split(step):
    assert only(step + "\n" + END) == ["HP109"]


def test_HP109_names_the_step_and_proposes_the_training_rows():
    found = diagnostics(RIDGE_PREAMBLE + "encode x2, x3 using train + test\n" + END)
    assert [d.code for d in found] == ["HP109"]
    assert found[0].message == "encode is fitted on split 'test', which has role test"
    assert found[0].help == "fit the encoding on the training rows only: 'encode x2, x3 using train'"


# ---- HP207: fitted on the rows a hold-out tune scores --------------------------------------------------


@pytest.mark.parametrize("step", ["impute x1 using train + validation", "encode x2 using validation"])
def test_HP207_a_tune_scored_on_rows_an_impute_or_encode_saw(step):
    assert only(step + "\ntune l2 in [0.1, 1] on validation\ntest on test\n") == ["HP207"]


def test_HP207_once_per_tune_naming_the_column():
    steps = ("impute x1 using train + validation\nencode x2 using validation\n"
             "tune l2 in [0.1, 1] on validation\ntest on test\n")
    found = [d for d in diagnostics(RIDGE_PREAMBLE + steps) if d.code == "HP207"]
    assert [d.message for d in found] == [
        "tune scores on split 'validation', whose rows the impute of column 'x1' was fitted on"]


# ---- HP108, HP106: a later impute or encode ---------------------------------------------------------------


@pytest.mark.parametrize("step", ["impute x1 using train", "encode x2 using train + validation"])
def test_HP108_a_model_trained_before_a_later_impute_or_encode(step):
    preamble = "encode x2 using train\n" if step.startswith("encode") else ""
    found = diagnostics(RIDGE_PREAMBLE + preamble + "train on train\n" + step + "\nevaluate on validation\ntest on test\n")
    assert [d.code for d in found] == ["HP108"]
    assert f"trained before an {step.split()[0]} at line" in found[0].message


def test_HP106_an_impute_after_the_final_test_is_not_also_HP108():
    assert only("train on train\nevaluate on validation\ntest on test\nimpute x1 using train\nevaluate on validation\n") \
        == ["HP106"]


# ---- HP210: the features read before an encode ------------------------------------------------------------


def test_HP210_a_step_reads_the_features_before_the_encode():
    found = diagnostics(RIDGE_PREAMBLE + "train on train\nencode x2 using train\n" + END)
    assert [d.code for d in found] == ["HP210"]
    assert found[0].message == "train reads the features, but column 'x2' is text until its encode at line 8"


# ---- the columns ------------------------------------------------------------------------------------------------


def test_a_column_that_is_not_a_feature_gets_did_you_mean():
    found = diagnostics(CSV + "impute arae using train\nencode city using train\n" + END)
    assert [(d.code, d.message, d.help) for d in found] == [
        ("HP002", "no feature column named 'arae'", "did you mean 'area'?")]


def test_a_column_named_twice_in_a_step_the_target_and_both_steps():
    found = diagnostics(CSV + "impute area, area, price using train\nencode city, area using train\n" + END)
    assert [d.code for d in found] == ["HP003", "HP004", "HP004"]
    assert found[1].message == "column 'price' is the target; impute prepares feature columns"
    assert found[2].message.startswith("column 'area' is imputed elsewhere")


def test_columns_are_not_checked_when_the_file_decides_them():
    open_csv = CSV.replace(', features: ["area", "rooms", "city"]', "")
    assert only("impute anything using train\nencode city using train\n" + END, open_csv) == []


@pytest.mark.parametrize("clause, code", [("with meen", "HP005"), ("with constant", "HP004"),
                                          ("with mean 3", "HP004"), ("with constant l2", "HP004")])
def test_the_impute_strategy(clause, code):
    assert only(f"impute x1 using train {clause}\n" + END) == [code]


def test_an_undefined_split_is_HP002_with_did_you_mean():
    found = diagnostics(RIDGE_PREAMBLE + "encode x2 using trian\n" + END)
    assert [(d.code, d.help) for d in found] == [("HP002", "did you mean 'train'?")]


def test_HP210_an_encode_too_late_is_not_also_HP108_at_the_test():
    assert only("train on train\nencode x2 using train\nevaluate on validation\ntest on test\n") == ["HP210"]
