"""'Did you mean ...?': the nearest known name to a misspelt one, as help and as a fix.

`did_you_mean` is the one place that writes the suggestion: its help text and the
structured fix (hpdsl.diagnostics.Fix) that editors and tools apply.

The search is bounded as CPython's suggester is, because it runs on text anyone can
write (a data file's header, a document open in the language server): names longer
than MAX_NAME get no suggestion, at most MAX_CANDIDATES known names are looked at, and
the edit distance stops as soon as it exceeds what could still count as a typo.
"""

from __future__ import annotations

from itertools import islice

from .diagnostics import UNSAFE, Fix, Suggestion
from .source import Span

MAX_NAME = 40
MAX_CANDIDATES = 750

# Abbreviations ML engineers type for hpdsl's hyperparameters, for `nearest(..., aliases=)`
# where hyperparameters are looked up. They are no typos (`lr` is one edit from `l2`), so
# they map only to their own meaning, and only where that name is known: `--set lr=0.1`
# on a ridge suggests nothing rather than `l2`.
HYPERPARAMETER_ALIASES = {
    "lr": "learning_rate",
    "eta": "learning_rate",
    "step_size": "learning_rate",
    "alpha": "l2",  # scikit-learn's Ridge and SGDRegressor name the L2 strength alpha
    "lambda": "l2",
    "lam": "l2",
    "wd": "l2",
    "weight_decay": "l2",
    "max_iter": "epochs",
    "n_epochs": "epochs",
    "num_epochs": "epochs",
    "bs": "batch_size",
    "random_state": "seed",
}


def distance(a: str, b: str, max_cost: int | None = None) -> int:
    """Optimal string alignment distance: edits, with a swap of neighbours as one edit.

    With `max_cost`, any result above it is returned as max_cost + 1, found early.
    """
    if a == b:
        return 0
    if max_cost is not None and abs(len(a) - len(b)) > max_cost:
        return max_cost + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        # Later cells grow from this row, or (a swap) from the previous row plus one edit.
        if max_cost is not None and min(current) > max_cost and min(previous) >= max_cost:
            return max_cost + 1
        previous2, previous = previous, current
    result = previous[-1]
    return result if max_cost is None or result <= max_cost else max_cost + 1


def nearest(name: str, known, aliases: dict[str, str] | None = None) -> str | None:
    """The known name closest to `name`, if it is close enough to be a likely typo.

    `aliases` maps abbreviations to the name they stand for; an abbreviation gets that
    name or, when it is not known, nothing.
    """
    if len(name) > MAX_NAME:
        return None
    lowered = name.lower()
    candidates = list(islice(known, MAX_CANDIDATES))
    alias = aliases.get(lowered) if aliases else None
    if alias is not None:
        return alias if alias in candidates else None
    best = None
    best_score = None
    for candidate in candidates:
        other = candidate.lower()
        limit = max(1, min(3, len(candidate) // 3))
        if other.startswith(lowered) or lowered.startswith(other):
            # One is the other plus letters at the end: exactly that many edits.
            score = abs(len(other) - len(lowered))
            limit = max(limit, score)
        else:
            score = distance(lowered, other, limit)
        # A name that shares nothing with the candidate (z for a) is no typo of it.
        if score <= limit and score < len(candidate) and (best_score is None or score < best_score):
            best, best_score = candidate, score
    return best


def did_you_mean(written: str, known, span: Span | None = None, otherwise: str | None = None, *,
                 aliases: dict[str, str] | None = None, string: bool = False, clip: int | None = None):
    """The help for a misspelt name: "did you mean 'NAME'?" for the nearest known name,
    else `otherwise`.

    The suggestion is a `Suggestion` (a help string) carrying the fix that replaces the
    text at `span` (the misspelt name as written; None when it is not in a source, then
    there is no fix). `string`: the name was written as a string literal, so the
    replacement is one too. `clip`: show at most that many characters of the name.
    """
    guess = nearest(written, known, aliases)
    if guess is None:
        return otherwise
    shown = guess if clip is None or len(guess) <= clip else guess[: clip - 3] + "..."
    text = f"did you mean '{shown}'?"
    fix = None
    if span is not None:
        replacement = '"' + guess.replace("\\", "\\\\").replace('"', '\\"') + '"' if string else guess
        fix = Fix(span, replacement, UNSAFE, f"Replace '{written}' with '{guess}'")
    return Suggestion(text, fix)
