"""The test-use ledger: a hash-chained record of every run that reads data, so that the
test split is looked at once across runs, not only within one (rules HP304 and HP305).

    identity.py      a workflow's semantic version and what changed between two (no numpy)
    fingerprints.py  row fingerprints and packed sets of them (numpy)
    store.py         the schema in SQLite or PostgreSQL, the chain, verify
    record.py        what `hpdsl run` records, and the rules it enforces before the test
    predictions.py   what `hpdsl predict` records: scores on recorded test rows, a look
    query.py         the read-only question the editor's hover asks (no numpy)
    command.py       `hpdsl ledger list | show | verify`

This module only finds where the ledger lives; it imports nothing heavy.
"""

from __future__ import annotations

import os

ENVIRONMENT = "HPDSL_LEDGER"
FOLDER = ".hpdsl"
FILE = "ledger.sqlite"
_ROOTS = (FOLDER, ".git", ".hg")


def default_location(folder: str) -> str:
    """`.hpdsl/ledger.sqlite` in the nearest folder at or above `folder` that holds
    `.hpdsl/` or a version-control root (.git, .hg); else in `folder` itself."""
    start = os.path.abspath(folder or ".")
    here = start
    while True:
        if any(os.path.exists(os.path.join(here, mark)) for mark in _ROOTS):
            return os.path.join(here, FOLDER, FILE)
        parent = os.path.dirname(here)
        if parent == here:
            return os.path.join(start, FOLDER, FILE)
        here = parent


def location(explicit: str | None, folder: str) -> str:
    """The ledger a command uses: --ledger, else $HPDSL_LEDGER, else the default for `folder`."""
    chosen = explicit or os.environ.get(ENVIRONMENT)
    return chosen if chosen else default_location(folder)
