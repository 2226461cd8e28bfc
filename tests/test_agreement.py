"""The checker and the runtime encode one discipline, proven on generated workflows.

- A workflow the checker passes runs, and no runtime guard fires; with warnings alone, too.
- A workflow with one discipline error (HP101-HP110, HP210), run anyway through the unchecked
  entry point, is stopped by the guard for that very rule (HP303 "guard for HP1xx").
- Leak canary: shuffling the target values of the test rows changes neither what a tune
  selects nor anything the report says before the final test.
- Determinism: the same workflow, data and seeds give the same report.json but timings.
- Reads: the checker's idea of which step reads which split (hpdsl.checker.reads) is
  what the interpreter's audit records, the runtime truth.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile

import numpy as np
import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from hpdsl import nodes as n
from hpdsl.checker import check_text, reads
from hpdsl.diagnostics import RULES
from hpdsl.checker.values import constant
from hpdsl.formatter import format_program
from hpdsl.runtime import Options, RunError, run, run_unchecked
from hpdsl.runtime.data import synthetic
from hpdsl.runtime.splits import blocks, share_counts, shuffle
from hpdsl.source import Span
from hpdsl.testing import INJECTABLE, programs, workflows

# Each example runs the interpreter (one to a few hundred milliseconds): a quarter of
# the active profile's examples (15 under `ci`, 500 under `nightly`) per property.
RUNS = settings(max_examples=max(10, settings().max_examples // 4))

DISCIPLINE = [code for code in INJECTABLE if "HP101" <= code <= "HP110" or code == "HP210"]
# HP204 (more than 10,000 candidates) really trains them all: a few examples only.
WARNINGS = [code for code in INJECTABLE if RULES[code].severity == "warning" and code != "HP204"]
LARGE_SEARCHES = settings(max_examples=max(3, settings().max_examples // 100))


def report(text: str, base_dir: str | None = None, checked: bool = True, max_trials: int = 10_000) -> dict:
    analysis = check_text(text, "generated.hp")
    runner = run if checked else run_unchecked
    return json.loads(runner(analysis, Options(base_dir=base_dir, max_trials=max_trials)).to_json())


# ---- the checker and the guards agree ---------------------------------------------------------------


@RUNS
@given(workflows())
def test_a_workflow_the_checker_passes_runs_and_no_guard_fires(text):
    assert check_text(text, "generated.hp").diagnostics == []
    result = report(text)
    assert result["steps"] or not result["audit"]


@RUNS
@pytest.mark.parametrize("code", WARNINGS)
@given(data=st.data())
def test_warnings_alone_never_trip_a_guard(code, data):
    text = data.draw(workflows(violating=code))
    assert [d.code for d in check_text(text, "generated.hp").diagnostics] == [code]
    report(text)


@LARGE_SEARCHES
@given(workflows(violating="HP204"))
def test_a_search_above_ten_thousand_candidates_runs_with_max_trials_and_trips_no_guard(text):
    assert [d.code for d in check_text(text, "generated.hp").diagnostics] == ["HP204"]
    report(text, max_trials=10**6)


@RUNS
@pytest.mark.parametrize("code", DISCIPLINE)
@given(data=st.data())
def test_a_discipline_error_run_anyway_is_stopped_by_the_guard_for_that_rule(code, data):
    text = data.draw(workflows(violating=code))
    assert [d.code for d in check_text(text, "generated.hp").diagnostics] == [code]
    with pytest.raises(RunError) as stopped:
        report(text, checked=False)
    diagnostic = stopped.value.diagnostic
    assert diagnostic.code == "HP303"
    assert diagnostic.message.startswith(f"guard for {code} "), diagnostic.message


# ---- leak canary ------------------------------------------------------------------------------------


def _declaration(program: n.Program, kind: type):
    return next(s for s in program.statements if isinstance(s, kind))


def _test_rows(split: n.Split, rows: int) -> np.ndarray | None:
    """The file rows the split rule gives the test-role split (docs/declarations.md)."""
    roles = [e.role.name if e.role else e.name.name for e in split.entries]
    if "test" not in roles:
        return None
    counts = share_counts(rows, [e.share.percent for e in split.entries])
    start, stop = blocks(counts)[roles.index("test")]
    seed = constant(split.seed) if split.seed is not None else 0
    return shuffle(rows, seed)[start:stop]


def _write_csv(path: str, X: np.ndarray, y: np.ndarray) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([f"x{i + 1}" for i in range(X.shape[1])] + ["y"])
        for features, target in zip(X, y):
            writer.writerow([repr(float(x)) for x in features] + [repr(float(target))])


def _before_the_test(result: dict) -> dict:
    """Everything the report says that the final test's rows must not influence."""
    steps = result["steps"]
    first_test = next((i for i, s in enumerate(steps) if s["kind"] == "test"), len(steps))
    return {key: result[key] for key in ("splits", "hypers", "params", "standardize")} | {
        "steps": steps[:first_test],
        "audit": result["audit"],
    }


@RUNS
@given(programs(), st.randoms(use_true_random=False))
def test_shuffling_the_test_targets_changes_nothing_before_the_test(program, random):
    data = _declaration(program, n.Data)
    args = {a.name.name: constant(a.value) for a in data.source.args}
    dataset = synthetic(**args)
    test_rows = _test_rows(_declaration(program, n.Split), len(dataset.y))
    if test_rows is None or len(test_rows) < 2:
        event("no test rows to shuffle")
        return
    tunes = sum(isinstance(s, n.Tune) for s in program.statements)
    event("with a tune" if tunes else "without a tune")
    shuffled = dataset.y.copy()
    order = list(test_rows)
    random.shuffle(order)
    shuffled[test_rows] = dataset.y[order]
    csv_call = n.Call(
        span=Span(0, 0),
        func=n.Name(span=Span(0, 0), name="csv"),
        args=(
            n.Arg(span=Span(0, 0), name=None, value=n.String(span=Span(0, 0), value="rows.csv", text='"rows.csv"')),
            n.Arg(span=Span(0, 0), name=n.Name(span=Span(0, 0), name="target"),
                  value=n.String(span=Span(0, 0), value="y", text='"y"')),
        ),
    )
    statements = tuple(n.replace(s, source=csv_call) if s is data else s for s in program.statements)
    text = format_program(n.replace(program, statements=statements))
    with tempfile.TemporaryDirectory() as original, tempfile.TemporaryDirectory() as canary:
        _write_csv(os.path.join(original, "rows.csv"), dataset.X, dataset.y)
        _write_csv(os.path.join(canary, "rows.csv"), dataset.X, shuffled)
        honest = report(text, base_dir=original)
        leaked = report(text, base_dir=canary)
    assert _before_the_test(leaked) == _before_the_test(honest)
    assert sum(s["kind"] == "test" for s in honest["steps"]) <= 1


# ---- determinism --------------------------------------------------------------------------------------


@RUNS
@given(workflows())
def test_the_same_workflow_gives_the_same_report_but_timings(text):
    first, second = report(text), report(text)
    first.pop("timings")
    second.pop("timings")
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


# ---- the checker's reads are the audit -------------------------------------------------------------------


def _expected_audit(text: str) -> dict:
    """The audit as the checker predicts it: per split, the steps that read it, in order."""
    analysis = check_text(text, "generated.hp")
    audit: dict[str, list[dict]] = {name: [] for name in analysis.scope.splits}
    for step, names in reads(analysis):
        line = analysis.source.location(step.span.start)[0]
        for name in names:
            audit[name].append({"line": line, "kind": n.STEP_KEYWORDS[type(step)]})
    return audit


@RUNS
@given(st.one_of(workflows(), *(workflows(violating=code) for code in WARNINGS)))
# A hold-out tune after a train that stops early on a validation split reads that split too.
@example("data d = synthetic(rows: 60, features: 1, noise: 0.1, seed: 0)\n"
         "split d -> train 50%, validation 25%, dev 25% as validation\nmodel linear_regression\n"
         "hyper {\n    epochs: int = 5\n    l2: float = 0\n}\n"
         "train on train {\n    stop early when mse on dev has not improved for 2 epochs\n}\n"
         "tune l2 in [0, 1] on validation\nevaluate on dev\n")
def test_the_checker_knows_which_step_reads_which_split(text):
    try:
        result = report(text)
    except RunError as error:  # a warning-only workflow may still diverge or leave a split empty
        event(f"stopped with {error.diagnostic.code}")
        return
    assert result["audit"] == _expected_audit(text)
