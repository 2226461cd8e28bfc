"""The text around the cursor, read without the parser: words, comments, open blocks.

A document being edited rarely parses, so completion and parts of hover read the raw
text, through the tolerant token stream (`hpdsl.syntax.lexer`) that syntax errors read
too: whether the cursor sits in a comment or a string, the word under it, the brackets
open before it, and which `{ }` block (hyper, param, a train body) is open at its line.
"""

from __future__ import annotations

from ..syntax.keywords import STATEMENT_KEYWORDS, starts_statement
from ..syntax.lexer import OPEN_STRING, Token, code_tokens, tokens

__all__ = ["in_string", "word_at", "open_block", "bracket_depth", "depth_after", "comment_start"]

# The blocks completion knows the inside of: their keyword is the statement's.
_BLOCKS = frozenset({"hyper", "param", "train"})


def in_string(line_prefix: str) -> bool:
    """Whether the end of a line prefix lies inside a string."""
    stream = tokens(line_prefix)
    return bool(stream) and stream[-1].kind == OPEN_STRING


def comment_start(line: str) -> int | None:
    """Where a line's comment starts (a '#' outside a string), or None."""
    return next((t.start for t in tokens(line) if t.kind == "COMMENT"), None)


def word_at(line: str, column: int) -> tuple[int, int] | None:
    """(start, end) columns of the name or keyword under or just before `column`
    (words inside strings and comments are not words of the program)."""
    for token in tokens(line):
        if token.start > column:
            break
        if token.is_word and token.end >= column:
            return token.start, token.end
    return None


def bracket_depth(code: str) -> int:
    """How many ( and [ are open at the end of a line of code."""
    stream = tokens(code)
    return depth_after(stream[-1]) if stream else 0


def depth_after(token: Token) -> int:
    """How many ( and [ are open just after `token`."""
    if token.kind in ("LPAR", "LSQB"):
        return token.depth + 1
    if token.kind in ("RPAR", "RSQB") and token.depth:
        return token.depth - 1
    return token.depth


def open_block(text: str, line_start: int) -> str | None:
    """The kind of `{ }` block open at the line starting at `line_start`: 'hyper',
    'param', 'train' (a train body), 'other', or None at the top level.

    As the grammar says, a line ending in '{' opens a block and a line holding only '}'
    closes it; a line that plainly begins a top-level statement means the block was
    left open by mistake, and the top level resumes.
    """
    kind = None
    for raw in text[:line_start].split("\n")[:-1]:
        # Only a brace, or in a block a statement's keyword, matters: most lines of a
        # long file are not read.
        if "{" not in raw and (kind is None or ("}" not in raw and not raw.lstrip().startswith(STATEMENT_KEYWORDS))):
            continue
        line = code_tokens(raw)
        if not line:
            continue
        if line[-1].kind == "LBRACE":
            kind = line[0].text if line[0].text in _BLOCKS else "other"
        elif len(line) == 1 and line[0].kind == "RBRACE":
            kind = None
        elif kind is not None and starts_statement(line):
            kind = None
    return kind
