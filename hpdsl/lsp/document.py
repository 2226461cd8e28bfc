"""One open document as the language server sees it: text, positions and analysis.

A Snapshot is an immutable view of a document at one version: its Source, the
checker's Analysis of it (computed once, on first use, by whichever thread asks first),
and conversions between character offsets and LSP positions in whichever encoding the
client negotiated (UTF-16 unless it asked for UTF-8 or UTF-32). Also turns checker
diagnostics into LSP diagnostics.
"""

from __future__ import annotations

import threading

from lsprotocol import types

from ..checker import Analysis, check_text
from ..diagnostics import ERROR, Diagnostic
from ..render import rule_url
from ..source import Source, Span

__all__ = ["SOURCE_NAME", "Snapshot", "rule_url", "blank_line"]

SOURCE_NAME = "hpdsl"

UTF8 = types.PositionEncodingKind.Utf8
UTF16 = types.PositionEncodingKind.Utf16
UTF32 = types.PositionEncodingKind.Utf32


def _units(text: str, encoding) -> int:
    if encoding == UTF32:
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    if text.isascii():
        return len(text)
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def _char_units(char: str, encoding) -> int:
    if encoding == UTF32:
        return 1
    code = ord(char)
    if encoding == UTF8:
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    return 2 if code > 0xFFFF else 1


def blank_line(text: str, offset: int) -> str:
    """The text with the line holding `offset` emptied (its line end kept)."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    if end == -1:
        end = len(text)
    return text[:start] + text[end:]


class Snapshot:
    """A document at one version. `analysis` runs the checker once, on first use."""

    def __init__(self, uri: str, version: int | None, text: str, path: str, encoding=UTF16) -> None:
        self.uri = uri
        self.version = version
        self.text = text
        self.path = path
        self.encoding = encoding or UTF16
        self.source = Source(text, path)
        self._analysis: Analysis | None = None
        self._lock = threading.Lock()

    @property
    def analysis(self) -> Analysis:
        """The checker's analysis, computed once even when two threads ask at the same time."""
        if self._analysis is None:
            with self._lock:
                if self._analysis is None:
                    self._analysis = check_text(self.text, self.path)
        return self._analysis

    @property
    def parsed(self) -> bool:
        return self.analysis.program is not None

    def edited(self, changes, version: int | None) -> Snapshot:
        """The document after LSP content changes, applied in order, each to the result of the last.

        Applied here rather than by pygls so that positions mean the same as everywhere
        else in the server (pygls splits lines with `str.splitlines`, which also breaks
        at form feeds and U+2028, where LSP does not).
        """
        text = self.text
        snap = self
        for change in changes:
            if getattr(change, "range", None) is None:
                text = change.text
            else:
                start = snap.offset(change.range.start)
                end = max(start, snap.offset(change.range.end))
                text = text[:start] + change.text + text[end:]
            snap = Snapshot(self.uri, version, text, self.path, self.encoding)
        return snap if snap is not self else Snapshot(self.uri, version, text, self.path, self.encoding)

    # ---- positions -------------------------------------------------------------------------

    def position(self, offset: int) -> types.Position:
        if self.encoding == UTF16:
            line, character = self.source.lsp_position(offset)
            return types.Position(line=line, character=character)
        offset = max(0, min(offset, len(self.text)))
        line = self.source.line_index(offset)
        prefix = self.text[self.source.line_starts[line]:offset]
        return types.Position(line=line, character=_units(prefix, self.encoding))

    def offset(self, position: types.Position) -> int:
        if self.encoding == UTF16:
            return self.source.offset_at(position.line, position.character)
        starts = self.source.line_starts
        if position.line < 0:
            return 0
        if position.line >= len(starts):
            return len(self.text)
        offset = starts[position.line]
        end = starts[position.line + 1] - 1 if position.line + 1 < len(starts) else len(self.text)
        units = 0
        while offset < end and units < position.character:
            units += _char_units(self.text[offset], self.encoding)
            offset += 1
        return offset

    def range(self, span: Span) -> types.Range:
        return types.Range(start=self.position(span.start), end=self.position(span.end))

    def span(self, range_: types.Range) -> Span:
        return Span(self.offset(range_.start), self.offset(range_.end))

    def line_of(self, offset: int) -> tuple[int, int]:
        """(start, end) offsets of the line holding `offset`, without its line end."""
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        if end == -1:
            end = len(self.text)
        if end > start and self.text[end - 1] == "\r":
            end -= 1
        return start, end

    def line_number(self, offset: int) -> int:
        """1-based line of an offset, as people count."""
        return self.source.location(offset)[0]

    # ---- diagnostics ---------------------------------------------------------------------------

    def diagnostics(self) -> list[types.Diagnostic]:
        """The checker's diagnostics in LSP form (`--set` ones cannot occur here)."""
        return [self.lsp_diagnostic(d) for d in self.analysis.diagnostics if d.source is None]

    def lsp_diagnostic(self, d: Diagnostic) -> types.Diagnostic:
        message = d.message + (f"\nhelp: {d.help}" if d.help else "")
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=self.uri, range=self.range(r.span)), message=r.message
            )
            for r in d.related
        ]
        return types.Diagnostic(
            range=self.range(d.span),
            message=message,
            severity=types.DiagnosticSeverity.Error if d.severity == ERROR else types.DiagnosticSeverity.Warning,
            code=d.code,
            code_description=types.CodeDescription(href=url) if (url := rule_url(d.code)) else None,
            source=SOURCE_NAME,
            related_information=related or None,
        )
