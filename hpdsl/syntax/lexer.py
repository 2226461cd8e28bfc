"""One tolerant token stream over .hp text, on the parser's own terminals.

Every tool that reads text which may not parse (syntax error messages, the language
server's completion, hover and context) reads it through `tokens(text)` instead of
scanning characters itself, so that strings, escapes, comments and brackets mean the
same thing everywhere they are read.

The terminals and their order are those of the generated tables (`_tables`): the regex
is lark's root lexer, the one the driver (`_driver`) tries first. Keywords are folded as
that lexer folds them (`train` is TRAIN); the parser's contextual lexer reads a keyword
as a NAME where only a name can stand, so `Token.is_word` is the test for "a name or a
keyword". Where no terminal matches, the stream goes on instead of raising: a string not
closed on its line is one OPEN_STRING token up to the line's end, and any other
character is an ERROR token of its own. The tokens' texts, joined, are the text.
"""

from __future__ import annotations

import re

from . import _tables
from ._driver import NEWLINE

__all__ = ["Token", "tokens", "code_tokens", "NEWLINE", "OPEN_STRING", "ERROR", "WORD_KINDS"]

OPEN_STRING = "OPEN_STRING"
ERROR = "ERROR"
_OPENING = frozenset({"LPAR", "LSQB"})
_CLOSING = frozenset({"RPAR", "RSQB"})
_LAYOUT = frozenset({"WS", NEWLINE, "COMMENT"})
_root_order, _root_keywords = _tables.LEXERS[_tables.ROOT_LEXER]
# A keyword terminal is a NAME the root lexer folded; both are words.
WORD_KINDS = frozenset({"NAME"}).union(*(folded.values() for folded in _root_keywords.values()))
_finder = None


class Token:
    """A terminal's kind (a name from the tables, OPEN_STRING or ERROR), its text, its
    half-open offsets, and `depth`: how many ( and [ are open before it (the driver's
    count, which decides whether a newline ends a statement)."""

    __slots__ = ("kind", "text", "start", "end", "depth")

    def __init__(self, kind: str, text: str, start: int, end: int, depth: int) -> None:
        self.kind = kind
        self.text = text
        self.start = start
        self.end = end
        self.depth = depth

    @property
    def is_word(self) -> bool:
        """A name or a keyword."""
        return self.kind in WORD_KINDS

    @property
    def is_code(self) -> bool:
        """Not blanks, a newline or a comment."""
        return self.kind not in _LAYOUT

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.text!r}, {self.start}, depth={self.depth})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and (self.kind, self.text, self.start, self.depth) == (
            other.kind, other.text, other.start, other.depth)

    def __hash__(self) -> int:
        return hash((self.kind, self.start))


def _finditer():
    global _finder
    if _finder is None:
        terminals = "|".join(f"(?P<{name}>{_tables.TERMINALS[name]})" for name in _root_order)
        # Where no terminal matches, the regex still does: a string left open runs to the
        # end of its line, and any other character stands alone.
        fallbacks = f'(?P<{OPEN_STRING}>"[^\\r\\n]*)|(?P<{ERROR}>[\\s\\S])'
        _finder = re.compile(terminals + "|" + fallbacks).finditer
    return _finder


def tokens(text: str) -> list[Token]:
    """Every token of `text`, blanks, newlines and comments included; never raises."""
    return _lex(text, frozenset())


def code_tokens(line: str) -> list[Token]:
    """The code tokens of one line (offsets within it): no blanks, comment or line end.

    Strings and comments end with their line, so a line read alone gives the same
    tokens as the whole text does there: scanners that look at a few lines of a long
    text read just those lines."""
    return _lex(line[:-1] if line.endswith("\r") else line, _LAYOUT)


def _lex(text: str, skipped: frozenset[str]) -> list[Token]:
    out: list[Token] = []
    keywords = _root_keywords.get("NAME", {})
    depth = 0
    for m in _finditer()(text):
        kind = m.lastgroup
        if kind in skipped:
            continue
        value = m.group()
        if kind == "NAME":
            kind = keywords.get(value, kind)
        out.append(Token(kind, value, m.start(), m.end(), depth))
        if kind in _OPENING:
            depth += 1
        elif depth and kind in _CLOSING:
            depth -= 1
    return out
