"""Tune candidates: the candidate forms of docs/steps.md (a list, linspace, logspace, range,
and for random search uniform, loguniform, randint), each drawn so that every value it
yields is one the hyperparameter may hold."""

from __future__ import annotations

from hypothesis import strategies as st

from .. import nodes as n
from . import _tree as tree
from ._domains import SPECS, Values


def candidates(vals: Values, h: str, count: int | None = None, random: bool = False) -> n.Expr:
    """Tune candidates for `h`, every one `ok`: exactly `count` of them, or (random
    search, count None) any number or a distribution."""
    spec, dom = SPECS[h], vals.doms.get(h)
    forms = ["list", "list"]
    if dom is None or dom.members is None:  # a sequence's inner values stay inside an interval
        forms += ["linspace", "logspace"] + (["range", "range"] if spec.type == "int" else [])
        if random and count is None:
            forms += ["randint"] if spec.type == "int" else ["uniform", "loguniform"]
    form = vals.pick(forms)
    size = count if count is not None else vals.draw(st.integers(1, 6))
    # A form that cannot give `size` values in this domain falls back to a list.
    expr = None if form == "list" else FORMS[form](vals, h, size)
    return expr if expr is not None else tree.list_expr(tree.number(vals.value(h)) for _ in range(size))


def _linspace(vals: Values, h, size):
    a = vals.value(h)
    if SPECS[h].type == "float":
        b = vals.value(h)
    else:
        b = a + vals.draw(st.integers(-3, 3)) * (size - 1) if size > 1 else vals.value(h)
        if not vals.ok(h, b):
            b = a
    return tree.call("linspace", [tree.arg(tree.number(a)), tree.arg(tree.number(b)), tree.arg(tree.number(size))])


def _logspace(vals: Values, h, size):
    spec = SPECS[h]
    exponents = [e for e in range(-6, 4) if vals.ok(h, 10.0**e) and (spec.type == "float" or e >= 0)]
    if not exponents:
        return None
    a, b = vals.pick(exponents), vals.pick(exponents)
    if spec.type == "int" and size > 1 and (b - a) % (size - 1):
        return None
    values = [10.0**v for v in tree.linspace(a, b, size)]
    if not all(vals.ok(h, v) for v in values):
        return None
    return tree.call("logspace", [tree.arg(tree.number(a)), tree.arg(tree.number(b)), tree.arg(tree.number(size))])


def _range(vals: Values, h, size):
    low, high = vals.region(h)
    step = vals.pick([1, 1, 1, 2, 3, 5, -1, -2])
    if abs(step) * (size - 1) > high - low:
        step = 1
        if size - 1 > high - low:
            return None
    span = abs(step) * (size - 1)
    if step > 0:
        start = vals.draw(st.integers(low, high - span))
        stop = start + span + vals.draw(st.integers(1, step))
    else:
        start = vals.draw(st.integers(low + span, high))
        stop = start - span - vals.draw(st.integers(1, -step))
    args = [tree.arg(tree.number(start)), tree.arg(tree.number(stop))]
    if step != 1 or vals.flip(0.2):
        args.append(tree.arg(tree.number(step)))
    return tree.call("range", args)


def _uniform(vals: Values, h, size):
    a, b = sorted([vals.value(h), vals.value(h)])
    return tree.call("uniform", [tree.arg(tree.number(a)), tree.arg(tree.number(b))])


def _loguniform(vals: Values, h, size):
    positive = [x for x in vals.nice(h) if x > 0]
    a, b = sorted([vals.pick(positive), vals.pick(positive)])
    return tree.call("loguniform", [tree.arg(tree.number(a)), tree.arg(tree.number(b))])


def _randint(vals: Values, h, size):
    low, high = vals.region(h)
    a = vals.draw(st.integers(low, high))
    b = vals.draw(st.integers(a + 1, high + 1))
    return tree.call("randint", [tree.arg(tree.number(a)), tree.arg(tree.number(b))])


# form -> maker(values, hyperparameter, size): the expression, or None where the form cannot
# give `size` values inside the domains (the caller then falls back to a list).
FORMS = {
    "linspace": _linspace,
    "logspace": _logspace,
    "range": _range,
    "uniform": _uniform,
    "loguniform": _loguniform,
    "randint": _randint,
}
