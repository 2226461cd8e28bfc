"""Diagnostics -> text with carets, JSON, or SARIF 2.1.0; rule docs for `hpdsl explain`.

The one place that decides how a diagnostic looks. Text follows the compilers
(rustc): `path:line:col: severity[CODE] name: message`, the source line with carets
under the span, related locations underlined with dashes, and `= help:`.
"""

from __future__ import annotations

import os
import unicodedata
from functools import lru_cache

from . import __version__
from .checker import values as v
from .checker.models import MODELS, PARAMETERS
from .diagnostics import ERROR, RULES, Diagnostic
from .source import Source

TAB = "    "
DOCS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "docs")
# The one setting for links to a rule's documentation: a URL template with {code}, for a
# team that publishes the docs somewhere it controls. Unset (the default), SARIF and the
# language server carry no link, and `hpdsl explain CODE` is the documentation.
RULE_DOC_URL_ENV = "HPDSL_RULE_DOC_URL"


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def severity(self, severity: str, text: str) -> str:
        return self._wrap("1;31" if severity == ERROR else "1;33", text)

    def gutter(self, text: str) -> str:
        return self._wrap("1;34", text)

    def bold(self, text: str) -> str:
        return self._wrap("1", text)


# ---- text safe for a terminal --------------------------------------------------------------------

# Characters that are not what they look like on a terminal: C0 and C1 controls (an ESC
# sequence can retitle or clear the terminal, CR rewrites the line), format characters
# (the bidirectional overrides of "Trojan Source", zero-width spaces), line and paragraph
# separators, and lone surrogates (an undecodable file name).
_ESCAPED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}
# str.isprintable() is False for all of them (and for a few harmless others, such as a
# no-break space): pieces of this size for which it is True are kept as they are.
_PIECE = 64


@lru_cache(maxsize=1024)
def _shown_char(char: str) -> str:
    if char == "\t":
        return TAB
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # a control picture: ESC is shown as \u241b, one column wide
    if code == 0x7F:
        return "\u2421"
    if unicodedata.category(char) in _ESCAPED_CATEGORIES:
        return f"\\u{{{code:04x}}}"
    return char


def terminal_safe(text: str) -> str:
    """Text from a user's file, as a terminal may show it: tabs as spaces, C0 controls as
    control pictures, other controls, bidirectional and invisible format characters as
    `\\u{202e}` escapes (as rustc does). One character in, a fixed string out, so columns
    can be counted on the result. JSON and SARIF carry the raw text: they are data."""
    if text.isprintable():
        return text
    out = []
    for start in range(0, len(text), _PIECE):
        piece = text[start:start + _PIECE]
        out.append(piece if piece.isprintable() else "".join(map(_shown_char, piece)))
    return "".join(out)


def _columns(shown: str) -> int:
    """Terminal columns of escaped text: wide (East Asian) characters take two, combining
    marks none, so carets stay under what they mark."""
    width = 0
    for start in range(0, len(shown), _PIECE):
        piece = shown[start:start + _PIECE]
        if piece.isascii():
            width += len(piece)
            continue
        for char in piece:
            if not unicodedata.combining(char):
                width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


# A source line longer than this (a minified file, a 300 KB name) is shown as a window of
# this many characters around its mark, as rustc trims lines to the terminal's width.
_LONG_LINE = 200
_BEFORE_MARK = 50


def _annotated_line(source: Source, start: int, end: int) -> tuple[int, str, int, int]:
    """(line, displayed text, caret column, caret width) for a span, escaped as shown."""
    line, column = source.location(start)
    text = source.line_text(line)
    line_start = source.line_starts[line - 1]
    mark = column - 1
    mark_end = min(end, line_start + len(text)) - line_start
    low, high = 0, len(text)
    if high > _LONG_LINE:
        low = max(0, mark - _BEFORE_MARK)
        high = min(high, low + _LONG_LINE)
    cut = max(mark, min(mark_end, high))  # the mark ends here, or where the window does
    before = ("..." if low else "") + terminal_safe(text[low:mark])
    inside = terminal_safe(text[mark:cut])
    after = terminal_safe(text[cut:high]) + ("..." if high < len(text) else "")
    return line, before + inside + after, _columns(before), max(1, _columns(inside))


# Messages quote what the user wrote; a 300 KB name is cut, not printed whole (JSON keeps it).
_LONG_MESSAGE = 500


def _shown_message(text: str) -> str:
    if len(text) > _LONG_MESSAGE:
        text = text[:_LONG_MESSAGE] + f"... ({len(text) - _LONG_MESSAGE:,} more characters)"
    return terminal_safe(text)


def format_line(path: str, message: str, *position: int, code: str | None = None) -> str:
    """One diagnostic-like line with no source excerpt, for what has no span to show:
    `path:line: message`, or with a rule code `path: error[HP302] data-error: message`."""
    where = ":".join([terminal_safe(path), *map(str, position)])
    if code is None:
        return f"{where}: {_shown_message(message)}"
    rule = RULES[code]
    return f"{where}: {rule.severity}[{code}] {rule.name}: {_shown_message(message)}"


def format_text(diagnostics: list[Diagnostic], source: Source, color: bool = False) -> str:
    """All diagnostics of one file, each as a compiler-style block."""
    style = _Style(color)
    return "".join(_block(d, d.source or source, style) + "\n" for d in diagnostics)


def _block(d: Diagnostic, source: Source, style: _Style) -> str:
    line, column = source.location(d.span.start)
    head = (
        f"{terminal_safe(source.path)}:{line}:{column}: "
        + style.severity(d.severity, f"{d.severity}[{d.code}]")
        + " "
        + style.bold(f"{d.name}: {_shown_message(d.message)}")
    )
    spans = [(d.span, "^", "")] + [(r.span, "-", _shown_message(r.message)) for r in d.related]
    spans.sort(key=lambda m: m[0].start)
    marks = [(_annotated_line(source, span.start, span.end), char, label) for span, char, label in spans]
    width = len(str(max(m[0][0] for m in marks)))
    pad = " " * width
    lines = [head, style.gutter(f"{pad} |")]
    shown = None
    for (number, text, caret_at, caret_width), char, label in marks:
        # A line with several marks is printed once, marks below it (again only where
        # the marks of a long line are too far apart for one window).
        if (number, text) != shown:
            lines.append(style.gutter(f"{number:>{width}} |") + (f" {text}" if text else ""))
            shown = (number, text)
        underline = " " * caret_at + char * caret_width + (f" {label}" if label else "")
        lines.append(style.gutter(f"{pad} |") + " " + underline)
    if d.help:
        lines.append(f"{pad} = " + style.bold("help") + f": {_shown_message(d.help)}")
    return "\n".join(lines) + "\n"


def summary(diagnostics: list[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    if not diagnostics:
        return "All checks passed."
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return "Found " + " and ".join(parts) + "."


# ---- JSON -----------------------------------------------------------------------------------------


def _range(source: Source, start: int, end: int) -> dict:
    sl, sc = source.location(start)
    el, ec = source.location(end)
    return {"start": {"line": sl, "column": sc}, "end": {"line": el, "column": ec}}


def to_json(d: Diagnostic, source: Source) -> dict:
    """One diagnostic as a JSON object; lines and columns 1-based, the end exclusive."""
    src = d.source or source
    return {
        "path": src.path,
        "code": d.code,
        "name": d.name,
        "severity": d.severity,
        "message": d.message,
        "range": _range(src, d.span.start, d.span.end),
        "help": d.help,
        "related": [
            {"path": src.path, "message": r.message, "range": _range(src, r.span.start, r.span.end)}
            for r in d.related
        ],
        "fixes": [
            {"message": f.message, "applicability": f.applicability,
             "range": _range(src, f.span.start, f.span.end), "replacement": f.replacement}
            for f in d.fixes
        ],
    }


# ---- SARIF ----------------------------------------------------------------------------------------


def _uri(path: str) -> str:
    """A path as a relative URI reference (forward slashes, normalised, percent-encoded),
    as GitHub code scanning matches it against the repository's files."""
    from urllib.parse import quote

    if path.startswith("<"):
        return quote(path)
    if os.path.isabs(path):
        try:
            relative = os.path.relpath(path)
            if not relative.startswith(".."):
                path = relative
        except ValueError:
            pass
    path = os.path.normpath(path).replace(os.sep, "/")
    if os.path.isabs(path):
        return "file://" + quote(path)
    return quote(path)


def _sarif_region(source: Source, start: int, end: int) -> dict:
    r = _range(source, start, end)
    return {
        "startLine": r["start"]["line"],
        "startColumn": r["start"]["column"],
        "endLine": r["end"]["line"],
        "endColumn": r["end"]["column"],
    }


def _sarif_location(source: Source, start: int, end: int, message: str | None = None, index: int | None = None):
    location = {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(source.path)},
            "region": _sarif_region(source, start, end),
        }
    }
    if index is not None:
        location["id"] = index
    if message is not None:
        location["message"] = {"text": message}
    return location


def _sarif_fix(source: Source, fix) -> dict:
    """A SARIF fix: one replacement in the diagnostic's file (SARIF 2.1.0 §3.55)."""
    return {
        "description": {"text": fix.message},
        "artifactChanges": [{
            "artifactLocation": {"uri": _uri(source.path)},
            "replacements": [{
                "deletedRegion": _sarif_region(source, fix.span.start, fix.span.end),
                "insertedContent": {"text": fix.replacement},
            }],
        }],
        "properties": {"applicability": fix.applicability},
    }


def to_sarif(results: list[tuple[Diagnostic, Source]]) -> dict:
    """A SARIF 2.1.0 log of one run, as GitHub code scanning reads it."""
    codes = sorted(RULES)
    index = {code: i for i, code in enumerate(codes)}
    rules = []
    for code in codes:
        rule = RULES[code]
        doc = rule_doc(code)
        rules.append({
            "id": code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": _section_text(doc, "What it does") or rule.summary},
            "help": {"text": doc, "markdown": doc},
            **({"helpUri": url} if (url := rule_url(code)) else {}),
            "defaultConfiguration": {"level": rule.severity},
            "properties": {"tags": ["ml-methodology", rule.phase], "precision": "very-high"},
        })
    sarif_results = []
    for d, source in results:
        src = d.source or source
        result = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": d.severity,
            "message": {"text": d.message + (f" (help: {d.help})" if d.help else "")},
            "locations": [_sarif_location(src, d.span.start, d.span.end)],
        }
        if d.related:
            result["relatedLocations"] = [
                _sarif_location(src, r.span.start, r.span.end, r.message, i) for i, r in enumerate(d.related)
            ]
        if d.fixes:
            result["fixes"] = [_sarif_fix(src, f) for f in d.fixes]
        sarif_results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "hpdsl",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": sarif_results,
            }
        ],
    }


# ---- rule docs ------------------------------------------------------------------------------------


def rule_doc(code: str) -> str:
    """The Markdown doc of a registered rule (hpdsl/docs/CODE.md)."""
    with open(os.path.join(DOCS_DIR, f"{code}.md"), encoding="utf-8") as f:
        return f.read()


def doc_sections(doc: str) -> dict[str, str]:
    """The `## Heading` sections of a rule doc, by heading."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in doc.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    return {k: "\n".join(v).strip() for k, v in sections.items()}


def doc_code_block(section: str) -> str | None:
    """The first fenced code block of a doc section."""
    lines = section.splitlines()
    inside = False
    out: list[str] = []
    for line in lines:
        if line.startswith("```"):
            if inside:
                return "\n".join(out) + "\n"
            inside = True
            continue
        if inside:
            out.append(line)
    return None


def _section_text(doc: str, heading: str) -> str:
    """A doc section as plain running text (its code blocks left out)."""
    kept, inside = [], False
    for line in doc_sections(doc).get(heading, "").splitlines():
        if line.startswith("```"):
            inside = not inside
        elif not inside:
            kept.append(line.strip())
    return " ".join(part for part in kept if part)


def rule_url(code: str) -> str | None:
    """The web address of a rule's documentation, from $HPDSL_RULE_DOC_URL (a template
    with {code}); None when it is unset or has no {code}."""
    template = os.environ.get(RULE_DOC_URL_ENV, "").strip()
    if "{code}" not in template:
        return None
    return template.replace("{code}", code)


def rules_table() -> str:
    rows = [("code", "name", "severity", "fires when")]
    rows += [(r.code, r.name, r.severity, r.summary) for r in RULES.values()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    out = []
    for row in rows:
        out.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
    return "\n".join(out) + "\n"


def explain(code: str) -> str:
    return rule_doc(code)


def model_table(name: str) -> str:
    """A model's hyperparameters and parameters as Markdown tables (`hpdsl explain ridge`),
    from the same data the checker validates against."""
    spec = MODELS[name]
    out = [f"# {name}", "", spec.summary[0].upper() + spec.summary[1:] + ".", "",
           "| hyperparameter | type | model domain | default | meaning |", "| --- | --- | --- | --- | --- |"]
    out += [f"| `{h.name}` | {h.type}{', or a schedule' if h.schedule else ''} | `{h.domain}` | "
            f"{v.show(h.default)} | {h.meaning} |" for h in spec.hypers.values()]
    out += ["", "| parameter | meaning |", "| --- | --- |"]
    out += [f"| `{p}` | {meaning} |" for p, meaning in PARAMETERS.items()]
    return "\n".join(out) + "\n"


__all__ = [
    "terminal_safe", "format_text", "summary", "to_json", "to_sarif", "rule_doc", "doc_sections", "doc_code_block",
    "rules_table", "explain", "model_table", "rule_url", "RULE_DOC_URL_ENV",
]
