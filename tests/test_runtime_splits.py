"""Splits and folds: largest-remainder counts, disjoint blocks of one seeded shuffle, K folds."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from hpdsl.runtime.splits import blocks, fold_bounds, share_counts, shuffle


def test_counts_are_floors_when_they_are_exact():
    assert share_counts(2000, [60, 20, 20]) == [1200, 400, 400]


def test_the_rows_left_over_go_to_the_largest_remainders():
    # 7 rows: quotas 4.2, 1.4, 1.4 -> floors 4, 1, 1, one row left; remainders .2 .4 .4
    assert share_counts(7, [60, 20, 20]) == [4, 2, 1]


def test_ties_go_to_the_split_declared_first():
    assert share_counts(10, [90, 5, 5]) == [9, 1, 0]
    assert share_counts(3, [50, 50]) == [2, 1]


def test_fractional_percentages():
    assert share_counts(8, [12.5, 87.5]) == [1, 7]
    assert share_counts(3, [33.3, 33.3, 33.4]) == [1, 1, 1]


@given(st.integers(1, 5000), st.lists(st.integers(1, 50), min_size=1, max_size=6))
def test_counts_sum_to_the_rows_and_stay_within_one_of_the_quota(rows, weights):
    total = sum(weights)
    percents = [100 * w / total for w in weights]
    counts = share_counts(rows, percents)
    assert sum(counts) == rows
    for count, percent in zip(counts, percents):
        assert abs(count - rows * percent / 100) < 1 + 1e-9


@given(st.integers(1, 3000), st.integers(0, 2**32), st.lists(st.integers(1, 50), min_size=1, max_size=5))
def test_splits_are_disjoint_and_cover_every_row(rows, seed, weights):
    total = sum(weights)
    counts = share_counts(rows, [100 * w / total for w in weights])
    order = shuffle(rows, seed)
    parts = [set(order[a:b].tolist()) for a, b in blocks(counts)]
    assert sum(len(p) for p in parts) == rows
    assert set().union(*parts) == set(range(rows))


def test_the_shuffle_is_numpys_seeded_permutation():
    assert np.array_equal(shuffle(10, 42), np.random.default_rng(42).permutation(10))


@given(st.integers(2, 500), st.integers(2, 20))
def test_folds_partition_the_rows_in_contiguous_blocks_of_nearly_equal_size(rows, k):
    if k > rows:
        return
    bounds = fold_bounds(rows, k)
    assert len(bounds) == k
    assert bounds[0][0] == 0 and bounds[-1][1] == rows
    assert all(bounds[i][1] == bounds[i + 1][0] for i in range(k - 1))
    sizes = [b - a for a, b in bounds]
    assert max(sizes) - min(sizes) <= 1
    assert sorted(sizes, reverse=True) == sizes  # the larger folds come first


def test_split_rows_in_the_report_follow_the_rule():
    from hpdsl.checker import check_text
    from hpdsl.runtime import run

    text = """\
data d = synthetic(rows: 7, features: 1, noise: 0.1, seed: 1)
split d -> train 60%, validation 20%, test 20%
model ridge
hyper {
    l2: float in [0, 1] = 0.1
}
train on train
evaluate on validation
test on test
"""
    report = run(check_text(text, "w.hp"))
    assert {k: s["rows"] for k, s in report.data["splits"].items()} == {"train": 4, "validation": 2, "test": 1}
