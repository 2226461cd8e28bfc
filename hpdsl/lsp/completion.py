"""Completion by context, read from the tokens before the cursor.

The line being typed rarely parses, so the context comes from the tolerant token stream
(the word before the cursor, the statement's first word, the open block) and the names come
from the best scope the server has: the current text if it parses, else the text
with the cursor's line blanked, else the last version that parsed.
"""

from __future__ import annotations

from lsprotocol import types

from ..checker import values as v
from ..checker.models import METRIC_MEANING, MODELS, PARAMETERS
from ..checker.scope import Scope
from ..source import Span
from ..syntax.lexer import OPEN_STRING, code_tokens, tokens
from .context import depth_after, open_block
from .document import Snapshot
from ..syntax.keywords import STATEMENT_KEYWORDS, STEP_KEYWORDS
from .words import CANDIDATE_FUNCTIONS, FUNCTIONS, KEYWORDS, ROLES, TYPES

__all__ = ["complete"]

K = types.CompletionItemKind


class _Items:
    """Completion items that all replace the partly typed word."""

    def __init__(self, snap: Snapshot, start: int, end: int, snippets: bool) -> None:
        self.range = snap.range(Span(start, end))
        self.snippets = snippets
        self.items: list[types.CompletionItem] = []
        self.seen: set[str] = set()

    def add(self, label: str, kind, detail: str | None = None, doc: str | None = None,
            insert: str | None = None, snippet: str | None = None, sort: str | None = None) -> None:
        if label in self.seen:
            return
        self.seen.add(label)
        text, form = insert or label, types.InsertTextFormat.PlainText
        if snippet is not None and self.snippets:
            text, form = snippet, types.InsertTextFormat.Snippet
        self.items.append(types.CompletionItem(
            label=label,
            kind=kind,
            detail=detail,
            documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=doc) if doc else None,
            text_edit=types.TextEdit(range=self.range, new_text=text),
            insert_text_format=form,
            sort_text=sort,
        ))


def complete(snap: Snapshot, offset: int, scope: Scope | None, snippets: bool = False) -> list[types.CompletionItem]:
    line_start, _ = snap.line_of(offset)
    prefix = snap.text[line_start:offset]
    stream = tokens(prefix)
    if any(t.kind == "COMMENT" for t in stream) or (stream and stream[-1].kind == OPEN_STRING):
        return []
    # The word being typed, if the cursor ends one, is what the items replace.
    typing = len(stream[-1].text) if stream and stream[-1].is_word else 0
    word_start = offset - typing
    before = prefix[: len(prefix) - typing]
    code = [t for t in tokens(before) if t.is_code]
    kinds = ["WORD" if t.is_word else t.kind for t in code]
    words = [t.text for t in code if t.is_word]
    items = _Items(snap, word_start, offset, snippets)
    block = open_block(snap.text, line_start)
    first = code[0].text if code and code[0].is_word else ""
    previous = code[-1].text if code else ""
    blank = not code
    if block == "hyper":
        _in_hyper(items, kinds == ["WORD", "COLON"], blank, scope)
    elif block == "param":
        _in_param(items, kinds == ["WORD", "EQUAL"], blank, scope)
    elif block == "train":
        _in_body(items, words, blank, previous, scope)
    elif blank:
        _statements(items, snap, line_start, scope)
    else:
        _after(items, code, words, first, previous, scope)
    return items.items


# ---- blocks -----------------------------------------------------------------------------------------


def _in_hyper(items: _Items, after_colon: bool, blank: bool, scope: Scope | None) -> None:
    if blank:
        model = scope.model if scope is not None else None
        declared = set(scope.hypers) if scope is not None else set()
        if scope is not None:
            declared |= {name for name, (_, kind) in scope.names.items() if kind == "hyperparameter"}
        for spec in (model.hypers.values() if model is not None else ()):
            if spec.name in declared:
                continue
            items.add(spec.name, K.Property, detail=f"{spec.type} · default {v.show(spec.default)}",
                      doc=f"{spec.meaning}\n\nmodel domain `{spec.domain}`",
                      insert=f"{spec.name}: {spec.type}",
                      snippet=f"{spec.name}: {spec.type}${{1: in {spec.domain}}}${{2: = {_default(spec)}}}")
    elif after_colon:  # `NAME:` wants a type
        for name, doc in TYPES.items():
            items.add(name, K.TypeParameter, detail="type", doc=doc)


def _default(spec) -> str:
    return v.show(spec.default) if spec.default is not None else "1"


def _in_param(items: _Items, after_equal: bool, blank: bool, scope: Scope | None) -> None:
    if blank:
        declared = set(scope.params) if scope is not None else set()
        for name, meaning in PARAMETERS.items():
            if name not in declared:
                items.add(name, K.Field, detail="learned parameter", doc=meaning, insert=f"{name} = ",
                          snippet=f"{name} = ${{1:zeros}}")
    elif after_equal:  # `NAME =` wants an initialiser
        for name in ("zeros", "normal", "uniform"):
            signature, doc = FUNCTIONS[name]
            items.add(name, K.Function, detail=signature, doc=doc)


def _in_body(items: _Items, words: list[str], blank: bool, previous: str, scope: Scope | None) -> None:
    if blank:
        items.add("every", K.Keyword, detail="every N epochs: log METRIC on SPLIT", doc=KEYWORDS["every"],
                  snippet="every ${1:10} epochs: log ${2:mse} on ${3:validation}")
        items.add("stop", K.Keyword, detail="stop early when METRIC on SPLIT has not improved for N epochs",
                  doc=KEYWORDS["stop"],
                  snippet="stop early when ${1:mse} on ${2:validation} has not improved for ${3:20} epochs")
        return
    if previous == ":" and "every" in words:
        items.add("log", K.Keyword, detail="log METRIC on SPLIT", doc=KEYWORDS["log"])
    elif previous in ("log", "when"):
        _metrics(items)
    elif previous in ("on", "+"):
        _splits(items, scope)
    elif previous == "stop":
        items.add("early", K.Keyword)
    elif previous == "early":
        items.add("when", K.Keyword)


# ---- the top level ----------------------------------------------------------------------------------


def _statements(items: _Items, snap: Snapshot, line_start: int, scope: Scope | None) -> None:
    """Keywords that start a line: declarations first until the first step, then steps."""
    above = snap.text[:line_start]
    stepped = any(_starts_step(line) for line in above.split("\n"))
    for rank, keyword in enumerate(STATEMENT_KEYWORDS):
        is_step = keyword in STEP_KEYWORDS
        order = (0 if is_step == stepped else 1, rank)
        items.add(keyword, K.Keyword, detail="step" if is_step else "declaration", doc=KEYWORDS.get(keyword),
                  sort=f"{order[0]}{order[1]:02d}")


def _starts_step(line: str) -> bool:
    if not line.lstrip(" \t").startswith(STEP_KEYWORDS):
        return False  # most lines: no need to read them
    code = code_tokens(line)
    return bool(code) and code[0].text in STEP_KEYWORDS


def _after(items: _Items, code: list, words: list[str], first: str, previous: str, scope: Scope | None) -> None:
    depth = depth_after(code[-1]) if code else 0
    if first == "set":
        if previous == "set":
            _hypers(items, scope)
        elif previous in ("=", "+", "-", "*", "/", "(", ","):
            _hypers(items, scope)
            if previous == "=" and len(code) > 1 and code[1].text == "learning_rate":
                for name in ("step", "exponential"):
                    signature, doc = FUNCTIONS[name]
                    items.add(name, K.Function, detail=signature, doc=doc)
        return
    if previous in ("report", "minimize", "maximize", "log", "when"):
        _metrics(items)
    elif previous == "," and first in ("evaluate", "test") and "report" in words:
        listed = set(words[words.index("report") + 1:])
        _metrics(items, exclude=listed)
    elif previous == "model":
        for name, spec in MODELS.items():
            items.add(name, K.Class, detail="model", doc=spec.summary)
    elif previous == "as":
        for name, doc in ROLES.items():
            items.add(name, K.EnumMember, detail="role", doc=doc)
    elif previous == "using":
        if first == "standardize":
            _splits(items, scope)
        elif first == "tune":
            if "on" in words:
                items.add("grid", K.Keyword, detail="every combination (the default)", doc=KEYWORDS["grid"])
                items.add("random", K.Keyword, detail="using random N [seed K]", doc=KEYWORDS["random"],
                          snippet="random ${1:20}")
            else:
                items.add("cv", K.Keyword, detail="using cv K on SPLITS", doc=KEYWORDS["cv"], snippet="cv ${1:5}")
    elif previous in ("on", "+") and depth == 0:
        _splits(items, scope)
    elif previous == "tune":
        _hypers(items, scope)
    elif previous == "," and first == "tune" and depth == 0 and "on" not in words:
        _hypers(items, scope, exclude={a.text for a, b in zip(code, code[1:]) if a.is_word and b.text == "in"})
    elif previous == "in" and first == "tune" and depth == 0:
        for name in CANDIDATE_FUNCTIONS:
            signature, doc = FUNCTIONS[name]
            items.add(name, K.Function, detail=signature, doc=doc, snippet=_call_snippet(name, signature))
        items.add("[", K.Snippet, detail="a list of candidates", doc="`[0.01, 0.1, 1]`: the candidates, in order",
                  snippet="[${1}]")
    elif previous == "split" and first == "split":
        if scope is not None and scope.data is not None:
            items.add(scope.data.name.name, K.Variable, detail="data set")
    elif previous in ("train", "evaluate", "test") and first == previous:
        items.add("on", K.Keyword, doc=KEYWORDS["on"])
    elif previous == "standardize":
        items.add("using", K.Keyword, doc=KEYWORDS["using"])


def _call_snippet(name: str, signature: str) -> str:
    arguments = signature[len(name) + 1:-1].replace("[", "").replace("]", "").split(", ")
    return name + "(" + ", ".join(f"${{{i}:{a}}}" for i, a in enumerate(arguments, 1)) + ")"


def _metrics(items: _Items, exclude=frozenset()) -> None:
    for name, meaning in METRIC_MEANING.items():
        if name not in exclude:
            items.add(name, K.EnumMember, detail="metric", doc=meaning)


def _splits(items: _Items, scope: Scope | None) -> None:
    if scope is None:
        return
    for info in scope.splits.values():
        items.add(info.name, K.Variable, detail=f"split · role {info.role or 'missing'} · {v.show(info.percent)}%",
                  doc=ROLES.get(info.role or ""))


def _hypers(items: _Items, scope: Scope | None, exclude=frozenset()) -> None:
    if scope is None:
        return
    for name, info in scope.hypers.items():
        if name in exclude:
            continue
        domain = info.domain if info.domain is not None else info.spec.domain
        items.add(name, K.Property, detail=f"{info.type} in {domain} · default {v.show(info.value)}"
                  if info.value is not v.UNKNOWN else f"{info.type} in {domain}", doc=info.spec.meaning)
