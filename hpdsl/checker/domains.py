"""Domains of hyperparameter values: intervals (ends open or closed, inf allowed) and sets."""

from __future__ import annotations

from ..record import Record

INF = float("inf")


def show_number(value) -> str:
    """A number as a user would write it: 3, 0.05, 1e-06, inf."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if value == INF:
            return "inf"
        if value == -INF:
            return "-inf"
        text = repr(value)
        return text[:-2] if text.endswith(".0") and "e" not in text and abs(value) < 1e16 else text
    return str(value)


class Domain(Record):
    """A set of numbers a hyperparameter may take."""

    def contains(self, value) -> bool:
        raise NotImplementedError

    def within(self, outer: Domain) -> bool:
        raise NotImplementedError


class Interval(Domain):
    low: float
    high: float
    low_closed: bool = True
    high_closed: bool = True

    def __init__(self, low, high, low_closed: bool = True, high_closed: bool = True) -> None:
        setter = object.__setattr__
        setter(self, "low", low)
        setter(self, "high", high)
        setter(self, "low_closed", low_closed)
        setter(self, "high_closed", high_closed)

    def contains(self, value) -> bool:
        if value != value:  # NaN
            return False
        if value < self.low or (value == self.low and not self.low_closed):
            return False
        if value > self.high or (value == self.high and not self.high_closed):
            return False
        return True

    def is_empty(self) -> bool:
        if self.low > self.high:
            return True
        return self.low == self.high and not (self.low_closed and self.high_closed)

    def within(self, outer: Domain) -> bool:
        if isinstance(outer, Interval):
            low_ok = self.low > outer.low or (self.low == outer.low and (outer.low_closed or not self.low_closed))
            high_ok = self.high < outer.high or (
                self.high == outer.high and (outer.high_closed or not self.high_closed)
            )
            return low_ok and high_ok
        return False

    def __str__(self) -> str:
        return (
            ("[" if self.low_closed else "(")
            + show_number(self.low)
            + ", "
            + show_number(self.high)
            + ("]" if self.high_closed else ")")
        )

    __repr__ = __str__


class ValueSet(Domain):
    values: tuple

    def __init__(self, values) -> None:
        object.__setattr__(self, "values", tuple(values))

    def contains(self, value) -> bool:
        return any(value == v for v in self.values)

    def within(self, outer: Domain) -> bool:
        return all(outer.contains(v) for v in self.values)

    def __str__(self) -> str:
        return "{" + ", ".join(show_number(v) for v in self.values) + "}"

    __repr__ = __str__
