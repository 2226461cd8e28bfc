"""The tolerant token stream (hpdsl.syntax.lexer) and the keyword lists read from the tables.

The stream never raises and gives the text back exactly; on valid workflows it agrees
with the tokens the parser itself shifts; the keyword lists follow the grammar.
"""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

from hypothesis import example, given
from hypothesis import strategies as st

from hpdsl import nodes as n
from hpdsl.lsp.context import bracket_depth, in_string, open_block, word_at
from hpdsl.source import Source
from hpdsl.syntax import _tables, grammar_path, parse, tokens
from hpdsl.syntax._build import Builder
from hpdsl.syntax._driver import TableParser
from hpdsl.syntax.keywords import (
    DECLARATION_KEYWORDS,
    STATEMENT_KEYWORDS,
    STEP_KEYWORDS,
    Keywords,
    starts_statement,
)
from hpdsl.syntax.lexer import ERROR, OPEN_STRING, code_tokens
from hpdsl.testing import source_text, workflows


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokens(text) if t.kind != "WS"]


@given(st.text(max_size=300) | source_text())
@example('data d = csv("a\\"b\nc\\')
@example("\ufeff\r\x00\u2028\"")
def test_the_stream_gives_the_text_back_and_never_raises(text):
    stream = tokens(text)
    assert "".join(t.text for t in stream) == text
    position = 0
    for token in stream:
        assert token.start == position and token.end == position + len(token.text) and token.text
        assert token.depth >= 0
        position = token.end


def test_what_no_terminal_matches_becomes_a_token_of_its_own():
    assert kinds('x = "open\n@ é') == [
        ("NAME", "x"), ("EQUAL", "="), (OPEN_STRING, '"open'), ("_NL", "\n"), (ERROR, "@"), (ERROR, "é"),
    ]
    assert kinds('"a\\"b" # c "d') == [("STRING", '"a\\"b"'), ("COMMENT", '# c "d')]


def test_brackets_in_a_string_with_an_escaped_quote_are_not_brackets():
    # The language server once counted '(' here while it knew the cursor was in a string.
    assert bracket_depth('set x = "a\\"(" + (') == 1
    assert bracket_depth('set x = "a\\"(') == 0 and in_string('set x = "a\\"(')
    assert [t.depth for t in tokens('f(a, [1,\n 2])') if t.kind in ("RSQB", "RPAR")] == [2, 1]


def test_words_in_strings_and_comments_are_not_words():
    line = 'data d = csv("train.csv")  # train'
    assert word_at(line, line.index("train")) is None
    assert word_at(line, line.rindex("train")) is None
    assert word_at(line, 1) == (0, 4)


class _Recording:
    """A builder that also records every token the parser shifts, and its comments."""

    def __init__(self, builder) -> None:
        self._builder = builder
        self.seen = []

    def __getattr__(self, name):
        if name in _tables.TERMINALS or name == "comment":
            inner = getattr(self._builder, name, None)

            def shift(token):
                self.seen.append(token)
                return token if inner is None else inner(token)

            return shift
        return getattr(self._builder, name)


def parser_tokens(text: str) -> list[tuple[int, int, str, str]]:
    builder = Builder()
    recording = _Recording(builder)
    builder.reset(len(text))
    TableParser(_tables, recording).parse(text)
    return sorted((t.start_pos, t.end_pos, t.type, t.value) for t in recording.seen)


@given(workflows(data=("synthetic", "csv")) | source_text().filter(lambda text: parse(Source(text)).ok))
@example("model ridge\nsplit train -> train 60%, test 40%  # a role named as its keyword\n")
def test_on_valid_workflows_the_stream_is_the_parsers_tokens(text):
    ours = [t for t in tokens(text) if t.kind != "WS" and not (t.kind == "_NL" and t.depth)]
    theirs = parser_tokens(text)
    assert [(t.start, t.end, t.text) for t in ours] == [(s, e, v) for s, e, _, v in theirs]
    for token, (_, _, kind, _) in zip(ours, theirs):
        # Only the parser knows where a keyword stands for a name (`split train -> ...`).
        assert token.kind == kind or (kind == "NAME" and token.is_word), (token, kind)


def test_statement_keywords_are_the_grammars_in_its_order_and_the_nodes_classes():
    assert STATEMENT_KEYWORDS == ("workflow", "data", "split", "model", "hyper", "param",
                                  "set", "standardize", "impute", "encode", "train", "tune", "evaluate", "test")
    assert set(STATEMENT_KEYWORDS) == {cls.__name__.lower() for cls in n.DECLARATIONS + n.STEPS}
    assert STEP_KEYWORDS == tuple(cls.__name__.lower() for cls in n.STEPS)
    assert set(DECLARATION_KEYWORDS) == set(STATEMENT_KEYWORDS) - set(STEP_KEYWORDS)


def test_a_statement_added_to_the_grammar_is_a_keyword_once_the_tables_are_regenerated():
    from hpdsl.syntax._generate import tables

    with open(grammar_path(), encoding="utf-8") as f:
        grammar = f.read()
    grammar = grammar.replace("| evaluate | test", "| evaluate | test | clip", 1)
    grammar += '\nclip: "clip" NAME "using" splits\n'
    generated = Keywords(SimpleNamespace(**{key.upper(): value for key, value in tables(grammar).items()}))
    assert generated.statement_keywords[-1] == "clip"
    assert "clip" in generated.keywords
    assert generated.starts_statement(code_tokens("clip x using train"))
    assert not generated.starts_statement(code_tokens("clip: float"))


def test_a_line_begins_a_statement_only_where_a_block_could_not_hold_it():
    def begins(line):
        return starts_statement(code_tokens(line))

    assert begins("train on x") and begins("data d = csv(") and begins('workflow "open')
    assert not begins("set lr = 0.1")  # also a train-body entry
    assert not begins("model x y") and not begins("lr: float") and not begins("")


def test_a_set_inside_a_train_body_keeps_the_body_open():
    text = "train on train {\n    set lr = 0.1\n    \n}\n"
    assert open_block(text, text.index("    \n")) == "train"
    text = "hyper {\n    lr: float\ntrain on train\n\n"
    assert open_block(text, len(text) - 1) is None


def test_a_clean_check_does_not_load_the_token_stream():
    """Cold `hpdsl check` pays only for the parser: the stream is for text that does not parse."""
    script = ("import sys\nfrom hpdsl.checker import check_text\n"
              "assert not check_text('model ridge\\n', 'a.hp').program is None\n"
              "print('hpdsl.syntax.lexer' in sys.modules, 'hpdsl.syntax.keywords' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
