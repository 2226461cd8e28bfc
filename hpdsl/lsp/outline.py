"""The document outline: declarations with their entries as children, then the steps.

Each step is named by its first line as written (`tune l2 in [...] on validation`),
so the outline reads like a summary of the experiment.
"""

from __future__ import annotations

from lsprotocol import types

from .. import nodes as n
from ..source import Span
from ..source import code_part
from .document import Snapshot

__all__ = ["outline"]

S = types.SymbolKind
_LONGEST = 80


def outline(snap: Snapshot) -> list[types.DocumentSymbol]:
    program = snap.analysis.program
    if program is None:
        return []
    scope = snap.analysis.scope
    out = []
    for statement in program.statements:
        symbol = _statement(snap, statement, scope)
        if symbol is not None:
            out.append(symbol)
    return out


def _symbol(snap: Snapshot, name: str, kind, span: Span, selection: Span, detail: str | None = None,
            children=None) -> types.DocumentSymbol:
    return types.DocumentSymbol(
        name=name or "?",
        kind=kind,
        range=snap.range(span),
        selection_range=snap.range(selection),
        detail=detail,
        children=children or None,
    )


def _first_line(snap: Snapshot, span: Span) -> str:
    text = snap.text[span.start:span.end].split("\n", 1)[0]
    text = " ".join(code_part(text).split()).rstrip("{").rstrip()
    return text if len(text) <= _LONGEST else text[: _LONGEST - 1] + "…"


def _statement(snap: Snapshot, statement, scope) -> types.DocumentSymbol | None:
    if isinstance(statement, n.Workflow):
        return _symbol(snap, statement.title.value, S.File, statement.span, statement.title.span, "workflow")
    if isinstance(statement, n.Data):
        source = statement.source.func.name if isinstance(statement.source, n.Call) else None
        return _symbol(snap, statement.name.name, S.Variable, statement.span, statement.name.span,
                       f"data · {source}" if source else "data")
    if isinstance(statement, n.Split):
        children = []
        for entry in statement.entries:
            info = scope.splits.get(entry.name.name) if scope is not None else None
            role = info.role if info is not None and info.role else (entry.role.name if entry.role else "")
            children.append(_symbol(snap, entry.name.name, S.Field, entry.span, entry.name.span,
                                    f"{entry.share.text} {role}".strip()))
        return _symbol(snap, f"split {statement.data.name}", S.Namespace, statement.span, statement.data.span,
                       "split", children)
    if isinstance(statement, n.Model):
        return _symbol(snap, statement.name.name, S.Class, statement.span, statement.name.span, "model")
    if isinstance(statement, n.Hyper):
        children = [
            _symbol(snap, entry.name.name, S.Property, entry.span, entry.name.span,
                    " ".join(code_part(snap.text[entry.type.span.start:entry.span.end]).split()))
            for entry in statement.entries
        ]
        return _symbol(snap, "hyper", S.Struct, statement.span, n.keyword_span(statement),
                       "hyperparameters", children)
    if isinstance(statement, n.Param):
        children = [
            _symbol(snap, entry.name.name, S.Field, entry.span, entry.name.span,
                    "= " + " ".join(snap.text[entry.init.span.start:entry.init.span.end].split()))
            for entry in statement.entries
        ]
        return _symbol(snap, "param", S.Struct, statement.span, n.keyword_span(statement),
                       "learned parameters", children)
    if isinstance(statement, n.STEPS):
        children = []
        if isinstance(statement, n.Train) and statement.body is not None:
            children = [
                _symbol(snap, _first_line(snap, entry.span), S.Event, entry.span, entry.span, "per epoch")
                for entry in statement.body.entries
            ]
        kind = S.Variable if isinstance(statement, n.Set) else S.Function
        return _symbol(snap, _first_line(snap, statement.span), kind, statement.span, n.keyword_span(statement),
                       "step", children)
    n.unhandled(outline, statement)
    return None
