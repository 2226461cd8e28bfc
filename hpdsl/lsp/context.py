"""The text around the cursor, read without the parser: words, comments, open blocks.

A document being edited rarely parses, so completion and parts of hover read the raw
text: the line up to the cursor without its comment, whether the cursor sits in a
comment or a string, the word under it, and which `{ }` block (hyper, param, a train
body) is open at that line.
"""

from __future__ import annotations

import re

from ..source import code_part, comment_start

__all__ = ["code_part", "comment_start", "in_string", "word_at", "open_block", "bracket_depth", "WORD"]

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def in_string(line_prefix: str) -> bool:
    """Whether the end of a line prefix lies inside a string."""
    inside = False
    i = 0
    while i < len(line_prefix):
        c = line_prefix[i]
        if inside and c == "\\":
            i += 1
        elif c == '"':
            inside = not inside
        i += 1
    return inside



def word_at(line: str, column: int) -> tuple[int, int] | None:
    """(start, end) columns of the identifier under or just before `column`."""
    for match in WORD.finditer(line):
        if match.start() <= column <= match.end():
            return match.start(), match.end()
        if match.start() > column:
            break
    return None


def bracket_depth(code: str) -> int:
    """How many ( and [ are open at the end of a line of code."""
    depth = 0
    inside = False
    for c in code:
        if c == '"':
            inside = not inside
        elif inside:
            continue
        elif c in "([":
            depth += 1
        elif c in ")]" and depth:
            depth -= 1
    return depth


def open_block(text: str, line_start: int) -> str | None:
    """The kind of `{ }` block open at the line starting at `line_start`: 'hyper',
    'param', 'train' (a train body), 'other', or None at the top level.

    As the grammar says, a line ending in '{' opens a block and a line holding only '}'
    closes it; a statement keyword at the start of a line means the block was left open
    by mistake, and the top level resumes.
    """
    kind = None
    for line in text[:line_start].split("\n")[:-1]:
        code = code_part(line).strip()
        if not code:
            continue
        first = WORD.match(code)
        head = first.group(0) if first else ""
        if code.endswith("{"):
            kind = head if head in ("hyper", "param", "train") else "other"
        elif code == "}":
            kind = None
        elif kind is not None and head in _TOP_LEVEL:
            kind = None
    return kind


_TOP_LEVEL = frozenset({"workflow", "data", "split", "model", "hyper", "param", "standardize", "train", "tune",
                        "evaluate", "test"})
