"""Static values: expressions evaluated without running anything, schedules, candidates.

The checker and the interpreter share this module, so a `set` value, a schedule and a
grid of candidates mean the same numbers in both. Pure Python: no numpy.
"""

from __future__ import annotations

import math
import sys

from .. import nodes as n
from ..source import Span
from ..suggest import did_you_mean
from .domains import INF, Domain, Interval, ValueSet, show_number

# Beyond this an int is too large: it could not become a float (the largest finite one).
_INT_LIMIT = int(sys.float_info.max)


class _Tuned:
    """The value of a hyperparameter that a tune will choose at run time."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "TUNED"


TUNED = _Tuned()


class _Unknown:
    """The value of a hyperparameter whose declaration is wrong (already reported)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


class EvalError(Exception):
    """A value problem found while evaluating: becomes a diagnostic with this code.

    A `code` of None means the value depends on something already reported as wrong:
    nothing more is said about it (one mistake, one diagnostic).
    """

    def __init__(self, code: str | None, span: Span, message: str = "", help: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.span = span
        self.message = message
        self.help = help


class Schedule(n.Record):
    """A learning-rate schedule, fixed before training. Equal schedules give the same rates
    (a step schedule's rate, an exponential one's every and factor keep their defaults)."""

    kind: str
    lr0: float
    every: int = 1
    factor: float = 1.0
    rate: float = 1.0
    span: Span | None = None

    def __init__(self, kind: str, lr0: float, *, every: int = 1, factor: float = 1.0, rate: float = 1.0, span=None):
        setter = object.__setattr__
        setter(self, "kind", kind)
        setter(self, "lr0", lr0)
        setter(self, "every", every)
        setter(self, "factor", factor)
        setter(self, "rate", rate)
        setter(self, "span", span)

    def at(self, epoch: int) -> float:
        """The learning rate used during 0-based `epoch` (inf once it grows past any float)."""
        try:
            if self.kind == "step":
                return self.lr0 * self.factor ** (epoch // self.every)
            return self.lr0 * self.rate**epoch
        except OverflowError:  # a factor above 1 raised to a huge epoch count
            return INF

    def extremes(self, epochs: int) -> tuple[float, float]:
        """The first and last rate reached in `epochs` epochs (rates are monotone)."""
        return self.at(0), self.at(max(epochs, 1) - 1)

    def to_json(self) -> dict:
        if self.kind == "step":
            return {"schedule": "step", "lr0": self.lr0, "every": self.every, "factor": self.factor}
        return {"schedule": "exponential", "lr0": self.lr0, "rate": self.rate}

    def __str__(self) -> str:
        if self.kind == "step":
            return f"step({show_number(self.lr0)}, every: {self.every}, factor: {show_number(self.factor)})"
        return f"exponential({show_number(self.lr0)}, rate: {show_number(self.rate)})"

    __repr__ = __str__


def show(value) -> str:
    if value is None:
        return "full batch"
    if isinstance(value, (int, float)):
        return show_number(value)
    return str(value)


# ---- evaluation ----------------------------------------------------------------------------

SCHEDULES = {"step": ("every", "factor"), "exponential": ("rate",)}
DISTRIBUTIONS = ("uniform", "loguniform", "randint")
SEQUENCES = ("linspace", "logspace", "range")
CANDIDATE_FUNCTIONS = SEQUENCES + DISTRIBUTIONS


def _number(value, span: Span):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EvalError("HP004", span, f"expected a number, found {_kind(value)}")
    return value


def _kind(value) -> str:
    if isinstance(value, Schedule):
        return "a schedule"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "full batch (no number)"
    return f"the value {show(value)}"


def _checked(value, span: Span):
    if isinstance(value, int):
        if abs(value) > _INT_LIMIT:
            raise EvalError("HP004", span, "the result is too large for a number", help="use smaller values")
        return value
    if math.isinf(value) or math.isnan(value):
        raise EvalError("HP004", span, "the result is too large for a float (overflow)", help="use smaller values")
    return value


def evaluate(expr, lookup):
    """The value of a `set`-style expression.

    `lookup(name_node)` gives a hyperparameter's current value (TUNED if a tune will
    choose it) or raises EvalError. Schedules are values; candidate functions are not.
    """
    if isinstance(expr, n.Number):
        if isinstance(expr.value, float) and math.isinf(expr.value):
            raise EvalError("HP004", expr.span, f"the number {expr.text} is too large for a float")
        return expr.value
    if isinstance(expr, n.Paren):
        return evaluate(expr.expr, lookup)
    if isinstance(expr, n.Name):
        return lookup(expr)
    if isinstance(expr, n.Neg):
        value = evaluate(expr.operand, lookup)
        if value is TUNED:
            return TUNED
        return -_number(value, expr.operand.span)
    if isinstance(expr, n.BinOp):
        left = evaluate(expr.left, lookup)
        right = evaluate(expr.right, lookup)
        if left is TUNED or right is TUNED:
            return TUNED
        if isinstance(left, Schedule) or isinstance(right, Schedule):
            raise EvalError(
                "HP004", expr.span, "a schedule cannot take part in arithmetic",
                help="write the schedule's own arguments instead, e.g. step(0.1, every: 10, factor: 0.5)",
            )
        a = _number(left, expr.left.span)
        b = _number(right, expr.right.span)
        return _checked(_arith(expr.op, a, b, expr), expr.span)
    if isinstance(expr, n.Call):
        return _call_value(expr, lookup)
    if isinstance(expr, n.String):
        raise EvalError("HP004", expr.span, "a string is not a number")
    if isinstance(expr, n.ListExpr):
        raise EvalError(
            "HP004", expr.span, "a list is not a value here",
            help="lists of candidates belong in a tune: 'tune NAME in [a, b] on validation'",
        )
    n.unhandled(evaluate, expr)
    raise EvalError("HP004", expr.span, "not a value")


def _arith(op: str, a, b, expr):
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        if isinstance(a, int) and isinstance(b, int) and a and b and math.log2(abs(a)) + math.log2(abs(b)) > 1030:
            return float("inf")
        return a * b
    if b == 0:
        raise EvalError("HP004", expr.right.span, "division by zero")
    try:
        return a / b
    except OverflowError:
        return float("inf")


def _call_value(call: n.Call, lookup):
    name = call.func.name
    if name in SCHEDULES:
        return schedule(call, lookup)
    if name in CANDIDATE_FUNCTIONS:
        raise EvalError(
            "HP004", call.span, f"{name}(...) gives tune candidates, not a value",
            help=f"use it in a tune: 'tune NAME in {name}(...) on validation'",
        )
    raise EvalError(
        "HP005", call.func.span, f"unknown function '{name}'",
        help=did_you_mean(name, tuple(SCHEDULES), call.func.span,
                          "the schedules are step(LR0, every: N, factor: F) and exponential(LR0, rate: R)"),
    )


def call_arguments(call: n.Call, positional: tuple[str, ...], named: tuple[str, ...], required: tuple[str, ...]):
    """Bind a call's arguments to names: positional ones in order, then `name: value`.

    Raises EvalError: HP005 for an unknown argument, HP003 for one given twice,
    HP002 for a missing required one, HP004 for too many positional ones.
    """
    bound: dict[str, n.Arg] = {}
    known = positional + named
    position = 0
    for arg in call.args:
        if arg.name is None:
            if position >= len(positional):
                raise EvalError(
                    "HP004", arg.span, f"{call.func.name}() takes {len(positional)} positional argument(s)",
                    help="name the others: " + ", ".join(f"{k}: ..." for k in named) if named else None,
                )
            key = positional[position]
            position += 1
        else:
            key = arg.name.name
            if key not in known:
                raise EvalError(
                    "HP005", arg.name.span, f"{call.func.name}() has no argument '{key}'",
                    help=did_you_mean(key, known, arg.name.span, "its arguments are " + ", ".join(known)),
                )
        if key in bound:
            raise EvalError("HP003", arg.span, f"argument '{key}' of {call.func.name}() is given twice")
        bound[key] = arg
    for key in required:
        if key not in bound:
            raise EvalError(
                "HP002", call.span, f"{call.func.name}() is missing its argument '{key}'",
                help=_signature(call.func.name, positional, named),
            )
    return bound


def _signature(func: str, positional, named) -> str:
    parts = list(positional) + [f"{k}: ..." for k in named]
    return f"write {func}({', '.join(parts)})"


def integer(value, span: Span, what: str) -> int:
    value = _number(value, span)
    if isinstance(value, float):
        if not value.is_integer():
            raise EvalError("HP004", span, f"{what} must be a whole number, not {show(value)}")
        value = int(value)
    return value


def schedule(call: n.Call, lookup) -> Schedule:
    kind = call.func.name
    names = SCHEDULES[kind]
    bound = call_arguments(call, ("lr0",), names, ("lr0",) + names)
    values = {}
    for key, arg in bound.items():
        value = evaluate(arg.value, lookup)
        if value is TUNED:
            raise EvalError(
                "HP004", arg.value.span, "a schedule's arguments must be known before training",
                help="use numbers, or hyperparameters no tune chooses",
            )
        values[key] = _checked(_number(value, arg.value.span), arg.value.span)
    if kind == "step":
        every = integer(values["every"], bound["every"].value.span, "every")
        if every < 1:
            raise EvalError("HP004", bound["every"].value.span, f"every must be at least 1, not {every}")
        if values["factor"] <= 0:
            raise EvalError("HP004", bound["factor"].value.span, "factor must be positive")
        return Schedule("step", float(values["lr0"]), every=every, factor=float(values["factor"]), span=call.span)
    if values["rate"] <= 0:
        raise EvalError("HP004", bound["rate"].value.span, "rate must be positive")
    return Schedule("exponential", float(values["lr0"]), rate=float(values["rate"]), span=call.span)


def constant(expr):
    """The value of an expression that may use no names (domain bounds, counts, seeds)."""

    def no_names(name: n.Name):
        if name.name == "inf":
            return INF
        raise EvalError("HP004", name.span, f"'{name.name}' is not a number", help="write a number here")

    value = evaluate(expr, no_names)
    return value


# ---- types and domains -----------------------------------------------------------------------


def conform(value, type_: str, span: Span, what: str):
    """`value` as a `type_` ("float" or "int") value, or EvalError (HP004)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EvalError("HP004", span, f"{what} must be {_article(type_)}, found {_kind(value)}")
    if type_ == "int":
        if isinstance(value, float):
            if not value.is_integer():
                raise EvalError("HP004", span, f"{what} must be an int, not {show(value)}")
            return int(value)
        return value
    return value


def _article(type_: str) -> str:
    return "an int" if type_ == "int" else "a float"


def check_in(value, domain: Domain | None, span: Span, what: str, where: str) -> None:
    if domain is not None and not domain.contains(value):
        raise EvalError(
            "HP004", span, f"{what} = {show(value)} lies outside {where} {domain}",
            help=f"choose a value in {domain}",
        )


# ---- candidates ------------------------------------------------------------------------------


class Candidates:
    """The values a tune tries for one hyperparameter.

    `values` is the finite list in order (grid and random search draw from it), or
    None for a distribution (`uniform`, `loguniform`, `randint`), which only random
    search may sample.
    """

    __slots__ = ("kind", "values", "low", "high", "count", "span")

    def __init__(self, kind: str, values: list | None, count: int, span: Span, low=None, high=None) -> None:
        self.kind = kind
        self.values = values
        self.count = count
        self.span = span
        self.low = low
        self.high = high

    @property
    def distribution(self) -> bool:
        return self.values is None

    def describe(self) -> str:
        if self.values is None:
            return f"{self.kind}({show(self.low)}, {show(self.high)})"
        return f"{self.count} value{'s' if self.count != 1 else ''}"


# Sequences longer than this are not materialised by the checker (HP204 warns long before).
MATERIALISE_LIMIT = 1_000_000


def linspace_at(a: float, b: float, count: int, index: int) -> float:
    """The `index`-th of `count` evenly spaced values from a to b, both ends included.

    Computed from a and one step, as numpy does, so the values are monotone in `index`
    and the last one is exactly b. When b - a is too large for a float (from -1e308 to
    1e308) the arithmetic runs at half scale, so every value stays finite.
    """
    if count == 1:
        return float(a)  # as numpy: linspace(a, b, 1) is [a]
    if index == count - 1:
        return float(b)
    if math.isinf(b - a):
        half = a / 2 + index * ((b / 2 - a / 2) / (count - 1))
        return half * 2
    return a + index * ((b - a) / (count - 1))


def _power_of_ten(exponent: float, span: Span) -> float:
    try:
        value = 10.0**exponent
    except OverflowError:
        value = INF
    if math.isinf(value):
        raise EvalError("HP004", span, f"logspace() reaches 10^{show(exponent)}, which is too large for a float",
                        help="keep the exponents at most 308")
    return value


def range_length(start: int, stop: int, step: int) -> int:
    """len(range(start, stop, step)), exact for any size (len() stops at 2^63)."""
    if step > 0:
        return max(0, (stop - start + step - 1) // step)
    return max(0, (start - stop - step - 1) // -step)


class Sequence:
    """The values of a linspace, logspace or range, produced on demand.

    Lengths and indices are exact Python ints of any size (a candidate count may exceed
    2^63); nothing is materialised unless asked for. Indexing is the one definition of
    these values that the checker and the interpreter share.
    """

    __slots__ = ("kind", "a", "b", "count", "step")

    def __init__(self, kind: str, a, b, count: int, step: int = 1) -> None:
        self.kind, self.a, self.b, self.count, self.step = kind, a, b, count, step

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int):
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(index)
        if self.kind == "range":
            return self.a + index * self.step
        value = linspace_at(self.a, self.b, self.count, index)
        return 10.0**value if self.kind == "logspace" else value

    def __iter__(self):
        index = 0
        while index < self.count:
            yield self[index]
            index += 1

    def last(self):
        return self[self.count - 1]

    def materialise(self) -> list:
        """Every value, in order (the same numbers as indexing gives, computed in bulk)."""
        a, b, count = self.a, self.b, self.count
        if self.kind == "range":
            return list(range(a, a + count * self.step, self.step))
        if count == 1:
            values = [float(a)]
        elif math.isinf(b - a):
            values = [linspace_at(a, b, count, i) for i in range(count)]
        else:
            step = (b - a) / (count - 1)
            values = [a + i * step for i in range(count - 1)] + [float(b)]
        return [10.0**x for x in values] if self.kind == "logspace" else values


def draw_below(count: int, integers) -> int:
    """A uniform whole number in [0, count) for a count of any size, from `integers(k)`,
    a uniform draw in [0, k) for k up to 2^63 (numpy's Generator.integers).

    A count up to 2^63 takes one draw, so every seeded search below that size draws what
    it always drew; a larger one is built from 62-bit draws, rejecting any too large.
    """
    if count <= 2**63:
        return int(integers(count))
    bits = (count - 1).bit_length()
    while True:
        value, filled = 0, 0
        while filled < bits:
            take = min(62, bits - filled)
            value = value << take | int(integers(1 << take))
            filled += take
        if value < count:
            return value


def candidates(expr, lookup) -> Candidates:
    """Expand a tune's candidates: a list, linspace, logspace, range or a distribution."""
    if isinstance(expr, n.ListExpr):
        values = []
        for item in expr.items:
            value = evaluate(item, lookup)
            if isinstance(value, Schedule):
                raise EvalError(
                    "HP004", item.span, "a schedule cannot be a tune candidate",
                    help="tune the schedule's starting rate as learning_rate, or fix the schedule with set",
                )
            values.append(value)
        if not values:
            raise EvalError("HP004", expr.span, "the candidate list is empty", help="list at least one value")
        return Candidates("list", values, len(values), expr.span)
    if isinstance(expr, n.Call):
        name = expr.func.name
        if name in ("linspace", "logspace"):
            bound = call_arguments(expr, ("start", "stop", "num"), (), ("start", "stop", "num"))
            # As floats (every known number converts): int ends near 1e308 must not meet
            # int arithmetic whose quotient no float can hold.
            a = float(_known_number(bound["start"].value, lookup))
            b = float(_known_number(bound["stop"].value, lookup))
            count = integer(_known_number(bound["num"].value, lookup), bound["num"].value.span, "the number of values")
            if count < 1:
                raise EvalError("HP004", bound["num"].value.span, f"{name}() with {count} values gives no candidates",
                                help="ask for at least one value")
            if name == "logspace":
                # The values are monotone: if the larger end is a float, all of them are.
                _power_of_ten(max(a, b), expr.span)
            sequence = Sequence(name, a, b, count)
            values = sequence if count > MATERIALISE_LIMIT else sequence.materialise()
            return Candidates(name, values, count, expr.span, a, b)
        if name == "range":
            bound = call_arguments(expr, ("start", "stop", "step"), (), ("start", "stop"))
            start = integer(_known_number(bound["start"].value, lookup), bound["start"].value.span, "range() start")
            stop = integer(_known_number(bound["stop"].value, lookup), bound["stop"].value.span, "range() stop")
            step = 1
            if "step" in bound:
                step = integer(_known_number(bound["step"].value, lookup), bound["step"].value.span, "range() step")
                if step == 0:
                    raise EvalError("HP004", bound["step"].value.span, "range() step cannot be 0")
            count = range_length(start, stop, step)
            if count == 0:
                raise EvalError("HP004", expr.span, f"range({start}, {stop}, {step}) is empty (its end is excluded)",
                                help="make the end larger than the start")
            sequence = Sequence("range", start, stop, count, step)
            values = sequence if count > MATERIALISE_LIMIT else sequence.materialise()
            return Candidates("range", values, count, expr.span, start, sequence.last())
        if name in DISTRIBUTIONS:
            bound = call_arguments(expr, ("low", "high"), (), ("low", "high"))
            low = _known_number(bound["low"].value, lookup)
            high = _known_number(bound["high"].value, lookup)
            if name == "randint":
                low = integer(low, bound["low"].value.span, "randint() low")
                high = integer(high, bound["high"].value.span, "randint() high")
                if high <= low:
                    raise EvalError("HP004", expr.span, f"randint({low}, {high}) is empty (its high end is excluded)")
            elif high < low:
                raise EvalError("HP004", expr.span, f"{name}({show(low)}, {show(high)}): low is above high")
            if name == "loguniform" and low <= 0:
                raise EvalError("HP004", bound["low"].value.span, "loguniform() needs a positive low end")
            return Candidates(name, None, 0, expr.span, low, high)
        raise EvalError(
            "HP005", expr.func.span, f"unknown candidate function '{name}'",
            help=did_you_mean(name, CANDIDATE_FUNCTIONS, expr.func.span, "use a list [a, b], linspace, logspace, "
                              "range, or with random search uniform, loguniform, randint"),
        )
    raise EvalError(
        "HP004", expr.span, "candidates must be a list or a candidate function",
        help="write e.g. [0.01, 0.1] or logspace(-4, 0, 5)",
    )


def _known_number(expr, lookup):
    value = evaluate(expr, lookup)
    if value is TUNED:
        raise EvalError("HP004", expr.span, "this depends on a value a tune chooses; candidates must be known up front")
    return _checked(_number(value, expr.span), expr.span)


def candidate_extremes(c: Candidates) -> list:
    """The values that decide whether all candidates lie in an interval: every listed
    value, or the two ends of a monotone sequence or distribution."""
    if c.values is None:
        return [c.low, c.high - 1 if c.kind == "randint" else c.high]
    if c.kind == "list":
        return list(c.values)
    return [c.values[0], c.values[c.count - 1]]


def first_outside(c: Candidates, members) -> tuple[bool, object]:
    """(True, None) if every value a sequence or randint gives is one of `members` (a set
    domain's values), else (False, the first value that is not).

    A sequence is monotone, so each member's copies form one run of indices: the walk
    jumps over a run by bisection and looks at no more than len(members) + 1 runs,
    whatever the candidate count. (uniform and loguniform are not asked: they draw from
    a continuum.)
    """
    def member(value) -> bool:
        return any(value == m for m in members)

    if c.kind == "randint":
        # Whole numbers low..high-1, each a member: so no more of them than members.
        for value in range(c.low, min(c.high, c.low + len(members) + 1)):
            if not member(value):
                return False, value
        return True, None
    if c.kind == "list":
        for value in c.values:
            if not member(value):
                return False, value
        return True, None
    values, count = c.values, c.count
    # The last value is b exactly; the others come from one formula, monotone in the index.
    index, end = 0, count - 1
    while index < end:
        value = values[index]
        if not member(value):
            return False, value
        low, high = index, end - 1  # the run of `value` ends somewhere in [index, end - 1]
        while low < high:
            middle = (low + high + 1) // 2
            if values[middle] == value:
                low = middle
            else:
                high = middle - 1
        index = low + 1
    last = values[end]
    return (True, None) if member(last) else (False, last)


def integral_sequence(c: Candidates) -> bool:
    """Whether every value of a linspace/logspace is a whole number (for int hyperparameters)."""
    if c.values is None or c.kind in ("list", "range"):
        return True
    if c.count <= 100_000:
        return all(float(v).is_integer() for v in c.values)
    return all(float(c.values[i]).is_integer() for i in (0, 1, c.count - 1))


def interval_of(domain_node, what: str) -> Domain:
    """A Domain from an `in [a, b]` / `in {1, 2}` clause (EvalError for bad bounds)."""
    if isinstance(domain_node, n.SetDomain):
        values = [constant(item) for item in domain_node.items]
        for item, value in zip(domain_node.items, values):
            if isinstance(value, float) and math.isinf(value):
                raise EvalError("HP004", item.span, "inf cannot be a member of a set domain")
        return ValueSet(values)
    low = constant(domain_node.low)
    high = constant(domain_node.high)
    for value, node, closed, end in (
        (low, domain_node.low, domain_node.low_closed, "low"),
        (high, domain_node.high, domain_node.high_closed, "high"),
    ):
        if isinstance(value, (int, float)) and math.isinf(value) and closed:
            bracket = "(" if end == "low" else ")"
            raise EvalError(
                "HP004", node.span, f"{show(value)} can only be an open end of an interval",
                help=f"write '{bracket}' on that side, e.g. [0, inf)",
            )
        _number(value, node.span)
    if low == INF or high == -INF:
        raise EvalError("HP004", domain_node.span, f"the interval of {what} is empty")
    result = Interval(low, high, domain_node.low_closed, domain_node.high_closed)
    if low > high:
        raise EvalError("HP004", domain_node.span, f"the interval {result} of {what} has its low end above its high end",
                        help="swap the ends")
    if result.is_empty():
        raise EvalError("HP004", domain_node.span, f"the interval {result} of {what} holds no value",
                        help="close one end, or choose different ends")
    return result
