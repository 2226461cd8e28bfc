"""Where the parser stopped -> an HP001 diagnostic a user can act on.

Terminal names never reach the user: the expected set is summarised in words
("a split name", "a value", "an operator"), a NAME is described by what the previous
keyword wants there, and the token before the error anchors the message
("expected a split name after 'on'").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ..diagnostics import Diagnostic
from ..source import Span
from ..suggest import did_you_mean
from ._driver import END, NEWLINE, SyntaxProblem
from .keywords import STATEMENT_KEYWORDS, STATEMENT_TERMINALS, starts_statement
from .lexer import code_tokens

_VALUE_TERMINALS = frozenset({"NUMBER", "NAME", "LPAR", "MINUS"})
_OPERATOR_TERMINALS = frozenset({"PLUS", "MINUS", "STAR", "SLASH"})

# What a NAME means, by the token before it.
_NAME_AFTER = {
    "on": "a split name",
    "using": "a split name",
    "+": "a split name",
    "->": "a split name",
    "set": "a hyperparameter name",
    "tune": "a hyperparameter name",
    "data": "a name for the data set",
    "split": "the name of the data set to split",
    "model": "a model (linear_regression or ridge)",
    "report": "a metric (mse, rmse, mae or r2)",
    "minimize": "a metric (mse, rmse, mae or r2)",
    "maximize": "a metric (mse, rmse, mae or r2)",
    "log": "a metric (mse, rmse, mae or r2)",
    "when": "a metric (mse, rmse, mae or r2)",
    "as": "a role (train, validation or test)",
    ":": "a type (float or int)",
}

_DESCRIBE = {
    "NAME": "a name",
    "NUMBER": "a number",
    "PERCENT": "a percentage such as 60%",
    "STRING": 'a string in double quotes',
    NEWLINE: "the end of the line",
    END: "the end of the file",
}



def previous_token(text: str, offset: int) -> str | None:
    """The text of the token that ends before `offset`, skipping blanks, newlines and
    comments (read line by line backwards: a token never spans lines)."""
    end = offset
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        code = code_tokens(text[start:end])
        if code:
            return code[-1].text
        end = start - 1
    return None


def _quote(literal: str) -> str:
    return f"'{literal}'"


def _join(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]


def describe_expected(expected: frozenset[str], literals: dict[str, str], previous: str | None) -> str:
    remaining = set(expected)
    parts: list[str] = []
    if remaining & STATEMENT_TERMINALS:
        keywords = [k for k in STATEMENT_KEYWORDS if k.upper() in remaining]
        remaining -= STATEMENT_TERMINALS | {NEWLINE, END}
        parts.append("a declaration or a step (" + ", ".join(keywords) + ")")
    if _VALUE_TERMINALS <= remaining:
        remaining -= _VALUE_TERMINALS | {"STRING", "LSQB"}
        parts.append("a value")
    if _OPERATOR_TERMINALS <= remaining:
        remaining -= _OPERATOR_TERMINALS
        parts.append("an operator (+, -, *, /)")
    if NEWLINE in remaining and END in remaining:
        remaining.discard(END)
    if remaining & {"NUMBER", "PERCENT"}:
        remaining.discard("MINUS")  # a negative number or share is still "a number"
    words = []
    for name in sorted(remaining, key=_terminal_order):
        if name == "NAME":
            words.append(_NAME_AFTER.get(previous or "", "a name"))
        elif name in _DESCRIBE:
            words.append(_DESCRIBE[name])
        elif name in literals:
            words.append(_quote(literals[name]))
        else:
            words.append(name.lower())
    # Names and keywords first, the end of the line last: "'on', 'using' or the end of the line".
    return _join(parts + words)


def _terminal_order(name: str) -> tuple[int, str]:
    rank = {"NAME": 0, NEWLINE: 3, END: 4}.get(name, 1 if name not in _DESCRIBE else 2)
    return rank, name


def describe_found(problem: SyntaxProblem) -> str:
    if problem.found is None:
        return _describe_char(problem.text)
    if problem.found in (NEWLINE, END):
        return _DESCRIBE[problem.found]
    if problem.found == "STRING":
        return f"the string {problem.text}" if len(problem.text) <= 30 else "a string"
    return _quote(problem.text)


def _describe_char(char: str) -> str:
    if char == "\r":
        return "a carriage return without a newline"
    code = f"U+{ord(char):04X}"
    if char.isprintable():
        return f"character '{char}' ({code})"
    return f"control character {code}"


_BRACKET = re.compile(r"[()\[\]]")


def _scan_brackets(text: str, offset: int) -> tuple[list[tuple[int, str]], int]:
    """The ( and [ still open at `offset` (outside strings and comments), with their
    offsets, and the offset where the statement holding `offset` starts (a line start
    outside any bracket). Only lines with a bracket character are tokenized."""
    stack: list[tuple[int, str]] = []
    statement_start = 0
    line_start = 0
    while True:
        line_end = text.find("\n", line_start, offset)
        end = offset if line_end == -1 else line_end
        if _BRACKET.search(text, line_start, end):
            for token in code_tokens(text[line_start:end]):
                if token.kind in ("LPAR", "LSQB"):
                    stack.append((line_start + token.start, token.text))
                elif token.kind in ("RPAR", "RSQB") and stack:
                    stack.pop()
        if line_end == -1:
            return stack, statement_start
        if not stack:
            statement_start = line_end + 1
        line_start = line_end + 1


def _unclosed_bracket(text: str, offset: int) -> tuple[int, str] | None:
    """The innermost ( or [ opened before `offset` on an earlier line and not closed."""
    stack, _ = _scan_brackets(text, offset)
    line_start = text.rfind("\n", 0, offset) + 1
    if stack and stack[-1][0] < line_start:
        return stack[-1]
    return None


def _open_block(text: str, offset: int) -> int | None:
    """The 0-based line of a block '{' still open at `offset` (a line ending in '{' opens
    one, a line holding only '}' closes it)."""
    opened: list[int] = []
    for number, line in enumerate(text[:offset].split("\n")[:-1]):
        if "{" not in line and "}" not in line:
            continue
        code = code_tokens(line)
        if code and code[-1].kind == "LBRACE":
            opened.append(number)
        elif len(code) == 1 and code[0].kind == "RBRACE" and opened:
            opened.pop()
    return opened[-1] if opened else None


def diagnose(problem: SyntaxProblem, text: str, literals: dict[str, str]) -> tuple[Diagnostic, bool]:
    """The HP001 diagnostic for a problem, and whether parsing may go on past it."""
    if problem.found == END:
        # Point at the end of the last line with code, not past the trailing blank lines.
        end = len(text.rstrip())
        problem = SyntaxProblem(end, end, END, "", problem.expected)
    span = Span(problem.start, max(problem.end, problem.start))
    found = describe_found(problem)
    help_text = None
    recover = problem.found != END

    if problem.found is None and problem.text == '"':
        line_end = text.find("\n", problem.start)
        span = Span(problem.start, len(text) if line_end == -1 else line_end)
        return (
            Diagnostic("HP001", span, "unterminated string", help="close the string with '\"' on the same line"),
            recover,
        )
    if problem.found is None and problem.text == "\x00":
        return Diagnostic("HP001", span, "a NUL byte is not allowed in a .hp file", help="remove it"), recover
    if problem.found is None and not problem.text.isascii():
        message = f"unexpected {found}: outside strings and comments only ASCII is allowed"
        return Diagnostic("HP001", span, message, help="remove it or move it into a comment"), recover

    block_line = _open_block(text, problem.start)
    if block_line is not None:
        line_end = text.find("\n", problem.start)
        line_start = text.rfind("\n", 0, problem.start) + 1
        line = code_tokens(text[line_start:len(text) if line_end == -1 else line_end])
        if starts_statement(line) and problem.start >= line_start + line[0].start:
            keyword = line[0].text
            start = line_start + line[0].start
            message = f"expected '}}' to close the block opened at line {block_line + 1} before '{keyword}'"
            return Diagnostic("HP001", Span(start, start + len(keyword)), message, help="add a line holding only '}'"), False

    bracket = _unclosed_bracket(text, problem.start)
    if bracket is not None and ({"RPAR", "RSQB"} & problem.expected):
        at, char = bracket
        closing = ")" if char == "(" else "]"
        line = text.count("\n", 0, at) + 1
        message = f"'{char}' opened at line {line} is never closed: expected '{closing}' before {found}"
        return Diagnostic("HP001", Span(at, at + 1), message, help=f"add the missing '{closing}'"), False

    previous = previous_token(text, problem.start)
    what = describe_expected(problem.expected, literals, previous)
    if problem.expected & STATEMENT_TERMINALS:
        message = f"expected {what}, found {found}"
        if problem.found == "NAME":
            help_text = did_you_mean(problem.text, STATEMENT_KEYWORDS, span,
                                     "each line starts with a declaration or a step keyword")
    elif previous is not None:
        message = f"expected {what} after {_quote(previous)}, found {found}"
    else:
        message = f"expected {what}, found {found}"
    if problem.found == "NUMBER" and "PERCENT" in problem.expected:
        help_text = _share_help(problem.text, text, problem.start)
    elif problem.found == "NAME" and help_text is None:
        keywords = [literals[t] for t in problem.expected if t in literals and literals[t].isalpha()]
        help_text = did_you_mean(problem.text, keywords, span)
    return Diagnostic("HP001", span, message, help=help_text), recover


_BARE_SHARE = re.compile(r"(?<![\w.%])(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?(?![\w.]|\s*%)")


def _share_help(number: str, text: str, offset: int) -> str:
    """The help for a share written without '%': a fraction (0.6, or shares summing to 1)
    is shown as the percentage it means (60%), any other number gets its '%'."""
    try:
        value = Decimal(number)
    except InvalidOperation:
        return "write shares as percentages, e.g. '60%'"
    start, end = statement_lines(text, offset)
    line = text[start:end]
    arrow = line.find("->")
    shares = line[arrow + 2:] if arrow >= 0 else line
    shares = re.split(r"\bseed\b", shares)[0]
    bare = [Decimal(m.group(0)) for m in _BARE_SHARE.finditer(shares)]
    every_share_bare = "%" not in shares and sum(bare) == 1
    if 0 < value < 1 or (value == 1 and every_share_bare):
        percent = format(value * 100, "f")
        percent = percent.rstrip("0").rstrip(".") if "." in percent else percent
        return f"shares are percentages of the rows: write {number} as '{percent}%'"
    return f"write shares as percentages, e.g. '{number}%'"


def statement_lines(text: str, offset: int) -> tuple[int, int]:
    """The offsets of the whole lines holding the statement around `offset`
    (lines joined by open brackets count as one statement)."""
    _, start = _scan_brackets(text, offset)
    end = text.find("\n", offset)
    return start, len(text) if end == -1 else end


def mask(text: str, start: int, end: int) -> str:
    """Blank out text[start:end], keeping every newline so offsets stay put."""
    blanked = "".join(c if c == "\n" else " " for c in text[start:end])
    return text[:start] + blanked + text[end:]


def describe_source_problem(offset: int) -> Diagnostic:
    """HP001 for bytes that are not UTF-8."""
    return Diagnostic(
        "HP001",
        Span(offset, offset + 1),
        "the file is not valid UTF-8",
        help="save the file as UTF-8",
    )
