"""The parser: text -> AST, or HP001 with a location and words a user understands."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from hpdsl import nodes as n
from hpdsl.source import Source, Span
from hpdsl.syntax import MAX_SYNTAX_ERRORS, grammar_path, parse, parse_bytes, parser_kind
from hpdsl.syntax._build import MAX_DEPTH, number_value

from helpers import EXAMPLES, RIDGE_PREAMBLE, ROOT, codes


def program(text: str) -> n.Program:
    result = parse(Source(text, "t.hp"))
    assert result.diagnostics == [], [d.message for d in result.diagnostics]
    return result.program


def syntax_errors(text: str) -> list[tuple[int, int, str]]:
    """(line, column, message) of each HP001."""
    result = parse(Source(text, "t.hp"))
    assert result.program is None
    assert {d.code for d in result.diagnostics} == {"HP001"}
    return [(*result.source.location(d.span.start), d.message) for d in result.diagnostics]


def only_error(text: str) -> tuple[int, int, str]:
    errors = syntax_errors(text)
    assert len(errors) == 1, errors
    return errors[0]


# ---- what parses, into what ---------------------------------------------------------------------------


def test_quickstart_parses_into_every_statement_kind():
    statements = program(open(os.path.join(EXAMPLES, "quickstart.hp")).read()).statements
    kinds = [type(s).__name__ for s in statements]
    assert kinds == [
        "Workflow", "Data", "Split", "Model", "Hyper", "Param",
        "Standardize", "Set", "Train", "Evaluate", "Tune", "Test",
    ]


def test_keywords_are_names_where_a_name_is_expected():
    p = program("split d -> train 60%, test 20%, seed 20% as validation seed 3\ntrain on train\ntest on test\n")
    split = p.statements[0]
    assert [e.name.name for e in split.entries] == ["train", "test", "seed"]
    assert split.seed.value == 3
    assert p.statements[1].splits[0].name == "train"


def test_numbers_keep_their_type_and_text():
    p = program("set a = 3\nset b = .5\nset c = 5.\nset d = 1e-4\nset e = 1E4\n")
    values = [s.value for s in p.statements]
    assert [(v.value, type(v.value).__name__, v.text) for v in values] == [
        (3, "int", "3"), (0.5, "float", ".5"), (5.0, "float", "5."), (1e-4, "float", "1e-4"), (1e4, "float", "1E4"),
    ]


def test_unary_minus_and_precedence():
    expr = program("set l2 = -2 * (3 + 4) / 5 - 1\n").statements[0].value
    assert isinstance(expr, n.BinOp) and expr.op == "-"
    assert isinstance(expr.left, n.BinOp) and expr.left.op == "/"
    assert isinstance(expr.left.left.left, n.Neg)
    assert isinstance(expr.left.left.right, n.Paren)


def test_newlines_inside_brackets_do_not_end_the_statement():
    p = program("tune l2 in [0.1,\n    0.2,\n    0.3,\n] on validation\nset lr = step(0.1,\n every: 2, factor: 0.5)\n")
    tune, set_ = p.statements
    assert len(tune.space[0].candidates.items) == 3
    assert [a.name.name for a in set_.value.args[1:]] == ["every", "factor"]


def test_intervals_with_every_bracket_and_inf():
    p = program("hyper {\n  a: float in (0, 1]\n  b: float in [0, inf)\n  c: int in {1, 2, 4}\n}\n")
    a, b, c = p.statements[0].entries
    assert (a.domain.low_closed, a.domain.high_closed) == (False, True)
    assert isinstance(b.domain.high, n.Name) and b.domain.high.name == "inf"
    assert [i.value for i in c.domain.items] == [1, 2, 4]


def test_tune_with_every_clause():
    tune = program(
        "tune lr in uniform(0.01, 0.1), l2 in [0, 1] using cv 5 on train + validation maximize r2 using random 20 seed 3\n"
    ).statements[0]
    assert [i.name.name for i in tune.space] == ["lr", "l2"]
    assert tune.cv.value == 5
    assert [s.name for s in tune.splits] == ["train", "validation"]
    assert (tune.objective.direction, tune.objective.metric.name) == ("maximize", "r2")
    assert (tune.search.count.value, tune.search.seed.value) == (20, 3)


def test_train_body_forms_parse_so_that_the_checker_can_judge_them():
    body = program(
        "train on train {\n"
        "    every 10 epochs: log mse on validation\n"
        "    stop early when r2 on validation has not improved for 5 epochs\n"
        "    set l2 = 0.1\n"
        "    every 2 epochs: set learning_rate = 0.5\n"
        "    print mse on validation\n"
        "}\n"
    ).statements[0].body
    kinds = [type(e).__name__ for e in body.entries]
    assert kinds == ["Every", "StopEarly", "Set", "Every", "UnknownAction"]
    assert body.entries[4].words == ("print", "mse", "on", "validation")


def test_comments_are_collected_with_their_spans():
    text = "# top\nmodel ridge  # end of line\n"
    p = program(text)
    assert [(c.text, text[c.span.start:c.span.end]) for c in p.comments] == [
        ("# top", "# top"), ("# end of line", "# end of line"),
    ]


def test_crlf_line_ends_and_a_byte_order_mark_are_accepted():
    result = parse_bytes(b"\xef\xbb\xbfmodel ridge\r\nset l2 = 1\r\n", "t.hp")
    assert result.diagnostics == []
    assert [type(s).__name__ for s in result.program.statements] == ["Model", "Set"]


def test_a_byte_order_mark_in_decoded_text_is_accepted_and_offsets_stay_put():
    text = "\ufeffmodel   ridge\n"
    model = program(text).statements[0]
    assert text[model.name.span.start:model.name.span.end] == "ridge"


def test_string_escapes():
    workflow = program('workflow "say \\"hi\\" \\\\ there"\n').statements[0]
    assert workflow.title.value == 'say "hi" \\ there'


def test_spans_are_half_open_offsets_of_the_text():
    text = "model   ridge\ntrain on a + b\n"
    model, train = program(text).statements
    assert text[model.span.start:model.span.end] == "model   ridge"
    assert text[model.name.span.start:model.name.span.end] == "ridge"
    assert text[train.span.start:train.span.end] == "train on a + b"
    assert [text[s.span.start:s.span.end] for s in train.splits] == ["a", "b"]


def test_equality_ignores_positions_and_how_numbers_were_written():
    assert program("set l2 = 0.5\n") == program("\n\n   set   l2=.5   # c\n")
    assert program("set l2 = 0.5\n") != program("set l2 = 0.6\n")


def test_comments_compare_by_what_they_say_wherever_they_sit():
    (first,) = program("# keep l2 small\nset l2 = 0.5\n").comments
    (moved,) = program("\n\nset l2 = 0.5   # keep l2 small\n").comments
    (other,) = program("# keep l2 large\nset l2 = 0.5\n").comments
    assert first == moved and hash(first) == hash(moved)
    assert first != other
    assert program("# a\nset l2 = 0.5\n") == program("# b\nset l2 = 0.5\n")  # comments are not meaning


RECORDS = sorted((c for c in vars(n).values() if isinstance(c, type) and issubclass(c, n.Record) and c is not n.Record),
                 key=lambda c: c.__name__)


@given(st.builds(n.Name), st.sampled_from(RECORDS).flatmap(lambda kind: st.tuples(st.just(kind), st.builds(kind))))
def test_records_have_signatures_that_hypothesis_builds_from(name, built):
    assert isinstance(name.span, Span) and isinstance(name.name, str)
    assert n.replace(name, span=Span(0, 0)) == name
    kind, node = built
    assert type(node) is kind


def test_a_record_signature_reads_as_a_dataclass_one():
    import inspect

    signature = inspect.signature(n.HyperEntry)
    assert tuple(signature.parameters) == n.HyperEntry._fields
    assert {p.kind for p in signature.parameters.values()} == {inspect.Parameter.KEYWORD_ONLY}
    assert [p.name for p in signature.parameters.values() if p.default is None] == ["domain", "default"]
    assert signature.parameters["span"].annotation == "Span"
    assert n.HyperEntry.__signature__ is signature  # built once
    assert inspect.signature(n.Name) != signature  # and per class


def test_signatures_cost_a_cold_check_nothing():
    """The signature is built on first use: checking a file never imports inspect."""
    code = (
        "import sys, hpdsl.cli; from hpdsl.checker import check_text;"
        "check_text(open(sys.argv[1]).read()); print('inspect' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code, os.path.join(EXAMPLES, "quickstart.hp")],
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "False"), done.stderr


def test_an_integer_literal_is_finite_up_to_the_largest_float():
    """10^308 written out in full (309 digits) is a finite number, as 1e308 is."""
    largest = int(sys.float_info.max)
    ten_308 = "1" + "0" * 308
    assert number_value(ten_308) == 10**308 and isinstance(number_value(ten_308), int)
    assert number_value(str(largest)) == largest
    assert number_value("0" * 400 + "7") == 7
    assert number_value(ten_308 + "0") == math.inf
    assert number_value(str(largest + 1)) == math.inf
    assert number_value("9" * 5000) == math.inf

    from hpdsl.checker import check_text

    free = RIDGE_PREAMBLE.replace("l2: float in [0, 100] = 1.0", "l2: float = 1.0")
    outcome = {}
    for written in ("1e308", ten_308, "1e309", ten_308 + "0"):
        analysis = check_text(free + f"tune l2 in [{written}, 0.1] on validation\ntest on test\n", "t.hp")
        outcome[written] = [d.code for d in analysis.diagnostics]
    assert outcome == {"1e308": [], ten_308: [], "1e309": ["HP004"], ten_308 + "0": ["HP004"]}


# ---- syntax errors: HP001 with a location and what was expected ------------------------------------


@pytest.mark.parametrize(
    "text, line, column, message",
    [
        ("train on\n", 1, 9, "expected a split name after 'on', found the end of the line"),
        ("train on train +\n", 1, 17, "expected a split name after '+', found the end of the line"),
        ("evaluate on validation report\n", 1, 30, "expected a metric (mse, rmse, mae or r2) after 'report'"),
        ("set l2 = 1 2\n", 1, 12, "expected an operator (+, -, *, /) or the end of the line after '1', found '2'"),
        ("model\n", 1, 6, "expected a model (linear_regression or ridge) after 'model'"),
        ("split d -> train 60, test 40%\n", 1, 18, "expected a percentage such as 60% after 'train', found '60'"),
        ("tune l2 [1, 2] on validation\n", 1, 9, "expected 'in' after 'l2'"),
        ("set l2 = \"abc\n", 1, 10, "unterminated string"),
        ("set l2 = é\n", 1, 10, "unexpected character 'é' (U+00E9): outside strings and comments only ASCII"),
        ("set l2 = 1\x00\n", 1, 11, "a NUL byte is not allowed"),
        ('workflow "a\\qb"\n', 1, 12, "unknown escape '\\q' in a string"),
    ],
)
def test_syntax_errors_say_what_was_expected_where(text, line, column, message):
    got_line, got_column, got_message = only_error(text)
    assert (got_line, got_column) == (line, column)
    assert got_message.startswith(message), got_message


def test_an_unknown_statement_keyword_suggests_the_nearest():
    result = parse(Source("trian on train\n", "t.hp"))
    (diagnostic,) = result.diagnostics
    assert diagnostic.message.startswith("expected a declaration or a step (")
    assert diagnostic.help == "did you mean 'train'?"


def test_terminal_names_never_reach_the_user():
    for text in ["train on\n", "set l2 = 1 2\n", "split d -> a 60\n", "hyper {\n l2 float\n}\n", "tune l2 in [1,\n"]:
        for diagnostic in parse(Source(text, "t.hp")).diagnostics:
            for jargon in ("NAME", "NUMBER", "_NL", "$END", "LSQB", "RPAR", "__ANON"):
                assert jargon not in diagnostic.message, diagnostic.message


def test_a_block_left_open_is_reported_once_at_the_statement_that_follows():
    assert syntax_errors("hyper {\n    l2: float = 0\ntrain on train\ntest on test\n") == [
        (3, 1, "expected '}' to close the block opened at line 1 before 'train'")
    ]


def test_a_bracket_left_open_points_at_the_bracket():
    assert syntax_errors("set l2 = (1 + 2\ntrain on train\n") == [
        (1, 10, "'(' opened at line 1 is never closed: expected ')' before 'train'")
    ]


def test_declarations_after_the_first_step_are_syntax_errors():
    (error,) = parse(Source("model ridge\ntrain on train\ndata d = csv(\"x.csv\", target: \"y\")\n", "t.hp")).diagnostics
    assert error.code == "HP001"
    assert error.message == "'data' declaration after the first step; declarations come before the steps"
    assert error.related[0].message == "the first step"


def test_workflow_must_come_first():
    assert only_error('model ridge\nworkflow "late"\n')[2] == "'workflow' must be the first line of code"
    assert program('# a comment may precede it\nworkflow "first"\nmodel ridge\n')


def test_every_independent_syntax_error_is_reported():
    errors = syntax_errors("train on\nmodel ridge\nevaluate on validation report\nset x = (\n")
    assert [line for line, _, _ in errors] == [1, 3, 4]


def test_syntax_errors_are_capped():
    errors = syntax_errors("train on\n" * 50)
    assert len(errors) == MAX_SYNTAX_ERRORS


def test_deep_nesting_is_refused_not_a_crash():
    text = "set l2 = " + "(" * 10_000 + "1" + ")" * 10_000 + "\n"
    (line, column, message) = only_error(text)
    assert message == f"expression nested more than {MAX_DEPTH} levels deep; simplify it"
    long_chain = "set l2 = " + " + ".join(["1"] * 5_000) + "\n"
    assert only_error(long_chain)[2].startswith("expression nested more than")
    assert program("set l2 = " + "(" * (MAX_DEPTH - 1) + "1" + ")" * (MAX_DEPTH - 1) + "\n")


def test_invalid_utf8_is_a_syntax_error_at_the_bad_byte():
    result = parse_bytes(b"model ridge\nset l2 = 1 # caf\xe9\n", "t.hp")
    (diagnostic,) = result.diagnostics
    assert diagnostic.code == "HP001"
    assert diagnostic.message == "the file is not valid UTF-8"
    assert result.source.location(diagnostic.span.start) == (2, 17)


def test_an_empty_file_parses_and_the_checker_reports_the_missing_declarations():
    assert program("").statements == ()
    assert codes("") == ["HP002", "HP002", "HP002"]


def test_a_number_too_large_for_a_float_is_HP004_not_a_crash():
    assert "HP004" in codes("set l2 = 1e999\n")
    assert "HP004" in codes("set l2 = " + "9" * 5000 + "\n")


# ---- robustness: any input gives diagnostics, never an exception -----------------------------------


NEAR_VALID_PIECES = [
    "lnspace(", "step(", "uniform(", "csv(", "normal(",
    "train", "on", "test", "tune", "l2", "in", "[", "]", "(", ")", "{", "}", "\n", " ", ",", "+", "-", "*",
    "/", "=", ":", "%", "60", "0.5", "1e999", '"x"', '"', "#", "->", "set", "every", "epochs", "using", "cv",
    "random", "seed", "hyper", "param", "model", "ridge", "data", "split", "\x00", "é", "\r", "\t", "inf",
]


@given(st.binary(max_size=300))
@example(b"\xff\xfe")
@example(b"split d -> train -0%")
@example(b"tune l2 in [1,\n")
def test_any_bytes_give_diagnostics_never_an_exception(data):
    result = parse_bytes(data, "fuzz.hp")
    assert result.program is not None or result.diagnostics


@given(st.lists(st.sampled_from(NEAR_VALID_PIECES), max_size=60).map("".join))
@example("hyper {\n")
@example("train on train {\n every 1 epochs: set\n}")
def test_near_valid_text_is_checked_without_exceptions(text):
    from hpdsl.checker import check_text

    analysis = check_text(text, "fuzz.hp")
    for diagnostic in analysis.diagnostics:
        assert diagnostic.span.start <= diagnostic.span.end <= len(text) + 1


# ---- the parser in use was generated from this grammar ---------------------------------------------


def test_the_installed_grammar_is_the_repository_grammar():
    with open(grammar_path(), encoding="utf-8") as installed, open(os.path.join(ROOT, "grammar", "hpdsl.lark")) as repo:
        assert installed.read() == repo.read()


GRAMMAR = os.path.join(ROOT, "grammar", "hpdsl.lark")
TABLES = os.path.join(ROOT, "hpdsl", "syntax", "_tables.py")
REGENERATE = "python -m hpdsl.syntax._generate grammar/hpdsl.lark hpdsl/syntax/_tables.py"


def test_the_committed_tables_are_what_the_grammar_generates():
    """hpdsl/syntax/_tables.py is committed source: regenerating it changes nothing."""
    import lark

    from hpdsl.syntax import _tables
    from hpdsl.syntax._generate import module_source

    assert parser_kind() == "tables"
    with open(_tables.__file__, encoding="utf-8") as f:  # installed (a wheel) or the checkout's own
        installed = f.read()
    assert lark.__version__ == _tables.LARK_VERSION, (
        f"the tables were generated by lark {_tables.LARK_VERSION}; install the pinned one (pip install -e '.[test]')"
    )
    with open(GRAMMAR, encoding="utf-8") as f:
        fresh = module_source(f.read())
    with open(TABLES, encoding="utf-8") as f:
        committed = f.read()
    assert committed == fresh, f"the tables are stale; regenerate them: {REGENERATE}"
    assert installed == committed, "the installed tables are not the committed ones: reinstall hpdsl"


def test_the_test_extra_pins_the_lark_that_generated_the_tables():
    import tomllib

    from hpdsl.syntax import _tables

    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    pins = [r for r in project["optional-dependencies"]["test"] if r.replace(" ", "").startswith("lark")]
    assert [p.replace(" ", "") for p in pins] == [f"lark=={_tables.LARK_VERSION}"]
    assert any(r.replace(" ", "").startswith("lark>=") for r in project["dependencies"]), "lark stays a dependency"


def test_the_tables_do_not_depend_on_string_hashing():
    """lark numbers states in an order that depends on PYTHONHASHSEED; the generator renumbers them."""
    code = (
        "import sys; from hpdsl.syntax._generate import module_source;"
        "sys.stdout.write(module_source(open(sys.argv[1], encoding='utf-8').read()))"
    )
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-c", code, GRAMMAR], capture_output=True, text=True, env=env,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    with open(TABLES, encoding="utf-8") as f:
        assert outputs == [f.read()] * 2


def _lark_parser():
    from hpdsl.syntax._build import Builder
    from hpdsl.syntax._lark_engine import LarkParser

    builder = Builder()
    with open(os.path.join(ROOT, "grammar", "hpdsl.lark"), encoding="utf-8") as f:
        return LarkParser(f.read(), builder), builder


def _table_parser():
    from hpdsl.syntax import _tables
    from hpdsl.syntax._build import Builder
    from hpdsl.syntax._driver import TableParser

    builder = Builder()
    return TableParser(_tables, builder), builder


def _outcome(parser, builder, text):
    """Everything a parse produces: the tree with every span, the comments, or where it stopped."""
    from hpdsl.syntax._driver import SyntaxProblem

    builder.reset(len(text))
    try:
        tree = parser.parse(text)
    except SyntaxProblem as problem:
        return ("error", problem.start, problem.end, problem.found, problem.text, sorted(problem.expected))
    return ("ok", _with_spans(tree), [(c.span.start, c.text) for c in builder.comments], builder.problems)


def _with_spans(node):
    if isinstance(node, n.Record):
        return (type(node).__name__, (node.span.start, node.span.end),
                [(f, _with_spans(getattr(node, f))) for f in node._fields if f != "span"])
    if isinstance(node, tuple):
        return [_with_spans(x) for x in node]
    return node


_PARSERS = {}


def _both(text):
    if not _PARSERS:
        _PARSERS["lark"] = _lark_parser()
        _PARSERS["tables"] = _table_parser()
    return _outcome(*_PARSERS["tables"], text), _outcome(*_PARSERS["lark"], text)


@pytest.mark.parametrize("name", sorted(f for f in os.listdir(EXAMPLES) if f.endswith(".hp")))
def test_generated_parser_and_lark_agree_on_the_examples(name):
    text = open(os.path.join(EXAMPLES, name), encoding="utf-8").read()
    ours, larks = _both(text)
    assert ours[0] == "ok"
    assert ours == larks


@given(st.lists(st.sampled_from(NEAR_VALID_PIECES + ["linspace(1, 2, 3)", "step(0.1, every: 2, factor: 0.5)",
                                                    "train on train\n", "test on test\n", "stop early when"]),
                max_size=50).map("".join))
@example("tune l2 in [0.1,\n 0.2] on validation # c\n")
@example("set x = (((1)))\n")
def test_generated_parser_and_lark_agree_everywhere(text):
    ours, larks = _both(text)
    assert ours == larks


def test_recovery_blanks_out_the_whole_multi_line_statement():
    errors = syntax_errors("tune l2 in [0.1,\n 0.2]\n on validation\n")
    assert [line for line, _, _ in errors] == [2, 3]
    assert errors[0][2] == "expected ',', 'on' or 'using' after ']', found the end of the line"
    assert errors[1][2].startswith("expected a declaration or a step (")


def test_a_percentage_in_an_unknown_body_action_is_one_token():
    body = program("train on t {\n    foo 50%\n}\n").statements[0].body
    assert body.entries[0].words == ("foo", "50%")


def test_keyword_span_covers_the_leading_keyword_of_every_statement_kind():
    """One `keyword_span` for every tool: it points at exactly the word a statement starts with."""
    seen = set()
    for example in ("quickstart.hp", "messy_table.hp"):
        with open(os.path.join(EXAMPLES, example), encoding="utf-8") as f:
            text = f.read()
        for statement in program(text).statements:
            span = n.keyword_span(statement)
            assert text[span.start:span.end].lower() == n.keyword(statement)
            seen.add(type(statement))
    assert seen == set(n.DECLARATIONS) | set(n.STEPS)


def test_a_visitor_dispatches_by_class_name_and_is_loud_about_an_unknown_node():
    class Names(n.Visitor):
        def visit_Name(self, node):
            return node.name

    visitor = Names()
    assert visitor.visit(n.Name(span=Span(0, 1), name="x")) == "x"
    # The suite runs with HPDSL_STRICT_VISITORS=1: a node kind a walker lacks is an error...
    with pytest.raises(NotImplementedError, match="Names does not handle Number"):
        visitor.visit(n.Number(span=Span(0, 1), value=1, text="1"))
    # ...which users never see: the walker skips it.
    os.environ.pop("HPDSL_STRICT_VISITORS")
    try:
        assert visitor.visit(n.Number(span=Span(0, 1), value=1, text="1")) is None
    finally:
        os.environ["HPDSL_STRICT_VISITORS"] = "1"
