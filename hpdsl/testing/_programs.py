"""The public strategies that build trees: `programs` and `workflows` (valid workflows,
optionally with one injected mistake), and the building blocks `expressions` and
`candidates`."""

from __future__ import annotations

from hypothesis import event
from hypothesis import strategies as st

from ..formatter import format_program
from . import _tree as tree
from ._candidates import candidates as candidates_for
from ._domains import MODELS, SPECS, Values
from ._inject import INJECTABLE, REQUIRES
from ._inject import variants as variants_of
from ._workflow import Workflow

DATA_SOURCES = ("synthetic", "csv")


def check_options(models, data, violating):
    models, data = tuple(models), tuple(data)
    if not models or any(m not in MODELS for m in models):
        raise ValueError(f"models must be a non-empty selection of {MODELS}, not {models!r}")
    if not data or any(d not in DATA_SOURCES for d in data):
        raise ValueError(f"data must be a non-empty selection of {DATA_SOURCES}, not {data!r}")
    require: set[str] = set()
    if violating is not None:
        if violating == "HP001":
            raise ValueError("HP001 (a syntax error) cannot be injected into a valid workflow; "
                             "use source_text() or source_bytes() to fuzz the parser")
        if violating not in INJECTABLE:
            raise ValueError(f"cannot inject {violating!r}: the injectable codes are {', '.join(INJECTABLE)} "
                             "(HP3xx codes are run-time errors the checker does not report)")
        require = set(REQUIRES.get(violating, ()))
        if "lr" in require and "linear_regression" not in models:
            raise ValueError(f"{violating} needs a train body, which only linear_regression has")
    return models, data, frozenset(require)


@st.composite
def _programs(draw, models, data, violating, require):
    w = Workflow(draw, models, data, require)
    if violating is not None:
        variants = variants_of(w, violating)
        label = draw(st.sampled_from(sorted(variants)))
        event(f"{violating}: {label}")  # shown by pytest --hypothesis-show-statistics
        variants[label](w)
    return w.program()


def programs(*, models=("linear_regression", "ridge"), data=("synthetic",), violating: str | None = None):
    """Valid workflows as ASTs (`hpdsl.nodes.Program`), built by construction.

    Every program checks with no diagnostic; with `violating="HP1xx"` it carries exactly
    that one mistake instead (see `workflows`). The trees have dummy spans and no
    comments; `hpdsl.formatter.format_program` renders them, and parsing that text gives
    back an equal tree.

        @given(programs(models=("ridge",)))
        def test_my_visitor_handles_every_node(program):
            MyVisitor().visit(program)
    """
    models, data, require = check_options(models, data, violating)
    return _programs(models, data, violating, require)


def workflows(*, models=("linear_regression", "ridge"), data=("synthetic",), violating: str | None = None):
    """Valid `.hp` workflows as text, in the formatter's canonical layout.

    - `models`: the models to draw from (`"linear_regression"`, `"ridge"`).
    - `data`: the data sources to draw from. The default, synthetic data only, gives
      workflows that run as they are; add `"csv"` to also get `csv("...", target: ...)`
      sources (whose files do not exist).
    - `violating`: a rule code from `INJECTABLE`. The workflow then carries exactly one
      mistake, put at a random place where it is the only one, so that `hpdsl check`
      reports exactly `[violating]`. Raises ValueError for a code that cannot be injected
      (HP001: use `source_text()`; run-time codes HP3xx; HP101 without linear_regression).

    Every declaration and step form appears: an optional title, synthetic or csv data,
    splits with custom names and `as ROLE`, one to three validation splits, sometimes no
    test split, hyper blocks with intervals, sets, `inf` and open ends, defaults and none,
    param initialisers, `set` with arithmetic and schedules, `standardize`, `train` with
    log and early-stopping bodies, grid and random tunes, hold-out and cv, `evaluate`,
    one final `test`, evaluates after it.

        from hypothesis import given
        from hpdsl.checker import check_text
        from hpdsl.testing import workflows

        @given(workflows(models=("ridge",)))
        def test_clean(text):
            assert check_text(text).diagnostics == []
    """
    return programs(models=models, data=data, violating=violating).map(format_program)


#: The numbers `extreme_workflows()` puts into numeric slots (and their negatives): zero
#: and a negative zero, a subnormal, the square-root-of-max and near-max floats, and the


def expressions(names=("l2", "learning_rate"), max_leaves: int = 8):
    """Syntactically valid `set`-style expression ASTs: numbers, `names`, unary minus,
    `+ - * /` and parentheses, placed wherever precedence needs them (so the formatter's
    text parses back to an equal tree). Values are not checked: they may divide by zero
    or overflow, which is what a checker's HP004 is for.

        @given(expressions())
        def test_round_trip(expr):
            ...
    """
    leaves = st.one_of(
        st.integers(0, 10**6).map(tree.number),
        st.floats(0, 1e6, allow_nan=False, allow_infinity=False).map(tree.number),
        st.sampled_from(tuple(names)).map(tree.name) if names else st.nothing(),
    )

    def extend(inner):
        return st.one_of(
            st.tuples(st.sampled_from("+-*/"), inner, inner).map(lambda t: tree.binop(*t)),
            inner.map(tree.neg),
            inner.map(tree.paren),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


@st.composite
def _candidates(draw, hyper, random_search):
    # No declared domain: the model's domain and the quick-run range bound the values.
    values = Values(draw)
    return candidates_for(values, hyper, random=random_search,
                          count=None if random_search else draw(st.integers(2, 6)))


def candidates(hyper: str = "l2", *, random_search: bool = False):
    """Tune candidates (`[...]`, linspace, logspace, range and, with `random_search`,
    uniform, loguniform, randint) for a model hyperparameter declared without a domain:
    every value lies in the model's domain and in a range that trains fast.

        @given(candidates("epochs"))
        def test_my_tool_expands_candidates(expr):
            assert len(my_expand(expr)) >= 1
    """
    if hyper not in SPECS:
        raise ValueError(f"unknown hyperparameter {hyper!r}; the model hyperparameters are {', '.join(SPECS)}")
    return _candidates(hyper, random_search)
