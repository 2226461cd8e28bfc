"""'Did you mean ...?': the nearest known name to a misspelt one."""

from __future__ import annotations


def distance(a: str, b: str) -> int:
    """Optimal string alignment distance: edits, with a swap of neighbours as one edit."""
    if a == b:
        return 0
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def nearest(name: str, known) -> str | None:
    """The known name closest to `name`, if it is close enough to be a likely typo."""
    best = None
    best_score = None
    lowered = name.lower()
    for candidate in known:
        score = distance(lowered, candidate.lower())
        limit = max(1, min(3, len(candidate) // 3))
        if candidate.lower().startswith(lowered) or lowered.startswith(candidate.lower()):
            limit = max(limit, abs(len(candidate) - len(name)))
        # A name that shares nothing with the candidate (z for a) is no typo of it.
        if score <= limit and score < len(candidate) and (best_score is None or score < best_score):
            best, best_score = candidate, score
    return best
