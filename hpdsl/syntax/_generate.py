"""Development time: grammar/hpdsl.lark -> the parse tables that hpdsl's parser runs on.

lark does the work (grammar loading, LALR(1) analysis, the contextual lexer's
per-state terminal sets and keyword handling); this module writes its results out as
plain Python literals, so that a cold `hpdsl check` need not import lark (about 110 ms
here) nor build the tables (about 130 ms). The output, hpdsl/syntax/_tables.py, is
committed; after a change to the grammar (or to the lark pinned in pyproject.toml's
test extra, which reads private lark attributes and so may number things differently)
regenerate it:

    python -m hpdsl.syntax._generate grammar/hpdsl.lark hpdsl/syntax/_tables.py

The test suite regenerates the tables and compares them with the committed file, byte
for byte and under different PYTHONHASHSEEDs.
"""

from __future__ import annotations

import hashlib
import pprint
import sys

import lark
from lark.parsers.lalr_analysis import Shift

from ..files import write_atomic

# What every parser of this grammar is built with; the tables record it.
LARK_OPTIONS = {"parser": "lalr", "lexer": "contextual", "keep_all_tokens": True, "start": "start"}
# Newlines are acceptable to the lexer in every state: hpdsl.syntax drops those inside brackets.
ALWAYS_ACCEPT = ("_NL",)


class _NewlinesEverywhere:
    """A do-nothing postlexer whose only job is to tell lark about ALWAYS_ACCEPT."""

    always_accept = ALWAYS_ACCEPT

    def process(self, stream):
        return stream


def grammar_digest(grammar_text: str) -> str:
    return hashlib.sha256(grammar_text.encode("utf-8")).hexdigest()


def tables(grammar_text: str) -> dict:
    """The parse tables as plain data (_driver.TableParser reads them: see its loop for what each key means)."""
    parser = lark.Lark(grammar_text, postlex=_NewlinesEverywhere(), **LARK_OPTIONS)
    frontend = parser.parser
    parse_table = frontend.parser.parser.parse_table
    contextual = frontend.lexer.lexer  # inside the PostLexConnector

    rule_index = {rule: i for i, rule in enumerate(parser.rules)}
    rules = []
    for rule in parser.rules:
        origin = str(rule.origin.name)
        expand_at = tuple(
            i for i, sym in enumerate(rule.expansion) if not sym.is_term and sym.name.startswith("_")
        )
        inline = origin.startswith("_")
        expand1 = bool(rule.options.expand1) and not rule.alias
        # An inlined rule splices its children into the parent; a `?rule` of one symbol
        # always passes its only child through. Neither calls the builder.
        passes_through = expand1 and len(rule.expansion) == 1 and not expand_at
        callback = None if inline or passes_through else str(rule.alias or origin)
        rules.append((origin, len(rule.expansion), callback, expand1, expand_at))

    # lark numbers states in an order that depends on string hashing (PYTHONHASHSEED);
    # renumber them breadth-first from the start state so the tables are reproducible.
    order = _canonical_states(parse_table)
    number = {state: i for i, state in enumerate(order)}
    actions = []
    for state in order:
        row = {}
        for symbol, (action, arg) in sorted(parse_table.states[state].items(), key=lambda item: str(item[0])):
            row[str(symbol)] = number[arg] if action is Shift else -(rule_index[arg] + 1)
        actions.append(row)

    lexers: list = []
    lexer_ids: dict = {}

    def lexer_id(basic) -> int:
        scanner = basic.scanner  # builds lark's scanner: order and keyword ("unless") handling
        order = tuple(t.name for t in scanner.terminals)
        keywords = {
            name: {t.pattern.value: t.name for t in callback.scanner.terminals}
            for name, callback in sorted(basic.callback.items())
        }
        key = (order, tuple(sorted((k, tuple(sorted(v.items()))) for k, v in keywords.items())))
        if key not in lexer_ids:
            lexer_ids[key] = len(lexers)
            lexers.append((order, keywords))
        return lexer_ids[key]

    state_lexer = tuple(lexer_id(contextual.lexers[state]) for state in order)
    root_lexer = lexer_id(contextual.root_lexer)

    terminals = {t.name: t.pattern.to_regexp() for t in sorted(parser.terminals, key=lambda t: t.name)}
    literals = {
        t.name: t.pattern.value for t in sorted(parser.terminals, key=lambda t: t.name) if t.pattern.type == "str"
    }
    return {
        "grammar_sha256": grammar_digest(grammar_text),
        "lark_version": lark.__version__,
        "terminals": terminals,
        "literals": literals,
        "ignore": tuple(sorted(parser.ignore_tokens)),
        "lexers": lexers,
        "state_lexer": state_lexer,
        "root_lexer": root_lexer,
        "rules": rules,
        "actions": actions,
        "start_state": number[parse_table.start_states["start"]],
        "end_state": number[parse_table.end_states["start"]],
    }


def _canonical_states(parse_table) -> list:
    start = parse_table.start_states["start"]
    order = [start]
    seen = {start}
    for state in order:
        for symbol, (action, arg) in sorted(parse_table.states[state].items(), key=lambda item: str(item[0])):
            if action is Shift and arg not in seen:
                seen.add(arg)
                order.append(arg)
    assert len(order) == len(parse_table.states), "an LR automaton has no unreachable states"
    return order


def module_source(grammar_text: str) -> str:
    data = tables(grammar_text)
    lines = [
        '"""Parse tables for hpdsl, generated from grammar/hpdsl.lark by hpdsl.syntax._generate.',
        "",
        "Do not edit: regenerate with the lark pinned in pyproject.toml's test extra",
        "(`python -m hpdsl.syntax._generate grammar/hpdsl.lark hpdsl/syntax/_tables.py`).",
        'The test suite checks that these match the grammar."""',
        "",
    ]
    for key, value in data.items():
        lines.append(f"{key.upper()} = {pprint.pformat(value, width=120, sort_dicts=False)}")
    return "\n".join(lines) + "\n"


def write(grammar_path: str, output_path: str) -> None:
    with open(grammar_path, encoding="utf-8") as f:
        source = module_source(f.read())
    write_atomic(output_path, source.encode("utf-8"))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m hpdsl.syntax._generate GRAMMAR.lark OUTPUT.py")
    write(sys.argv[1], sys.argv[2])
