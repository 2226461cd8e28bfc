"""Text -> AST, or HP001 diagnostics: the only part of hpdsl that knows lark exists.

`parse` never raises on user input. A syntax error becomes an HP001 diagnostic; the
parser then blanks out the statement that failed and goes on, so that several
independent mistakes are all reported (up to MAX_SYNTAX_ERRORS).

The parser runs on tables generated from grammar/hpdsl.lark (`_tables`, committed
source; the test suite regenerates them and compares). HPDSL_PARSER=lark runs lark
itself, the reference parser, on the grammar instead (the test suite compares the two).

Tools that read text which may not parse use the same terminals through `tokens(text)`
(hpdsl.syntax.lexer, a tolerant token stream) and the keyword lists the tables define
(hpdsl.syntax.keywords).
"""

from __future__ import annotations

import gc
import os
from _thread import allocate_lock

from .. import nodes as n
from ..diagnostics import Diagnostic, Related
from ..source import Source, Span, decode
from ._build import Builder
from ._driver import SyntaxProblem

__all__ = ["ParseResult", "parse", "parse_bytes", "grammar_path", "parser_kind", "Token", "tokens"]

MAX_SYNTAX_ERRORS = 10

_HERE = os.path.dirname(os.path.abspath(__file__))
_lock = allocate_lock()
_engine = None
_literals: dict[str, str] = {}


class ParseResult:
    """The program (None when the text has a syntax error) and the HP001 diagnostics."""

    __slots__ = ("source", "program", "diagnostics")

    def __init__(self, source: Source, program: n.Program | None, diagnostics: list[Diagnostic]) -> None:
        self.source = source
        self.program = program
        self.diagnostics = diagnostics

    @property
    def ok(self) -> bool:
        return self.program is not None


def __getattr__(name: str):
    # The token stream (hpdsl.syntax.lexer) is for tools that read text which may not
    # parse; a clean `hpdsl check` never loads it.
    if name in ("Token", "tokens"):
        from . import lexer

        return getattr(lexer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def grammar_path() -> str:
    """grammar/hpdsl.lark: inside an installed package, or at the top of a source checkout."""
    for candidate in (
        os.path.join(_HERE, os.pardir, "grammar", "hpdsl.lark"),
        os.path.join(_HERE, os.pardir, os.pardir, "grammar", "hpdsl.lark"),
    ):
        if os.path.exists(candidate):
            return os.path.normpath(candidate)
    raise FileNotFoundError("grammar/hpdsl.lark is missing from this installation of hpdsl")


def _get_engine():
    global _engine, _literals
    if _engine is None:
        builder = Builder()
        if os.environ.get("HPDSL_PARSER") != "lark":
            from . import _tables as tables
            from ._driver import TableParser

            _engine = (TableParser(tables, builder), builder, "tables")
            _literals = tables.LITERALS
        else:
            from ._lark_engine import LarkParser

            with open(grammar_path(), encoding="utf-8") as f:
                parser = LarkParser(f.read(), builder)
            _engine = (parser, builder, "lark")
            _literals = parser.literals
    return _engine


def parser_kind() -> str:
    """'tables' (generated from the grammar) or 'lark' (HPDSL_PARSER=lark)."""
    return _get_engine()[2]


def parse_bytes(data: bytes, path: str = "<stdin>") -> ParseResult:
    """Decode (UTF-8, BOM dropped) and parse."""
    text, bad_offset = decode(data)
    source = Source(text, path)
    if bad_offset is not None:
        from ._errors import describe_source_problem

        return ParseResult(source, None, [describe_source_problem(bad_offset)])
    return parse(source)


def parse(source: Source) -> ParseResult:
    # The tree is acyclic and freed by reference counting; the cyclic collector would
    # only rescan the growing tree again and again (a third of the time at 100k lines).
    with _lock:
        collecting = gc.isenabled()
        gc.disable()
        try:
            return _parse(source)
        finally:
            if collecting:
                gc.enable()


def _parse(source: Source) -> ParseResult:
    parser, builder, _ = _get_engine()
    text = source.text
    diagnostics: list[Diagnostic] = []
    program = None
    # A leading byte order mark is accepted (docs/lexical.md): parsed as a blank,
    # so that every offset still points into the text as given.
    attempt = " " + text[1:] if text.startswith("\ufeff") else text
    while True:
        builder.reset(len(text))
        try:
            program = parser.parse(attempt)
        except SyntaxProblem as problem:
            from ._errors import diagnose, mask, statement_lines  # only a file with errors pays for it

            diagnostic, recover = diagnose(problem, attempt, _literals)
            diagnostics.append(diagnostic)
            if not recover or len(diagnostics) >= MAX_SYNTAX_ERRORS:
                break
            start, end = statement_lines(attempt, problem.start)
            blanked = mask(attempt, start, end)
            if blanked == attempt:
                break
            attempt = blanked
            continue
        for start, end, message in builder.problems:
            diagnostics.append(Diagnostic("HP001", Span(start, end), message))
        break
    if program is not None and not diagnostics:
        diagnostics.extend(_order_problems(program))
    if diagnostics:
        diagnostics.sort(key=lambda d: d.span.start)
        return ParseResult(source, None, diagnostics)
    return ParseResult(source, program, [])


def _order_problems(program: n.Program) -> list[Diagnostic]:
    """Declarations come before the first step; `workflow`, if present, comes first."""
    out = []
    first_step = None
    for index, statement in enumerate(program.statements):
        if isinstance(statement, n.Workflow) and index > 0 and statement is _first(program, n.Workflow):
            out.append(
                Diagnostic(
                    "HP001",
                    n.keyword_span(statement),
                    "'workflow' must be the first line of code",
                    help="move the workflow line to the top of the file (comments may precede it)",
                )
            )
        elif isinstance(statement, n.STEPS):
            if first_step is None:
                first_step = statement
        elif first_step is not None:
            keyword = n.keyword(statement)
            out.append(
                Diagnostic(
                    "HP001",
                    n.keyword_span(statement),
                    f"'{keyword}' declaration after the first step; declarations come before the steps",
                    help="move it above the first step",
                    related=(Related(first_step.span, "the first step"),),
                )
            )
    return out


def _first(program: n.Program, kind: type):
    return next(s for s in program.statements if isinstance(s, kind))


