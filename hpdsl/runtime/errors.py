"""Run-time failures: a RunError carries one diagnostic (HP004, HP301, HP302, HP303 or HP306).

The interpreter raises RunError for anything a user can cause while a workflow runs;
the command prints its diagnostic and exits 3. UsageError is a refusal to start work
that the command line asked for (exit 2); NotChecked is `run` given an analysis that
the checker rejected.
"""

from __future__ import annotations

from ..diagnostics import RULES, Diagnostic
from ..source import Source, Span


class RunError(Exception):
    """A diagnostic raised while running: the run stops, no report is written."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(f"{diagnostic.code}: {diagnostic.message}")
        self.diagnostic = diagnostic

    def __reduce__(self):  # from a Dask worker to the client: rebuilt from the diagnostic, not the text
        return (type(self), (self.diagnostic,))


class ModelError(RunError):
    """A model file that is not a readable model.json (HP306), for `predict` and `load_model`."""


class UsageError(Exception):
    """The command line asked for something the run refuses to do (exit 2)."""


class NotChecked(Exception):
    """`run` was handed an analysis with errors: check first, run only clean workflows."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        codes = ", ".join(sorted({d.code for d in diagnostics}))
        super().__init__(f"the checker reported {len(diagnostics)} error(s) ({codes}); refusing to run")
        self.diagnostics = diagnostics


def fail(code: str, span: Span, message: str, help: str | None = None, source: Source | None = None) -> RunError:
    return RunError(Diagnostic(code, span, message, help=help, source=source))


def guard(rule: str, span: Span, what: str, source: Source | None = None) -> RunError:
    """HP303 for a step that breaks error-level rule `rule`: the checker should have caught it."""
    return fail(
        "HP303", span, f"guard for {rule} {RULES[rule].name}: {what}",
        help=f"the checker reports this as {rule}; if 'hpdsl check' let this workflow through, "
        "that is a bug in hpdsl",
        source=source,
    )
