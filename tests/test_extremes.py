"""No traceback, ever: numeric extremes in every numeric slot (hpdsl.testing.extreme_workflows).

0, -0.0, 1e-320, 1e154, 1e300, 1e308, 2**63, 2**63-1 and their negatives go into every
number a workflow holds (values, defaults, domain bounds, candidates, counts, seeds,
synthetic arguments, shares). `check` must answer with diagnostics only; `run`, through
the Python API and the command line, with a report or a coded error (RunError: HP3xx or
HP004 found at run time; UsageError: exit 2), never any other exception. Each input a
failure once found is pinned with @example.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import warnings
from random import Random

from hypothesis import example, given, settings
from hypothesis import strategies as st

from hpdsl.checker import check_text
from hpdsl.diagnostics import RULES
from hpdsl.formatter import format_source
from hpdsl.render import format_text, summary, to_json
from hpdsl.runtime import Options, RunError, UsageError, run
from hpdsl.testing import DATA_SOURCES, EXTREMES, extreme_workflows

from helpers import PREAMBLE, RIDGE_PREAMBLE, hpdsl

# Runs are cheap (the strategy keeps data small and epochs few), CLI runs are not.
RUNS = settings(max_examples=max(10, settings().max_examples // 2))
CLI_RUNS = settings(max_examples=max(3, settings().max_examples // 12))

FREE_RIDGE = RIDGE_PREAMBLE.replace("l2: float in [0, 100] = 1.0", "l2: float = 1.0\n    seed: int = 0")
FREE_LINEAR = PREAMBLE.replace("float in [0, 10]   = 0.0", "float = 0.0").replace("[1, 1000]", "[1, inf)")
END = "test on test\n"

# Inputs that once raised (pinned): candidate counts of 2^63 and more, and huge ranges.
HUGE_RANDOM_POOL = FREE_RIDGE + "tune l2 in linspace(0, 1, 9223372036854775808) on validation using random 3\n" + END
HUGER_RANDOM_POOL = FREE_RIDGE + "tune l2 in range(0, 18446744073709551616) on validation using random 3\n" + END
HUGE_RANDINT = FREE_LINEAR + (
    "tune seed in randint(-9223372036854775808, 18446744073709551616) on validation using random 2\n" + END)
HUGE_GRID = FREE_RIDGE + "tune l2 in linspace(0, 1, 9223372036854775808) on validation\n" + END
HUGE_LOGSPACE = FREE_RIDGE + "tune l2 in logspace(-1e300, 1e300, 2000000) on validation\n" + END
FINITE_LINSPACE = FREE_RIDGE + "tune l2 in linspace(0, 1e308, 2000000) on validation\n" + END


_NUMBERS = [repr(x) if isinstance(x, float) else str(x) for x in EXTREMES]
_VALUES = st.sampled_from(_NUMBERS + ["-" + x for x in _NUMBERS])
# --set values: a number, arithmetic on two, or a schedule, all of extremes.
_OVERRIDE_VALUES = st.one_of(
    _VALUES,
    st.builds("{} {} {}".format, _VALUES, st.sampled_from("+-*/"), _VALUES),
    st.builds("step({}, every: {}, factor: {})".format, _VALUES, _VALUES, _VALUES),
    st.builds("exponential({}, rate: {})".format, _VALUES, _VALUES),
)
OVERRIDES = st.lists(st.builds("{}={}".format, st.sampled_from(["learning_rate", "l2", "epochs", "batch_size", "seed"]),
                               _OVERRIDE_VALUES), max_size=2)


def _codes(text: str, overrides=()) -> set[str]:
    analysis = check_text(text, "extreme.hp", overrides=list(overrides))
    for d in analysis.diagnostics:  # rendering is part of answering
        source = d.source or analysis.source
        json.dumps(to_json(d, source))
    format_text(analysis.diagnostics, analysis.source)
    summary(analysis.diagnostics)
    assert format_source(text).text is not None  # `hpdsl fmt` reads it too
    return {d.code for d in analysis.diagnostics}


@given(extreme_workflows(data=DATA_SOURCES), OVERRIDES)
@example(HUGE_GRID, [])
@example(HUGE_LOGSPACE, [])
@example(FINITE_LINSPACE, [])
@example(FREE_LINEAR + "set epochs = 9223372036854775808\nset learning_rate = step(0.5, every: 1, factor: 2)\n"
         "train on train\n" + END, [])
@example(FREE_LINEAR + "train on train\n" + END, ["learning_rate=step(1e308, every: 9223372036854775808, factor: 1e-320)",
                                                   "epochs=9223372036854775807 * 9223372036854775807"])
def test_check_answers_every_extreme_with_diagnostics(text, overrides):
    codes = _codes(text, overrides)
    assert codes <= set(RULES)
    assert "HP001" not in codes  # the strategy writes only what the grammar reads


# A ridge tune whose every candidate is NaN (noise 1e154 makes every score overflow): it
# once raised KeyError('learning_rate') while building an HP301 message; ridge cannot
# diverge, so it is HP302 naming the column, with exit 3.
RIDGE_ALL_NAN = ("data d = synthetic(rows: 50, features: 1, noise: 1e154, seed: 0)\n"
                 "split d -> train 30%, validation 10%, test 60%\nmodel ridge\nhyper {\n    l2: float = 0\n}\n"
                 "tune l2 in [0, 1] on validation\ntest on test\n")


def _run(text: str) -> str:
    """'ok', or the code of the coded error the run stopped with."""
    analysis = check_text(text, "extreme.hp")
    if analysis.errors:
        return "check"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy overflow notes: the outcome is what counts
        try:
            report = run(analysis, Options(max_trials=10_000))
        except RunError as error:
            assert error.diagnostic.code in RULES
            return error.diagnostic.code
        except UsageError:
            return "usage"
    json.loads(report.to_json())
    report.summary()
    return "ok"


@RUNS
@given(extreme_workflows(runnable=True))
@example(HUGE_RANDOM_POOL)
@example(HUGER_RANDOM_POOL)
@example(RIDGE_ALL_NAN)
@example(HUGE_RANDINT)
@example(HUGE_GRID)
@example(FREE_RIDGE + "tune l2 in [1e308, 0.1] using cv 9223372036854775807 on train + validation\n" + END)
@example(FREE_RIDGE + "tune l2 in [1, 2] on validation using random 9223372036854775808\n" + END)
@example(FREE_RIDGE.replace("test 20% seed 7", "test 20% seed 9223372036854775808")
         + "train on train\nevaluate on validation\n" + END)
def test_run_answers_every_extreme_with_a_report_or_a_coded_error(text):
    assert _run(text) in {"ok", "check", "usage"} | set(RULES)


def test_a_ridge_tune_whose_every_candidate_is_nan_stops_with_HP302():
    assert _run(RIDGE_ALL_NAN) == "HP302"


def test_the_pinned_huge_pools_run():
    """Random search over 2^63 and more candidates draws from all of them."""
    assert _run(HUGE_RANDOM_POOL) == "ok"
    assert _run(HUGER_RANDOM_POOL) == "ok"
    assert _run(HUGE_RANDINT) == "ok"
    assert _run(HUGE_GRID) == "usage"  # more than --max-trials: exit 2, before any work
    assert _run(FINITE_LINSPACE) == "usage"


@CLI_RUNS
@given(extreme_workflows(runnable=True))
def test_the_command_line_answers_every_extreme_without_a_traceback(text):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "extreme.hp")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        checked = hpdsl("check", path, "--format", "json")
        assert checked.returncode in (0, 1), checked.stderr
        assert b"Traceback" not in checked.stderr
        ran = hpdsl("run", path, "--json", "--out", os.path.join(folder, "out"))
        assert ran.returncode in (0, 1, 2, 3), ran.stderr
        assert b"Traceback" not in ran.stderr
        if ran.returncode == 3:
            assert re.search(rb"HP(004|30[1-3])", ran.stderr), ran.stderr


def test_the_strategy_reaches_every_extreme_in_every_kind_of_slot():
    from hypothesis import Phase, find

    quick = settings(max_examples=3000, database=None, phases=[Phase.generate], deadline=None)
    shown = {0: "0", -0.0: "-0.0", 1e-320: "1e-320", 1e154: "1e+154", 1e300: "1e+300", 1e308: "1e+308",
             2**63: str(2**63), 2**63 - 1: str(2**63 - 1)}
    assert set(shown) == set(EXTREMES)
    slots = {
        "a share": lambda x: re.compile(r"-> .*\b" + re.escape(x) + r"%" if "e" not in x else r"-> .*\d{100,}%"),
        "a synthetic argument": lambda x: re.compile(r"synthetic\(.*: -?" + re.escape(x) + r"\b"),
        "a hyper default": lambda x: re.compile(r"(int|float)( in .*)? = -?" + re.escape(x) + r"\n"),
        "a tune candidate": lambda x: re.compile(r"^tune .*-?" + re.escape(x), re.M),
    }
    for slot, value in (("a share", 2**63), ("a synthetic argument", 1e308), ("a hyper default", 1e-320),
                        ("a tune candidate", 1e308)):
        regex = slots[slot](shown[value])
        find(extreme_workflows(), lambda text, regex=regex: bool(regex.search(text)), settings=quick,
             random=Random(0))
