"""Hover: what the word under the cursor is, in Markdown.

A hyperparameter shows its type, domains, default, its value at that point of the
workflow when the checker can know it, and where it is set or tuned; a split its role,
share and the steps that read it; a rule code in a comment the rule's summary; a
keyword, metric, function, role or type a sentence from the design.
"""

from __future__ import annotations

import re

from lsprotocol import types

from .. import nodes as n
from ..checker import values as v
from ..checker.models import ALL_HYPERS, METRIC_MEANING, MODELS, PARAMETERS
from ..checker.scope import Scope
from ..checker.steps import values_at
from ..diagnostics import RULES
from ..render import rule_doc
from ..source import Span
from . import symbols as sy
from .context import comment_start, word_at
from .document import Snapshot, rule_url
from .words import FUNCTIONS, KEYWORDS, ROLES, TYPES

__all__ = ["hover", "rule_summary"]

_RULE_CODE = re.compile(r"\bHP\d{3}\b", re.IGNORECASE)


def hover(snap: Snapshot, offset: int, fallback: Snapshot | None = None) -> types.Hover | None:
    """The hover at `offset`; `fallback` is the last version of the document that parsed,
    whose declarations stand in while the current text does not parse."""
    line_start, line_end = snap.line_of(offset)
    line = snap.text[line_start:line_end]
    column = offset - line_start
    comment = comment_start(line)
    if comment is not None and column >= comment:
        return _rule_hover(snap, line, column, line_start)
    found = None
    if snap.parsed:
        found = sy.at(sy.occurrences(snap.analysis.program, snap.analysis.scope), offset)
    if found is not None:
        text = _name_hover(snap, found, offset)
        if text is None:
            return None
        return _markdown(snap, text, found.span)
    bounds = word_at(line, column)
    if bounds is None:
        return None
    word = line[bounds[0]:bounds[1]]
    text = _word_hover(word, fallback if not snap.parsed else None)
    if text is None:
        return None
    if word == "test" and snap.parsed and _is_test_step(snap.analysis.program, line_start + bounds[0]):
        text += _ledger_text(snap)
    return _markdown(snap, text, Span(line_start + bounds[0], line_start + bounds[1]))


def _markdown(snap: Snapshot, text: str, span) -> types.Hover:
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
        range=snap.range(span),
    )


# ---- rule codes -----------------------------------------------------------------------------------


def _rule_hover(snap: Snapshot, line: str, column: int, line_start: int) -> types.Hover | None:
    for match in _RULE_CODE.finditer(line):
        if match.start() <= column <= match.end():
            code = match.group(0).upper()
            if code not in RULES:
                return None
            return _markdown(snap, rule_summary(code), Span(line_start + match.start(), line_start + match.end()))
    return None


def rule_summary(code: str) -> str:
    """Name, severity and the first paragraph of the rule's doc, with a link to the whole doc."""
    rule = RULES[code]
    summary = rule.summary
    try:
        doc = rule_doc(code)
    except OSError:
        doc = ""
    paragraphs = [p.strip() for p in doc.split("\n\n") if p.strip() and not p.lstrip().startswith("#")]
    if paragraphs:
        summary = re.sub(r"^Severity: \w+\.\s*", "", " ".join(paragraphs[0].split()))
    url = rule_url(code)
    more = f"[Rule documentation]({url})" if url else f"`hpdsl explain {code}` prints its documentation"
    return f"**{code}** `{rule.name}` ({rule.severity})\n\n{summary}\n\n{more}"


# ---- names ----------------------------------------------------------------------------------------


def _name_hover(snap: Snapshot, found: sy.Occurrence, offset: int) -> str | None:
    analysis = snap.analysis
    scope = analysis.scope
    program = analysis.program
    kind = found.kind
    if kind == "hyper":
        return hyper_text(found.name, scope, snap, program, found)
    if kind == "param":
        return param_text(found.name, scope, snap)
    if kind == "split":
        return split_text(found.name, scope, snap, program)
    if kind == "data":
        return data_text(scope, snap)
    if kind == "metric":
        return metric_text(found.name)
    if kind == "model":
        return model_text(found.name)
    if kind == "role":
        return role_text(found.name)
    if kind == "type":
        return f"**{found.name}**: {TYPES[found.name]}" if found.name in TYPES else None
    if kind in ("function", "name"):
        return function_text(found.name)
    return None


def _is_test_step(program: n.Program, offset: int) -> bool:
    return any(isinstance(step, n.Test) and step.span.start == offset for step in program.steps)


def _ledger_text(snap: Snapshot) -> str:
    """What the test-use ledger knows about this workflow's test rows (read-only)."""
    from ..ledger.query import test_history

    found = test_history(snap.path, snap.analysis.program)
    if found is None:
        return ""
    looks, versions, others = found["looks"], found["versions"], found["other_versions"]
    entries = ", ".join(str(e) for e in found["entries"])
    text = (f"\n\n**Test-use ledger**: the test rows of this workflow's last recorded run (entry "
            f"{found['entry']}) were scored {looks} time{'s' if looks != 1 else ''} by {versions} "
            f"version{'s' if versions != 1 else ''}, {others} of them other than this text"
            + (f" (entries {entries})." if entries else "."))
    if not found["known"] and looks:
        text += (" This text is a new version: run as it is, it would be refused (HP304) unless "
                 f"it supersedes entry {found['entries'][-1]} (`--supersede {found['entries'][-1]}`).")
    return text


def _word_hover(word: str, fallback: Snapshot | None) -> str | None:
    """A word the AST does not know here (a keyword, or any word of a text that does not parse)."""
    if fallback is not None and fallback.parsed:
        scope = fallback.analysis.scope
        kind = scope.names.get(word, (None, None))[1]
        if kind == "hyperparameter":
            return hyper_text(word, scope, None, None, None)
        if kind == "split":
            return split_text(word, scope, None, None)
        if kind == "data":
            return data_text(scope, fallback)
        if kind == "parameter":
            return param_text(word, scope, None)
    if word in KEYWORDS:
        return f"**{word}**\n\n{KEYWORDS[word]}"
    if word in METRIC_MEANING:
        return metric_text(word)
    if word in MODELS:
        return model_text(word)
    if word in FUNCTIONS:
        return function_text(word)
    if word in TYPES:
        return f"**{word}**: {TYPES[word]}"
    return None


def _lines(snap: Snapshot | None, nodes) -> str:
    if snap is None:
        return ""
    return ", ".join(str(snap.line_number(node.span.start)) for node in nodes)


def hyper_text(name: str, scope: Scope | None, snap: Snapshot | None, program, found) -> str:
    model = scope.model if scope is not None else None
    info = scope.hypers.get(name) if scope is not None else None
    spec = model.hypers.get(name) if model is not None else None
    if spec is None:
        spec = info.spec if info is not None else ALL_HYPERS.get(name)
    head = f"**{name}**: hyperparameter"
    if model is not None:
        head += f" of `{model.name}`"
    out = [head]
    if spec is None:
        out.append("\nNot a hyperparameter of this model.")
        return "\n".join(out)
    out.append(f"\n{spec.meaning}\n")
    facts = [f"- type: `{spec.type}`" + (" or a learning-rate schedule" if spec.schedule else "")]
    if info is not None and info.domain is not None:
        facts.append(f"- domain: `{info.domain}` (declared), within the model's `{spec.domain}`")
    else:
        facts.append(f"- domain: `{spec.domain}` (the model's)")
    if info is not None and info.entry.default is not None:
        facts.append(f"- default: {_show(info.value)} (declared; the model's is `{v.show(spec.default)}`)")
    else:
        facts.append(f"- default: `{v.show(spec.default)}` (the model's)")
    if model is not None and info is None and name in model.hypers:
        facts.append("- not declared in `hyper { }`: it keeps its default and cannot be set or tuned")
    if program is not None and snap is not None and info is not None and found is not None:
        facts.extend(_value_here(name, scope, program, found, snap))
        sets, tunes = _assignments(program, name)
        if sets:
            facts.append(f"- set at line{'s' if len(sets) > 1 else ''} {_lines(snap, sets)}")
        if tunes:
            facts.append(f"- tuned at line{'s' if len(tunes) > 1 else ''} {_lines(snap, tunes)}")
        if not sets and not tunes:
            facts.append("- never set or tuned: it keeps its default")
    out.extend(facts)
    return "\n".join(out)


def _show(value) -> str:
    """A value as Markdown: code for a number or a schedule, words for what is not known yet."""
    if value is v.TUNED:
        return "chosen by a tune"
    if value is v.UNKNOWN:
        return "unknown (see the diagnostics)"
    return f"`{v.show(value)}`"


def _value_here(name: str, scope: Scope, program: n.Program, found: sy.Occurrence, snap: Snapshot) -> list[str]:
    """The value the hyperparameter holds where it is hovered, replaying the steps before it."""
    statement = found.statement
    if not isinstance(statement, n.STEPS):
        return []
    before = values_at(scope, program, statement)
    out = [f"- value here: {_show(before.get(name, v.UNKNOWN))}"]
    if isinstance(statement, n.Set) and statement.name is found.node:
        after = values_at(scope, program, statement, after=True)
        out.append(f"- this step sets it to {_show(after.get(name, v.UNKNOWN))}")
    return out


def _assignments(program: n.Program, name: str) -> tuple[list, list]:
    sets, tunes = [], []
    for step in program.steps:
        if isinstance(step, n.Set) and step.name.name == name:
            sets.append(step)
        elif isinstance(step, n.Tune) and any(item.name.name == name for item in step.space):
            tunes.append(step)
        elif isinstance(step, n.Train) and step.body is not None:
            for entry in step.body.entries:
                action = entry.action if isinstance(entry, n.Every) else entry
                if isinstance(action, n.Set) and action.name.name == name:
                    sets.append(action)
    return sets, tunes


def param_text(name: str, scope: Scope | None, snap: Snapshot | None) -> str:
    out = [f"**{name}**: learned parameter, {PARAMETERS.get(name, 'not one the models know')}\n"]
    entry = scope.params.get(name) if scope is not None else None
    if entry is not None:
        init = snap.text[entry.init.span.start:entry.init.span.end] if snap is not None else None
        where = f" (line {snap.line_number(entry.span.start)})" if snap is not None else ""
        out.append(f"- starts at: `{init}`{where}" if init else "- declared in `param { }`")
    else:
        out.append("- starts at: `zeros` (not declared in `param { }`)")
    out.append("- learned by `train`; it is never set or tuned (HP102)")
    return "\n".join(out)


def split_text(name: str, scope: Scope | None, snap: Snapshot | None, program) -> str:
    info = scope.splits.get(name) if scope is not None else None
    if info is None:
        return f"**{name}**: not a declared split"
    role = info.role or "missing"
    out = [f"**{name}**: split, role **{role}**" + (f" ({ROLES[role]})" if role in ROLES else "") + "\n"]
    out.append(f"- share: {v.show(info.percent)}% of the rows")
    if program is not None and snap is not None:
        readers = _readers(program, name, snap)
        out.append("- read by: " + (", ".join(readers) if readers else "no step"))
    return "\n".join(out)


def _readers(program: n.Program, name: str, snap: Snapshot) -> list[str]:
    out = []
    for step in program.steps:
        keyword = n.keyword(step)
        line = snap.line_number(step.span.start)
        if any(ref.name == name for ref in getattr(step, "splits", ())):
            out.append(f"{keyword} (line {line})")
        if isinstance(step, n.Train) and step.body is not None:
            for entry in step.body.entries:
                action = entry.action if isinstance(entry, n.Every) else entry
                if isinstance(action, n.Log) and action.split.name == name:
                    out.append(f"log in the train body (line {snap.line_number(action.span.start)})")
                elif isinstance(action, n.StopEarly) and action.split.name == name:
                    out.append(f"early stopping (line {snap.line_number(action.span.start)})")
    return out


def data_text(scope: Scope | None, snap: Snapshot | None) -> str:
    if scope is None or scope.data is None:
        return "**data**"
    data = scope.data
    out = [f"**{data.name.name}**: the data set\n"]
    if snap is not None:
        out.append(f"```hp\n{snap.text[data.source.span.start:data.source.span.end]}\n```")
    if scope.splits:
        out.append("- split into: " + ", ".join(f"{s.name} {v.show(s.percent)}%" for s in scope.splits.values()))
    return "\n".join(out)


def metric_text(name: str) -> str:
    return f"**{name}**: {METRIC_MEANING[name]}" if name in METRIC_MEANING else f"**{name}**: not a metric"


def model_text(name: str) -> str:
    spec = MODELS.get(name)
    if spec is None:
        return f"**{name}**: not a model (the models are {', '.join(MODELS)})"
    rows = "\n".join(f"| `{h.name}` | {h.type} | `{h.domain}` | `{v.show(h.default)}` |" for h in spec.hypers.values())
    return (f"**{name}**: {spec.summary}\n\n| hyperparameter | type | domain | default |\n| --- | --- | --- | --- |\n"
            + rows)


def role_text(name: str) -> str:
    return f"**{name}** role: {ROLES[name]}" if name in ROLES else f"**{name}**: not a role (train, validation, test)"


def function_text(name: str) -> str | None:
    if name not in FUNCTIONS:
        return None
    signature, doc = FUNCTIONS[name]
    return f"`{signature}`\n\n{doc}"
