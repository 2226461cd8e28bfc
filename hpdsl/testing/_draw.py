"""Choices made from a Hypothesis `draw`: every choice is one integer draw (a draw costs far
more than the arithmetic), and each shrinks toward the first items in their given order."""

from __future__ import annotations

import math

from hypothesis import strategies as st


class Draws:
    """The choices a generator makes, all from one `draw`."""

    def __init__(self, draw) -> None:
        self.draw = draw

    def flip(self, chance: float = 0.5) -> bool:
        return self.draw(st.integers(0, 999)) < chance * 1000

    def pick(self, items):
        items = items if isinstance(items, (list, tuple)) else list(items)
        return items[self.draw(st.integers(0, len(items) - 1))]

    def shuffled(self, items) -> list:
        """`items` in an order decoded from one draw (0: as given)."""
        rest, out = list(items), []
        if len(rest) < 2:
            return rest
        index = self.draw(st.integers(0, math.factorial(len(rest)) - 1))
        while rest:
            index, i = divmod(index, len(rest))
            out.append(rest.pop(i))
        return out

    def subset(self, items, least: int = 1, most: int | None = None) -> list:
        """Between `least` and `most` distinct items, in a drawn order."""
        items = list(items)
        most = len(items) if most is None else min(most, len(items))
        mask = self.draw(st.integers(0, 2 ** len(items) - 1))
        chosen = [x for i, x in enumerate(items) if mask >> i & 1]
        chosen += [x for x in items if x not in chosen][: max(0, least - len(chosen))]
        return self.shuffled(chosen[:most])
