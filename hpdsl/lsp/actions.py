"""Quick fixes: code actions attached to a diagnostic, offered only where the fix is unambiguous.

    any code        the diagnostic's own structured fixes (`Diagnostic.fixes`): a misspelt
                    name or keyword replaced by the one the help suggests, syntax errors included
    HP103, HP105    name the one validation split instead of the test split
    HP101           move a `set` out of the train body, to just before the train step
    HP108           retrain (`train on` the rows of the last train) before the stale evaluate or test
"""

from __future__ import annotations

from lsprotocol import types

from .. import nodes as n
from ..diagnostics import Diagnostic
from ..source import Span
from .document import Snapshot

__all__ = ["code_actions"]


class _Fix:
    __slots__ = ("title", "edits")

    def __init__(self, title: str, edits: list[tuple[Span, str]]) -> None:
        self.title = title
        self.edits = edits


def code_actions(snap: Snapshot, wanted: Span) -> list[types.CodeAction]:
    """The quick fixes for the diagnostics that touch `wanted`."""
    analysis = snap.analysis
    out = []
    for d in analysis.diagnostics:
        if d.source is not None or d.span.start > wanted.end or wanted.start > d.span.end:
            continue
        fixes = [_Fix(f.message, [(f.span, f.replacement)]) for f in d.fixes]
        make = _FIXES.get(d.code) if analysis.program is not None else None
        fix = make(snap, d) if make is not None else None
        if fix is not None:
            fixes.append(fix)
        for fix in fixes:
            edits = [types.TextEdit(range=snap.range(span), new_text=text) for span, text in fix.edits]
            out.append(types.CodeAction(
                title=fix.title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[snap.lsp_diagnostic(d)],
                edit=types.WorkspaceEdit(changes={snap.uri: edits}),
                is_preferred=len(fixes) == 1,
            ))
    return out


def _statement_at(program: n.Program, offset: int):
    return next((s for s in program.statements if s.span.start <= offset < s.span.end), None)


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


# ---- HP103, HP105 ---------------------------------------------------------------------------------


def _use_validation(snap: Snapshot, d: Diagnostic) -> _Fix | None:
    scope = snap.analysis.scope
    written = snap.text[d.span.start:d.span.end]
    if written != scope.test_split:
        return None
    validation = [s.name for s in scope.splits.values() if s.role == "validation"]
    if len(validation) != 1:
        return None
    statement = _statement_at(snap.analysis.program, d.span.start)
    if statement is not None and any(ref.name == validation[0] for ref in getattr(statement, "splits", ())):
        return None  # `on validation + test`: the fix is to drop a split, not to rename one
    return _Fix(f"Use the validation split '{validation[0]}' instead of '{written}'", [(d.span, validation[0])])


# ---- HP101 ----------------------------------------------------------------------------------------


def _move_set(snap: Snapshot, d: Diagnostic) -> _Fix | None:
    train = _statement_at(snap.analysis.program, d.span.start)
    if not isinstance(train, n.Train) or train.body is None:
        return None
    entry = next((e for e in train.body.entries if e.span == d.span and isinstance(e, n.Set)), None)
    if entry is None:
        return None  # `every N epochs: set ...` changes the value while training: no single place to move it
    text = snap.text
    start = _line_start(text, entry.span.start)
    end = text.find("\n", entry.span.end)
    end = len(text) if end == -1 else end + 1
    if text[start:entry.span.start].strip():
        return None
    moved = text[entry.span.start:end].rstrip("\r\n")
    train_start = _line_start(text, train.span.start)
    indent = text[train_start:train.span.start]
    if indent.strip():
        return None
    newline = "\r\n" if text[end - 2:end] == "\r\n" else "\n"
    return _Fix(f"Move 'set {entry.name.name}' before the train step",
                [(Span(train_start, train_start), indent + moved + newline), (Span(start, end), "")])


# ---- HP108 ----------------------------------------------------------------------------------------


def _retrain(snap: Snapshot, d: Diagnostic) -> _Fix | None:
    program = snap.analysis.program
    step = _statement_at(program, d.span.start)
    if not isinstance(step, (n.Evaluate, n.Test)):
        return None
    rows = None
    for earlier in program.steps:
        if earlier is step:
            break
        if isinstance(earlier, n.Train) and earlier.splits:
            rows = " + ".join(ref.name for ref in earlier.splits)
    if rows is None:
        rows = snap.analysis.scope.train_split
    if rows is None:
        return None
    start = _line_start(snap.text, step.span.start)
    indent = snap.text[start:step.span.start]
    if indent.strip():
        return None
    keyword = n.keyword(step)
    return _Fix(f"Train again before this {keyword}: insert 'train on {rows}'",
                [(Span(start, start), f"{indent}train on {rows}\n")])


_FIXES = {
    "HP103": _use_validation,
    "HP105": _use_validation,
    "HP101": _move_set,
    "HP108": _retrain,
}
