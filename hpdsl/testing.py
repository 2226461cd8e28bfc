"""Hypothesis strategies for `.hp` programs: the public kit for property-testing tools on hpdsl.

Workflows are built by construction, never filtered: a strategy draws an AST
(`hpdsl.nodes`) that respects every rule of the language (docs/declarations.md, docs/steps.md, docs/rules.md)
and renders it with `hpdsl.formatter.format_program`. A generated workflow checks with
no diagnostic at all, and it is small enough to run in well under a second: synthetic
data of 50-300 rows and 1-4 features, at most 50 epochs, at most 6 grid candidates,
cv with at most 3 folds, random search with at most 4 draws.

    from hypothesis import given
    from hpdsl.checker import check_text
    from hpdsl.testing import workflows

    @given(workflows())
    def test_every_valid_workflow_checks_clean(text):
        assert check_text(text).diagnostics == []

    @given(workflows(violating="HP103"))
    def test_tuning_on_test_is_caught(text):
        assert [d.code for d in check_text(text).diagnostics] == ["HP103"]

The strategies:

- `workflows()` / `programs()`: valid workflows as text / as ASTs; with `violating=CODE`,
  the same with exactly one mistake injected at a random valid place, so that the checker
  reports exactly `[CODE]` (every code in `INJECTABLE`).
- `source_text()` / `source_bytes()`: near-valid input for parser fuzzing, made by
  mutating valid workflows (lines deleted, duplicated or swapped, tokens dropped or
  inserted, brackets lost, stray characters, truncation; bytes add invalid UTF-8 and BOMs).
- `extreme_workflows()`: valid workflows with numeric extremes (`EXTREMES`: 0, -0.0,
  1e-320, 1e154, 1e300, 1e308, 2**63, 2**63-1, and their negatives) put into every
  numeric slot, for the no-traceback invariant of a checker and an interpreter; with
  `runnable=True`, runs stay short.
- `expressions()` and `candidates()`: smaller building blocks.

The module imports hypothesis; only code that tests imports it.
"""

from __future__ import annotations

import math
import re

from hypothesis import event
from hypothesis import strategies as st

from . import nodes as n
from .checker.steps import LARGE_SEARCH
from .formatter import format_program
from .source import Span

__all__ = [
    "DATA_SOURCES",
    "EXTREMES",
    "INJECTABLE",
    "MODELS",
    "candidates",
    "expressions",
    "extreme_workflows",
    "programs",
    "source_bytes",
    "source_text",
    "workflows",
]

MODELS = ("linear_regression", "ridge")
DATA_SOURCES = ("synthetic", "csv")

#: The codes `workflows(violating=...)` can inject: every checker rule but HP001 (a
#: syntax error has no valid place; use `source_text()`).
INJECTABLE = (
    "HP002", "HP003", "HP004", "HP005", "HP006",
    "HP101", "HP102", "HP103", "HP104", "HP105", "HP106", "HP107", "HP108", "HP109", "HP110",
    "HP201", "HP202", "HP203", "HP204", "HP205", "HP206", "HP207", "HP208",
)

INF = math.inf
_AT = Span(0, 0)  # hand-built trees carry dummy spans; the formatter does not need real ones
_MAX_EPOCHS = 50  # every epochs value a generated workflow can reach
_METRICS = {"mse": "minimize", "rmse": "minimize", "mae": "minimize", "r2": "maximize"}
_PARAMS = ("weights", "intercept")
_TUNED = "<tuned>"  # the value of a hyperparameter that a tune will choose

# Names that are keywords elsewhere in the grammar: the contextual lexer must read them
# as names wherever a name is expected (docs/lexical.md).
_KEYWORD_NAMES = (
    "report", "on", "using", "stop", "early", "grid", "random", "cv", "minimize", "maximize",
    "every", "log", "as", "in", "has", "not", "for", "when", "data", "split", "model", "hyper",
    "param", "workflow", "set", "tune", "evaluate", "standardize", "zeros", "inf", "step",
    "float", "int", "csv", "synthetic", "linspace", "mse", "r2",
)
# What a string literal may hold: anything but a line end or NUL (the formatter escapes
# quotes and backslashes).
_STRING_TEXT = st.characters(exclude_characters="\r\n\x00", exclude_categories=("Cs",))
_SPLIT_NAMES = ("fit", "rest", "dev", "val", "holdout", "tuning", "final", "part_a", "b2", "_x", "Train", "TEST")
_DATA_NAMES = ("d", "rows", "houses", "diabetes", "points")

# ---- small values --------------------------------------------------------------------------


class _Dom:
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


class _Spec:
    """What the language says of a model hyperparameter, plus the range a quick run likes."""

    __slots__ = ("type", "model", "default", "run", "nice", "lows", "highs")

    def __init__(self, type_, model, default, run, nice, lows, highs) -> None:
        self.type = type_
        self.model = model  # the model's domain
        self.default = default  # the model's default (None: full batch)
        self.run = _Dom(*run)  # values a generated workflow uses, so that it runs fast
        self.nice = nice  # round values inside `run`
        self.lows = lows  # (value, closed) ends a declared interval may start with
        self.highs = highs


_SPECS = {
    "learning_rate": _Spec(
        "float", _Dom(0, INF, False, False), 0.01, (0.0001, 0.1),
        (0.0001, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1),
        ((0, False), (0.0001, True), (0.00001, False), (0.001, True)),
        ((1, True), (1, False), (0.5, True), (0.1, True), (INF, False)),
    ),
    "l2": _Spec(
        "float", _Dom(0, INF, True, False), 0.0, (0, 10),
        (0, 0.0001, 0.001, 0.01, 0.1, 0.5, 1, 2.5, 10),
        ((0, True), (0, False), (0.0001, True)),
        ((10, True), (100, True), (INF, False), (1, True), (10, False)),
    ),
    "epochs": _Spec(
        "int", _Dom(1, INF, True, False), 100, (1, _MAX_EPOCHS),
        (1, 2, 5, 10, 20, 25, 30, 40, 50),
        ((1, True), (2, True), (5, True)),
        ((50, True), (1000, True), (INF, False), (100, False), (5000, True)),
    ),
    "batch_size": _Spec(
        "int", _Dom(1, INF, True, False), None, (1, 64),
        (1, 2, 4, 8, 16, 32, 64),
        ((1, True), (2, True), (4, True)),
        ((64, True), (512, True), (INF, False), (4096, True), (100, False)),
    ),
    "seed": _Spec(
        "int", _Dom(-INF, INF, False, False), 0, (0, 1000),
        (0, 1, 2, 7, 42, 123, 1000),
        ((-INF, False), (0, True), (-10, True), (-1, False)),
        ((INF, False), (100, True), (1000, True), (2**31, False)),
    ),
}
_MODEL_HYPERS = {
    "linear_regression": ("learning_rate", "l2", "epochs", "batch_size", "seed"),
    "ridge": ("l2", "seed"),
}


class _Schedule:
    """A learning-rate schedule, computed the way docs/steps.md defines it."""

    __slots__ = ("kind", "lr0", "every", "factor", "rate")

    def __init__(self, kind, lr0, every=1, factor=1.0, rate=1.0) -> None:
        self.kind, self.lr0, self.every, self.factor, self.rate = kind, float(lr0), every, float(factor), float(rate)

    def rates(self):
        for epoch in range(_MAX_EPOCHS):
            if self.kind == "step":
                yield self.lr0 * self.factor ** (epoch // self.every)
            else:
                yield self.lr0 * self.rate**epoch


def _conform(type_: str, value):
    """`value` as the checker stores it for a hyperparameter of `type_`, or None if it is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or math.isinf(value):
        return None
    if type_ == "int":
        if isinstance(value, float):
            return int(value) if value.is_integer() else None
    return value


# ---- node constructors ------------------------------------------------------------------------

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def _name(text: str) -> n.Name:
    return n.Name(span=_AT, name=text)


def _names(texts) -> tuple[n.Name, ...]:
    return tuple(_name(t) for t in texts)


def _count(value: int) -> n.Number:
    """A count or seed as the grammar's `count` reads it (a minus sign belongs to the number)."""
    return n.Number(span=_AT, value=value, text="")


def _number(value) -> n.Expr:
    """A finite number as an expression: a negative one is a minus applied to a literal."""
    if value == 0:
        value = type(value)(0)  # never print -0.0
    if value < 0:
        return n.Neg(span=_AT, operand=_number(-value))
    return n.Number(span=_AT, value=value, text="")


def _bound(value) -> n.Expr:
    """An interval end: `inf` and `-inf` are the name inf, with a minus."""
    if value == INF:
        return _name("inf")
    if value == -INF:
        return n.Neg(span=_AT, operand=_name("inf"))
    return _number(value)


def _string(value: str) -> n.String:
    return n.String(span=_AT, value=value, text="")


def _paren(e) -> n.Paren:
    return n.Paren(span=_AT, expr=e)


def _binop(op: str, left, right) -> n.BinOp:
    """`left op right`, parenthesised where precedence or left-associativity needs it, so
    that the formatter's text parses back to this very tree."""
    if isinstance(left, n.BinOp) and _PRECEDENCE[left.op] < _PRECEDENCE[op]:
        left = _paren(left)
    if isinstance(right, n.BinOp) and _PRECEDENCE[right.op] <= _PRECEDENCE[op]:
        right = _paren(right)
    return n.BinOp(span=_AT, op=op, left=left, right=right)


def _neg(e) -> n.Neg:
    return n.Neg(span=_AT, operand=_paren(e) if isinstance(e, n.BinOp) else e)


def _arg(value, name: str | None = None) -> n.Arg:
    return n.Arg(span=_AT, name=_name(name) if name else None, value=value)


def _call(func: str, args) -> n.Call:
    return n.Call(span=_AT, func=_name(func), args=tuple(args))


def _list(items) -> n.ListExpr:
    return n.ListExpr(span=_AT, items=tuple(items))


def _evaluate(expr, env):
    """The value of an expression of numbers and names, as the checker computes it."""
    if isinstance(expr, n.Number):
        return expr.value
    if isinstance(expr, n.Name):
        return env[expr.name]
    if isinstance(expr, n.Paren):
        return _evaluate(expr.expr, env)
    if isinstance(expr, n.Neg):
        return -_evaluate(expr.operand, env)
    a, b = _evaluate(expr.left, env), _evaluate(expr.right, env)
    if expr.op == "+":
        return a + b
    if expr.op == "-":
        return a - b
    if expr.op == "*":
        return a * b
    return a / b if b != 0 else math.nan


def _linspace(a, b, count: int) -> list[float]:
    """linspace as docs/steps.md defines it (both ends included, the last one exact)."""
    if count == 1:
        return [float(a)]
    step = (b - a) / (count - 1)
    return [a + i * step if i < count - 1 else float(b) for i in range(count)]


# ---- the generator ----------------------------------------------------------------------------


class _State:
    """What the checker will know after each step: values, and what each split went through."""

    __slots__ = ("values", "trained", "stale", "training", "standardized", "stop", "read", "seen")

    def __init__(self, values) -> None:
        self.values = dict(values)  # declared hyperparameter -> number | None | _Schedule | _TUNED
        self.trained = False
        self.stale = False
        self.training: tuple[str, ...] | None = None  # rows the next hold-out tune trains on
        self.standardized: frozenset[str] = frozenset()
        self.stop: str | None = None  # the split the latest train stops early on
        self.read: set[str] = set()
        self.seen: set[str] = set()  # fitted on, tune-scored, cross-validated over, early-stopped on

    def copy(self) -> _State:
        other = _State(self.values)
        other.trained, other.stale, other.training = self.trained, self.stale, self.training
        other.standardized, other.stop = self.standardized, self.stop
        other.read, other.seen = set(self.read), set(self.seen)
        return other

    def env(self) -> dict:
        """Hyperparameters an expression may name: those with a number for a value."""
        return {h: v for h, v in self.values.items() if _conform("float", v) is not None}


class _Workflow:
    """One workflow under construction: declarations, steps, and the state before each step."""

    def __init__(self, draw, models, data, require) -> None:
        self.draw = draw
        self.require = require
        self.model = "linear_regression" if "lr" in require else self.pick(models)
        self.data_kinds = data
        self.used: set[str] = set(_SPECS) | set(_PARAMS)  # the one namespace, and more
        self.decls: list = []
        self.steps: list = []
        self.states: list[_State] = []
        self.final: int | None = None  # index of the final test in `steps`
        self.end: _State | None = None
        self.trains = False
        self._declare()
        self._make_steps()

    # ---- helpers

    def flip(self, chance: float = 0.5) -> bool:
        return self.draw(st.integers(0, 999)) < chance * 1000

    # Choices are single integer draws (a draw costs far more than the arithmetic), and
    # they shrink toward the first items in their given order.

    def pick(self, items):
        items = items if isinstance(items, (list, tuple)) else list(items)
        return items[self.draw(st.integers(0, len(items) - 1))]

    def shuffled(self, items) -> list:
        """`items` in an order decoded from one draw (0: as given)."""
        rest, out = list(items), []
        if len(rest) < 2:
            return rest
        index = self.draw(st.integers(0, math.factorial(len(rest)) - 1))
        while rest:
            index, i = divmod(index, len(rest))
            out.append(rest.pop(i))
        return out

    def subset(self, items, least: int = 1, most: int | None = None) -> list:
        """Between `least` and `most` distinct items, in a drawn order."""
        items = list(items)
        most = len(items) if most is None else min(most, len(items))
        mask = self.draw(st.integers(0, 2 ** len(items) - 1))
        chosen = [x for i, x in enumerate(items) if mask >> i & 1]
        chosen += [x for x in items if x not in chosen][: max(0, least - len(chosen))]
        return self.shuffled(chosen[:most])

    def fresh(self, pool=()) -> str:
        """A name nothing in the workflow uses yet."""
        free = [p for p in pool if p not in self.used]
        if free and self.flip(0.9):
            name = self.pick(free)
        else:
            name = self.draw(st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True))
            while name in self.used:
                name += "_"
        self.used.add(name)
        return name

    def program(self) -> n.Program:
        return n.Program(span=_AT, statements=tuple(self.decls) + tuple(self.steps), comments=())

    # ---- declarations

    def _declare(self) -> None:
        draw = self.draw
        title = None
        if self.flip(0.5):
            text = draw(st.text(_STRING_TEXT, max_size=16))
            title = n.Workflow(span=_AT, title=_string(text))
        self.data_name = self.fresh(_DATA_NAMES + _KEYWORD_NAMES)
        data = n.Data(span=_AT, name=_name(self.data_name), source=self._source())
        split = self._split()
        model = n.Model(span=_AT, name=_name(self.model))
        hyper = self._hyper()
        rest = [data, split, model, hyper]
        if self.flip(0.5):
            rest.append(self._param())
        if self.flip(0.3):
            rest = self.shuffled(rest)
        self.decls = ([title] if title is not None else []) + rest

    def _source(self):
        kind = self.pick(self.data_kinds)
        self.data_kind = kind
        if kind == "synthetic":
            args = [
                _arg(_number(self.draw(st.integers(50, 300))), "rows"),
                _arg(_number(self.draw(st.integers(1, 4))), "features"),
                _arg(_number(self.draw(st.one_of(st.sampled_from([0, 0.1, 0.3, 1.0]),
                                                 st.floats(0, 2, allow_subnormal=False)))), "noise"),
                _arg(_number(self.draw(st.integers(0, 1000))), "seed"),
            ]
            if self.flip(0.3):
                args = self.shuffled(args)
            return _call("synthetic", args)
        path = self.draw(st.one_of(st.sampled_from(["data.csv", "data/houses.csv", "../shared/points.csv",
                                                    "ümlaut.csv", 'we"ird\\name.csv']),
                                   st.text(_STRING_TEXT, min_size=1, max_size=12)))
        target = self.pick(["y", "price", "target"])
        named = [_arg(_string(target), "target")]
        if self.flip(0.5):
            columns = self.subset(["a", "b", "x1", "x 2", "größe"], 1, 3)
            named.append(_arg(_list(_string(c) for c in columns), "features"))
        if self.flip(0.2):
            args = self.shuffled(named + [_arg(_string(path), "path")])
        else:
            args = [_arg(_string(path))] + self.shuffled(named)
        return _call("csv", args)

    def _split(self) -> n.Split:
        require = self.require
        has_test = bool(require & {"test_split", "trains"}) or self.flip(0.85)
        roles = ["train"] + ["validation"] * self.draw(st.integers(1, 3)) + (["test"] if has_test else [])
        self.roles: dict[str, str] = {}
        entries = []
        for role in roles:
            if role not in self.used and self.flip(0.6):
                name = role
                self.used.add(name)
                explicit = self.flip(0.15)
            else:
                name = self.fresh(_SPLIT_NAMES + _KEYWORD_NAMES)
                explicit = True
            self.roles[name] = role
            entries.append((name, role if explicit else None))
        # Shares in steps of 2.5% (exact in binary, so they sum to exactly 100): at least
        # 30% for training and 10% for every other split, so that no split is empty.
        least = [12 if role == "train" else 4 for role in roles]
        spare = 40 - sum(least)
        extra = []
        for _ in roles[:-1]:
            extra.append(self.draw(st.integers(0, spare)))
            spare -= extra[-1]
        extra.append(spare)
        extra = self.shuffled(extra)
        self.units = {name: least[i] + extra[i] for i, (name, _) in enumerate(entries)}
        order = list(range(len(entries)))
        if self.flip(0.4):
            order = self.shuffled(order)
        self.split_entries = [self._split_entry(*entries[i]) for i in order]
        seed = _count(self.draw(st.integers(0, 1000))) if self.flip(0.6) else None
        self.train = next(s for s, r in self.roles.items() if r == "train")
        self.test = next((s for s, r in self.roles.items() if r == "test"), None)
        self.nontest = [s for s, r in self.roles.items() if r != "test"]
        return n.Split(span=_AT, data=_name(self.data_name), entries=tuple(self.split_entries), seed=seed)

    def _split_entry(self, name: str, role: str | None, units: int | None = None) -> n.SplitEntry:
        units = self.units[name] if units is None else units
        share = n.Share(span=_AT, percent=units * 2.5, text="")
        return n.SplitEntry(span=_AT, name=_name(name), share=share, role=_name(role) if role else None)

    def _hyper(self) -> n.Hyper:
        names = _MODEL_HYPERS[self.model]
        if self.model == "linear_regression":
            # epochs is always declared with a default: the model's 100 is too slow to run.
            declared = ["epochs"] + self.subset([h for h in names if h != "epochs"], 0)
        else:
            declared = self.subset(names, 1)
            if declared == ["seed"]:  # a tune needs a name other than seed (tuning seed is HP208)
                declared.append("l2")
        if "seed" in self.require and "seed" not in declared:
            declared.append("seed")
        declared = self.shuffled(declared)
        self.hypers = declared
        self.doms: dict[str, _Dom | None] = {}
        values: dict = {}
        entries = []
        for h in declared:
            spec = _SPECS[h]
            dom, dom_node = self._domain(h)
            self.doms[h] = dom
            needs_default = h == "epochs" or (spec.default is not None and dom is not None and not dom.contains(spec.default))
            default = None
            if spec.default is None and not needs_default and self.flip(0.5):
                value = None  # full batch: a batch_size without a default
            elif needs_default or self.flip(0.6):
                if h == "learning_rate" and self.flip(0.2):
                    default, value = self._schedule()
                else:
                    env = {k: v for k, v in values.items() if _conform("float", v) is not None}
                    default, value = self._value_expr(h, env)
            else:
                value = spec.default
            values[h] = value
            entries.append(n.HyperEntry(span=_AT, name=_name(h), type=_name(spec.type), domain=dom_node, default=default))
        self.initial = values
        return n.Hyper(span=_AT, entries=tuple(entries))

    def _domain(self, h: str):
        spec = _SPECS[h]
        kind = self.pick(["none", "none", "interval", "interval", "interval", "set"])
        if kind == "none":
            return None, None
        if kind == "set":
            members = self.subset([x for x in spec.nice], 2, 4)
            if spec.type == "float" and self.flip(0.3):
                members = [float(x) for x in members]
            return _Dom(members=tuple(members)), n.SetDomain(span=_AT, items=tuple(_number(x) for x in members))
        low, low_closed = self.pick(spec.lows)
        high, high_closed = self.pick(spec.highs)
        node = n.Interval(span=_AT, low=_bound(low), high=_bound(high), low_closed=low_closed, high_closed=high_closed)
        return _Dom(low, high, low_closed, high_closed), node

    def _param(self) -> n.Param:
        entries = []
        for name in self.subset(_PARAMS, 1):
            init = self.pick(["zeros", "number", "normal", "uniform"])
            small = st.one_of(st.integers(-2, 2), st.floats(-1, 1, allow_subnormal=False))
            if init == "zeros":
                expr = _name("zeros")
            elif init == "number":
                expr = _number(self.draw(small))
            else:
                a, b = self.draw(small), self.draw(small)
                if init == "normal":
                    a, b, keys = a, abs(b), ("mean", "std")
                else:
                    a, b, keys = min(a, b), max(a, b), ("low", "high")
                named = self.flip(0.3)
                expr = _call(init, [_arg(_number(a), keys[0] if named else None), _arg(_number(b), keys[1] if named else None)])
            entries.append(n.ParamEntry(span=_AT, name=_name(name), init=expr))
        return n.Param(span=_AT, entries=tuple(entries))

    # ---- values

    def ok(self, h: str, value) -> bool:
        """Whether a hyperparameter may hold `value` in a generated workflow."""
        spec = _SPECS[h]
        dom = self.doms.get(h)
        return (
            _conform(spec.type, value) is not None
            and spec.model.contains(value)
            and spec.run.contains(value)
            and (dom is None or dom.contains(value))
        )

    def region(self, h: str):
        """(low, high) of the values `ok` for an interval-or-no domain, ends included."""
        spec, dom = _SPECS[h], self.doms.get(h)
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
        pool = dom.members if dom is not None and dom.members is not None else _SPECS[h].nice
        return [x for x in pool if self.ok(h, x)]

    def value(self, h: str):
        """A value `ok` for `h`: mostly a round one, sometimes any."""
        nice = self.nice(h)
        dom = self.doms.get(h)
        if (dom is not None and dom.members is not None) or self.flip(0.6):
            return self.pick(nice)
        if _SPECS[h].type == "int":
            low, high = self.region(h)
            return self.draw(st.integers(low, high))
        low, high, low_closed, high_closed = self.region(h)
        x = self.draw(st.floats(low, high, exclude_min=not low_closed, exclude_max=not high_closed,
                                allow_subnormal=False))
        return x if self.ok(h, x) else nice[0]

    def _value_expr(self, h: str, env: dict):
        """(expression, value): a `set`-style expression whose value is `ok` for `h`,
        naming other hyperparameters from `env` (name -> current number) sometimes."""
        target = self.value(h)
        literal = _number(target)
        form = self.pick(["literal"] * 5 + ["paren", "double_neg", "product", "quotient", "midpoint"]
                         + (["shift", "name", "scaled"] if env else []))
        if form == "literal":
            return literal, _conform(_SPECS[h].type, target)
        if form == "paren":
            expr = _paren(literal)
        elif form == "double_neg":
            expr = _neg(_neg(literal)) if self.flip() else _neg(_binop("-", _number(0), literal))
        elif form == "product":
            if isinstance(target, int) and target > 1:
                d = self.pick([d for d in range(1, min(target, 12) + 1) if target % d == 0])
                expr = _binop("*", _number(d), _number(target // d))
            else:
                expr = _binop("*", _number(target / 2), _number(2))
        elif form == "quotient":
            k = self.pick([2, 4, 10])
            expr = _binop("/", _number(target * k), _number(k))
        elif form == "midpoint":
            expr = _binop("/", _binop("+", _number(self.value(h)), _number(self.value(h))), _number(2))
        else:
            other = self.pick(sorted(env))
            x = env[other]
            if form == "name":
                expr = _name(other)
            elif form == "shift":
                d = target - x
                expr = _binop("+", _name(other), _number(d)) if d >= 0 else _binop("-", _name(other), _number(-d))
            else:
                expr = _binop("*", _name(other), _number(target / x)) if x else literal
        value = _conform(_SPECS[h].type, _evaluate(expr, env))
        if value is None or not self.ok(h, value):
            return literal, _conform(_SPECS[h].type, target)
        return expr, value

    def _schedule(self):
        """(call, _Schedule): a learning-rate schedule whose every rate, in any number of
        epochs a generated workflow can reach, lies in learning_rate's domain."""
        lr0 = self.pick(self.nice("learning_rate"))
        if self.flip():
            every = self.draw(st.integers(1, _MAX_EPOCHS))
            factor = self.pick([0.5, 0.1, 0.9, 0.25, 1, 1.5, 2])
            schedule = _Schedule("step", lr0, every=every, factor=factor)
            if not self._rates_ok(schedule):
                factor, schedule = 1, _Schedule("step", lr0, every=every, factor=1)
            named = [_arg(_number(every), "every"), _arg(_number(factor), "factor")]
        else:
            rate = self.pick([0.9, 0.95, 0.99, 0.999, 1, 1.01, 1.05])
            schedule = _Schedule("exponential", lr0, rate=rate)
            if not self._rates_ok(schedule):
                rate, schedule = 1, _Schedule("exponential", lr0, rate=1)
            named = [_arg(_number(rate), "rate")]
        first = _arg(_number(lr0), "lr0" if self.flip(0.2) else None)
        named = self.shuffled(named)
        args = [first] + named if first.name is None else self.shuffled([first] + named)
        return _call(schedule.kind, args), schedule

    def _rates_ok(self, schedule: _Schedule) -> bool:
        dom = self.doms.get("learning_rate")
        return all(0 < r <= 0.5 and (dom is None or dom.contains(r)) for r in schedule.rates())

    # ---- candidates

    def candidates(self, h: str, count: int | None = None, random: bool = False) -> n.Expr:
        """Tune candidates for `h`, every one `ok`: exactly `count` of them, or (random
        search, count None) any number or a distribution."""
        spec, dom = _SPECS[h], self.doms.get(h)
        forms = ["list", "list"]
        if dom is None or dom.members is None:  # a sequence's inner values stay inside an interval
            forms += ["linspace", "logspace"] + (["range", "range"] if spec.type == "int" else [])
            if random and count is None:
                forms += ["randint"] if spec.type == "int" else ["uniform", "loguniform"]
        form = self.pick(forms)
        size = count if count is not None else self.draw(st.integers(1, 6))
        # A form that cannot give `size` values in this domain falls back to a list.
        expr = None if form == "list" else getattr(self, "_c_" + form)(h, size)
        return expr if expr is not None else _list(_number(self.value(h)) for _ in range(size))

    def _c_linspace(self, h, size):
        a = self.value(h)
        if _SPECS[h].type == "float":
            b = self.value(h)
        else:
            b = a + self.draw(st.integers(-3, 3)) * (size - 1) if size > 1 else self.value(h)
            if not self.ok(h, b):
                b = a
        return _call("linspace", [_arg(_number(a)), _arg(_number(b)), _arg(_number(size))])

    def _c_logspace(self, h, size):
        spec = _SPECS[h]
        exponents = [e for e in range(-6, 4) if self.ok(h, 10.0**e) and (spec.type == "float" or e >= 0)]
        if not exponents:
            return None
        a, b = self.pick(exponents), self.pick(exponents)
        if spec.type == "int" and size > 1 and (b - a) % (size - 1):
            return None
        values = [10.0**v for v in _linspace(a, b, size)]
        if not all(self.ok(h, v) for v in values):
            return None
        return _call("logspace", [_arg(_number(a)), _arg(_number(b)), _arg(_number(size))])

    def _c_range(self, h, size):
        low, high = self.region(h)
        step = self.pick([1, 1, 1, 2, 3, 5, -1, -2])
        if abs(step) * (size - 1) > high - low:
            step = 1
            if size - 1 > high - low:
                return None
        span = abs(step) * (size - 1)
        if step > 0:
            start = self.draw(st.integers(low, high - span))
            stop = start + span + self.draw(st.integers(1, step))
        else:
            start = self.draw(st.integers(low + span, high))
            stop = start - span - self.draw(st.integers(1, -step))
        args = [_arg(_number(start)), _arg(_number(stop))]
        if step != 1 or self.flip(0.2):
            args.append(_arg(_number(step)))
        return _call("range", args)

    def _c_uniform(self, h, size):
        a, b = sorted([self.value(h), self.value(h)])
        return _call("uniform", [_arg(_number(a)), _arg(_number(b))])

    def _c_loguniform(self, h, size):
        positive = [x for x in self.nice(h) if x > 0]
        a, b = sorted([self.pick(positive), self.pick(positive)])
        return _call("loguniform", [_arg(_number(a)), _arg(_number(b))])

    def _c_randint(self, h, size):
        low, high = self.region(h)
        a = self.draw(st.integers(low, high))
        b = self.draw(st.integers(a + 1, high + 1))
        return _call("randint", [_arg(_number(a)), _arg(_number(b))])

    # ---- steps

    def track(self, state: _State, step, value=None) -> None:
        """Advance `state` over `step` as the checker's discipline pass does."""
        if isinstance(step, n.Set):
            state.values[step.name.name] = value
            state.stale = state.stale or state.trained
        elif isinstance(step, n.Standardize):
            names = [s.name for s in step.splits]
            state.read.update(names)
            state.standardized = frozenset(names)
            state.stale = state.stale or state.trained
        elif isinstance(step, n.Train):
            names = tuple(s.name for s in step.splits)
            state.read.update(names)
            state.seen.update(names)
            stop = None
            if step.body is not None:
                for entry in step.body.entries:
                    if isinstance(entry, n.StopEarly):
                        stop = stop or entry.split.name
                        state.read.add(entry.split.name)
                    elif isinstance(entry, n.Every) and isinstance(entry.action, n.Log):
                        state.read.add(entry.action.split.name)
            if stop is not None:
                state.seen.add(stop)
            state.training, state.stop = names, stop
            state.trained, state.stale = True, False
        elif isinstance(step, n.Tune):
            names = tuple(s.name for s in step.splits)
            state.read.update(names)
            state.seen.update(names)
            if step.cv is not None:
                state.training = names
            else:
                training = state.training if state.training is not None else (self.train,)
                extra = training + ((state.stop,) if state.stop else ())
                state.read.update(extra)
                state.seen.update(extra)
            for item in step.space:
                state.values[item.name.name] = _TUNED
            state.trained, state.stale = True, False
        elif isinstance(step, (n.Evaluate, n.Test)):
            state.read.update(s.name for s in step.splits)

    def add(self, state: _State, step, value=None) -> None:
        self.states.append(state.copy())
        self.steps.append(step)
        self.track(state, step, value)

    def _make_steps(self) -> None:
        state = _State(self.initial)
        self.trains = self.test is not None and ("trains" in self.require or self.flip(0.9))
        for _ in range(self.draw(st.integers(0, 5))):
            kinds = ["set", "standardize"]
            if self.trains:
                kinds += ["train", "train", "tune", "tune"]
            if state.trained and not state.stale:
                kinds.append("evaluate")
            getattr(self, "_s_" + self.pick(kinds))(state)
        if self.trains:
            if "train_step" in self.require and not any(isinstance(s, n.Train) for s in self.steps):
                self._s_train(state)
            if "tune" in self.require and not any(isinstance(s, n.Tune) for s in self.steps):
                self._s_tune(state)
            if not state.trained or state.stale:
                getattr(self, "_s_" + self.pick(["train", "tune"]))(state)
            self.final = len(self.steps)
            self.add(state, n.Test(span=_AT, splits=_names([self.test]), metrics=self._report()))
            for _ in range(self.draw(st.integers(0, 2))):
                self._s_evaluate(state)
        unread = [s for s in self.nontest if s not in state.read]
        if unread:
            unread = self.shuffled(unread)
            if self.trains:
                self.add(state, n.Evaluate(span=_AT, splits=_names(unread), metrics=self._report()))
            else:
                self.add(state, n.Standardize(span=_AT, splits=_names(unread)))
        self.end = state

    def _report(self):
        if self.flip(0.5):
            return None
        return _names(self.subset(_METRICS, 1))

    def _s_set(self, state: _State) -> None:
        h = self.pick(self.hypers)
        if h == "learning_rate" and self.flip(0.25):
            expr, value = self._schedule()
        else:
            expr, value = self._value_expr(h, state.env())
        self.add(state, n.Set(span=_AT, name=_name(h), value=expr), value)

    def _s_standardize(self, state: _State) -> None:
        self.add(state, n.Standardize(span=_AT, splits=_names(self.subset(self.nontest, 1, 3))))

    def _s_train(self, state: _State) -> None:
        others = [s for s in self.nontest if s != self.train]
        splits = [self.train] + (self.subset(others, 0, 1) if self.flip(0.3) else [])
        splits = self.shuffled(splits)
        body = None
        if self.model == "linear_regression" and self.flip(0.4):
            entries = [
                n.Every(span=_AT, every=_count(self.draw(st.integers(1, _MAX_EPOCHS))),
                        action=n.Log(span=_AT, metric=_name(self.pick(_METRICS)), split=_name(self.pick(self.nontest))))
                for _ in range(self.draw(st.integers(0, 2)))
            ]
            if self.flip(0.6):
                stop = n.StopEarly(span=_AT, metric=_name(self.pick(_METRICS)), split=_name(self.pick(self.nontest)),
                                   patience=_count(self.draw(st.integers(1, 20))))
                entries.insert(self.draw(st.integers(0, len(entries))), stop)
            body = n.Body(span=_AT, entries=tuple(entries))
        self.add(state, n.Train(span=_AT, splits=_names(splits), body=body))

    def held_out(self, state: _State) -> list[str]:
        """Splits a hold-out tune may score on: no test rows (HP103), not the rows its
        candidates train on (HP201), none a standardization was fitted on (HP207)."""
        training = state.training if state.training is not None else (self.train,)
        return [s for s in self.nontest if s not in training and s not in state.standardized]

    def _s_tune(self, state: _State) -> None:
        held = self.held_out(state)
        if held and self.flip(0.6):
            cv, splits = None, self.subset(held, 1, 2)
        else:
            cv, splits = _count(self.draw(st.integers(2, 3))), self.subset(self.nontest, 1, 2)
        self.add(state, self.tune(splits, cv))

    def tune(self, splits, cv=None, *, total: int | None = None, draws: int | None = None) -> n.Tune:
        """A tune over 1-2 declared hyperparameters: a grid of `total` candidates (2-6 by
        default) or, when `draws` is given or by chance, a random search."""
        names = self.subset([h for h in self.hypers if h != "seed"], 1, 2)  # tuning seed is HP208
        random = draws is not None or (total is None and self.flip(0.35))
        if random:
            space = [self.candidates(h, random=True) for h in names]
            search = n.RandomSearch(span=_AT, count=_count(draws or self.draw(st.integers(2, 4))),
                                    seed=_count(self.draw(st.integers(0, 100))) if self.flip() else None)
        else:
            total = total or self.draw(st.integers(2, 6))
            if len(names) == 2:
                divisors = [d for d in range(1, total + 1) if total % d == 0]
                first = self.pick(divisors)
                sizes = [first, total // first]
            else:
                sizes = [total]
            space = [self.candidates(h, count=size) for h, size in zip(names, sizes)]
            search = n.Grid(span=_AT) if self.flip(0.3) else None
        objective = None
        if self.flip(0.5):
            metric = self.pick(_METRICS)
            objective = n.Objective(span=_AT, direction=_METRICS[metric], metric=_name(metric))
        items = tuple(n.SpaceItem(span=_AT, name=_name(h), candidates=c) for h, c in zip(names, space))
        return n.Tune(span=_AT, space=items, cv=cv, splits=_names(splits), objective=objective, search=search)

    def _s_evaluate(self, state: _State) -> None:
        self.add(state, n.Evaluate(span=_AT, splits=_names(self.subset(self.nontest, 1, 2)), metrics=self._report()))

    # ---- editing a finished workflow (to inject one mistake)

    def state_at(self, index: int) -> _State:
        return self.states[index] if index < len(self.steps) else self.end

    def insert(self, index: int, *steps) -> None:
        state = self.state_at(index)  # inserted steps are edits: the states are not replayed
        for offset, step in enumerate(steps):
            self.steps.insert(index + offset, step)
            self.states.insert(index + offset, state)
        if self.final is not None and index <= self.final:
            self.final += len(steps)

    def first_training(self) -> int:
        return next((i for i, s in enumerate(self.steps) if isinstance(s, (n.Train, n.Tune))), len(self.steps))

    def find_steps(self, kind, where=lambda s: True) -> list[int]:
        return [i for i, s in enumerate(self.steps) if isinstance(s, kind) and where(s)]

    def replace_step(self, index: int, **changes) -> None:
        self.steps[index] = n.replace(self.steps[index], **changes)

    def decl(self, kind):
        return next((d for d in self.decls if isinstance(d, kind)), None)

    def replace_decl(self, old, new) -> None:
        self.decls[self.decls.index(old)] = new

    def insert_decl(self, node, after=None) -> None:
        """Put a declaration anywhere after the title (and after `after`, if given)."""
        first = 1 if isinstance(self.decls[0], n.Workflow) else 0
        if after is not None:
            first = self.decls.index(after) + 1
        self.decls.insert(self.draw(st.integers(first, len(self.decls))), node)

    def hyper_entries(self) -> list[n.HyperEntry]:
        return list(self.decl(n.Hyper).entries)

    def set_hyper_entry(self, index: int, entry) -> None:
        hyper = self.decl(n.Hyper)
        entries = list(hyper.entries)
        if entry is None:
            del entries[index]
        else:
            entries[index] = entry
        self.replace_decl(hyper, n.replace(hyper, entries=tuple(entries)))

    def add_split(self, role: str, units: int = 2) -> str:
        """A new split of `role`, its share (5% by default) taken from the largest split."""
        split = self.decl(n.Split)
        name = "validation" if role == "validation" and "validation" not in self.used and self.flip() else None
        if name is None:
            name = self.fresh(_SPLIT_NAMES + _KEYWORD_NAMES)
        else:
            self.used.add(name)
        largest = max(self.units, key=self.units.get)
        self.units[largest] -= units
        self.roles[name] = role
        entries = [self._split_entry(e.name.name, e.role.name if e.role else None) for e in split.entries]
        entries.insert(self.draw(st.integers(0, len(entries))),
                       self._split_entry(name, None if name == role else role, units))
        self.replace_decl(split, n.replace(split, entries=tuple(entries)))
        return name

    def body_add(self, index: int, entry) -> None:
        train = self.steps[index]
        entries = list(train.body.entries) if train.body is not None else []
        entries.insert(self.draw(st.integers(0, len(entries))), entry)
        self.replace_step(index, body=n.Body(span=_AT, entries=tuple(entries)))

    def bad_value(self, h: str) -> n.Expr:
        """A value no domain of `h` admits: a fraction for an int, a negative for a float."""
        return _number(0.5) if _SPECS[h].type == "int" else _number(-self.pick([1, 0.5, 3]))


# ---- injecting one mistake ---------------------------------------------------------------------

# What the workflow must have before a mistake can be put into it.
_REQUIRES = {
    "HP101": {"trains", "train_step", "lr"},
    "HP109": {"test_split"},
    **{code: {"trains"} for code in ("HP103", "HP104", "HP105", "HP106", "HP108", "HP110",
                                      "HP201", "HP202", "HP203", "HP204", "HP206", "HP207")},
    "HP208": {"trains", "seed"},
}


def _variants(w: _Workflow, code: str) -> dict:
    """The ways to make mistake `code` in this workflow: label -> edit."""
    return {label: edit for label, (applies, edit) in _INJECTIONS[code].items() if applies(w)}


def _always(w) -> bool:
    return True


def _trains(w) -> bool:
    return w.final is not None


def _lr_trains(w) -> bool:
    return w.model == "linear_regression" and bool(w.find_steps(n.Train))


def _synthetic(w) -> bool:
    return w.data_kind == "synthetic"


def _tunes(w) -> bool:
    return bool(w.find_steps(n.Tune))


def _set_at_start(w: _Workflow, h: str, value) -> None:
    w.insert(0, n.Set(span=_AT, name=_name(h), value=value))


# HP002 undefined-name


def _no_data(w):
    w.decls.remove(w.decl(n.Data))


def _missing_argument(w):
    data = w.decl(n.Data)
    args = list(data.source.args)
    if w.data_kind == "csv":
        args = [a for a in args if a.name is None or a.name.name != "target"]
    else:
        del args[w.draw(st.integers(0, len(args) - 1))]
    w.replace_decl(data, n.replace(data, source=n.replace(data.source, args=tuple(args))))


def _split_of_unknown_data(w):
    split = w.decl(n.Split)
    w.replace_decl(split, n.replace(split, data=_name(w.fresh(("dataset", "rowz")))))


def _default_names_undeclared(w):
    entries = w.hyper_entries()
    i = w.draw(st.integers(0, len(entries) - 1))
    above = {e.name.name for e in entries[:i]}
    ref = w.pick([h for h in _MODEL_HYPERS[w.model] if h not in above])
    w.set_hyper_entry(i, n.replace(entries[i], default=_name(ref)))


def _set_undeclared(w):
    h = w.pick([h for h in _MODEL_HYPERS[w.model] if h not in w.hypers])
    _set_at_start(w, h, _number(w.draw(st.integers(0, 5))))


def _evaluate_unknown_split(w):
    w.insert(len(w.steps), n.Evaluate(span=_AT, splits=_names([w.fresh(("holdout_2", "validaton", "nowhere"))])))


def _train_on_typo(w):
    i = w.pick(w.find_steps(n.Train, lambda s: any(x.name == w.train for x in s.splits)))
    typo = w.fresh((w.train + "s", w.train + "_", "x" + w.train))
    named_elsewhere = any(any(x.name == w.train for x in getattr(s, "splits", ()))
                          for j, s in enumerate(w.steps) if j != i)
    if named_elsewhere:
        splits = tuple(_name(typo) if x.name == w.train else x for x in w.steps[i].splits)
    else:  # replacing its only reader would leave the split unread (HP205) as well
        splits = (*w.steps[i].splits, _name(typo))
    w.replace_step(i, splits=splits)


# HP003 duplicate-declaration


def _second_model(w):
    w.insert_decl(n.Model(span=_AT, name=_name(w.pick(MODELS))), after=w.decl(n.Model))


def _second_of(kind):
    def edit(w):
        w.insert_decl(w.decl(kind))
    return edit


def _second_data(w):
    data = w.decl(n.Data)
    w.insert_decl(n.replace(data, name=_name(w.fresh(("more", "extra")))), after=data)


def _duplicate_hyper_entry(w):
    hyper = w.decl(n.Hyper)
    entries = list(hyper.entries)
    i = w.draw(st.integers(0, len(entries) - 1))
    entries.insert(w.draw(st.integers(i + 1, len(entries))), entries[i])
    w.replace_decl(hyper, n.replace(hyper, entries=tuple(entries)))


def _duplicate_param_entry(w):
    param = w.decl(n.Param)
    entries = list(param.entries)
    i = w.draw(st.integers(0, len(entries) - 1))
    entries.insert(w.draw(st.integers(i + 1, len(entries))), n.replace(entries[i], init=_name("zeros")))
    w.replace_decl(param, n.replace(param, entries=tuple(entries)))


def _duplicate_argument(w):
    data = w.decl(n.Data)
    args = list(data.source.args)
    if w.data_kind == "csv":
        arg = next(a for a in args if a.name is not None and a.name.name == "target")
    else:
        arg = w.pick(args)
    args.insert(w.draw(st.integers(args.index(arg) + 1, len(args))), arg)
    w.replace_decl(data, n.replace(data, source=n.replace(data.source, args=tuple(args))))


def _tune_twice(w):
    i = w.pick(w.find_steps(n.Tune))
    space = list(w.steps[i].space)
    item = w.pick(space)
    space.insert(w.draw(st.integers(space.index(item) + 1, len(space))), item)
    w.replace_step(i, space=tuple(space))


def _second_workflow(w):
    if not isinstance(w.decls[0], n.Workflow):
        w.decls.insert(0, n.Workflow(span=_AT, title=_string("first")))
    w.insert_decl(n.Workflow(span=_AT, title=_string("second")))


# HP004 out-of-domain


def _default_out_of_domain(w):
    entries = w.hyper_entries()
    i = w.draw(st.integers(0, len(entries) - 1))
    w.set_hyper_entry(i, n.replace(entries[i], default=w.bad_value(entries[i].name.name)))


def _default_too_large(w):
    entries = w.hyper_entries()
    i = w.draw(st.integers(0, len(entries) - 1))
    w.set_hyper_entry(i, n.replace(entries[i], default=n.Number(span=_AT, value=INF, text="")))


def _wrong_type(w):
    entries = w.hyper_entries()
    i = w.draw(st.integers(0, len(entries) - 1))
    flipped = "int" if entries[i].type.name == "float" else "float"
    w.set_hyper_entry(i, n.replace(entries[i], type=_name(flipped)))


def _bad_interval(w):
    entries = w.hyper_entries()
    i = w.pick([i for i, e in enumerate(entries) if isinstance(e.domain, n.Interval)])
    d = entries[i].domain
    if isinstance(d.high, n.Name):  # [a, inf]: inf as a closed end
        bad = n.replace(d, high_closed=True)
    else:  # the ends swapped
        bad = n.replace(d, low=d.high, high=d.low)
    w.set_hyper_entry(i, n.replace(entries[i], domain=bad))


def _has_interval(w) -> bool:
    return any(isinstance(e.domain, n.Interval) for e in w.hyper_entries())


def _synthetic_out_of_range(w):
    data = w.decl(n.Data)
    key, bad = w.pick([("rows", _number(w.pick([0, 1]))), ("features", _number(0)),
                       ("noise", _number(-0.5)), ("seed", _number(-1)), ("rows", _number(2.5))])
    args = tuple(n.replace(a, value=bad) if a.name.name == key else a for a in data.source.args)
    w.replace_decl(data, n.replace(data, source=n.replace(data.source, args=args)))


def _set_out_of_domain(w):
    i = w.pick(w.find_steps(n.Set))
    w.replace_step(i, value=w.bad_value(w.steps[i].name.name))


def _wrong_direction(w):
    i = w.pick(w.find_steps(n.Tune))
    metric = w.pick(_METRICS)
    wrong = "maximize" if _METRICS[metric] == "minimize" else "minimize"
    w.replace_step(i, objective=n.Objective(span=_AT, direction=wrong, metric=_name(metric)))


def _list_candidate(s) -> bool:
    return any(isinstance(item.candidates, n.ListExpr) for item in s.space)


def _candidate_out_of_domain(w):
    i = w.pick(w.find_steps(n.Tune, _list_candidate))
    space = list(w.steps[i].space)
    j = w.pick([j for j, item in enumerate(space) if isinstance(item.candidates, n.ListExpr)])
    items = list(space[j].candidates.items)
    items[w.draw(st.integers(0, len(items) - 1))] = w.bad_value(space[j].name.name)
    space[j] = n.replace(space[j], candidates=_list(items))
    w.replace_step(i, space=tuple(space))


def _empty_candidates(w):
    i = w.pick(w.find_steps(n.Tune))
    space = list(w.steps[i].space)
    j = w.draw(st.integers(0, len(space) - 1))
    space[j] = n.replace(space[j], candidates=_list([]))
    w.replace_step(i, space=tuple(space))


def _grid(s) -> bool:
    return not isinstance(s.search, n.RandomSearch)


def _distribution_in_grid(w):
    i = w.pick(w.find_steps(n.Tune, _grid))
    space = list(w.steps[i].space)
    j = w.draw(st.integers(0, len(space) - 1))
    h = space[j].name.name
    a, b = sorted([w.value(h), w.value(h)])
    if _SPECS[h].type == "int":
        dist = _call("randint", [_arg(_number(a)), _arg(_number(a + 1))])
    else:
        dist = _call("uniform", [_arg(_number(a)), _arg(_number(b))])
    space[j] = n.replace(space[j], candidates=dist)
    w.replace_step(i, space=tuple(space))


def _too_few_folds(w):
    i = w.pick(w.find_steps(n.Tune, lambda s: s.cv is not None))
    w.replace_step(i, cv=_count(w.pick([1, 0, -2])))


def _no_random_draws(w):
    i = w.pick(w.find_steps(n.Tune, lambda s: isinstance(s.search, n.RandomSearch)))
    w.replace_step(i, search=n.replace(w.steps[i].search, count=_count(0)))


def _every_zero(w):
    i = w.pick(w.find_steps(n.Train))
    w.body_add(i, n.Every(span=_AT, every=_count(0), action=n.Log(span=_AT, metric=_name("mse"), split=_name(w.train))))


def _bad_param_init(w):
    param = w.decl(n.Param)
    entries = list(param.entries)
    j = w.draw(st.integers(0, len(entries) - 1))
    bad = w.pick([_call("normal", [_arg(_number(0)), _arg(_number(-1))]),
                  _call("uniform", [_arg(_number(1)), _arg(_number(0))])])
    entries[j] = n.replace(entries[j], init=bad)
    w.replace_decl(param, n.replace(param, entries=tuple(entries)))


# HP005 unknown-name


def _unknown_model(w):
    model = w.decl(n.Model)
    w.replace_decl(model, n.replace(model, name=_name(w.pick(["lasso", "linear_regresion", "Ridge", "svm"]))))


def _unknown_hyper(w):
    hyper = w.decl(n.Hyper)
    entries = list(hyper.entries)
    pool = ["momentum", "dropout", "lr", "alpha"] + (["learning_rate", "epochs", "batch_size"] if w.model == "ridge" else [])
    name = w.pick([p for p in pool if p not in w.roles and p != w.data_name])
    entries.insert(w.draw(st.integers(0, len(entries))),
                   n.HyperEntry(span=_AT, name=_name(name), type=_name("float"), domain=None, default=None))
    w.replace_decl(hyper, n.replace(hyper, entries=tuple(entries)))


def _unknown_metric(w):
    scored = w.find_steps((n.Evaluate, n.Test), lambda s: s.metrics is not None)
    i = w.pick(scored)
    metrics = list(w.steps[i].metrics)
    metrics[w.draw(st.integers(0, len(metrics) - 1))] = _name(w.pick(["accuracy", "mape", "rsme", "R2"]))
    w.replace_step(i, metrics=tuple(metrics))


def _unknown_objective_metric(w):
    i = w.pick(w.find_steps(n.Tune))
    w.replace_step(i, objective=n.Objective(span=_AT, direction=w.pick(["minimize", "maximize"]),
                                            metric=_name(w.pick(["loss", "accuracy"]))))


def _ridge_body(w):
    i = w.pick(w.find_steps(n.Train))
    w.body_add(i, n.StopEarly(span=_AT, metric=_name("mse"), split=_name(w.pick(w.nontest)), patience=_count(5)))


def _unknown_action(w):
    i = w.pick(w.find_steps(n.Train))
    words = w.pick([("momentum", "0.9"), ("clip", "gradients", "at", "5"), ("shuffle",),
                    ("log", "mse", "on", w.train), ("print", "loss")])
    w.body_add(i, n.UnknownAction(span=_AT, name=_name(words[0]), words=words))


def _unknown_param(w):
    param = w.decl(n.Param)
    entry = n.ParamEntry(span=_AT, name=_name(w.pick(["bias", "weight", "coef"])), init=_name("zeros"))
    if param is None:
        w.insert_decl(n.Param(span=_AT, entries=(entry,)))
    else:
        entries = list(param.entries)
        entries.insert(w.draw(st.integers(0, len(entries))), entry)
        w.replace_decl(param, n.replace(param, entries=tuple(entries)))


def _unknown_initialiser(w):
    param = w.decl(n.Param)
    entries = list(param.entries)
    j = w.draw(st.integers(0, len(entries) - 1))
    bad = w.pick([_name("ones"), _name("random"), _call("gaussian", [_arg(_number(0)), _arg(_number(1))])])
    entries[j] = n.replace(entries[j], init=bad)
    w.replace_decl(param, n.replace(param, entries=tuple(entries)))


def _unknown_source(w):
    data = w.decl(n.Data)
    w.replace_decl(data, n.replace(data, source=_call(w.pick(["excel", "cvs", "synthetics"]), [_arg(_string("x"))])))


def _unknown_argument(w):
    data = w.decl(n.Data)
    args = list(data.source.args)
    args.insert(w.draw(st.integers(1 if w.data_kind == "csv" else 0, len(args))),
                _arg(_number(2), w.pick(["scale", "delimiter", "header"])))
    w.replace_decl(data, n.replace(data, source=n.replace(data.source, args=tuple(args))))


def _unknown_function(w):
    h = w.pick(w.hypers)
    _set_at_start(w, h, _call(w.pick(["cosine", "exp", "steps"]), [_arg(_number(1))]))


def _unknown_type(w):
    entries = w.hyper_entries()
    i = w.draw(st.integers(0, len(entries) - 1))
    w.set_hyper_entry(i, n.replace(entries[i], type=_name(w.pick(["double", "integer", "number"]))))


# HP006 bad-split


def _split_edit(w, edit):
    split = w.decl(n.Split)
    entries = list(split.entries)
    j = w.draw(st.integers(0, len(entries) - 1))
    entries[j] = edit(entries[j])
    w.replace_decl(split, n.replace(split, entries=tuple(entries)))


def _shares_off(w):
    delta = w.pick([2.5, 5, 10, -2.5, 0.001])
    _split_edit(w, lambda e: n.replace(e, share=n.replace(e.share, percent=e.share.percent + delta)))


def _zero_share(w):
    _split_edit(w, lambda e: n.replace(e, share=n.replace(e.share, percent=0.0)))


def _wrong_role(w):
    _split_edit(w, lambda e: n.replace(e, role=_name(w.pick(["testing", "valid", "training", "holdout"]))))


def _role_missing(w):
    split = w.decl(n.Split)
    entries = list(split.entries)
    j = w.pick([j for j, e in enumerate(entries) if e.name.name not in ("train", "validation", "test")])
    entries[j] = n.replace(entries[j], role=None)
    w.replace_decl(split, n.replace(split, entries=tuple(entries)))


def _role_contradicts_name(w):
    split = w.decl(n.Split)
    entries = list(split.entries)
    j = w.pick([j for j, e in enumerate(entries) if e.name.name in ("train", "validation", "test")])
    other = w.pick([r for r in ("train", "validation", "test") if r != entries[j].name.name])
    entries[j] = n.replace(entries[j], role=_name(other))
    w.replace_decl(split, n.replace(split, entries=tuple(entries)))


def _second_test_split(w):
    w.add_split("test")


# HP101 / HP102


def _hyper_set_in_body(w):
    i = w.pick(w.find_steps(n.Train))
    h = w.pick(_SPECS)
    change = n.Set(span=_AT, name=_name(h), value=_number(w.pick([0.1, 1, 0.5])))
    if w.flip():
        change = n.Every(span=_AT, every=_count(w.draw(st.integers(1, 20))), action=change)
    w.body_add(i, change)


def _set_param(w):
    last = w.final if w.final is not None else len(w.steps)
    w.insert(w.draw(st.integers(0, last)),
             n.Set(span=_AT, name=_name(w.pick(_PARAMS)), value=_number(w.pick([0, 0.5, 1]))))


def _param_set_in_body(w):
    i = w.pick(w.find_steps(n.Train))
    change = n.Set(span=_AT, name=_name(w.pick(_PARAMS)), value=_number(0))
    if w.flip():
        change = n.Every(span=_AT, every=_count(5), action=change)
    w.body_add(i, change)


def _hyper_from_param(w):
    h = w.pick(w.hypers)
    ref = _name(w.pick(_PARAMS))
    _set_at_start(w, h, w.pick([ref, _binop("*", ref, _number(2))]))


# Discipline: the mistakes go where the workflow is otherwise right.


def _before_final(w, *steps):
    w.insert(w.final, *steps)


def _holdout_tune(w, splits):
    return w.tune(splits, None)


def _tune_reads_test(w):
    i = w.pick(w.find_steps(n.Tune))
    splits = list(w.steps[i].splits)
    splits.insert(w.draw(st.integers(0, len(splits))), _name(w.test))
    w.replace_step(i, splits=tuple(splits))


def _tune_on_test(w):
    _before_final(w, _holdout_tune(w, [w.test]))


def _no_stop(s) -> bool:
    return s.body is None or not any(isinstance(e, n.StopEarly) for e in s.body.entries)


def _stop_on_test(w):
    i = w.pick(w.find_steps(n.Train, _no_stop))
    w.body_add(i, n.StopEarly(span=_AT, metric=_name(w.pick(_METRICS)), split=_name(w.test), patience=_count(5)))


def _lr_train_without_stop(w) -> bool:
    return w.model == "linear_regression" and bool(w.find_steps(n.Train, _no_stop))


def _train_reads_test(w):
    i = w.pick(w.find_steps(n.Train))
    splits = list(w.steps[i].splits)
    splits.insert(w.draw(st.integers(0, len(splits))), _name(w.test))
    w.replace_step(i, splits=tuple(splits))


def _train_on_test(w):
    _before_final(w, n.Train(span=_AT, splits=_names(w.shuffled([w.train, w.test])), body=None))


def _evaluate_test(w):
    splits = [w.test] + (w.subset(w.nontest, 0, 1))
    at = w.pick([w.final, w.draw(st.integers(w.final + 1, len(w.steps)))])
    w.insert(at, n.Evaluate(span=_AT, splits=_names(w.shuffled(splits)), metrics=None))


def _log_test(w):
    i = w.pick(w.find_steps(n.Train))
    w.body_add(i, n.Every(span=_AT, every=_count(10), action=n.Log(span=_AT, metric=_name("mse"), split=_name(w.test))))


def _after_final(w):
    state = w.end
    kind = w.pick(["set", "train", "standardize", "tune", "test"])
    if kind == "set":
        h = w.pick(w.hypers)
        expr, _ = w._value_expr(h, state.env())
        step = n.Set(span=_AT, name=_name(h), value=expr)
    elif kind == "train":
        step = n.Train(span=_AT, splits=_names([w.train]), body=None)
    elif kind == "standardize":
        step = n.Standardize(span=_AT, splits=_names(w.subset(w.nontest, 1, 2)))
    elif kind == "tune":
        step = w.tune([w.train], _count(2), total=2)
    else:
        step = n.Test(span=_AT, splits=_names([w.test]), metrics=None)
    w.insert(len(w.steps), step)


def _evaluate_untrained(w):
    w.insert(w.draw(st.integers(0, w.first_training())),
             n.Evaluate(span=_AT, splits=_names(w.subset(w.nontest, 1, 2)), metrics=None))


def _stale_by_set(w):
    h = w.pick(w.hypers)
    expr, _ = w._value_expr(h, w.state_at(w.final).env())
    _before_final(w, n.Set(span=_AT, name=_name(h), value=expr))


def _stale_by_standardize(w):
    _before_final(w, n.Standardize(span=_AT, splits=_names(w.subset(w.nontest, 1, 2))))


def _standardize_test(w):
    w.insert(w.draw(st.integers(0, w.first_training())), n.Standardize(span=_AT, splits=_names([w.test])))


def _standardize_adds_test(w):
    i = w.pick(w.find_steps(n.Standardize))
    splits = list(w.steps[i].splits)
    splits.insert(w.draw(st.integers(0, len(splits))), _name(w.test))
    w.replace_step(i, splits=tuple(splits))


def _test_seen(w):
    seen = sorted(s for s in w.state_at(w.final).seen if w.roles.get(s) != "test")
    chosen = [w.pick(seen)] + ([w.test] if w.flip() else [])
    w.replace_step(w.final, splits=_names(w.shuffled(chosen)))


def _tune_on_training_rows(w):
    state = w.state_at(w.final)
    training = state.training if state.training is not None else (w.train,)
    scored = w.pick(training)
    refit = []
    if scored in state.standardized:
        # Scoring on rows the standardization saw is HP207 as well (an independent
        # mistake): fit it on other rows first, so that the tune makes HP201 alone.
        refit.append(n.Standardize(span=_AT, splits=_names([w.pick([s for s in w.nontest if s != scored])])))
    _before_final(w, *refit, _holdout_tune(w, [scored]))


def _single_candidate(w):
    splits = w.subset(w.nontest, 1, 2)
    if w.flip():
        step = w.tune(splits, _count(2), total=1)
    else:
        step = w.tune(splits, _count(3), draws=1)
    _before_final(w, step)


def _no_final_test(w):
    del w.steps[w.final]
    del w.states[w.final]
    w.final = None


def _large_search(w):
    # Just above the threshold: HP204 fires all the same, and running it stays cheap.
    _before_final(w, w.tune([w.train], _count(2), draws=w.draw(st.integers(LARGE_SEARCH + 1, LARGE_SEARCH + 500))))


def _unread_split(w):
    w.add_split("validation")


def _test_unseen(w):
    extra = w.add_split("validation")
    chosen = [extra] + ([w.test] if w.flip() else [])
    w.replace_step(w.final, splits=_names(w.shuffled(chosen)))


def _tune_seed(w):
    """Put seed into a new tune's space, alone or beside the names it already searches."""
    step = w.tune(w.subset(w.nontest, 1, 2), _count(w.draw(st.integers(2, 3))))
    random = isinstance(step.search, n.RandomSearch)
    seeds = w.candidates("seed", random=True) if random else w.candidates("seed", count=w.draw(st.integers(2, 4)))
    item = n.SpaceItem(span=_AT, name=_name("seed"), candidates=seeds)
    space = [] if w.flip(0.3) else list(step.space)
    space.insert(w.draw(st.integers(0, len(space))), item)
    _before_final(w, n.replace(step, space=tuple(space)))


def _tune_on_standardized(w):
    scored = w.pick([s for s in w.nontest if s != w.train])
    fitted = [scored] + ([w.train] if w.flip() else [])
    _before_final(
        w,
        n.Train(span=_AT, splits=_names([w.train]), body=None),
        n.Standardize(span=_AT, splits=_names(w.shuffled(fitted))),
        _holdout_tune(w, [scored]),
    )


def _has(kind, where=lambda s: True):
    return lambda w: bool(w.find_steps(kind, where))


def _has_decl(kind):
    return lambda w: w.decl(kind) is not None


_INJECTIONS = {
    "HP002": {
        "no data declaration": (_always, _no_data),
        "a missing data argument": (_always, _missing_argument),
        "a split of an unknown data set": (_always, _split_of_unknown_data),
        "a default naming an undeclared hyperparameter": (_always, _default_names_undeclared),
        "a set of an undeclared hyperparameter": (
            lambda w: any(h not in w.hypers for h in _MODEL_HYPERS[w.model]), _set_undeclared),
        "an evaluate of an unknown split": (_trains, _evaluate_unknown_split),
        "a train on a misspelt split": (_has(n.Train), _train_on_typo),
    },
    "HP003": {
        "a second model": (_always, _second_model),
        "a second split": (_always, _second_of(n.Split)),
        "a second hyper block": (_always, _second_of(n.Hyper)),
        "a second param block": (_has_decl(n.Param), _second_of(n.Param)),
        "a second data declaration": (_always, _second_data),
        "a hyperparameter declared twice": (_always, _duplicate_hyper_entry),
        "a parameter declared twice": (_has_decl(n.Param), _duplicate_param_entry),
        "a data argument given twice": (_always, _duplicate_argument),
        "a hyperparameter tuned twice in one space": (_tunes, _tune_twice),
        "a second workflow line": (_always, _second_workflow),
    },
    "HP004": {
        "a default outside the domain": (_always, _default_out_of_domain),
        "a default too large for a float": (_always, _default_too_large),
        "a declared type unlike the model's": (_always, _wrong_type),
        "a bad interval": (_has_interval, _bad_interval),
        "a synthetic argument out of range": (_synthetic, _synthetic_out_of_range),
        "a set outside the domain": (_has(n.Set), _set_out_of_domain),
        "a wrong metric direction": (_tunes, _wrong_direction),
        "a candidate outside the domain": (_has(n.Tune, _list_candidate), _candidate_out_of_domain),
        "an empty candidate list": (_tunes, _empty_candidates),
        "a distribution in a grid": (_has(n.Tune, _grid), _distribution_in_grid),
        "too few folds": (_has(n.Tune, lambda s: s.cv is not None), _too_few_folds),
        "no random draws": (_has(n.Tune, lambda s: isinstance(s.search, n.RandomSearch)), _no_random_draws),
        "every 0 epochs": (_lr_trains, _every_zero),
        "a bad initialiser argument": (_has_decl(n.Param), _bad_param_init),
    },
    "HP005": {
        "an unknown model": (_always, _unknown_model),
        "an unknown hyperparameter": (_always, _unknown_hyper),
        "an unknown metric in a report": (_has((n.Evaluate, n.Test), lambda s: s.metrics is not None), _unknown_metric),
        "an unknown metric to optimise": (_tunes, _unknown_objective_metric),
        "a train body under ridge": (lambda w: w.model == "ridge" and bool(w.find_steps(n.Train)), _ridge_body),
        "an unknown train-body action": (_lr_trains, _unknown_action),
        "an unknown parameter": (_always, _unknown_param),
        "an unknown initialiser": (_has_decl(n.Param), _unknown_initialiser),
        "an unknown data source": (_always, _unknown_source),
        "an unknown data argument": (_always, _unknown_argument),
        "an unknown function": (_always, _unknown_function),
        "an unknown type": (_always, _unknown_type),
    },
    "HP006": {
        "shares not summing to 100": (_always, _shares_off),
        "a zero share": (_always, _zero_share),
        "a role that is not one": (_always, _wrong_role),
        "a missing role": (
            lambda w: any(e.name.name not in ("train", "validation", "test") for e in w.decl(n.Split).entries),
            _role_missing),
        "a role contradicting the name": (
            lambda w: any(e.name.name in ("train", "validation", "test") for e in w.decl(n.Split).entries),
            _role_contradicts_name),
        "a second test split": (lambda w: w.test is not None, _second_test_split),
    },
    "HP101": {"a hyperparameter set in a train body": (_lr_trains, _hyper_set_in_body)},
    "HP102": {
        "a parameter set": (_always, _set_param),
        "a parameter set in a train body": (_lr_trains, _param_set_in_body),
        "a hyperparameter computed from a parameter": (_always, _hyper_from_param),
    },
    "HP103": {
        "a tune that reads the test split": (_has(n.Tune), _tune_reads_test),
        "a tune scored on the test split": (_trains, _tune_on_test),
        "early stopping on the test split": (_lr_train_without_stop, _stop_on_test),
    },
    "HP104": {
        "a train that reads the test split": (_has(n.Train), _train_reads_test),
        "a train on the test split": (_trains, _train_on_test),
    },
    "HP105": {
        "an evaluate on the test split": (_trains, _evaluate_test),
        "a log on the test split": (_lr_trains, _log_test),
    },
    "HP106": {"a step after the final test": (_trains, _after_final)},
    "HP107": {"an evaluate before any training": (_always, _evaluate_untrained)},
    "HP108": {
        "a set between training and the test": (_trains, _stale_by_set),
        "a standardize between training and the test": (_trains, _stale_by_standardize),
    },
    "HP109": {
        "a standardize fitted on the test split": (lambda w: w.test is not None, _standardize_test),
        "a standardize that also reads the test split": (
            lambda w: w.test is not None and bool(w.find_steps(n.Standardize)), _standardize_adds_test),
    },
    "HP110": {"a final test on seen rows": (_trains, _test_seen)},
    "HP201": {"a tune scored on its training rows": (_trains, _tune_on_training_rows)},
    "HP202": {"a single-candidate search": (_trains, _single_candidate)},
    "HP203": {"no final test": (_trains, _no_final_test)},
    "HP204": {"a search of more than 10,000 candidates": (_trains, _large_search)},
    "HP205": {"a split nothing reads": (_always, _unread_split)},
    "HP206": {"a final test on an unseen validation split": (_trains, _test_unseen)},
    "HP207": {"a tune scored on standardized rows": (_trains, _tune_on_standardized)},
    "HP208": {"a tune over seed": (_trains, _tune_seed)},
}


# ---- public strategies -----------------------------------------------------------------------------


def _options(models, data, violating):
    models, data = tuple(models), tuple(data)
    if not models or any(m not in MODELS for m in models):
        raise ValueError(f"models must be a non-empty selection of {MODELS}, not {models!r}")
    if not data or any(d not in DATA_SOURCES for d in data):
        raise ValueError(f"data must be a non-empty selection of {DATA_SOURCES}, not {data!r}")
    require: set[str] = set()
    if violating is not None:
        if violating == "HP001":
            raise ValueError("HP001 (a syntax error) cannot be injected into a valid workflow; "
                             "use source_text() or source_bytes() to fuzz the parser")
        if violating not in INJECTABLE:
            raise ValueError(f"cannot inject {violating!r}: the injectable codes are {', '.join(INJECTABLE)} "
                             "(HP3xx codes are run-time errors the checker does not report)")
        require = set(_REQUIRES.get(violating, ()))
        if "lr" in require and "linear_regression" not in models:
            raise ValueError(f"{violating} needs a train body, which only linear_regression has")
    return models, data, frozenset(require)


@st.composite
def _programs(draw, models, data, violating, require):
    w = _Workflow(draw, models, data, require)
    if violating is not None:
        variants = _variants(w, violating)
        label = draw(st.sampled_from(sorted(variants)))
        event(f"{violating}: {label}")  # shown by pytest --hypothesis-show-statistics
        variants[label](w)
    return w.program()


def programs(*, models=("linear_regression", "ridge"), data=("synthetic",), violating: str | None = None):
    """Valid workflows as ASTs (`hpdsl.nodes.Program`), built by construction.

    Every program checks with no diagnostic; with `violating="HP1xx"` it carries exactly
    that one mistake instead (see `workflows`). The trees have dummy spans and no
    comments; `hpdsl.formatter.format_program` renders them, and parsing that text gives
    back an equal tree.

        @given(programs(models=("ridge",)))
        def test_my_visitor_handles_every_node(program):
            MyVisitor().visit(program)
    """
    models, data, require = _options(models, data, violating)
    return _programs(models, data, violating, require)


def workflows(*, models=("linear_regression", "ridge"), data=("synthetic",), violating: str | None = None):
    """Valid `.hp` workflows as text, in the formatter's canonical layout.

    - `models`: the models to draw from (`"linear_regression"`, `"ridge"`).
    - `data`: the data sources to draw from. The default, synthetic data only, gives
      workflows that run as they are; add `"csv"` to also get `csv("...", target: ...)`
      sources (whose files do not exist).
    - `violating`: a rule code from `INJECTABLE`. The workflow then carries exactly one
      mistake, put at a random place where it is the only one, so that `hpdsl check`
      reports exactly `[violating]`. Raises ValueError for a code that cannot be injected
      (HP001: use `source_text()`; run-time codes HP3xx; HP101 without linear_regression).

    Every declaration and step form appears: an optional title, synthetic or csv data,
    splits with custom names and `as ROLE`, one to three validation splits, sometimes no
    test split, hyper blocks with intervals, sets, `inf` and open ends, defaults and none,
    param initialisers, `set` with arithmetic and schedules, `standardize`, `train` with
    log and early-stopping bodies, grid and random tunes, hold-out and cv, `evaluate`,
    one final `test`, evaluates after it.

        from hypothesis import given
        from hpdsl.checker import check_text
        from hpdsl.testing import workflows

        @given(workflows(models=("ridge",)))
        def test_clean(text):
            assert check_text(text).diagnostics == []
    """
    return programs(models=models, data=data, violating=violating).map(format_program)


#: The numbers `extreme_workflows()` puts into numeric slots (and their negatives): zero
#: and a negative zero, a subnormal, the square-root-of-max and near-max floats, and the
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
        return n.Number(span=_AT, value=value, text="")
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
            return n.replace(node, **{field: n.Number(span=_AT, value=2 if value is None else value, text="")})
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
    _options(models, data, None)
    return _extreme_programs(models, data, runnable).map(format_program)


def expressions(names=("l2", "learning_rate"), max_leaves: int = 8):
    """Syntactically valid `set`-style expression ASTs: numbers, `names`, unary minus,
    `+ - * /` and parentheses, placed wherever precedence needs them (so the formatter's
    text parses back to an equal tree). Values are not checked: they may divide by zero
    or overflow, which is what a checker's HP004 is for.

        @given(expressions())
        def test_round_trip(expr):
            ...
    """
    leaves = st.one_of(
        st.integers(0, 10**6).map(_number),
        st.floats(0, 1e6, allow_nan=False, allow_infinity=False).map(_number),
        st.sampled_from(tuple(names)).map(_name) if names else st.nothing(),
    )

    def extend(inner):
        return st.one_of(
            st.tuples(st.sampled_from("+-*/"), inner, inner).map(lambda t: _binop(*t)),
            inner.map(_neg),
            inner.map(_paren),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


@st.composite
def _candidates(draw, hyper, random_search):
    w = _Workflow.__new__(_Workflow)
    w.draw, w.doms = draw, {}
    return w.candidates(hyper, random=random_search, count=None if random_search else draw(st.integers(2, 6)))


def candidates(hyper: str = "l2", *, random_search: bool = False):
    """Tune candidates (`[...]`, linspace, logspace, range and, with `random_search`,
    uniform, loguniform, randint) for a model hyperparameter declared without a domain:
    every value lies in the model's domain and in a range that trains fast.

        @given(candidates("epochs"))
        def test_my_tool_expands_candidates(expr):
            assert len(my_expand(expr)) >= 1
    """
    if hyper not in _SPECS:
        raise ValueError(f"unknown hyperparameter {hyper!r}; the model hyperparameters are {', '.join(_SPECS)}")
    return _candidates(hyper, random_search)


# ---- near-valid text for the parser ------------------------------------------------------------------

_TOKENS = (
    "data", "split", "model", "hyper", "param", "workflow", "set", "standardize", "train", "tune",
    "evaluate", "test", "on", "using", "cv", "random", "grid", "seed", "report", "minimize", "maximize",
    "every", "epochs", "log", "stop", "early", "when", "has", "not", "improved", "for", "as", "in",
    "->", "=", ":", ",", "+", "-", "*", "/", "(", ")", "[", "]", "{", "}", "%", "#", "\n", " ",
    "0", "1.5", ".5", "5.", "1e-4", "1e999", "60%", "12.5%", "-5%", "inf", "-inf", "zeros",
    '"x"', '"\\q"', '"open', "linspace(0, 1, 3)", "step(0.1, every: 2, factor: 0.5)", "l2", "validation",
)
_ODD = ("\x00", "\r", "\r\n", "\t", "\ufeff", "é", "λ", "😀", "\u2028", "\x0c", "\x85", "\\", '"', "\x7f")


@st.composite
def _mutated(draw, models, data):
    text = draw(st.one_of(workflows(models=models, data=data),
                          workflows(models=models, data=data, violating=draw(st.sampled_from(INJECTABLE)))))
    for _ in range(draw(st.integers(0, 3))):
        lines = text.split("\n")
        kind = draw(st.sampled_from(["delete line", "duplicate line", "swap lines", "delete token",
                                     "insert token", "drop bracket", "insert characters", "truncate", "crlf",
                                     "comment", "indent", "misspell", "misspell"]))
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        at = draw(st.integers(0, len(text)))
        if kind == "delete line":
            del lines[i]
        elif kind == "duplicate line":
            lines.insert(j, lines[i])
        elif kind == "swap lines":
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "comment":
            lines.insert(i, draw(st.sampled_from(["", "# note", "   # indented note"])))
            lines[j] += draw(st.sampled_from(["", "  # trailing", "#x"]))
        elif kind == "indent":
            lines[i] = draw(st.sampled_from(["\t", "  ", "        "])) + lines[i]
        if kind in ("delete line", "duplicate line", "swap lines", "comment", "indent"):
            text = "\n".join(lines)
        elif kind == "delete token":
            words = text.split(" ")
            if len(words) > 1:
                del words[draw(st.integers(0, len(words) - 1))]
            text = " ".join(words)
        elif kind == "insert token":
            text = text[:at] + draw(st.sampled_from(_TOKENS)) + text[at:]
        elif kind == "drop bracket":
            brackets = [k for k, c in enumerate(text) if c in "()[]{}"]
            if brackets:
                k = draw(st.sampled_from(brackets))
                text = text[:k] + text[k + 1:]
        elif kind == "insert characters":
            stray = draw(st.one_of(st.sampled_from(_ODD), st.text(min_size=1, max_size=3)))
            text = text[:at] + stray + text[at:]
        elif kind == "truncate":
            text = text[:at]
        elif kind == "misspell":  # a near-miss name: the unknown-name paths, with their suggestions
            words = list(re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", text))
            if words:
                word = draw(st.sampled_from(words))
                k = draw(st.integers(0, len(word.group()) - 1))
                typo = draw(st.sampled_from(["drop", "double", "swap", "case"]))
                w = word.group()
                w = {"drop": w[:k] + w[k + 1:], "double": w[:k] + w[k] + w[k:],
                     "swap": w[:k] + w[k + 1:k + 2] + w[k] + w[k + 2:], "case": w[:k] + w[k].swapcase() + w[k + 1:]}[typo]
                text = text[:word.start()] + w + text[word.end():]
        else:
            text = text.replace("\n", "\r\n")
    return text


def source_text(*, models=("linear_regression", "ridge"), data=("synthetic", "csv")):
    """Near-valid source text for parser fuzzing: valid workflows (with and without an
    injected rule violation) put through 0-3 mutations — a line deleted, duplicated or
    swapped, a token deleted or inserted, a bracket dropped, stray characters inserted
    (non-ASCII, NUL, CR, tabs, BOM, line separators), a name misspelt, truncation,
    CRLF line ends, comments and indentation — and sometimes arbitrary text.

        @given(source_text())
        def test_parser_never_crashes(text):
            parse(Source(text))
    """
    return st.one_of(_mutated(models, data), _mutated(models, data), st.text(max_size=200))


_BAD_BYTES = (b"\xff", b"\xfe", b"\xc0\x80", b"\xed\xa0\x80", b"\xe2\x82", b"\xf4\x90\x80\x80", b"\x80", b"\xc3")


@st.composite
def _mutated_bytes(draw):
    data = draw(source_text()).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["invalid", "truncate", "bom"]))
        if kind == "invalid":
            data = data[:at] + draw(st.sampled_from(_BAD_BYTES)) + data[at:]
        elif kind == "truncate":
            data = data[:at]
        else:
            data = data[:at] + b"\xef\xbb\xbf" + data[at:]
    return data


def source_bytes():
    """Bytes as a file holds them: `source_text()` encoded as UTF-8, sometimes with a
    leading BOM (accepted), a BOM elsewhere, invalid UTF-8 sequences or a truncated
    multi-byte character (both HP001), and arbitrary bytes.

        @given(source_bytes())
        def test_check_never_crashes(data):
            check_bytes(data)
    """
    return st.one_of(_mutated_bytes(), _mutated_bytes(), st.binary(max_size=200))
