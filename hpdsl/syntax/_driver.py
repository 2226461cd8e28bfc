"""The runtime parser: an LALR(1) driver and contextual lexer over lark's generated tables.

This is the loop of lark's own LALR parser and contextual lexer (lark/parsers/
lalr_parser_state.py, lark/lexer.py), run on the tables `_generate` wrote, with
lark's inline-transformer semantics: `_rule`s splice their children into the parent,
`?rule`s with one child pass it through, every other rule calls the builder method
named after the rule or its alias. Imports nothing but `re`.
"""

from __future__ import annotations

import re

NEWLINE = "_NL"
END = "$END"
_OPEN = frozenset({"LPAR", "LSQB"})
_BLANKS = re.compile(r"[ \t]+")
_CLOSE = frozenset({"RPAR", "RSQB"})


class Token:
    __slots__ = ("type", "value", "start_pos", "end_pos")

    def __init__(self, type_: str, value: str, start_pos: int, end_pos: int) -> None:
        self.type = type_
        self.value = value
        self.start_pos = start_pos
        self.end_pos = end_pos

    def __repr__(self) -> str:
        return f"Token({self.type}, {self.value!r}, {self.start_pos})"


class SyntaxProblem(Exception):
    """Where parsing stopped. `found` is a terminal name, or None for a character no
    terminal matches; `expected` the terminal names acceptable there."""

    def __init__(self, start: int, end: int, found: str | None, text: str, expected: frozenset[str]) -> None:
        super().__init__(f"unexpected {found or 'character'} {text!r} at {start}")
        self.start = start
        self.end = end
        self.found = found
        self.text = text
        self.expected = expected


def feed(actions, rules, stack: list[int], terminal: str, fallback: str | None = None, end_state: int = -1) -> bool:
    """Whether the automaton at `stack` accepts `terminal`: reduces as the tables say, then
    shifts it (`stack` changes in place). A state with no action for `terminal` tries
    `fallback` (a keyword the contextual lexer reads as a NAME there); reaching
    `end_state` accepts END. The parse loop inlines this, calling the builder as it goes."""
    while True:
        row = actions[stack[-1]]
        action = row.get(terminal)
        if action is None and fallback is not None:
            action = row.get(fallback)
        if action is None:
            return False
        if action >= 0:
            stack.append(action)
            return True
        origin, size = rules[-action - 1][:2]
        if size:
            del stack[-size:]
        stack.append(actions[stack[-1]][origin])
        if terminal == END and stack[-1] == end_state:
            return True


class TableParser:
    """Parses text with the generated tables, calling `builder` as rules reduce."""

    def __init__(self, tables, builder) -> None:
        self._terminals = tables.TERMINALS
        self._ignore = frozenset(tables.IGNORE)
        self._lexer_specs = tables.LEXERS
        self._scanners: list = [None] * len(tables.LEXERS)
        self._state_lexer = tables.STATE_LEXER
        self._root_lexer = tables.ROOT_LEXER
        self._actions = tables.ACTIONS
        self._start_state = tables.START_STATE
        self._end_state = tables.END_STATE
        self._builder = builder
        self._rules = [
            (origin, size, getattr(builder, callback) if callback else None, expand1, expand_at)
            for origin, size, callback, expand1, expand_at in tables.RULES
        ]
        self._shift_callbacks = {t: getattr(builder, t) for t in tables.TERMINALS if hasattr(builder, t)}
        # What each state's lexer knows: its terminals and the keywords folded into them.
        self._known = [
            frozenset(order).union(*(kinds.values() for kinds in keywords.values()))
            for order, keywords in tables.LEXERS
        ]

    def _scanner(self, index: int):
        scanner = self._scanners[index]
        if scanner is None:
            order, keywords = self._lexer_specs[index]
            pattern = "|".join(f"(?P<{name}>{self._terminals[name]})" for name in order)
            scanner = self._scanners[index] = (re.compile(pattern).match, keywords)
        return scanner

    def _expected(self, states: list[int]) -> frozenset[str]:
        """The terminals the parser would really accept next (lark's InteractiveParser.accepts):
        LALR merges lookaheads, so a state lists some that fail after the reductions."""
        actions = self._actions
        return frozenset(
            terminal for terminal in actions[states[-1]]
            if terminal.isupper() and feed(actions, self._rules, list(states), terminal, end_state=self._end_state)
        )

    def _no_match(self, text: str, pos: int, states: list[int]) -> SyntaxProblem:
        """As lark's contextual lexer does: name the token if any terminal matches here."""
        match, keywords = self._scanner(self._root_lexer)
        m = match(text, pos)
        if m is None:
            return SyntaxProblem(pos, pos + 1, None, text[pos], self._expected(states))
        kind, value = m.lastgroup, m.group()
        kind = keywords.get(kind, {}).get(value, kind)
        return SyntaxProblem(pos, m.end(), kind, value, self._expected(states))

    def parse(self, text: str):
        actions = self._actions
        rules = self._rules
        state_lexer = self._state_lexer
        end_state = self._end_state
        ignore = self._ignore
        shift_callbacks = self._shift_callbacks
        comment = self._builder.comment
        known_of_lexer = self._known
        root_match, root_keywords = self._scanner(self._root_lexer)
        skip_blanks = _BLANKS.match
        states = [self._start_state]
        values: list = []
        pos = 0
        length = len(text)
        depth = 0
        token = None

        while True:
            if pos < length:
                # One regex over every terminal does the lexing; a state's own lexer (a
                # regex compile each) is needed only where the token that regex finds is
                # not one this state knows. Whenever it is known, lark's contextual lexer
                # would have found the same token: every terminal before it in lark's
                # order failed to match here.
                # Spaces and tabs (the ignored WS terminal) are skipped before the regex
                # over every terminal: nothing but WS can match where they start.
                if text[pos] in " \t":
                    pos = skip_blanks(text, pos).end()
                    if pos == length:
                        continue
                state = states[-1]
                lexer = state_lexer[state]
                known = known_of_lexer[lexer]
                m = root_match(text, pos)
                kind = None
                if m is not None:
                    kind = m.lastgroup
                    folded = root_keywords.get(kind)
                    if folded is not None:
                        keyword = folded.get(m.group())
                        if keyword is not None and keyword in known:
                            kind = keyword
                    if kind not in known:
                        kind = None
                if kind is None:
                    match, keywords = self._scanner(lexer)
                    m = match(text, pos)
                    if m is None:
                        raise self._no_match(text, pos, states)
                    kind = m.lastgroup
                    if kind in keywords:
                        kind = keywords[kind].get(m.group(), kind)
                value = m.group()
                end = m.end()
                if kind in ignore:
                    if kind == "COMMENT":
                        comment(Token(kind, value, pos, end))
                    pos = end
                    continue
                token = Token(kind, value, pos, end)
                pos = end
                if kind in _OPEN:
                    depth += 1
                elif kind in _CLOSE:
                    if depth:
                        depth -= 1
                elif kind == NEWLINE and depth:
                    continue
                is_end = False
            else:
                kind = END
                token = Token(END, "", length, length)
                is_end = True

            while True:
                action = actions[states[-1]].get(kind)
                if action is None:
                    raise SyntaxProblem(token.start_pos, token.end_pos, kind, token.value, self._expected(states))
                if action >= 0:
                    states.append(action)
                    callback = shift_callbacks.get(kind)
                    values.append(callback(token) if callback else token)
                    break
                origin, size, callback, expand1, expand_at = rules[-action - 1]
                if size:
                    children = values[-size:]
                    del states[-size:]
                    del values[-size:]
                else:
                    children = []
                if expand_at:
                    # Splice inlined rules' children. A left-recursive `_rule*` arrives as
                    # the first child: extend that list in place (as lark does), so a long
                    # file costs linear time, not quadratic.
                    if expand_at[0] == 0:
                        flat = children[0]
                        rest = range(1, len(children))
                    else:
                        flat = []
                        rest = range(len(children))
                    for i in rest:
                        if i in expand_at:
                            flat.extend(children[i])
                        else:
                            flat.append(children[i])
                    children = flat
                if expand1 and len(children) == 1:
                    value = children[0]
                elif callback is None:
                    value = children
                else:
                    value = callback(children)
                states.append(actions[states[-1]][origin])
                values.append(value)
                if is_end and states[-1] == end_state:
                    return values[-1]
