"""Candidate sequences without materialising them: lengths, values and set membership,
exact for counts past 2^63 and ranges past the largest float (hpdsl.checker.values)."""

from __future__ import annotations

import math
import random

from hypothesis import given
from hypothesis import strategies as st

from hpdsl.checker import values as v

FINITE = st.floats(-1e308, 1e308, allow_nan=False, allow_infinity=False)


@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(-7, 7).filter(bool))
def test_range_length_is_len_of_range(start, stop, step):
    assert v.range_length(start, stop, step) == len(range(start, stop, step))


def test_range_length_past_two_to_the_63():
    assert v.range_length(0, 2**64, 1) == 2**64
    assert v.range_length(2**64, 0, -3) == (2**64 + 2) // 3
    sequence = v.Sequence("range", 0, 2**64, 2**64)
    assert sequence.last() == 2**64 - 1 and sequence[2**63] == 2**63


@given(FINITE, FINITE, st.integers(1, 40))
def test_a_sequence_materialised_is_the_sequence_indexed_and_stays_finite(a, b, count):
    for kind in ("linspace", "range") if a.is_integer() and b.is_integer() and abs(a) + abs(b) < 1e6 else ("linspace",):
        if kind == "range":
            a, b = int(a), int(b)
            step = 1 if b >= a else -1
            count = v.range_length(a, b, step)
            if count == 0:
                continue
            sequence = v.Sequence("range", a, b, count, step)
        else:
            sequence = v.Sequence("linspace", a, b, count)
        values = sequence.materialise()
        assert values == [sequence[i] for i in range(count)]
        assert all(math.isfinite(x) for x in values)
        if kind == "linspace":
            assert values[0] == a and (values[-1] == b or count == 1)  # linspace(a, b, 1) is [a]
            inner = values[:-1]
            assert inner == sorted(inner) or inner == sorted(inner, reverse=True)  # monotone


def test_linspace_to_1e308_is_finite_at_two_million_values():
    sequence = v.Sequence("linspace", 0, 1e308, 2_000_000)
    assert sequence[1_999_998] < sequence[1_999_999] == 1e308
    wide = v.Sequence("linspace", -1e308, 1e308, 2_000_000)
    assert all(math.isfinite(wide[i]) for i in (0, 1, 999_999, 1_000_000, 1_999_998, 1_999_999))


def _brute_force(c: v.Candidates, members) -> tuple[bool, object]:
    values = range(c.low, c.high) if c.kind == "randint" else list(c.values)
    outside = [x for x in values if not any(x == m for m in members)]
    return (not outside, outside[0] if outside else None)


@given(st.sampled_from(["linspace", "range", "randint"]), st.integers(0, 6), st.integers(0, 6), st.integers(1, 9),
       st.lists(st.integers(0, 6), min_size=1, max_size=4))
def test_first_outside_a_set_is_what_walking_every_candidate_finds(kind, a, b, count, members):
    if kind == "randint":
        if b <= a:
            return
        c = v.Candidates("randint", None, 0, None, a, b)
    elif kind == "range":
        step = 1 if b >= a else -1
        count = v.range_length(a, b, step)
        if count == 0:
            return
        c = v.Candidates("range", v.Sequence("range", a, b, count, step), count, None, a, b)
    else:
        c = v.Candidates("linspace", v.Sequence("linspace", a, b, count).materialise(), count, None, a, b)
    assert v.first_outside(c, members) == _brute_force(c, members)


def test_first_outside_jumps_over_runs_of_copies():
    count = 10**30  # walking would never end
    one = v.Candidates("linspace", v.Sequence("linspace", 0.1, 0.1, count), count, None, 0.1, 0.1)
    assert v.first_outside(one, (0.1, 1.0)) == (True, None)
    two = v.Candidates("range", v.Sequence("range", 10, 10 + 2 * count, count, 2), count, None, 10, None)
    assert v.first_outside(two, (10, 12, 14)) == (False, 16)


def test_draw_below_draws_as_before_up_to_two_to_the_63_and_beyond_it_uniformly():
    generator = random.Random(3)
    small = [v.draw_below(1000, lambda k: generator.randrange(k)) for _ in range(5)]
    generator = random.Random(3)
    assert small == [generator.randrange(1000) for _ in range(5)]
    generator = random.Random(4)
    count = 3 * 2**64 + 1
    drawn = [v.draw_below(count, lambda k: generator.randrange(k)) for _ in range(200)]
    assert all(0 <= x < count for x in drawn)
    assert max(drawn) > 2**64 and min(drawn) < 2**64  # the whole range is reached
