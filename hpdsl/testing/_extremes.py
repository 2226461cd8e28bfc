"""`extreme_workflows`: valid workflows with numeric extremes put into their numeric slots,
for the no-traceback invariant of a checker and an interpreter."""

from __future__ import annotations

from hypothesis import strategies as st

from .. import nodes as n
from ..formatter import format_program
from . import _tree as tree
from ._programs import check_options, programs

#: ints at the edge of a 64-bit integer.
EXTREMES = (0, -0.0, 1e-320, 1e154, 1e300, 1e308, 2**63, 2**63 - 1)

# Where a run's work grows with the number (rows and features of synthetic data, and
# whatever sets epochs): with `runnable`, these slots take only extremes that cannot make
# a run long, with fixed signs (zero, the subnormal, the negatives of the large ones).
# Every other slot is free: a huge learning rate diverges at once, a huge candidate count
# or random search stops at --max-trials, a huge cv K meets too few rows.
_WORK_ARGS = ("rows", "features")
_WORK_EXTREMES = tuple(x for x in EXTREMES if abs(x) < 1) + tuple(-x for x in EXTREMES if abs(x) >= 1)


def _extreme_number(draw, pool, negative_ok: bool, keep: int):
    """None (keep the slot as it is) or one of `pool`, maybe negated; shrinks toward
    keeping. `keep` weighs keeping against the extremes (0: one chance in len(pool) + 1)."""
    choice = draw(st.integers(0, len(pool) + keep))
    if choice == 0 or choice > len(pool):
        return None
    value = pool[choice - 1]
    if negative_ok and draw(st.booleans()):
        value = -value
    return value


def _with_extremes(draw, node, pool, runnable: bool, keep: int, under_neg: bool = False):
    """`node` with each numeric slot kept or given a value from `pool`."""
    signed = pool is _WORK_EXTREMES  # its signs are fixed: a work slot never grows large
    if isinstance(node, n.Number):
        value = _extreme_number(draw, pool, not (under_neg or signed), keep)
        if value is None:
            return node
        if under_neg and signed:
            value = abs(value)  # the minus in front keeps it negative
        # A negative number prints with its minus: a unary minus in an expression, the
        # sign of a count or seed elsewhere (the grammar reads both).
        return n.Number(span=tree.AT, value=value, text="")
    if isinstance(node, n.Share):
        value = _extreme_number(draw, pool, True, keep)
        return node if value is None else n.replace(node, percent=float(value), text="")
    if runnable and _feeds_work(node):
        pool = _WORK_EXTREMES
        field = "value" if isinstance(node, n.Set) else "default" if isinstance(node, n.HyperEntry) else None
        expr = getattr(node, field) if field else None
        if expr is not None and not isinstance(expr, n.Number):
            # Arithmetic (or a name) could turn a negative extreme into a huge epochs
            # count: the expression becomes one number.
            value = _extreme_number(draw, pool, False, keep)
            return n.replace(node, **{field: n.Number(span=tree.AT, value=2 if value is None else value, text="")})
    changes = {}
    for field in n.fields(node):
        child = getattr(node, field)
        if isinstance(child, n.Record):
            new = _with_extremes(draw, child, pool, runnable, keep, under_neg=isinstance(node, n.Neg))
        elif isinstance(child, tuple):
            new = tuple(_with_extremes(draw, c, pool, runnable, keep) if isinstance(c, n.Record) else c
                        for c in child)
        else:
            continue
        if new is not child and new != child:
            changes[field] = new
    return n.replace(node, **changes) if changes else node


def _feeds_work(node) -> bool:
    """Whether `node` sets how much work a run does: a synthetic row or feature count, or
    a value of epochs (its default, a set, its tune candidates)."""
    if isinstance(node, n.Arg):
        return node.name is not None and node.name.name in _WORK_ARGS
    if isinstance(node, (n.Set, n.HyperEntry, n.SpaceItem)):
        return node.name.name == "epochs"
    return False


@st.composite
def _extreme_programs(draw, models, data, runnable):
    program = draw(programs(models=models, data=data))
    # How densely the extremes fall: in every slot, or in one here and there (a workflow
    # with a single extreme often passes the checker, and then the interpreter meets it).
    keep = draw(st.sampled_from((0, 4 * len(EXTREMES), 40 * len(EXTREMES))))
    return _with_extremes(draw, program, EXTREMES, runnable, keep)


def extreme_workflows(*, models=("linear_regression", "ridge"), data=("synthetic",), runnable: bool = False):
    """Workflows with numeric extremes in their numeric slots, as text.

    A valid workflow (see `workflows`) in which every numeric slot (each number in a
    value, a default, a domain bound, a candidate, a count, a seed, a `synthetic`
    argument, a `param` initialiser, a split share) independently keeps its number or
    gets one of `EXTREMES` or its negative. Most such workflows are wrong, and that is
    the point: a checker must answer each with diagnostics, and an interpreter with a
    coded error, never a traceback.

    - `models`, `data`: as for `workflows`.
    - `runnable`: keep runs short. The slots that set how much work a run does (the
      rows and features of synthetic data, and epochs wherever it is given a value) get
      only zero, the subnormal and the negatives of the large extremes, and an
      expression there (arithmetic could turn a negative into a huge count) becomes a
      single number. Every other slot gets any extreme.

        from hypothesis import given
        from hpdsl.checker import check_text
        from hpdsl.testing import extreme_workflows

        @given(extreme_workflows())
        def test_check_answers_with_diagnostics(text):
            check_text(text)  # never raises
    """
    check_options(models, data, None)
    return _extreme_programs(models, data, runnable).map(format_program)
