"""Hypothesis strategies for `.hp` programs: the public kit for property-testing tools on hpdsl.

Workflows are built by construction, never filtered: a strategy draws an AST
(`hpdsl.nodes`) that respects every rule of the language (docs/declarations.md, docs/steps.md, docs/rules.md)
and renders it with `hpdsl.formatter.format_program`. A generated workflow checks with
no diagnostic at all, and it is small enough to run in well under a second: synthetic
data of 50-300 rows and 1-4 features, at most 50 epochs, at most 6 grid candidates,
cv with at most 3 folds (nested in at most 3 outer folds), random search with at most 4 draws.

    from hypothesis import given
    from hpdsl.checker import check_text
    from hpdsl.testing import workflows

    @given(workflows())
    def test_every_valid_workflow_checks_clean(text):
        assert check_text(text).diagnostics == []

    @given(workflows(violating="HP103"))
    def test_tuning_on_test_is_caught(text):
        assert [d.code for d in check_text(text).diagnostics] == ["HP103"]

The strategies:

- `workflows()` / `programs()`: valid workflows as text / as ASTs; with `violating=CODE`,
  the same with exactly one mistake injected at a random valid place, so that the checker
  reports exactly `[CODE]` (every code in `INJECTABLE`).
- `source_text()` / `source_bytes()`: near-valid input for parser fuzzing, made by
  mutating valid workflows (lines deleted, duplicated or swapped, tokens dropped or
  inserted, brackets lost, stray characters, truncation; bytes add invalid UTF-8 and BOMs).
- `extreme_workflows()`: valid workflows with numeric extremes (`EXTREMES`: 0, -0.0,
  1e-320, 1e154, 1e300, 1e308, 2**63, 2**63-1, and their negatives) put into every
  numeric slot, for the no-traceback invariant of a checker and an interpreter; with
  `runnable=True`, runs stay short.
- `expressions()` and `candidates()`: smaller building blocks.

The package imports hypothesis; only code that tests imports it. Its modules, one job each:

- `_draw`: choices from one Hypothesis draw (flip, pick, shuffled, subset);
- `_tree`: node constructors with dummy spans and the parentheses the formatter needs;
- `_domains`: what values a hyperparameter may take (the language's domains and defaults,
  read from `hpdsl.specs` like the checker's, plus quick-run ranges), and `Values`, which
  draws numbers, expressions and schedules inside them;
- `_candidates`: tune candidate forms (registry `FORMS`);
- `_declarations`: title, data, split, model, hyper and param declarations;
- `_steps`: step makers (registry `STEPS`) and the shadow discipline state (`State`,
  advanced per step kind by `TRACKERS`), written independently of the checker;
- `_workflow`: a workflow under construction and its editing API;
- `_inject`: one mistake per rule code (registry `INJECTIONS`, which gives `INJECTABLE`);
- `_programs`: the public `programs`, `workflows`, `expressions`, `candidates`;
- `_extremes`, `_fuzz`: `extreme_workflows`; `source_text` and `source_bytes`.
"""

from ._domains import MODELS
from ._extremes import EXTREMES, extreme_workflows
from ._fuzz import source_bytes, source_text
from ._inject import INJECTABLE
from ._programs import DATA_SOURCES, candidates, expressions, programs, workflows

__all__ = [
    "DATA_SOURCES",
    "EXTREMES",
    "INJECTABLE",
    "MODELS",
    "candidates",
    "expressions",
    "extreme_workflows",
    "programs",
    "source_bytes",
    "source_text",
    "workflows",
]
