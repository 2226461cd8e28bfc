"""The reference parser: lark itself, built from grammar/hpdsl.lark at run time.

Used when the generated tables are absent (a source checkout that was never built)
and by the test suite, which checks that the table-driven parser and lark agree on
every program, including where they stop on bad input.
"""

from __future__ import annotations

import lark

from ._driver import END, NEWLINE, SyntaxProblem
from ._generate import ALWAYS_ACCEPT, LARK_OPTIONS


class _Brackets:
    """Postlexer: a newline inside ( ) or [ ] does not end the statement."""

    always_accept = ALWAYS_ACCEPT

    def process(self, stream):
        depth = 0
        for token in stream:
            kind = token.type
            if kind in ("LPAR", "LSQB"):
                depth += 1
            elif kind in ("RPAR", "RSQB"):
                if depth:
                    depth -= 1
            elif kind == NEWLINE and depth:
                continue
            yield token


def _expected(error) -> frozenset[str]:
    return frozenset(error.interactive_parser.accepts())


class LarkParser:
    def __init__(self, grammar_text: str, builder) -> None:
        self._lark = lark.Lark(
            grammar_text,
            transformer=builder,
            postlex=_Brackets(),
            lexer_callbacks={"COMMENT": builder.comment},
            **LARK_OPTIONS,
        )
        # Keyword and punctuation terminals by name, for messages ("expected 'on'").
        self.literals = {t.name: t.pattern.value for t in self._lark.terminals if t.pattern.type == "str"}

    def parse(self, text: str):
        try:
            return self._lark.parse(text)
        except lark.UnexpectedToken as error:
            token = error.token
            if token.type == END:
                start = end = len(text)
            else:
                start, end = token.start_pos, token.end_pos
            raise SyntaxProblem(start, end, token.type, str(token.value), _expected(error)) from None
        except lark.UnexpectedCharacters as error:
            pos = error.pos_in_stream
            raise SyntaxProblem(pos, pos + 1, None, text[pos], _expected(error)) from None
