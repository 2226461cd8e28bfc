"""Properties of the checker and the formatter on generated programs (hpdsl.testing).

Every property runs under the active hypothesis profile (tests/conftest.py): `ci` by
default, `HYPOTHESIS_PROFILE=nightly` to dig deeper. The generator builds workflows that
are valid by construction, so a failure here is a bug in the checker, the parser or the
formatter, or in hpdsl.testing itself: pin the input with @example.
"""

from __future__ import annotations

import contextlib
from random import Random

import pytest
from hypothesis import Phase, event, example, find, given, settings
from hypothesis.errors import NoSuchExample
from hypothesis import strategies as st

from hpdsl import nodes as n
from hpdsl.checker import check_bytes, check_text, values
from hpdsl.diagnostics import RULES
from hpdsl.formatter import format_program, format_source
from hpdsl.source import Source, Span
from hpdsl.syntax import parse, parse_bytes
from hpdsl.testing import (
    DATA_SOURCES,
    INJECTABLE,
    MODELS,
    candidates,
    expressions,
    programs,
    source_bytes,
    source_text,
    workflows,
)

from helpers import PREAMBLE

ROLES = ("train", "validation", "test")


def diagnosed(text: str) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in check_text(text, "generated.hp").diagnostics]


def walk(node):
    """Every node under `node`, itself included."""
    yield node
    for child in n.children(node):
        yield from walk(child)


# ---- the checker ----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
@given(data=st.data())
def test_every_generated_workflow_checks_clean(model, data):
    text = data.draw(workflows(models=(model,), data=DATA_SOURCES), label="workflow")
    assert diagnosed(text) == []


@pytest.mark.parametrize("code", INJECTABLE)
@given(data=st.data())
def test_an_injected_mistake_yields_exactly_its_code(code, data):
    text = data.draw(workflows(data=DATA_SOURCES, violating=code), label="workflow")
    assert [c for c, _ in diagnosed(text)] == [code], diagnosed(text)


@pytest.mark.parametrize("code", ["HP001", "HP301", "HP303", "HP999", "hp103", "HP1O3"])
def test_a_code_that_cannot_be_injected_is_refused(code):
    with pytest.raises(ValueError):
        workflows(violating=code)


def test_impossible_options_are_refused():
    with pytest.raises(ValueError, match="linear_regression"):  # only it has train bodies
        workflows(models=("ridge",), violating="HP101")
    with pytest.raises(ValueError):
        workflows(models=("lasso",))
    with pytest.raises(ValueError):
        workflows(data=("parquet",))


@given(source_text())
# An unknown candidate function once raised UnboundLocalError in the checker (fixed in de31436).
@example(PREAMBLE + "tune l2 in lnspace(0, 1, 3) on validation\n")
# A leading BOM was once HP001 for check_text but accepted by format_source and check_bytes.
@example("\ufeffdata d = synthetic(rows: 100, features: 2, noise: 0.1, seed: 1)\n"
         "split d -> train 60%, validation 40%\nmodel ridge\nstandardize using train + validation\n")
def test_check_never_raises_on_any_text(text):
    analysis = check_text(text, "fuzz.hp")
    codes = {d.code for d in analysis.diagnostics}
    assert codes <= set(RULES)
    if "HP001" in codes:  # a file that does not parse is checked no further
        assert codes == {"HP001"}
    event("parses" if "HP001" not in codes else "syntax error")
    formatted = format_source(text)
    assert (formatted.text is None) == any(d.code == "HP001" for d in formatted.diagnostics)
    assert (formatted.text is None) == ("HP001" in codes)


@given(source_bytes())
def test_check_never_raises_on_any_bytes(data):
    codes = {d.code for d in check_bytes(data, "fuzz.hp").diagnostics}
    assert codes <= set(RULES)
    if "HP001" in codes:
        assert codes == {"HP001"}
    parsed = parse_bytes(data, "fuzz.hp")
    assert parsed.ok == ("HP001" not in codes)
    event("parses" if parsed.ok else "syntax error")
    if parsed.ok:
        assert format_source(parsed.source.text).text is not None


# ---- the formatter ----------------------------------------------------------------------------------


@given(programs(data=DATA_SOURCES))
def test_a_generated_tree_survives_format_and_parse(program):
    text = format_program(program)
    parsed = parse(Source(text, "generated.hp"))
    assert parsed.ok, [d.message for d in parsed.diagnostics]
    assert parsed.program == program
    assert format_source(text).text == text


@given(expressions(), candidates("l2"), candidates("epochs", random_search=True))
def test_hand_built_expressions_survive_format_and_parse(value, grid, drawn):
    span = Span(0, 0)
    steps = (
        n.Set(span=span, name=n.Name(span=span, name="l2"), value=value),
        n.Tune(span=span, space=tuple(
            n.SpaceItem(span=span, name=n.Name(span=span, name=h), candidates=c)
            for h, c in (("l2", grid), ("epochs", drawn))), splits=(n.Name(span=span, name="validation"),)),
    )
    program = n.Program(span=span, statements=steps)
    parsed = parse(Source(format_program(program)))
    assert parsed.ok and parsed.program == program


@given(st.one_of(workflows(data=DATA_SOURCES), source_text()))
def test_formatting_keeps_the_tree_and_is_stable(text):
    formatted = format_source(text)
    parsed = parse(Source(text.removeprefix("\ufeff")))
    assert (formatted.text is None) == (not parsed.ok)
    if formatted.text is None:
        event("does not parse")
        return
    event("parses")
    again = parse(Source(formatted.text))
    assert again.ok
    assert again.program == parsed.program
    assert [c.text.strip() for c in again.program.comments] == [c.text.strip() for c in parsed.program.comments]
    assert format_source(formatted.text).text == formatted.text


# ---- the generator itself -------------------------------------------------------------------------


@given(programs())
def test_generated_workflows_are_small_enough_to_run(program):
    """The default workflows run fast: small synthetic data, few epochs and candidates."""
    scope = check_text(format_program(program)).scope
    assert scope.source.kind == "synthetic"
    assert 50 <= scope.source.args["rows"] <= 300 and 1 <= scope.source.args["features"] <= 4
    epochs = scope.hypers.get("epochs")
    assert epochs is None or epochs.value <= 50
    for node in walk(program):
        if isinstance(node, n.Tune):
            assert node.cv is None or node.cv.value <= 3
            assert node.outer is None or node.outer.value <= 3
            if isinstance(node.search, n.RandomSearch):
                assert node.search.count.value <= 4
        elif isinstance(node, n.ListExpr):
            assert len(node.items) <= 6
        elif isinstance(node, n.Call) and node.func.name in ("linspace", "logspace"):
            assert node.args[2].value.value <= 6
        elif isinstance(node, n.SpaceItem) and node.name.name == "epochs":
            assert max(values.candidate_extremes(values.candidates(node.candidates, None))) <= 50


def _calls(name):
    return lambda p: any(isinstance(x, n.Call) and x.func.name == name for x in walk(p))


def _steps(kind, where=lambda s: True):
    return lambda p: any(isinstance(s, kind) and where(s) for s in p.statements)


def _entries(p):
    return [e for s in p.statements if isinstance(s, n.Split) for e in s.entries]


def _hyper_entries(p):
    return [e for s in p.statements if isinstance(s, n.Hyper) for e in s.entries]


def _tune_item(where):
    return lambda p: any(isinstance(s, n.Tune) and any(where(i) for i in s.space) for s in p.statements)


def _model(name):
    return lambda p: any(isinstance(s, n.Model) and s.name.name == name for s in p.statements)


def _body(kind):
    return _steps(n.Train, lambda s: s.body is not None and any(
        isinstance(e, kind) or isinstance(e, n.Every) and isinstance(e.action, kind) for e in s.body.entries))


def _evaluate_after_test(p):
    steps = p.steps
    first = next((i for i, s in enumerate(steps) if isinstance(s, n.Test)), None)
    return first is not None and any(isinstance(s, n.Evaluate) for s in steps[first:])


def _set_names_hyper(p):
    return any(isinstance(s, n.Set) and any(isinstance(x, n.Name) for x in walk(s.value)) for s in p.steps)


def _int_hyper_sequence(p):
    ints = {"epochs", "batch_size", "seed"}
    return _tune_item(lambda i: i.name.name in ints and isinstance(i.candidates, n.Call)
                      and i.candidates.func.name in ("linspace", "logspace"))(p)


# Each form of the language, and a predicate that spots it in a program.
FEATURES = {
    "a workflow title": _steps(n.Workflow),
    "synthetic data": _calls("synthetic"),
    "csv data": _calls("csv"),
    "csv with features": lambda p: any(isinstance(x, n.Arg) and x.name and x.name.name == "features" for x in walk(p)),
    "a custom split name with as ROLE": lambda p: any(e.name.name not in ROLES and e.role for e in _entries(p)),
    "a role-named split repeating its role": lambda p: any(e.name.name in ROLES and e.role for e in _entries(p)),
    "a keyword as a split name": lambda p: any(e.name.name in ("report", "on", "using", "every", "in", "as", "set")
                                               for e in _entries(p)),
    "several validation splits": lambda p: sum(
        (e.role.name if e.role else e.name.name) == "validation" for e in _entries(p)) >= 2,
    "no test split": lambda p: not any((e.role.name if e.role else e.name.name) == "test" for e in _entries(p)),
    "a fractional share": lambda p: any(e.share.percent % 1 for e in _entries(p)),
    "a split seed": _steps(n.Split, lambda s: s.seed is not None),
    "model linear_regression": _model("linear_regression"),
    "model ridge": _model("ridge"),
    "an interval to inf": lambda p: any(isinstance(e.domain, n.Interval) and isinstance(e.domain.high, n.Name)
                                        for e in _hyper_entries(p)),
    "an interval from -inf": lambda p: any(isinstance(e.domain, n.Interval) and isinstance(e.domain.low, n.Neg)
                                           for e in _hyper_entries(p)),
    "an open low end": lambda p: any(isinstance(e.domain, n.Interval) and not e.domain.low_closed
                                     for e in _hyper_entries(p)),
    "a closed high end": lambda p: any(isinstance(e.domain, n.Interval) and e.domain.high_closed
                                       for e in _hyper_entries(p)),
    "a set domain": lambda p: any(isinstance(e.domain, n.SetDomain) for e in _hyper_entries(p)),
    "a hyperparameter without a default": lambda p: any(e.default is None for e in _hyper_entries(p)),
    "a default naming another hyperparameter": lambda p: any(
        e.default is not None and any(isinstance(x, n.Name) for x in walk(e.default)) for e in _hyper_entries(p)),
    "a schedule as default": lambda p: any(isinstance(e.default, n.Call) for e in _hyper_entries(p)),
    "param zeros": lambda p: any(isinstance(x, n.ParamEntry) and isinstance(x.init, n.Name) for x in walk(p)),
    "param number": lambda p: any(isinstance(x, n.ParamEntry) and isinstance(x.init, (n.Number, n.Neg))
                                  for x in walk(p)),
    "param normal": _calls("normal"),
    "param uniform": lambda p: any(isinstance(x, n.ParamEntry) and isinstance(x.init, n.Call)
                                   and x.init.func.name == "uniform" for x in walk(p)),
    "set": _steps(n.Set),
    "set with arithmetic over hyperparameters": _set_names_hyper,
    "set with parentheses": lambda p: any(isinstance(x, n.Paren) for s in p.steps for x in walk(s)),
    "a step schedule": _calls("step"),
    "an exponential schedule": _calls("exponential"),
    "standardize": _steps(n.Standardize),
    "standardize on several splits": _steps(n.Standardize, lambda s: len(s.splits) >= 2),
    "train": _steps(n.Train),
    "train on several splits": _steps(n.Train, lambda s: len(s.splits) >= 2),
    "train body logging": _body(n.Log),
    "train body stopping early": _body(n.StopEarly),
    "tune over a list": _tune_item(lambda i: isinstance(i.candidates, n.ListExpr)),
    "tune over linspace": _calls("linspace"),
    "tune over logspace": _calls("logspace"),
    "tune over range": _calls("range"),
    "tune over a range with a negative step": lambda p: any(
        isinstance(x, n.Call) and x.func.name == "range" and len(x.args) == 3 and isinstance(x.args[2].value, n.Neg)
        for x in walk(p)),
    "tune an int over linspace or logspace": _int_hyper_sequence,
    "tune over uniform": _calls("uniform"),
    "tune over loguniform": _calls("loguniform"),
    "tune over randint": _calls("randint"),
    "tune two hyperparameters": _steps(n.Tune, lambda s: len(s.space) == 2),
    "hold-out tune": _steps(n.Tune, lambda s: s.cv is None),
    "cross-validated tune": _steps(n.Tune, lambda s: s.cv is not None),
    "nested cross-validation": _steps(n.Tune, lambda s: s.outer is not None),
    "random search": _steps(n.Tune, lambda s: isinstance(s.search, n.RandomSearch)),
    "random search with a seed": _steps(n.Tune, lambda s: isinstance(s.search, n.RandomSearch) and s.search.seed),
    "using grid": _steps(n.Tune, lambda s: isinstance(s.search, n.Grid)),
    "minimize": _steps(n.Tune, lambda s: s.objective and s.objective.direction == "minimize"),
    "maximize": _steps(n.Tune, lambda s: s.objective and s.objective.direction == "maximize"),
    "ridge tuned with cv": lambda p: _model("ridge")(p) and _steps(n.Tune, lambda s: s.cv is not None)(p),
    "evaluate": _steps(n.Evaluate),
    "evaluate with a report": _steps(n.Evaluate, lambda s: s.metrics),
    "test": _steps(n.Test),
    "test with a report": _steps(n.Test, lambda s: s.metrics),
    "evaluate after the final test": _evaluate_after_test,
}


def test_the_generator_reaches_every_form():
    # One pooled sample, not a search per form: generation only (no shrinking), a fixed
    # seed, and it stops as soon as every form has been seen.
    seen: set[str] = set()

    def every_form_seen(program) -> bool:
        seen.update(f for f, present in FEATURES.items() if f not in seen and present(program))
        return len(seen) == len(FEATURES)

    pooled = settings(max_examples=2000, database=None, phases=[Phase.generate], deadline=None)
    with contextlib.suppress(NoSuchExample):
        find(programs(data=DATA_SOURCES), every_form_seen, settings=pooled, random=Random(0))
    assert sorted(set(FEATURES) - seen) == []
