"""What values a generated workflow may give a hyperparameter: the language's domains and
defaults (read from `hpdsl/specs.py`), the ranges that keep a run quick, and `Values`,
which draws numbers, `set` expressions and schedules inside them all."""

from __future__ import annotations

import math

from hypothesis import strategies as st

from .. import specs
from . import _tree as tree
from ._draw import Draws

INF = math.inf
MAX_EPOCHS = 50  # every epochs value a generated workflow can reach
TUNED = "<tuned>"  # the value of a hyperparameter that a tune will choose

MODELS = tuple(specs.MODELS)
MODEL_HYPERS = {name: hypers for name, (hypers, _, _) in specs.MODELS.items()}
METRICS = {m: "minimize" if lower else "maximize" for m, lower in specs.METRICS.items()}
PARAMS = tuple(specs.PARAMETERS)


class Dom:
    """A set of numbers: an interval (ends open or closed, inf allowed) or finite members."""

    __slots__ = ("low", "high", "low_closed", "high_closed", "members")

    def __init__(self, low=-INF, high=INF, low_closed=True, high_closed=True, members=None) -> None:
        self.low, self.high = low, high
        self.low_closed, self.high_closed = low_closed, high_closed
        self.members = members

    def contains(self, x) -> bool:
        if isinstance(x, bool) or not isinstance(x, (int, float)) or x != x:
            return False
        if self.members is not None:
            return any(x == m for m in self.members)
        if x < self.low or (x == self.low and not self.low_closed):
            return False
        return not (x > self.high or (x == self.high and not self.high_closed))


class Spec:
    """What the language says of a model hyperparameter, plus the range a quick run likes."""

    __slots__ = ("type", "model", "default", "run", "nice", "lows", "highs")

    def __init__(self, name, run, nice, lows, highs) -> None:
        type_, ends, default, _, _ = specs.HYPERS[name]
        self.type = type_
        self.model = Dom(*ends)  # the model's domain
        self.default = default  # the model's default (None: full batch)
        self.run = Dom(*run)  # values a generated workflow uses, so that it runs fast
        self.nice = nice  # round values inside `run`
        self.lows = lows  # (value, closed) ends a declared interval may start with
        self.highs = highs


# The generator's own knowledge: ranges that run fast, round values, interval ends to try.
SPECS = {
    "learning_rate": Spec(
        "learning_rate", (0.0001, 0.1),
        (0.0001, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1),
        ((0, False), (0.0001, True), (0.00001, False), (0.001, True)),
        ((1, True), (1, False), (0.5, True), (0.1, True), (INF, False)),
    ),
    "l2": Spec(
        "l2", (0, 10),
        (0, 0.0001, 0.001, 0.01, 0.1, 0.5, 1, 2.5, 10),
        ((0, True), (0, False), (0.0001, True)),
        ((10, True), (100, True), (INF, False), (1, True), (10, False)),
    ),
    "epochs": Spec(
        "epochs", (1, MAX_EPOCHS),
        (1, 2, 5, 10, 20, 25, 30, 40, 50),
        ((1, True), (2, True), (5, True)),
        ((50, True), (1000, True), (INF, False), (100, False), (5000, True)),
    ),
    "batch_size": Spec(
        "batch_size", (1, 64),
        (1, 2, 4, 8, 16, 32, 64),
        ((1, True), (2, True), (4, True)),
        ((64, True), (512, True), (INF, False), (4096, True), (100, False)),
    ),
    "seed": Spec(
        "seed", (0, 1000),
        (0, 1, 2, 7, 42, 123, 1000),
        ((-INF, False), (0, True), (-10, True), (-1, False)),
        ((INF, False), (100, True), (1000, True), (2**31, False)),
    ),
}
assert set(SPECS) == set(specs.HYPERS), "every hyperparameter of specs.HYPERS needs its generator ranges here"


class Schedule:
    """A learning-rate schedule, computed the way docs/steps.md defines it."""

    __slots__ = ("kind", "lr0", "every", "factor", "rate")

    def __init__(self, kind, lr0, every=1, factor=1.0, rate=1.0) -> None:
        self.kind, self.lr0, self.every, self.factor, self.rate = kind, float(lr0), every, float(factor), float(rate)

    def rates(self):
        for epoch in range(MAX_EPOCHS):
            if self.kind == "step":
                yield self.lr0 * self.factor ** (epoch // self.every)
            else:
                yield self.lr0 * self.rate**epoch


def conform(type_: str, value):
    """`value` as the checker stores it for a hyperparameter of `type_`, or None if it is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or math.isinf(value):
        return None
    if type_ == "int":
        if isinstance(value, float):
            return int(value) if value.is_integer() else None
    return value

class Values(Draws):
    """Draws values for hyperparameters inside their model domain, their quick-run range and
    the domains this workflow declared (`doms`: name -> Dom, or None for no domain)."""

    def __init__(self, draw, doms=None) -> None:
        super().__init__(draw)
        self.doms: dict[str, Dom | None] = {} if doms is None else doms

    def ok(self, h: str, value) -> bool:
        """Whether a hyperparameter may hold `value` in a generated workflow."""
        spec = SPECS[h]
        dom = self.doms.get(h)
        return (
            conform(spec.type, value) is not None
            and spec.model.contains(value)
            and spec.run.contains(value)
            and (dom is None or dom.contains(value))
        )

    def region(self, h: str):
        """(low, high) of the values `ok` for an interval-or-no domain, ends included."""
        spec, dom = SPECS[h], self.doms.get(h)
        ends = [(spec.model.low, spec.model.low_closed, spec.model.high, spec.model.high_closed),
                (spec.run.low, True, spec.run.high, True)]
        if dom is not None:
            ends.append((dom.low, dom.low_closed, dom.high, dom.high_closed))
        low = max(e[0] for e in ends)
        low_closed = all(e[1] for e in ends if e[0] == low)
        high = min(e[2] for e in ends)
        high_closed = all(e[3] for e in ends if e[2] == high)
        if spec.type == "int":
            low = math.ceil(low) if low_closed or low != int(low) else int(low) + 1
            high = math.floor(high) if high_closed or high != int(high) else int(high) - 1
            return low, high
        return low, high, low_closed, high_closed

    def nice(self, h: str) -> list:
        dom = self.doms.get(h)
        pool = dom.members if dom is not None and dom.members is not None else SPECS[h].nice
        return [x for x in pool if self.ok(h, x)]

    def value(self, h: str):
        """A value `ok` for `h`: mostly a round one, sometimes any."""
        nice = self.nice(h)
        dom = self.doms.get(h)
        if (dom is not None and dom.members is not None) or self.flip(0.6):
            return self.pick(nice)
        if SPECS[h].type == "int":
            low, high = self.region(h)
            return self.draw(st.integers(low, high))
        low, high, low_closed, high_closed = self.region(h)
        x = self.draw(st.floats(low, high, exclude_min=not low_closed, exclude_max=not high_closed,
                                allow_subnormal=False))
        return x if self.ok(h, x) else nice[0]

    def value_expr(self, h: str, env: dict):
        """(expression, value): a `set`-style expression whose value is `ok` for `h`,
        naming other hyperparameters from `env` (name -> current number) sometimes."""
        target = self.value(h)
        literal = tree.number(target)
        form = self.pick(["literal"] * 5 + ["paren", "double_neg", "product", "quotient", "midpoint"]
                         + (["shift", "name", "scaled"] if env else []))
        if form == "literal":
            return literal, conform(SPECS[h].type, target)
        if form == "paren":
            expr = tree.paren(literal)
        elif form == "double_neg":
            expr = tree.neg(tree.neg(literal)) if self.flip() else tree.neg(tree.binop("-", tree.number(0), literal))
        elif form == "product":
            if isinstance(target, int) and target > 1:
                d = self.pick([d for d in range(1, min(target, 12) + 1) if target % d == 0])
                expr = tree.binop("*", tree.number(d), tree.number(target // d))
            else:
                expr = tree.binop("*", tree.number(target / 2), tree.number(2))
        elif form == "quotient":
            k = self.pick([2, 4, 10])
            expr = tree.binop("/", tree.number(target * k), tree.number(k))
        elif form == "midpoint":
            expr = tree.binop("/", tree.binop("+", tree.number(self.value(h)), tree.number(self.value(h))), tree.number(2))
        else:
            other = self.pick(sorted(env))
            x = env[other]
            if form == "name":
                expr = tree.name(other)
            elif form == "shift":
                d = target - x
                expr = (tree.binop("+", tree.name(other), tree.number(d)) if d >= 0
                        else tree.binop("-", tree.name(other), tree.number(-d)))
            else:
                expr = tree.binop("*", tree.name(other), tree.number(target / x)) if x else literal
        value = conform(SPECS[h].type, tree.evaluate(expr, env))
        if value is None or not self.ok(h, value):
            return literal, conform(SPECS[h].type, target)
        return expr, value

    def schedule(self):
        """(call, Schedule): a learning-rate schedule whose every rate, in any number of
        epochs a generated workflow can reach, lies in learning_rate's domain."""
        lr0 = self.pick(self.nice("learning_rate"))
        if self.flip():
            every = self.draw(st.integers(1, MAX_EPOCHS))
            factor = self.pick([0.5, 0.1, 0.9, 0.25, 1, 1.5, 2])
            schedule = Schedule("step", lr0, every=every, factor=factor)
            if not self.rates_ok(schedule):
                factor, schedule = 1, Schedule("step", lr0, every=every, factor=1)
            named = [tree.arg(tree.number(every), "every"), tree.arg(tree.number(factor), "factor")]
        else:
            rate = self.pick([0.9, 0.95, 0.99, 0.999, 1, 1.01, 1.05])
            schedule = Schedule("exponential", lr0, rate=rate)
            if not self.rates_ok(schedule):
                rate, schedule = 1, Schedule("exponential", lr0, rate=1)
            named = [tree.arg(tree.number(rate), "rate")]
        first = tree.arg(tree.number(lr0), "lr0" if self.flip(0.2) else None)
        named = self.shuffled(named)
        args = [first] + named if first.name is None else self.shuffled([first] + named)
        return tree.call(schedule.kind, args), schedule

    def rates_ok(self, schedule: Schedule) -> bool:
        dom = self.doms.get("learning_rate")
        return all(0 < r <= 0.5 and (dom is None or dom.contains(r)) for r in schedule.rates())
