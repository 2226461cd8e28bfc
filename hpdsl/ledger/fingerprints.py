"""Row fingerprints: one 64-bit hash per row of values, and sets of them stored compactly.

A row's fingerprint depends on its values alone (the features the workflow uses, then
the target, as float64), never on its position, so the identity of the test rows
survives a reordering, a new split seed or a rewritten file. The hash is a
multilinear sum over the columns finished by splitmix64's mixer, vectorized in numpy
(one integer matrix-vector product), which keeps fingerprinting a million rows a small
part of the run that reads them.
A split's rows are stored as their fingerprints in split order, 8 bytes each,
little-endian, named by the sha256 of those bytes.
"""

from __future__ import annotations

import hashlib

import numpy as np

# Odd 64-bit multipliers, one a column (digits of pi, e and sqrt 2; fixed forever: the
# fingerprints are stored). Odd, so a change in one value always changes the sum.
_KEYS = np.array([0x243F6A8885A308D3, 0x13198A2E03707345, 0xA4093822299F31D1, 0x082EFA98EC4E6C89,
                  0x452821E638D01377, 0xBE5466CF34E90C6D, 0xB7E151628AED2A6B, 0x6A09E667F3BCC909],
                 dtype=np.uint64)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _keys(count: int) -> np.ndarray:
    """`count` odd multipliers: the fixed ones, then more drawn by a splitmix64 sequence."""
    keys = list(_KEYS[:count])
    state = np.array([_KEYS[-1]], dtype=np.uint64)
    while len(keys) < count:
        state = _mix(state + np.uint64(0x9E3779B97F4A7C15))
        keys.append(state[0] | np.uint64(1))
    return np.array(keys, dtype=np.uint64)


def _mix(h: np.ndarray, spare: np.ndarray | None = None) -> np.ndarray:
    """splitmix64's finalizer, in place: every input bit reaches every output bit."""
    spare = np.empty_like(h) if spare is None else spare
    for shift, multiplier in ((30, _M1), (27, _M2), (31, None)):
        np.right_shift(h, np.uint64(shift), out=spare)
        np.bitwise_xor(h, spare, out=h)
        if multiplier is not None:
            np.multiply(h, multiplier, out=h)
    return h


def row_fingerprints(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The fingerprint of every row of (X, y), as uint64, in row order: a multilinear hash
    of the values' float64 bits (sum of bits times a column's odd key, modulo 2**64)
    finished by splitmix64's mixer. -0.0 counts as 0.0. Few temporary arrays: on data
    this size, fresh memory (page faults) costs more than the arithmetic."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    if not X.all():  # some value is zero (all() reduces without a temporary array)
        X = X + 0.0  # turns -0.0 into 0.0
    if not y.all():
        y = y + 0.0
    keys = _keys(X.shape[1] + 1)
    with np.errstate(over="ignore"):
        h = X.view(np.uint64) @ keys[:-1] if X.shape[1] else np.zeros(len(y), dtype=np.uint64)
        spare = np.multiply(y.view(np.uint64), keys[-1])
        h += spare
        return _mix(h, spare)


def pack(fingerprints: np.ndarray) -> tuple[str, int, memoryview]:
    """(sha256 name, count, bytes) of a split's rows: their fingerprints in split order.

    Not sorted: a run that finds no history never sorts, and a replay (the same split)
    names the same bytes, so the ledger stores them once."""
    # A view of the array's bytes, not a copy: hashlib, sqlite3 and psycopg all read buffers.
    blob = memoryview(np.ascontiguousarray(fingerprints.astype("<u8", copy=False))).cast("B")
    return hashlib.sha256(blob).hexdigest(), len(fingerprints), blob


def unpack(blob: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u8")


def distinct(fingerprints: np.ndarray) -> np.ndarray:
    """Sorted distinct fingerprints."""
    ordered = np.sort(fingerprints)
    # Not np.unique: on uint64 it is a few hundred times slower than a sort in numpy 2.x.
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered


def member(mine: np.ndarray, stored: np.ndarray) -> np.ndarray:
    """For each of the sorted distinct fingerprints `mine`, whether `stored` holds it."""
    found = np.zeros(len(mine), dtype=bool)
    if len(mine) == 0 or len(stored) == 0:
        return found
    at = np.searchsorted(mine, stored)
    inside = at < len(mine)
    at, stored = at[inside], stored[inside]
    found[at[mine[at] == stored]] = True
    return found
