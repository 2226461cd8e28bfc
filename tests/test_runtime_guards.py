"""Runtime guards (HP303): every error-level discipline rule is enforced a second time at run
time, so a workflow the checker rejects for HP101-HP110 is stopped by a guard, not a crash,
and a workflow the checker passes never trips one."""

from __future__ import annotations

from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hpdsl.checker import check_text
from hpdsl.runtime import NotChecked, RunError, run, run_unchecked

PREAMBLE = """\
data d = synthetic(rows: 90, features: 3, noise: 0.1, seed: 1)
split d -> train 60%, validation 20%, test 20% seed 7
model linear_regression
hyper {
    learning_rate: float in (0, 1]    = 0.1
    l2:            float in [0, 10]   = 0.0
    epochs:        int   in [1, 1000] = 20
    batch_size:    int   in [1, 512]  = 16
    seed:          int                = 0
}
"""

# One workflow per way of breaking each error-level rule (steps after PREAMBLE).
BROKEN = {
    "HP101": ["train on train {\n    every 5 epochs: set l2 = 0.5\n}\ntest on test",
              "train on train {\n    set learning_rate = 0.5\n}\ntest on test",
              "train on train {\n    every 500 epochs: set l2 = 0.5\n}\ntest on test"],
    "HP102": ["set weights = 1\ntrain on train\ntest on test",
              "set l2 = intercept * 2\ntrain on train\ntest on test",
              "train on train {\n    every 5 epochs: set weights = 0\n}\ntest on test",
              "tune weights in [1, 2] on validation\ntest on test"],
    "HP103": ["train on train\ntune l2 in [0.1, 1] on test\ntest on test",
              "tune l2 in [0.1, 1] using cv 3 on train + test\ntest on test",
              "train on train {\n    stop early when mse on test has not improved for 5 epochs\n}\ntest on test"],
    "HP104": ["train on train + test\ntest on test",
              "train on test\ntest on test"],
    "HP105": ["train on train\nevaluate on test\ntest on test",
              "train on train\ntest on test\nevaluate on test",
              "train on train {\n    every 10 epochs: log mse on test\n}\ntest on test"],
    "HP106": ["train on train\ntest on test\nset l2 = 0.5",
              "train on train\ntest on test\ntest on test",
              "train on train\ntest on test\ntrain on train",
              "train on train\ntest on test\nstandardize using train",
              "train on train\ntest on test\nimpute x1 using train",
              "encode x2 using train\ntrain on train\ntest on test\nencode x2 using validation",
              "train on train\ntest on test\ntune l2 in [0.1, 1] on validation"],
    "HP107": ["test on test",
              "evaluate on validation\ntrain on train\ntest on test"],
    "HP108": ["train on train\nset l2 = 0.5\ntest on test",
              "train on train\nset l2 = 0.0\nevaluate on validation\ntrain on train\ntest on test",
              "train on train\nstandardize using train\nevaluate on validation\ntrain on train\ntest on test",
              "train on train\nimpute x1 using train\ntest on test",
              "encode x2 using train\ntrain on train\nencode x2 using train + validation\ntest on test"],
    "HP109": ["standardize using train + test\ntrain on train\ntest on test",
              "impute x1 using train + test\ntrain on train\ntest on test",
              "encode x2 using test\ntrain on train\ntest on test"],
    "HP210": ["train on train\nencode x2 using train\ntrain on train\ntest on test",
              "standardize using train\nencode x3 using train\ntrain on train\ntest on test"],
    "HP110": ["train on train\nevaluate on validation\ntest on train",
              "train on train\ntune l2 in [0.1, 1] on validation\ntest on validation",
              "tune l2 in [0.1, 1] using cv 3 on train + validation\ntest on validation",
              ("train on train {\n    stop early when mse on validation has not improved for 5 epochs\n}\n"
               "test on validation")],
}


def analysis(steps: str):
    return check_text(PREAMBLE + steps + "\n", "guards.hp")


def guard_message(steps: str) -> str:
    with pytest.raises(RunError) as caught:
        run_unchecked(analysis(steps))
    diagnostic = caught.value.diagnostic
    assert diagnostic.code == "HP303", diagnostic.message
    assert "bug in hpdsl" in diagnostic.help
    return diagnostic.message


@pytest.mark.parametrize("rule, steps", [(rule, s) for rule, cases in BROKEN.items() for s in cases])
def test_each_error_rule_the_checker_reports_is_enforced_by_a_guard(rule, steps):
    codes = [d.code for d in analysis(steps).errors]
    assert codes == [rule]
    assert guard_message(steps).startswith(f"guard for {rule} ")


def test_a_guard_names_the_step_the_split_and_the_purpose():
    message = guard_message("train on train + test\ntest on test")
    assert message == ("guard for HP104 trained-on-test: train at line 11 read rows of split 'test' "
                       "(role test) to fit the model")


def test_run_refuses_a_workflow_with_errors():
    with pytest.raises(NotChecked):
        run(analysis("train on test\ntest on test"))


def test_run_unchecked_still_refuses_errors_outside_the_discipline():
    with pytest.raises(NotChecked):
        run_unchecked(analysis("train on nowhere\ntest on test"))


WARNINGS_ONLY = [
    "train on train + validation\ntune l2 in [0.1, 1] on validation\ntest on test",  # HP201
    "train on train\ntune l2 in [0.5] on validation\ntest on test",  # HP202
    "train on train\nevaluate on validation",  # HP203
    "train on train\ntest on test",  # HP205
    "train on train {\n    every 5 epochs: log mse on validation\n}\ntest on validation",  # HP206
    "standardize using train + validation\ntrain on train\ntune l2 in [0.1, 1] on validation\ntest on test",  # HP207
]


@pytest.mark.parametrize("steps", WARNINGS_ONLY)
def test_a_workflow_with_warnings_alone_never_trips_a_guard(steps):
    checked = analysis(steps)
    assert checked.diagnostics and not checked.errors
    run(checked)


def test_hyperparameters_are_a_frozen_mapping_while_a_model_trains():
    from hpdsl.runtime.guards import frozen

    hypers = frozen({"l2": 0.1})
    assert isinstance(hypers, MappingProxyType)
    with pytest.raises(TypeError):
        hypers["l2"] = 0.2  # type: ignore[index]


def test_the_audit_shows_the_test_rows_read_once_by_the_test():
    steps = ("standardize using train\ntrain on train {\n    stop early when mse on validation has not improved "
             "for 5 epochs\n}\ntune l2 in [0.1, 1] on validation\ntest on test")
    audit = run(analysis(steps)).data["audit"]
    assert audit == {
        "train": [{"line": 11, "kind": "standardize"}, {"line": 12, "kind": "train"}, {"line": 15, "kind": "tune"}],
        "validation": [{"line": 12, "kind": "train"}, {"line": 15, "kind": "tune"}],
        "test": [{"line": 16, "kind": "test"}],
    }


# ---- the property: checker reports an HP1xx error <=> a guard fires ---------------------------------

STEPS = [
    "set l2 = 0.5", "set weights = 1", "set l2 = intercept",
    "standardize using train", "standardize using test", "standardize using train + validation",
    "train on train", "train on test", "train on train + validation",
    "train on train {\n    every 2 epochs: log mse on validation\n}",
    "train on train {\n    every 2 epochs: log mae on test\n}",
    "train on train {\n    stop early when r2 on validation has not improved for 3 epochs\n}",
    "train on train {\n    stop early when mse on test has not improved for 3 epochs\n}",
    "train on train {\n    every 3 epochs: set l2 = 0.1\n}",
    "tune l2 in [0.1, 1] on validation", "tune learning_rate in [0.01, 0.1] on test",
    "tune l2 in [0.1, 1] using cv 3 on train + validation", "tune l2 in [0.1, 1] using cv 2 on validation + test",
    "evaluate on validation", "evaluate on test", "evaluate on train",
    "test on test", "test on validation", "test on train",
]


@given(st.lists(st.sampled_from(STEPS), min_size=1, max_size=7))
def test_the_checker_reports_a_discipline_error_exactly_when_a_guard_fires(steps):
    """Random step sequences: an HP1xx error from the checker <=> an HP303 from a guard."""
    checked = analysis("\n".join(steps))
    assert all("HP101" <= d.code <= "HP110" for d in checked.errors), checked.errors
    try:
        run_unchecked(checked)
        fired = None
    except RunError as error:
        assert error.diagnostic.code == "HP303", error.diagnostic.message
        fired = error.diagnostic.message
    assert (fired is not None) == bool(checked.errors)
    if fired is not None:  # the first guard to fire enforces the first rule reported
        assert fired.startswith(f"guard for {checked.errors[0].code} ")


def test_a_guard_on_a_set_override_points_at_the_command_line():
    checked = check_text(PREAMBLE + "train on train\ntest on test\n", "guards.hp", overrides=["weights=1"])
    assert [d.code for d in checked.errors] == ["HP102"]
    with pytest.raises(RunError) as caught:
        run_unchecked(checked)
    diagnostic = caught.value.diagnostic
    assert diagnostic.code == "HP303" and diagnostic.source.path == "<command line>"
    assert diagnostic.message.startswith("guard for HP102 param-assigned: --set assigns learned parameter 'weights'")
