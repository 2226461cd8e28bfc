"""Node constructors for hand-built trees: dummy spans, and parentheses exactly where the
formatter's text needs them to parse back to the same tree."""

from __future__ import annotations

import math
import re

from .. import nodes as n
from ..source import Span

INF = math.inf
AT = Span(0, 0)  # hand-built trees carry dummy spans; the formatter does not need real ones

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def name(text: str) -> n.Name:
    return n.Name(span=AT, name=text)


def names(texts) -> tuple[n.Name, ...]:
    return tuple(name(t) for t in texts)


def columns(texts) -> tuple:
    """Data columns as an impute or encode names them: a bare name where the text is one
    (ASCII letters, digits, underscores), else a string."""
    return tuple(name(t) if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", t) else string(t) for t in texts)


def count(value: int) -> n.Number:
    """A count or seed as the grammar's `count` reads it (a minus sign belongs to the number)."""
    return n.Number(span=AT, value=value, text="")


def number(value) -> n.Expr:
    """A finite number as an expression: a negative one is a minus applied to a literal."""
    if value == 0:
        value = type(value)(0)  # never print -0.0
    if value < 0:
        return n.Neg(span=AT, operand=number(-value))
    return n.Number(span=AT, value=value, text="")


def bound(value) -> n.Expr:
    """An interval end: `inf` and `-inf` are the name inf, with a minus."""
    if value == INF:
        return name("inf")
    if value == -INF:
        return n.Neg(span=AT, operand=name("inf"))
    return number(value)


def string(value: str) -> n.String:
    return n.String(span=AT, value=value, text="")


def paren(e) -> n.Paren:
    return n.Paren(span=AT, expr=e)


def binop(op: str, left, right) -> n.BinOp:
    """`left op right`, parenthesised where precedence or left-associativity needs it, so
    that the formatter's text parses back to this very tree."""
    if isinstance(left, n.BinOp) and _PRECEDENCE[left.op] < _PRECEDENCE[op]:
        left = paren(left)
    if isinstance(right, n.BinOp) and _PRECEDENCE[right.op] <= _PRECEDENCE[op]:
        right = paren(right)
    return n.BinOp(span=AT, op=op, left=left, right=right)


def neg(e) -> n.Neg:
    return n.Neg(span=AT, operand=paren(e) if isinstance(e, n.BinOp) else e)


def arg(value, key: str | None = None) -> n.Arg:
    return n.Arg(span=AT, name=name(key) if key else None, value=value)


def call(func: str, args) -> n.Call:
    return n.Call(span=AT, func=name(func), args=tuple(args))


def list_expr(items) -> n.ListExpr:
    return n.ListExpr(span=AT, items=tuple(items))


def evaluate(expr, env):
    """The value of an expression of numbers and names, as the checker computes it."""
    if isinstance(expr, n.Number):
        return expr.value
    if isinstance(expr, n.Name):
        return env[expr.name]
    if isinstance(expr, n.Paren):
        return evaluate(expr.expr, env)
    if isinstance(expr, n.Neg):
        return -evaluate(expr.operand, env)
    a, b = evaluate(expr.left, env), evaluate(expr.right, env)
    if expr.op == "+":
        return a + b
    if expr.op == "-":
        return a - b
    if expr.op == "*":
        return a * b
    return a / b if b != 0 else math.nan


def linspace(a, b, size: int) -> list[float]:
    """linspace as docs/steps.md defines it (both ends included, the last one exact)."""
    if size == 1:
        return [float(a)]
    step = (b - a) / (size - 1)
    return [a + i * step if i < size - 1 else float(b) for i in range(size)]
