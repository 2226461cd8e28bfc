"""Diagnostics as data: severities, the diagnostic record, and the registry of rule codes.

The registry is the single table of codes (docs/rules.md). Every code the
checker, the parser or the interpreter can emit is registered here; the long-form docs
that `hpdsl explain` prints live in `hpdsl/docs/` under the same code.
"""

from __future__ import annotations

from types import CodeType

from .source import Source, Span

__all__ = [
    "ERROR", "WARNING", "SAFE", "UNSAFE", "Rule", "RULES", "Related", "Fix", "Suggestion", "Diagnostic", "sort_key",
    "literal_codes", "check_registered",
]

ERROR = "error"
WARNING = "warning"

# How safe a fix is to apply without a person reading it (ruff's Applicability, rustc's
# MachineApplicable / MaybeIncorrect): SAFE keeps what the workflow means; UNSAFE may
# not be what the author meant (a guess at a misspelt name), so an editor offers it
# and a tool that applies fixes in bulk leaves it alone unless asked.
SAFE = "safe"
UNSAFE = "unsafe"
APPLICABILITIES = (SAFE, UNSAFE)


class Rule:
    __slots__ = ("code", "name", "severity", "summary", "phase")

    def __init__(self, code: str, name: str, severity: str, summary: str, phase: str) -> None:
        self.code = code
        self.name = name
        self.severity = severity
        self.summary = summary
        # "check": reported before anything runs; "run": only at run time.
        self.phase = phase

    def __repr__(self) -> str:
        return f"Rule({self.code} {self.name})"


def _rules(*rows: tuple[str, str, str, str, str]) -> dict[str, Rule]:
    return {row[0]: Rule(*row) for row in rows}


RULES: dict[str, Rule] = _rules(
    ("HP001", "syntax-error", ERROR, "the text does not parse", "check"),
    ("HP002", "undefined-name", ERROR, "a name is used but not declared, or a required declaration or argument is missing", "check"),
    ("HP003", "duplicate-declaration", ERROR, "a name, block or declaration is declared twice", "check"),
    ("HP004", "out-of-domain", ERROR, "a value lies outside its domain, has the wrong type, or cannot be computed", "check"),
    ("HP005", "unknown-name", ERROR, "a model, hyperparameter, parameter, metric, source, argument or action the system does not know", "check"),
    ("HP006", "bad-split", ERROR, "the split's shares or roles are wrong", "check"),
    ("HP101", "hyper-mutated-in-training", ERROR, "a hyperparameter is changed inside a train body", "check"),
    ("HP102", "param-assigned", ERROR, "a learned parameter is set, tuned, or used in a hyperparameter's expression", "check"),
    ("HP103", "tuned-on-test", ERROR, "a tune scores on or cross-validates over the test split, or early stopping watches it", "check"),
    ("HP104", "trained-on-test", ERROR, "a train step fits on the test split", "check"),
    ("HP105", "test-peeked", ERROR, "the test split is read by something other than the final test", "check"),
    ("HP106", "changed-after-test", ERROR, "the workflow changes or retrains the model after the final test, or tests twice", "check"),
    ("HP107", "untrained-evaluation", ERROR, "evaluate or test runs before anything was trained", "check"),
    ("HP108", "stale-model", ERROR, "evaluate or test scores a model trained before a later set, standardize, impute or encode", "check"),
    ("HP109", "preprocessing-leak", ERROR, "standardize, impute or encode is fitted on rows that include the test split", "check"),
    ("HP110", "tested-on-seen-data", ERROR, "the final test scores a non-test split whose rows were already used to fit or select", "check"),
    ("HP201", "tuned-on-training-data", WARNING, "a hold-out tune scores candidates on rows they were trained on", "check"),
    ("HP202", "single-candidate", WARNING, "a search has exactly one candidate", "check"),
    ("HP203", "no-final-test", WARNING, "the workflow trains or tunes but never tests", "check"),
    ("HP204", "large-search", WARNING, "a search has more than 10,000 candidates", "check"),
    ("HP205", "unused-split", WARNING, "a train- or validation-role split is never read", "check"),
    ("HP206", "test-on-non-test-split", WARNING, "the final test scores a split whose role is not test", "check"),
    ("HP207", "preprocessing-sees-validation", WARNING, "a hold-out tune scores on rows a standardize, impute or encode in effect was fitted on", "check"),
    ("HP208", "seed-tuned", WARNING, "a tune searches over seed, selecting the luckiest initialisation or batch order", "check"),
    ("HP209", "noisy-selection", WARNING, "a tune's choice is mostly noise: the estimated optimism of its winner's score (BBC-CV, at run time) exceeds the score's standard error", "run"),
    ("HP210", "encoded-too-late", ERROR, "a step reads the features before the encode that turns a text column into numbers", "check"),
    ("HP301", "training-diverged", ERROR, "training diverges: a rate above the stability limit 2/λmax, or a loss that grows without bound or is not finite", "run"),
    ("HP302", "data-error", ERROR, "the data cannot be read or split", "run"),
    ("HP303", "guard-fired", ERROR, "a runtime guard stopped a step that breaks the discipline", "run"),
    ("HP304", "test-rows-reused", ERROR, "the test rows were already scored by a different version of the workflow (test-use ledger)", "run"),
    ("HP305", "test-rows-seen", ERROR, "rows of the test split were trained on, tuned on or used for preprocessing in an earlier recorded run", "run"),
    ("HP306", "bad-model-file", ERROR, "a model file is missing, not JSON, truncated, of another version, or lacks a key", "run"),
)


class Related:
    """A secondary location that explains a diagnostic (rustc's labelled span)."""

    __slots__ = ("span", "message")

    def __init__(self, span: Span, message: str) -> None:
        self.span = span
        self.message = message

    def __repr__(self) -> str:
        return f"Related({self.span!r}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Related) and (self.span, self.message) == (other.span, other.message)

    def __hash__(self) -> int:
        return hash((self.span, self.message))


class Fix:
    """A machine-readable suggestion (rustc's span_suggestion, ruff's Fix): replace the
    text at `span` (in the diagnostic's source) by `replacement`; `message` says what it
    does, `applicability` how safe it is (SAFE or UNSAFE)."""

    __slots__ = ("span", "replacement", "applicability", "message")

    def __init__(self, span: Span, replacement: str, applicability: str, message: str) -> None:
        if applicability not in APPLICABILITIES:
            raise ValueError(f"unknown applicability {applicability!r}")
        self.span = span
        self.replacement = replacement
        self.applicability = applicability
        self.message = message

    def __repr__(self) -> str:
        return f"Fix({self.span!r}, {self.replacement!r}, {self.applicability})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fix) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple:
        return (self.span, self.replacement, self.applicability, self.message)


class Suggestion(str):
    """A help text that carries its fix: it travels wherever a help string travels (an
    EvalError, a diagnostic moved to another source) and still compares as the text."""

    def __new__(cls, text: str, fix: Fix | None):
        self = super().__new__(cls, text)
        self.fix = fix
        return self

    def __reduce__(self):
        return (Suggestion, (str(self), self.fix))


class Diagnostic:
    """One finding: a registered code at a span, a one-line message, an optional help
    (what to do) and `fixes`, the edits that do it (from a `Suggestion` help or given).

    `source` is the text the span points into; None means the file being checked.
    Diagnostics about `--set` values point into a source named `<command line>`.
    """

    __slots__ = ("code", "span", "message", "help", "related", "source", "_fixes")

    def __init__(
        self,
        code: str,
        span: Span,
        message: str,
        help: str | None = None,
        related: tuple[Related, ...] = (),
        source: Source | None = None,
        fixes: tuple[Fix, ...] = (),
    ) -> None:
        if code not in RULES:
            raise KeyError(f"unregistered diagnostic code {code}")
        self.code = code
        self.span = span
        self.message = message
        self.help = help
        self.related = tuple(related)
        self.source = source
        self._fixes = tuple(fixes)

    @property
    def fixes(self) -> tuple[Fix, ...]:
        """The structured fixes: those given, then the help's own."""
        fix = getattr(self.help, "fix", None)
        return self._fixes + ((fix,) if fix is not None else ())

    @property
    def rule(self) -> Rule:
        return RULES[self.code]

    @property
    def name(self) -> str:
        return RULES[self.code].name

    @property
    def severity(self) -> str:
        return RULES[self.code].severity

    @property
    def is_error(self) -> bool:
        return RULES[self.code].severity == ERROR

    def __repr__(self) -> str:
        return f"Diagnostic({self.code}, {self.span!r}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Diagnostic) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple:
        return (self.code, self.span, self.message, self.help, self.related)


def sort_key(diagnostic: Diagnostic) -> tuple[int, int, str]:
    """Diagnostics are reported in source order; the command line comes first."""
    outside = 0 if diagnostic.source is not None else 1
    return (outside, diagnostic.span.start, diagnostic.code)


# ---- codes are checked when a module is imported --------------------------------------------


def _is_code(text: str) -> bool:
    return len(text) == 5 and text.startswith("HP") and text[2:].isdigit()


def literal_codes(code: CodeType) -> set[str]:
    """Every rule-code-shaped string constant ("HPnnn") in compiled code, nested
    functions and classes included (and those folded into tuple or set constants)."""
    found: set[str] = set()
    stack = [code]
    while stack:
        for const in stack.pop().co_consts:
            if isinstance(const, str):
                if _is_code(const):
                    found.add(const)
            elif isinstance(const, CodeType):
                stack.append(const)
            elif isinstance(const, (tuple, frozenset)):
                found.update(c for c in const if isinstance(c, str) and _is_code(c))
    return found


def check_registered(code: CodeType, module: str) -> None:
    """Refuse a module that names a code the registry lacks: a typo'd code then fails
    when the module is imported, not when (if ever) its diagnostic fires. The package
    runs this on every hpdsl module it loads (hpdsl/__init__.py)."""
    unknown = sorted(literal_codes(code) - RULES.keys())
    if unknown:
        raise ImportError(f"{module} uses unregistered diagnostic code(s) {', '.join(unknown)}: "
                          "register them in hpdsl/diagnostics.py", name=module)
