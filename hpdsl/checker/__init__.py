"""AST -> diagnostics: the static checker. One module per family of rules.

    scope.py       declarations (HP002-HP006 about workflow, data, split, model, hyper, param)
    steps.py       names and values in steps (HP002-HP005, HP101, HP102, HP202, HP204, HP208)
    discipline.py  what each step does with which rows (HP103-HP110, HP201, HP203, HP205-HP207)

`check` runs them all (none runs when the text does not parse) and returns an
Analysis: the diagnostics in source order, and the scope the interpreter and the
language server read. Imports no numpy.
"""

from __future__ import annotations

from .. import nodes as n
from ..diagnostics import Diagnostic, sort_key
from ..source import Source
from ..syntax import ParseResult, parse, parse_bytes
from .discipline import DisciplineChecker
from .scope import Scope, build_scope
from .steps import StepChecker

__all__ = ["Analysis", "check", "check_text", "check_bytes", "parse_override", "reads", "COMMAND_LINE"]

COMMAND_LINE = "<command line>"


class Analysis:
    """What the checker found: diagnostics in order, and what the workflow declares."""

    __slots__ = ("source", "program", "scope", "diagnostics", "overrides")

    def __init__(self, source: Source, program: n.Program | None, scope: Scope | None,
                 diagnostics: list[Diagnostic], overrides: list) -> None:
        self.source = source
        self.program = program
        self.scope = scope
        self.diagnostics = diagnostics
        self.overrides = overrides  # [(Source, Set)] from --set, in order

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


def parse_override(text: str) -> tuple[Source, n.Set | None, list[Diagnostic]]:
    """A `--set NAME=VALUE` argument, parsed as the statement `set NAME=VALUE`.

    Diagnostics point into a source named <command line> whose text is the option as
    typed (`--set NAME=VALUE`), so carets land under what the user wrote.
    """
    shown = Source("--set " + text, COMMAND_LINE)
    result = parse(Source("  set " + text, COMMAND_LINE))
    problems = [_moved(d, shown) for d in result.diagnostics]
    statement = None
    if result.program is not None:
        statements = result.program.statements
        if len(statements) == 1 and isinstance(statements[0], n.Set):
            statement = statements[0]
        else:
            problems.append(Diagnostic("HP001", _whole(shown), "--set takes NAME=VALUE, e.g. --set l2=0.1",
                                       source=shown))
    return shown, statement, problems


def _whole(source: Source):
    from ..source import Span

    return Span(0, len(source.text))


def _moved(diagnostic: Diagnostic, source: Source) -> Diagnostic:
    return Diagnostic(diagnostic.code, diagnostic.span, diagnostic.message, diagnostic.help,
                      diagnostic.related, source=source)


def check(parsed: ParseResult, overrides: list[str] = ()) -> Analysis:
    """Run every rule on a parsed file (and `--set` overrides, which act before the first step)."""
    source = parsed.source
    if parsed.program is None:
        return Analysis(source, None, None, list(parsed.diagnostics), [])
    diagnostics: list[Diagnostic] = []
    parsed_overrides = []
    for text in overrides:
        shown, statement, problems = parse_override(text)
        diagnostics.extend(problems)
        if statement is not None:
            parsed_overrides.append((shown, statement))
    program = parsed.program
    scope, found = build_scope(program, len(source.text))
    diagnostics.extend(found)
    diagnostics.extend(StepChecker(scope, parsed_overrides).run(program))
    diagnostics.extend(DisciplineChecker(scope, source).run(program))
    diagnostics.sort(key=sort_key)
    return Analysis(source, program, scope, diagnostics, parsed_overrides)


def check_text(text: str, path: str = "<stdin>", overrides: list[str] = ()) -> Analysis:
    return check(parse(Source(text, path)), overrides)


def check_bytes(data: bytes, path: str = "<stdin>", overrides: list[str] = ()) -> Analysis:
    return check(parse_bytes(data, path), overrides)


def reads(analysis: Analysis) -> list[tuple[n.Step, tuple[str, ...]]]:
    """Which splits each step reads, as the checker understands the workflow: for every
    step in order, the declared splits whose rows it fits on, scores, logs on, early-stops
    on or cross-validates over (a tune's inherited training rows and a standardize fit
    included; applying a fitted standardization is not a read). On a workflow that runs,
    this is what the interpreter's audit records. Empty when the text does not parse."""
    if analysis.program is None:
        return []
    checker = DisciplineChecker(analysis.scope, analysis.source)
    checker.run(analysis.program)
    return checker.step_reads
