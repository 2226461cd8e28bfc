"""The value classes built on hpdsl.record.Record: spans, domains and schedules compare,
hash, pickle and freeze like the AST's nodes, and tools can read their signatures."""

from __future__ import annotations

import inspect
import os
import pickle
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hpdsl import nodes as n
from hpdsl.checker.domains import Interval, ValueSet
from hpdsl.checker.values import Schedule
from hpdsl.record import Record, replace
from hpdsl.source import Span

NUMBERS = st.one_of(st.integers(-5, 5), st.floats(-5, 5, allow_nan=False))
VALUES = (
    st.builds(Span, st.integers(0, 50), st.integers(0, 50)),
    st.builds(Interval, NUMBERS, NUMBERS, st.booleans(), st.booleans()),
    st.builds(ValueSet, st.lists(NUMBERS, max_size=4)),
    st.builds(Schedule, st.just("step"), NUMBERS, every=st.integers(1, 9), factor=NUMBERS),
    st.builds(Schedule, st.just("exponential"), NUMBERS, rate=NUMBERS),
)


@given(st.one_of(*VALUES))
def test_values_are_records_that_pickle_back_to_an_equal_value(value):
    assert isinstance(value, Record)
    again = pickle.loads(pickle.dumps(value))
    assert again == value and hash(again) == hash(value)
    assert replace(value) == value


@given(st.one_of(*VALUES))
def test_values_are_frozen(value):
    with pytest.raises(AttributeError, match="frozen"):
        setattr(value, value._fields[0], 1)


def test_equality_is_by_meaning_not_by_where_it_was_written():
    assert Span(1, 2) == Span(1, 2) and Span(1, 2) != Span(1, 3)
    assert Interval(0, 1) == Interval(0, 1, True, True) != Interval(0, 1, False, True)
    assert ValueSet([1, 2]) == ValueSet((1, 2)) != ValueSet((2, 1))
    assert Schedule("step", 0.1, every=2, factor=0.5, span=Span(0, 4)) == Schedule("step", 0.1, every=2, factor=0.5)
    assert Schedule("step", 0.1, every=2) != Schedule("exponential", 0.1)
    assert Interval(0, 1) != ValueSet((0, 1)) and Span(0, 1) != (0, 1)


def test_the_positional_constructors_keep_their_signatures():
    assert str(inspect.signature(Span)) == "(start: 'int', end: 'int') -> None"
    assert list(inspect.signature(Interval).parameters) == ["low", "high", "low_closed", "high_closed"]
    schedule = inspect.signature(Schedule).parameters
    assert schedule["every"].kind is inspect.Parameter.KEYWORD_ONLY and schedule["lr0"].default is inspect.Parameter.empty
    assert {p.kind for p in inspect.signature(n.Name).parameters.values()} == {inspect.Parameter.KEYWORD_ONLY}


def test_a_value_of_numbers_hashes_alike_in_every_process():
    # Sets of spans iterate in hash order: with numbers only, the same order on every run.
    code = "from hpdsl.source import Span; from hpdsl.checker.domains import Interval; " \
           "print(hash(Span(3, 7)), hash(Interval(0, 1.5, False)))"
    seen = set()
    for seed in ("1", "2"):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env=dict(os.environ, PYTHONHASHSEED=seed))
        seen.add(done.stdout)
    assert len(seen) == 1
    assert hash(Span(3, 7)) == hash((3, 7))  # as before Span was a record


def test_diagnostics_and_their_parts_are_records():
    from hpdsl.diagnostics import RULES, SAFE, Diagnostic, Fix, Related, Rule

    related = Related(Span(1, 4), "first here")
    fix = Fix(Span(0, 1), "x", SAFE, "Write x")
    diagnostic = Diagnostic("HP103", Span(5, 9), "tuned on test", "tune on validation", (related,), fixes=(fix,))
    for value in (related, fix, RULES["HP103"], diagnostic):
        assert isinstance(value, Record)
        again = pickle.loads(pickle.dumps(value))
        assert again == value and hash(again) == hash(value)
        with pytest.raises(AttributeError, match="frozen"):
            setattr(value, value._fields[0], None)
    # The span is part of what these mean: a fix elsewhere is another fix.
    assert related != Related(Span(1, 5), "first here") and fix != Fix(Span(1, 2), "x", SAFE, "Write x")
    assert Related(span=Span(1, 4), message="first here") == related
    assert pickle.loads(pickle.dumps(diagnostic)).fixes == (fix,)
    assert diagnostic == Diagnostic("HP103", Span(5, 9), "tuned on test", "tune on validation", (related,))
    assert list(inspect.signature(Rule).parameters) == ["code", "name", "severity", "summary", "phase"]
    assert {p.kind for p in inspect.signature(Related).parameters.values()} == {inspect.Parameter.POSITIONAL_OR_KEYWORD}


def test_positional_fields_are_checked_like_keywords():
    from hpdsl.diagnostics import Related

    with pytest.raises(TypeError, match="by keyword"):
        n.Name(Span(0, 1), "x")
    with pytest.raises(TypeError, match="twice"):
        Related(Span(0, 1), span=Span(0, 1))
    with pytest.raises(TypeError, match="2 fields, 3 given"):
        Related(Span(0, 1), "a", "b")
    with pytest.raises(TypeError, match="missing field 'message'"):
        Related(Span(0, 1))


def test_candidates_are_a_positional_record():
    from hpdsl.checker.values import Candidates

    here, there = Candidates("list", [1, 2], 2, Span(0, 6)), Candidates("list", [1, 2], 2, Span(9, 15))
    assert here == there and here != Candidates("list", [2, 1], 2, Span(0, 6))
    assert pickle.loads(pickle.dumps(here)) == here
    assert list(inspect.signature(Candidates).parameters) == ["kind", "values", "count", "span", "low", "high"]
    assert Candidates("uniform", None, 0, None, 0.1, 2.0).distribution
