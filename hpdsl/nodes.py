"""The AST of a `.hp` workflow: frozen records, each with the span it covers.

Nodes know nothing of lark. Spans (and the text a literal was written as) never take
part in equality, so two trees compare equal when they mean the same program wherever
its text sits: the formatter's invariant. Numbers compare by value.

Nodes are frozen, slotted, keyword-only dataclass-like records (`hpdsl.record.Record`,
re-exported here with `fields` and `replace`, as `dataclasses` would offer them).
"""

from __future__ import annotations

import os

from .record import Record, fields, replace  # noqa: F401  (re-exported: n.fields, n.replace)
from .source import Span

TYPE_CHECKING = False  # `typing` costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import Any


def children(node: Record) -> list[Record]:
    """The nodes directly inside `node`, in source order."""
    out: list[Record] = []
    for name in node._fields:
        value = getattr(node, name)
        if isinstance(value, Record):
            out.append(value)
        elif isinstance(value, tuple):
            out.extend(v for v in value if isinstance(v, Record))
    return out


# ---- expressions ------------------------------------------------------------------------


class Number(Record):
    span: Span
    value: int | float
    text: str


class String(Record):
    span: Span
    value: str
    text: str


class Name(Record):
    span: Span
    name: str


class Neg(Record):
    span: Span
    operand: Expr


class BinOp(Record):
    span: Span
    op: str
    left: Expr
    right: Expr


class Paren(Record):
    span: Span
    expr: Expr


class Arg(Record):
    span: Span
    name: Name | None = None
    value: Expr


class Call(Record):
    span: Span
    func: Name
    args: tuple[Arg, ...] = ()


class ListExpr(Record):
    span: Span
    items: tuple[Expr, ...] = ()


# The unions a field may hold: real objects (a `|` of classes costs no import), so that
# typing.get_type_hints resolves every field, as tools that build records need.
Expr = Number | String | Name | Neg | BinOp | Paren | Call | ListExpr

# ---- declarations --------------------------------------------------------------------------


class Workflow(Record):
    span: Span
    title: String


class Data(Record):
    span: Span
    name: Name
    source: Expr


class Share(Record):
    """A split share in percent, as written (`60%`, `-5%`)."""

    span: Span
    percent: float
    text: str


class SplitEntry(Record):
    span: Span
    name: Name
    share: Share
    role: Name | None = None


class Split(Record):
    span: Span
    data: Name
    entries: tuple[SplitEntry, ...] = ()
    seed: Number | None = None


class Model(Record):
    span: Span
    name: Name


class Interval(Record):
    span: Span
    low: Expr
    high: Expr
    low_closed: bool
    high_closed: bool


class SetDomain(Record):
    span: Span
    items: tuple[Expr, ...] = ()


Domain = Interval | SetDomain


class HyperEntry(Record):
    span: Span
    name: Name
    type: Name
    domain: Domain | None = None
    default: Expr | None = None


class Hyper(Record):
    span: Span
    entries: tuple[HyperEntry, ...] = ()


class ParamEntry(Record):
    span: Span
    name: Name
    init: Expr


class Param(Record):
    span: Span
    entries: tuple[ParamEntry, ...] = ()


# ---- steps --------------------------------------------------------------------------------


class Set(Record):
    span: Span
    name: Name
    value: Expr


class Standardize(Record):
    span: Span
    splits: tuple[Name, ...] = ()


class Impute(Record):
    """`impute COLUMNS using SPLITS [with STRATEGY [VALUE]]`; `strategy` None means the
    default (mean), kept apart from a written `with mean` so the formatter keeps it."""

    span: Span
    columns: tuple[Name | String, ...] = ()
    splits: tuple[Name, ...] = ()
    strategy: Name | None = None
    value: Expr | None = None


class Encode(Record):
    """`encode COLUMNS using SPLITS`: one-hot indicator columns for each named column."""

    span: Span
    columns: tuple[Name | String, ...] = ()
    splits: tuple[Name, ...] = ()


def column_name(column: Name | String) -> str:
    """The data column a step's column reference names (a bare name or a string)."""
    return column.name if isinstance(column, Name) else column.value


class Log(Record):
    span: Span
    metric: Name
    split: Name


class UnknownAction(Record):
    """A train-body line the language does not know; kept so the checker can name it."""

    span: Span
    name: Name
    words: tuple[str, ...] = ()


class Every(Record):
    span: Span
    every: Number
    action: Log | Set | UnknownAction


class StopEarly(Record):
    span: Span
    metric: Name
    split: Name
    patience: Number


BodyEntry = Every | StopEarly | Set | UnknownAction


class Body(Record):
    span: Span
    entries: tuple[BodyEntry, ...] = ()


class Train(Record):
    span: Span
    splits: tuple[Name, ...] = ()
    body: Body | None = None


class SpaceItem(Record):
    span: Span
    name: Name
    candidates: Expr


class Objective(Record):
    span: Span
    direction: str
    metric: Name


class Grid(Record):
    span: Span


class RandomSearch(Record):
    span: Span
    count: Number
    seed: Number | None = None


class Tune(Record):
    span: Span
    space: tuple[SpaceItem, ...] = ()
    cv: Number | None = None  # the folds of a cross-validated tune (the inner folds when nested)
    splits: tuple[Name, ...] = ()
    objective: Objective | None = None
    search: Grid | RandomSearch | None = None
    outer: Number | None = None  # `nested in cv M`: the outer folds that assess the whole tune


class Evaluate(Record):
    span: Span
    splits: tuple[Name, ...] = ()
    metrics: tuple[Name, ...] | None = None


class Test(Record):
    __test__ = False  # not a pytest test class, though its name says so
    span: Span
    splits: tuple[Name, ...] = ()
    metrics: tuple[Name, ...] | None = None


Declaration = Workflow | Data | Split | Model | Hyper | Param
Step = Set | Standardize | Impute | Encode | Train | Tune | Evaluate | Test
Statement = Declaration | Step

DECLARATIONS = (Workflow, Data, Split, Model, Hyper, Param)
STEPS = (Set, Standardize, Impute, Encode, Train, Tune, Evaluate, Test)

# ---- the file ------------------------------------------------------------------------------


class Comment(Record):
    """A `#` comment. Its text is what it says, so comments compare by it (a program's
    meaning still ignores them: `Program.comments` is not compared)."""

    _compared = ("text",)
    span: Span
    text: str


class Program(Record):
    span: Span
    statements: tuple[Statement, ...] = ()
    comments: tuple[Comment, ...] = ()

    @property
    def declarations(self) -> tuple[Declaration, ...]:
        return tuple(s for s in self.statements if isinstance(s, DECLARATIONS))

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.statements if isinstance(s, STEPS))


# A statement's class is named after its keyword, as its grammar rule is (the tables'
# statement keywords, hpdsl.syntax.keywords, are checked against these by the tests).
STEP_KEYWORDS = {cls: cls.__name__.lower() for cls in STEPS}


def keyword(statement: Statement) -> str:
    """The keyword a statement starts with: its class name, lowered (`hyper`, `train`...)."""
    return type(statement).__name__.lower()


def keyword_span(statement: Statement) -> Span:
    """The span of a statement's leading keyword: where a note about the whole statement points."""
    start = statement.span.start
    return Span(start, start + len(keyword(statement)))


class Visitor:
    """Base of every tool that walks the tree: `visit(node)` calls `visit_<ClassName>(node)`.

    One dispatch (jinja2's `NodeVisitor`) so every walker meets a node kind it has no case
    for the same loud way (`unhandled`).
    """

    def handler(self, node: object) -> Any:
        """The bound method for `node`'s kind, or None (after the loud fallback) if there is none."""
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            unhandled(self, node)
        return method

    def visit(self, node: object, *args: object) -> Any:
        """Run the case for `node`'s kind; None when there is none (see `unhandled`)."""
        method = self.handler(node)
        return None if method is None else method(node, *args)


def unhandled(visitor: object, node: object) -> None:
    """The loud fallback: a visitor met a node kind it has no case for.

    Under the test suite (HPDSL_STRICT_VISITORS=1) this raises, so a new node kind cannot
    ship before every visitor knows it; for users it is ignored.
    """
    if os.environ.get("HPDSL_STRICT_VISITORS"):
        raise NotImplementedError(f"{type(visitor).__name__} does not handle {type(node).__name__}")
