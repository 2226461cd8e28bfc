"""Source texts and positions: spans are half-open character offsets into the text.

Offsets convert to 1-based line and column for people (columns count code points)
and to 0-based line and UTF-16 code unit for the Language Server Protocol.
"""

from __future__ import annotations

from bisect import bisect_right

from .record import Record

__all__ = ["Span", "Source", "decode", "comment_start", "code_part"]


class Span(Record):
    """A half-open range [start, end) of character offsets into one source text."""

    start: int
    end: int

    def __init__(self, start: int, end: int) -> None:  # positional: spans are made everywhere
        _set_start(self, start)
        _set_end(self, end)

    def __repr__(self) -> str:
        return f"Span({self.start}, {self.end})"

    def __contains__(self, offset: int) -> bool:
        return self.start <= offset < self.end

    def cover(self, other: Span) -> Span:
        return Span(min(self.start, other.start), max(self.end, other.end))


# The slots' own setters: a record is frozen, and these set a new span's fields twice as
# fast as object.__setattr__ (the parser makes a span for every token and node).
_set_start, _set_end = Span.start.__set__, Span.end.__set__


class Source:
    """A named text with line bookkeeping. `path` is what diagnostics print."""

    __slots__ = ("path", "text", "_line_starts")

    def __init__(self, text: str, path: str = "<stdin>") -> None:
        self.path = path
        self.text = text
        self._line_starts: list[int] | None = None

    @property
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i != -1:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def line_count(self) -> int:
        return len(self.line_starts)

    def _clamp(self, offset: int) -> int:
        return max(0, min(offset, len(self.text)))

    def line_index(self, offset: int) -> int:
        """0-based line of an offset."""
        return bisect_right(self.line_starts, self._clamp(offset)) - 1

    def location(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset; columns count code points."""
        offset = self._clamp(offset)
        line = self.line_index(offset)
        return line + 1, offset - self.line_starts[line] + 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line end."""
        starts = self.line_starts
        start = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[start:end].rstrip("\r")

    def lsp_position(self, offset: int) -> tuple[int, int]:
        """0-based (line, character) with characters counted in UTF-16 code units."""
        offset = self._clamp(offset)
        line = self.line_index(offset)
        prefix = self.text[self.line_starts[line]:offset]
        return line, _utf16_len(prefix)

    def offset_at(self, line: int, character: int) -> int:
        """Offset of a 0-based LSP position (UTF-16 characters); clamps past the line end."""
        starts = self.line_starts
        if line < 0:
            return 0
        if line >= len(starts):
            return len(self.text)
        start = starts[line]
        end = starts[line + 1] - 1 if line + 1 < len(starts) else len(self.text)
        units = 0
        offset = start
        while offset < end and units < character:
            units += 2 if ord(self.text[offset]) > 0xFFFF else 1
            offset += 1
        return offset


def comment_start(line: str) -> int | None:
    """Where a line's comment starts (a '#' outside a string), or None."""
    in_string = False
    i = 0
    while i < len(line):
        c = line[i]
        if in_string:
            if c == "\\":
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c == "#":
            return i
        i += 1
    return None


def code_part(line: str) -> str:
    """A line without its comment."""
    start = comment_start(line)
    return line if start is None else line[:start]


def _utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def decode(data: bytes) -> tuple[str, int | None]:
    """Decode file bytes as UTF-8 (a leading BOM is dropped).

    Returns the text and, when the bytes are not valid UTF-8, the character offset of
    the first bad byte; the text then holds replacement characters so it can still be
    shown.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        prefix = data[: error.start].decode("utf-8")
        return data.decode("utf-8", errors="replace"), len(prefix)
