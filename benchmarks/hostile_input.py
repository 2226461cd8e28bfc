"""How hpdsl copes with input built to be slow: the bounds that keep it fast, measured.

Run by hand (not part of the test suite):

    python benchmarks/hostile_input.py

Prints, for each case, the time of the bounded code and of the unbounded algorithm it
replaced (re-implemented here as it was, so the two can be compared on one machine):

1. "did you mean": a 300 KB misspelt name against a model's hyperparameters (CPython's
   bounds: no search for names over 40 characters, at most 750 candidates, an edit
   distance that stops past the largest distance that could count as a typo);
2. a data file's header of 20,001 columns with one duplicate (a dict of first positions
   against `list.index` per column);
3. escaping for the terminal: lines of 3 million characters (CJK text, ASCII with one
   control character, tabs).
"""

from __future__ import annotations

import time

from hpdsl.checker.models import MODELS
from hpdsl.render import terminal_safe
from hpdsl.suggest import distance, nearest


def _timed(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def _unbounded_nearest(name: str, known) -> None:
    """The distance to every name as it was computed before: without a bound, every cell."""
    for candidate in known:
        distance(name.lower(), candidate.lower())


def _quadratic_duplicates(columns: list[str]) -> None:
    for index, name in enumerate(columns):
        if columns.index(name) != index:
            return


def _linear_duplicates(columns: list[str]) -> None:
    position: dict[str, int] = {}
    for index, name in enumerate(columns):
        if name in position:
            return
        position[name] = index


def main() -> None:
    rows = []
    name = "learnig_rate" + "x" * 300_000
    hypers = list(MODELS["linear_regression"].hypers)
    rows.append(("nearest(300 KB name, 5 hyperparameters)", _timed(nearest, name, hypers),
                 _timed(_unbounded_nearest, name, hypers)))
    columns = [f"col{i}" for i in range(20_000)] + ["col5"]
    rows.append(("duplicate header, 20,001 columns", _timed(_linear_duplicates, columns),
                 _timed(_quadratic_duplicates, columns)))
    for label, text in (("CJK", "日本語" * 1_000_000), ("ASCII + ESC", "a" * 3_000_000 + "\x1b"),
                        ("tabs", "\t" * 3_000_000)):
        rows.append((f"terminal_safe, 3M chars of {label}", _timed(terminal_safe, text), None))
    print(f"{'case':<44} {'now':>10} {'unbounded':>10}")
    for label, now, before in rows:
        print(f"{label:<44} {now:>9.3f}s " + (f"{before:>9.3f}s" if before is not None else f"{'-':>10}"))


if __name__ == "__main__":
    main()
