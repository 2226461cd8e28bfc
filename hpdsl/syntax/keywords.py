"""The language's keywords, read from the generated tables: the one list every tool uses.

A statement keyword is a terminal the parser shifts at the start of a statement (in its
start state); they are listed in the order their rules appear in the grammar (a rule is
named after its keyword). Which of them are steps is the AST's knowledge (`nodes.STEPS`:
a node class is named after its keyword too). A statement added to the grammar is picked
up here as soon as the tables are regenerated.

`starts_statement` answers "does this line plainly begin a top-level statement?" by
running the LALR automaton on the line's first tokens, so syntax errors and the language
server can tell that a `{ }` block was left open without a pattern per statement.
"""

from __future__ import annotations

from .. import nodes as n
from . import _tables
from .lexer import OPEN_STRING, Token

__all__ = [
    "Keywords",
    "KEYWORDS",
    "STATEMENT_KEYWORDS",
    "STEP_KEYWORDS",
    "DECLARATION_KEYWORDS",
    "STATEMENT_TERMINALS",
    "starts_statement",
]

# How many tokens after a statement's keyword must fit the grammar for the line to
# count as beginning that statement: enough to tell `data x =` from a name `data`.
_LOOKAHEAD = 3


class Keywords:
    """What one set of tables (the committed module, or `_generate.tables(...)` as a
    namespace) says about keywords."""

    def __init__(self, tables) -> None:
        literals = tables.LITERALS
        self._actions = actions = tables.ACTIONS
        self._rules = tables.RULES
        self._start = start = tables.START_STATE
        rule_order: dict[str, int] = {}
        for index, rule in enumerate(tables.RULES):
            rule_order.setdefault(rule[0], index)
        # Every keyword: the terminals whose pattern is a plain word.
        self.keywords = frozenset(literal for literal in literals.values() if literal.isidentifier())
        self._terminal_of = {literal: name for name, literal in literals.items() if literal in self.keywords}
        self._keyword_terminals = frozenset(self._terminal_of.values())
        self.statement_terminals = frozenset(name for name in actions[start] if name in self._keyword_terminals)
        self.statement_keywords: tuple[str, ...] = tuple(sorted(
            (literals[name] for name in self.statement_terminals),
            key=lambda keyword: (rule_order.get(keyword, len(rule_order)), keyword),
        ))
        steps = frozenset(cls.__name__.lower() for cls in n.STEPS)
        self.step_keywords = tuple(k for k in self.statement_keywords if k in steps)
        self.declaration_keywords = tuple(k for k in self.statement_keywords if k not in steps)
        # States where a statement may begin (a goto on `_statement`). A statement keyword
        # the parser also shifts elsewhere (`set`, also a train-body entry) does not by
        # itself show that a line has left a block.
        top = frozenset(i for i, row in enumerate(actions) if "_statement" in row)
        self._top_only = frozenset(
            name for name in self.statement_terminals
            if all(i in top for i, row in enumerate(actions) if row.get(name, -1) >= 0)
        )

    def starts_statement(self, line: list[Token]) -> bool:
        """Whether a line's code tokens begin a statement only the top level holds: its
        keyword is one no block accepts, and the parser accepts up to three tokens after it."""
        if not line or self._terminal_of.get(line[0].text) not in self._top_only:
            return False
        return self._accepts([self._kind(t) for t in line[: _LOOKAHEAD + 1]])

    def _kind(self, token: Token) -> str:
        if token.is_word:
            return self._terminal_of.get(token.text, "NAME")  # folded by these tables
        return "STRING" if token.kind == OPEN_STRING else token.kind  # `workflow "unfinished`

    def _accepts(self, kinds: list[str]) -> bool:
        """Whether the parser, from its start state, accepts these terminals in turn."""
        actions = self._actions
        stack = [self._start]
        for kind in kinds:
            while True:
                row = actions[stack[-1]]
                action = row.get(kind)
                if action is None and kind in self._keyword_terminals:
                    action = row.get("NAME")  # the contextual lexer reads it as a name here
                if action is None:
                    return False
                if action >= 0:
                    stack.append(action)
                    break
                origin, size = self._rules[-action - 1][:2]
                if size:
                    del stack[-size:]
                stack.append(actions[stack[-1]][origin])
        return True


_committed = Keywords(_tables)
KEYWORDS = _committed.keywords
STATEMENT_KEYWORDS = _committed.statement_keywords
STEP_KEYWORDS = _committed.step_keywords
DECLARATION_KEYWORDS = _committed.declaration_keywords
STATEMENT_TERMINALS = _committed.statement_terminals
starts_statement = _committed.starts_statement
