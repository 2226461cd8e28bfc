"""Grammar rules -> AST nodes: one callback per rule or alias of grammar/hpdsl.lark.

The parser calls these as it reduces (lark's inline-transformer protocol: a method
named after the rule, given the rule's children), so no parse tree is ever built and
arbitrarily deep input never recurses. Children are tokens (anything with `type`,
`value`, `start_pos` and `end_pos`) and already-built nodes; identifiers and strings
arrive as `Name` and `String` nodes (the NAME and STRING terminal callbacks). Every rule keeps all its
tokens, so each node's span runs from its first token to its last.

Problems only visible once a token is read (a bad string escape, expressions nested
too deeply to walk) are collected in `problems` as (start, end, message).
"""

from __future__ import annotations

import sys

from .. import nodes as n
from ..source import Span

# Expressions deeper than this are refused (HP001) so that every later pass may recurse.
MAX_DEPTH = 100
# An integer literal above the largest float is as out of range as 1e309 (the checker's
# arithmetic uses the same limit).
_LARGEST = int(sys.float_info.max)
_LARGEST_TEXT = str(_LARGEST)


def _start(item) -> int:
    return item.span.start if isinstance(item, n.Record) else item.start_pos


def _end(item) -> int:
    return item.span.end if isinstance(item, n.Record) else item.end_pos


def _span(children) -> Span:
    return Span(_start(children[0]), _end(children[-1]))


def _nodes(children) -> list:
    return [c for c in children if isinstance(c, n.Record)]


def _tokens(children, type_: str) -> list:
    return [c for c in children if not isinstance(c, n.Record) and c.type == type_]


def _unescape(token, problems) -> str:
    raw = token.value[1:-1]
    if "\\" not in raw:
        return raw
    out = []
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == "\\":
            nxt = raw[i + 1]
            if nxt in '"\\':
                out.append(nxt)
            elif nxt == "t":  # a tab, for csv(sep: "\t")
                out.append("\t")
            else:
                at = token.start_pos + 1 + i
                problems.append((at, at + 2, f"unknown escape '\\{nxt}' in a string; only \\\", \\\\ and \\t are allowed"))
                out.append(nxt)
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def number_value(text: str) -> int | float:
    """The value of a NUMBER token: an int when written without '.' or exponent.

    Values too large for a float become inf; the checker reports them (HP004).
    """
    if text.isdigit():
        # The largest float has 309 digits; longer text is not read at all (int() of
        # thousands of digits is slow, and refused past Python's digit limit).
        if len(text.lstrip("0")) > len(_LARGEST_TEXT):
            return float("inf")
        value = int(text)
        return value if value <= _LARGEST else float("inf")
    return float(text)


class Builder:
    """The callbacks. One instance per parser; `reset` before each parse."""

    def __init__(self) -> None:
        self.problems: list[tuple[int, int, str]] = []
        self.comments: list[n.Comment] = []
        self._depth: dict[int, int] = {}
        self._too_deep = False
        self._text_length = 0

    def reset(self, text_length: int) -> None:
        self.problems = []
        self.comments = []
        self._depth = {}
        self._too_deep = False
        self._text_length = text_length

    def comment(self, token):
        """Lexer callback for COMMENT tokens, which the grammar otherwise ignores."""
        self.comments.append(n.Comment(span=Span(token.start_pos, token.end_pos), text=token.value))
        return token

    # ---- expression depth ----------------------------------------------------------------

    def _nest(self, node, *inner):
        depth = 1 + max((self._depth.get(id(c), 0) for c in inner), default=0)
        self._depth[id(node)] = depth
        if depth > MAX_DEPTH and not self._too_deep:
            self._too_deep = True
            self.problems.append(
                (node.span.start, node.span.end, f"expression nested more than {MAX_DEPTH} levels deep; simplify it")
            )
        return node

    def NAME(self, token):
        """Terminal callback: every identifier becomes a Name as it is shifted."""
        return n.Name(span=Span(token.start_pos, token.end_pos), name=token.value)

    def STRING(self, token):
        return n.String(
            span=Span(token.start_pos, token.end_pos), value=_unescape(token, self.problems), text=token.value
        )

    # ---- the file ----------------------------------------------------------------------------

    def start(self, children):
        return n.Program(
            span=Span(0, self._text_length),
            statements=tuple(_nodes(children)),
            comments=tuple(self.comments),
        )

    # ---- declarations ------------------------------------------------------------------------

    def workflow(self, children):
        return n.Workflow(span=_span(children), title=_nodes(children)[0])

    def data(self, children):
        name, source = _nodes(children)
        return n.Data(span=_span(children), name=name, source=source)

    def split(self, children):
        parts = _nodes(children)
        seed = parts[-1] if isinstance(parts[-1], n.Number) else None
        entries = tuple(p for p in parts[1:] if isinstance(p, n.SplitEntry))
        return n.Split(span=_span(children), data=parts[0], entries=entries, seed=seed)

    def split_entry(self, children):
        parts = _nodes(children)
        role = parts[2] if len(parts) > 2 else None
        return n.SplitEntry(span=_span(children), name=parts[0], share=parts[1], role=role)

    def split_role(self, children):
        return _nodes(children)[0]

    def split_seed(self, children):
        return _nodes(children)[0]

    def search_seed(self, children):
        return _nodes(children)[0]

    def share(self, children):
        percent = children[-1]
        value = float(percent.value[:-1])
        text = percent.value
        if len(children) == 2:
            value, text = -value, "-" + text
        return n.Share(span=_span(children), percent=value, text=text)

    def model(self, children):
        return n.Model(span=_span(children), name=_nodes(children)[0])

    def hyper(self, children):
        return n.Hyper(span=_span(children), entries=tuple(_nodes(children)))

    def hyper_entry(self, children):
        parts = _nodes(children)
        domain = next((p for p in parts[2:] if isinstance(p, (n.Interval, n.SetDomain))), None)
        default = next((p.value for p in parts[2:] if isinstance(p, _Default)), None)
        return n.HyperEntry(span=_span(children), name=parts[0], type=parts[1], domain=domain, default=default)

    def domain_clause(self, children):
        return _nodes(children)[0]

    def default_clause(self, children):
        value = _nodes(children)[0]
        return _Default(span=_span(children), value=value)

    def interval(self, children):
        low, high = _nodes(children)
        return n.Interval(
            span=_span(children),
            low=low,
            high=high,
            low_closed=children[0].type == "LSQB",
            high_closed=children[-1].type == "RSQB",
        )

    def set_domain(self, children):
        return n.SetDomain(span=_span(children), items=tuple(_nodes(children)))

    def param(self, children):
        return n.Param(span=_span(children), entries=tuple(_nodes(children)))

    def param_entry(self, children):
        name, init = _nodes(children)
        return n.ParamEntry(span=_span(children), name=name, init=init)

    # ---- steps ---------------------------------------------------------------------------------

    def set(self, children):
        name, value = _nodes(children)
        return n.Set(span=_span(children), name=name, value=value)

    def standardize(self, children):
        return n.Standardize(span=_span(children), splits=_nodes(children)[0].names)

    def impute(self, children):
        parts = _nodes(children)
        strategy = next((p for p in parts if isinstance(p, _With)), None)
        return n.Impute(span=_span(children), columns=parts[0].names, splits=parts[1].names,
                        strategy=strategy.strategy if strategy else None, value=strategy.value if strategy else None)

    def impute_with(self, children):
        parts = _nodes(children)
        return _With(span=_span(children), strategy=parts[0], value=parts[1] if len(parts) > 1 else None)

    def encode(self, children):
        parts = _nodes(children)
        return n.Encode(span=_span(children), columns=parts[0].names, splits=parts[1].names)

    def columns(self, children):
        return _Splits(span=_span(children), names=tuple(_nodes(children)))

    def train(self, children):
        parts = _nodes(children)
        body = parts[1] if len(parts) > 1 else None
        return n.Train(span=_span(children), splits=parts[0].names, body=body)

    def tune(self, children):
        parts = _nodes(children)
        return n.Tune(
            span=_span(children),
            space=tuple(p for p in parts if isinstance(p, n.SpaceItem)),
            cv=next((p.folds for p in parts if isinstance(p, _Folds)), None),
            outer=next((p.outer for p in parts if isinstance(p, _Folds)), None),
            splits=next(p.names for p in parts if isinstance(p, _Splits)),
            objective=next((p for p in parts if isinstance(p, n.Objective)), None),
            search=next((p for p in parts if isinstance(p, (n.Grid, n.RandomSearch))), None),
        )

    def evaluate(self, children):
        splits, metrics = self._scored(children)
        return n.Evaluate(span=_span(children), splits=splits, metrics=metrics)

    def test(self, children):
        splits, metrics = self._scored(children)
        return n.Test(span=_span(children), splits=splits, metrics=metrics)

    @staticmethod
    def _scored(children):
        parts = _nodes(children)
        metrics = parts[1].names if len(parts) > 1 else None
        return parts[0].names, metrics

    def splits(self, children):
        return _Splits(span=_span(children), names=tuple(_nodes(children)))

    def report(self, children):
        return _Splits(span=_span(children), names=tuple(_nodes(children)))

    def space_item(self, children):
        name, candidates = _nodes(children)
        return n.SpaceItem(span=_span(children), name=name, candidates=candidates)

    def cv(self, children):
        parts = _nodes(children)
        return _Folds(span=_span(children), folds=parts[0], outer=parts[1] if len(parts) > 1 else None)

    def nested(self, children):
        return _nodes(children)[0]

    def objective(self, children):
        return n.Objective(span=_span(children), direction=children[0].value, metric=_nodes(children)[0])

    def search(self, children):
        parts = _nodes(children)
        if not parts:
            return n.Grid(span=_span(children))
        seed = parts[1] if len(parts) > 1 else None
        return n.RandomSearch(span=_span(children), count=parts[0], seed=seed)

    # ---- train bodies --------------------------------------------------------------------------

    def body(self, children):
        return n.Body(span=_span(children), entries=tuple(_nodes(children)))

    def every(self, children):
        every, action = _nodes(children)
        return n.Every(span=_span(children), every=every, action=action)

    def log(self, children):
        metric, split = _nodes(children)
        return n.Log(span=_span(children), metric=metric, split=split)

    def stop_early(self, children):
        metric, split, patience = _nodes(children)
        return n.StopEarly(span=_span(children), metric=metric, split=split, patience=patience)

    def unknown_action(self, children):
        words = tuple(
            c.name if isinstance(c, n.Name) else c.text if isinstance(c, n.String) else c.value for c in children
        )
        return n.UnknownAction(span=_span(children), name=children[0], words=words)

    # ---- expressions ---------------------------------------------------------------------------

    def count(self, children):
        token = children[-1]
        value = number_value(token.value)
        text = token.value
        if len(children) == 2:
            value, text = -value, "-" + text
        return n.Number(span=_span(children), value=value, text=text)

    def number(self, children):
        token = children[0]
        return n.Number(span=_span(children), value=number_value(token.value), text=token.value)

    def name(self, children):
        return children[0]

    def string(self, children):
        return children[0]

    def neg(self, children):
        operand = children[-1]
        return self._nest(n.Neg(span=_span(children), operand=operand), operand)

    def binop(self, children):
        left, op, right = children
        return self._nest(n.BinOp(span=_span(children), op=op.value, left=left, right=right), left, right)

    def paren(self, children):
        inner = children[1]
        return self._nest(n.Paren(span=_span(children), expr=inner), inner)

    def call(self, children):
        func, *args = _nodes(children)
        node = n.Call(span=_span(children), func=func, args=tuple(args))
        return self._nest(node, *(a.value for a in args))

    def arg(self, children):
        name = children[0] if len(children) == 3 else None
        return n.Arg(span=_span(children), name=name, value=children[-1])

    def list(self, children):
        items = _nodes(children)
        return self._nest(n.ListExpr(span=_span(children), items=tuple(items)), *items)


# Intermediate records for clauses; the statement that holds one unwraps it.


class _Default(n.Record):
    span: Span
    value: object


class _Splits(n.Record):
    """A `+`-joined list of names (or a `report` list), unwrapped by the step that holds it."""

    span: Span
    names: tuple


class _With(n.Record):
    span: Span
    strategy: n.Name
    value: object


class _Folds(n.Record):
    span: Span
    folds: n.Number
    outer: n.Number | None = None

