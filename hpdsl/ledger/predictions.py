"""What `hpdsl predict` records in the ledger: a look at recorded test rows after the fact.

Before predict streams its rows, the Watch reads the test rows of every recorded look
(the fingerprints stored for them, sorted distinct). While the blocks stream, each block
with a target column is fingerprinted by the function the ledger uses for splits
(fingerprints.row_fingerprints), so a reordered or rewritten file is still recognised;
the rows that are recorded test rows are marked (one flag a recorded test row: memory
does not grow with the file) and scored on their own. After the last block, if any were
scored, one entry of status "predict" is appended to the chain: the model file (sha256,
provenance), the data's sha256, the looks it overlaps and how many of their test rows it
scored; its `test_rowset` is those rows, so later runs count the entry among the looks
at them (record.Recorder._judge).

Rows without a target are never a look: their fingerprints cannot be computed (the
target is part of a row's identity) and predictions alone score nothing. A predict
never creates a ledger: with none at the location there is nothing recorded to overlap.
A ledger row written here uses the schema as it is: no column was added.
"""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np

from .. import __version__
from ..runtime.errors import UsageError
from . import fingerprints as fp
from . import location
from .store import Ledger, LedgerError, is_url, now, shown

STATUS = "predict"


class Watch:
    """Recognises recorded test rows among the rows `predict` scores, and records the look."""

    def __init__(self, ledger: Ledger, model, model_path: str, data_shown: str) -> None:
        self.ledger = ledger
        self.model = model
        self.model_path = os.path.abspath(model_path)
        with open(model_path, "rb") as handle:
            self.model_sha256 = hashlib.sha256(handle.read()).hexdigest()
        self.data_shown = data_shown
        with ledger.reading():
            digests = [row[0] for row in ledger.execute(
                "SELECT DISTINCT test_rowset FROM hpdsl_entries WHERE status = 'look' AND test_rowset IS NOT NULL"
            ).fetchall()]
            parts = [fp.unpack(blob) for blob in map(ledger.rowset, digests) if blob]
        # Every recorded test row, sorted distinct: what a predicted row is looked up in.
        self.known = fp.distinct(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.uint64)
        self._hit = np.zeros(len(self.known), dtype=bool)  # which recorded test rows were scored
        self.scored = 0
        self.entry: dict | None = None
        self.overlaps: list[dict] = []

    @property
    def active(self) -> bool:
        return len(self.known) > 0

    def test_rows(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Which rows of a block are recorded test rows (a boolean mask); remembers them."""
        mine = fp.row_fingerprints(X, y)
        at = np.minimum(np.searchsorted(self.known, mine), len(self.known) - 1)
        mask = self.known[at] == mine
        if mask.any():
            self._hit[at[mask]] = True
            self.scored += int(mask.sum())
        return mask

    def record(self, rows: int, data_sha256: str, scores: dict | None, file_scores: dict | None) -> dict | None:
        """Append the predict entry (and its scores) when recorded test rows were scored."""
        if not self.scored:
            return None
        rows_seen = self.known[self._hit]  # sorted distinct, as `known` is
        digest, count, blob = fp.pack(rows_seen)
        with self.ledger.appending():
            # Read again under the append lock: the looks recorded while the rows streamed count too.
            history = self.ledger.entries(columns=("id", "version", "status", "test_rowset"))
            overlaps, versions = [], set()
            for entry in history:
                if entry["status"] not in ("look", STATUS) or not entry["test_rowset"]:
                    continue
                stored = self.ledger.rowset(entry["test_rowset"])
                inside = int(fp.member(rows_seen, fp.unpack(stored)).sum()) if stored else 0
                if inside:
                    overlaps.append({"entry": entry["id"], "status": entry["status"], "rows": inside})
                    if entry["status"] == "look":
                        versions.add(entry["version"])
            self.ledger.put_rowset(digest, count, blob)
            provenance = self.model.provenance
            identity = {
                "kind": STATUS,
                "model": {"path": self.model_path, "sha256": self.model_sha256, "provenance": provenance},
                "data": {"path": self.data_shown, "rows": rows, "sha256": data_sha256},
                "test_rows_scored": self.scored, "distinct_test_rows": count, "overlaps": overlaps,
            }
            splits = {"predicted": {"role": STATUS, "rows": count, "rowset": digest, "read_for": [STATUS]}}
            self.entry = self.ledger.append({
                "created": now(), "hpdsl": __version__, "workflow": self.model_path,
                "title": provenance["workflow"]["title"],
                # The model's workflow version is not in model.json: the model file names it.
                "version": "model:" + self.model_sha256,
                "identity": json.dumps(identity, sort_keys=True), "data_sha256": data_sha256,
                "splits": json.dumps(splits, sort_keys=True), "audit": json.dumps({}),
                "test_split": STATUS, "test_rowset": digest, "status": STATUS, "supersedes": None,
                "looks": len(overlaps) + 1, "versions": len(versions),
            })
            self.ledger.add_result(self.entry, {"scores": scores, "file_scores": file_scores,
                                                "test_rows_scored": self.scored})
        self.overlaps = overlaps
        return self.entry

    def note(self) -> str | None:
        if self.entry is None:
            return None
        looks = [o["entry"] for o in self.overlaps if o["status"] == "look"]
        runs = ", ".join(map(str, looks))
        return (f"{self.scored} of the predicted rows are test rows of recorded run{'s' if len(looks) != 1 else ''} "
                f"{runs}, and their scores were computed: this predict is a look at those test rows after the fact, "
                f"recorded as entry {self.entry['id']} in {shown(self.ledger.location)}")

    def close(self) -> None:
        self.ledger.close()


def watch_for(args, model, model_path: str) -> Watch | None:
    """The Watch `hpdsl predict` uses: None with --no-ledger or where no ledger exists.
    --ledger PATH|URL, else $HPDSL_LEDGER, else the default for the model's folder (the
    run's --out folder sits in the project whose ledger recorded the run). Raises
    UsageError for a contradiction, LedgerError when the ledger cannot be read."""
    if args.no_ledger:
        if args.ledger:
            raise UsageError("--no-ledger records nothing, so it cannot be combined with --ledger")
        return None
    where = location(args.ledger, os.path.dirname(os.path.abspath(model_path)))
    if not is_url(where) and not os.path.isfile(where):
        if args.ledger:
            raise LedgerError(f"there is no ledger at {where} (`hpdsl run` creates one)")
        return None
    ledger = Ledger(where)
    try:
        return Watch(ledger, model, model_path, args.data)
    except (LedgerError, OSError):
        ledger.close()
        raise
