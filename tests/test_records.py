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
