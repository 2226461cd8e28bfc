"""The editor's question to the ledger, read-only: how often have this workflow's test
rows been scored, and by how many versions?

It opens an existing SQLite ledger read-only (never creating or writing one), uses no
numpy, and answers from what the runs recorded: the test rows of this workflow's latest
recorded run, and every look at exactly those rows. A postgresql:// ledger is not asked:
an editor should not wait on a network connection to show a hover.
"""

from __future__ import annotations

import os

from . import location
from .identity import canonical, version
from .store import Ledger, LedgerError, is_url


def test_history(path: str, program) -> dict | None:
    """{"entry", "looks", "versions", "other_versions", "entries", "known", "location"} for
    the workflow file at `path` (its text parsed as `program`), or None when no ledger
    or no recorded run of it exists."""
    if not path or path.startswith("<"):
        return None
    full = os.path.abspath(path)
    where = location(None, os.path.dirname(full))
    if is_url(where) or not os.path.isfile(where):
        return None
    try:
        with Ledger(where, read_only=True) as ledger, ledger.reading():
            latest = ledger.execute(
                "SELECT id, test_rowset FROM hpdsl_entries WHERE workflow = ? AND test_rowset IS NOT NULL "
                "ORDER BY id DESC LIMIT 1", (full,)).fetchone()
            if latest is None:
                return None
            looks = ledger.execute(
                "SELECT id, version FROM hpdsl_entries WHERE test_rowset = ? AND status = 'look' ORDER BY id",
                (latest[1],)).fetchall()
    except LedgerError:
        return None
    mine = version(canonical(program))
    versions = {row[1] for row in looks}
    return {"entry": latest[0], "looks": len(looks), "versions": len(versions),
            "other_versions": len(versions - {mine}), "entries": [row[0] for row in looks],
            "known": mine in versions, "location": where}
