"""What `hpdsl run` records in the ledger, and the test-once rules it enforces (HP304, HP305).

The interpreter calls the Recorder twice: `begin` once the data is split (a first,
lock-free check, so that a run bound to be refused stops before it trains), and
`before_test` just before the final test reads its rows. There, inside the ledger's
append lock, the history is checked again and the look is written *before* the test
scores: a run killed during or after the test step still counts as a look, and two
concurrent runs cannot both see a clean history and both look. `finish` then adds the
scores (or records a run that read data but never tested).

A look is a `test` whose rows overlap most (at least half) of an earlier look's rows.
HP304: those rows were scored by a different semantic version. HP305: rows of this
test split were used to fit, tune, stop early or standardize in an earlier run. A
replay (same version, same data) is never a reuse. A `predict` that scored recorded
test rows (predictions.py) counts among the looks at them, not as a version.
`--supersede N` accepts the conflicting entries up to N (and later replays of the
versions they ran), knowingly; the new entry records it.
"""

from __future__ import annotations

import json
import os

import numpy as np

from .. import __version__
from .. import nodes as n
from ..runtime.errors import RunError, UsageError, fail
from ..source import Span
from . import fingerprints as fp
from .identity import canonical, changes, version
from .store import Ledger, LedgerError, now, shown

# The columns the rules read of every earlier entry (not the larger identity and audit).
HISTORY = ("id", "created", "version", "data_sha256", "splits", "test_rowset", "status")
# What a read of a split's rows for this purpose did to the model (guards.PURPOSES).
SHAPING = {"fit": "trained on", "tune-score": "tuned on", "cv": "tuned on (cross-validation)",
           "early-stop": "used for early stopping", "standardize": "used to fit the standardization",
           "impute": "used to fit an imputation", "encode": "used to fit an encoding"}


class Recorder:
    """Records one run. `ledger` None is `--no-ledger`: nothing is read or written, and the
    report says so."""

    def __init__(self, ledger: Ledger | None, workflow: str, supersede: int | None = None) -> None:
        self.ledger = ledger
        self.workflow = workflow
        self.supersede = supersede
        self.run = None
        self.data = None
        self.entry: dict | None = None
        self.looks: dict | None = None
        self._packed: dict | None = None  # split name -> (digest, count, blob); the rows never change
        self._every = None
        self._test_count = 0
        self._masks: dict[str, np.ndarray] = {}
        self._mine: np.ndarray | None = None  # this run's test rows: sorted distinct fingerprints

    # ---- hooks the interpreter calls ------------------------------------------------------------

    def begin(self, run, data) -> None:
        self.run, self.data = run, data
        if self.ledger is None:
            return
        test = _final_test(run.program)
        if test is None and self.supersede is not None:
            raise UsageError(f"--supersede {self.supersede}: this workflow has no test step, so it looks at no "
                             "test rows and supersedes nothing")
        if test is not None:
            facts = self._facts(test, run.store.purposes())
            self._judge(facts, test, history=self.ledger.entries(columns=HISTORY))

    def before_test(self, run, step: n.Test) -> None:
        if self.ledger is None:
            return
        facts = self._facts(step, run.store.purposes())
        audit = run.store.audit()
        for name in facts["test_names"]:
            audit[name] = [*audit[name], {"line": run.step.line, "kind": "test"}]
        refusal = None
        with self.ledger.appending():
            self._put_rowsets(facts)
            try:
                self.looks = self._judge(facts, step, history=self.ledger.entries(columns=HISTORY))
                status = "look"
            except RunError as error:
                refusal, status = error, "refused " + error.diagnostic.code
                self.looks = {"looks": [], "versions": 0}
            self.entry = self.ledger.append(self._fields(facts, audit, status))
        if refusal is not None:
            raise refusal
        self.looks["looks"].append(self.entry["id"])

    def finish(self, report=None, error: BaseException | None = None) -> None:
        """After the run: add the test's scores, or record a run that read data without
        looking at the test rows; then describe the ledger in the report."""
        if self.ledger is not None and self.run is not None:
            store = getattr(self.run, "store", None)
            if self.entry is not None and report is not None and self.entry["status"] == "look":
                with self.ledger.appending():
                    self.ledger.add_result(self.entry, {"scores": _test_scores(report),
                                                        "audit": report.data["audit"]})
            elif self.entry is None and store is not None and any(store.purposes().values()):
                facts = self._facts(None, store.purposes())
                status = "no test" if error is None else "failed " + _code(error)
                with self.ledger.appending():
                    self._put_rowsets(facts)
                    self.entry = self.ledger.append(self._fields(facts, store.audit(), status))
        if report is not None:
            report.data["ledger"] = self.describe()

    def describe(self) -> dict:
        if self.ledger is None:
            return {"recorded": False, "reason": "--no-ledger"}
        out = {"recorded": True, "location": shown(self.ledger.location),
               "entry": None if self.entry is None else self.entry["id"],
               "version": None if self.entry is None else self.entry["version"], "test": None}
        if self.entry is not None and self.entry["status"] == "look":
            out["test"] = {"split": self.entry["test_split"], "rows": self._test_count,
                           "looks": len(self.looks["looks"]), "versions": self.looks["versions"],
                           "entries": self.looks["looks"], "supersedes": self.supersede}
        return out

    # ---- facts about this run ------------------------------------------------------------------

    def _facts(self, test: n.Test | None, purposes: dict[str, list[str]]) -> dict:
        run = self.run
        identity = canonical(run.program, run.analysis.overrides)
        if self._packed is None:
            every = run.row_fingerprints()
            self._packed = {name: fp.pack(every[start:stop]) for name, (start, stop) in run.split_layout.items()}
            self._every = every
        splits = {}
        for info in run.scope.splits.values():
            start, stop = run.split_layout[info.name]
            digest, count, blob = self._packed[info.name]
            splits[info.name] = {"role": info.role, "rows": stop - start, "rowset": digest,
                                 "read_for": purposes.get(info.name, []), "_count": count, "_blob": blob}
        facts = {"identity": identity, "version": version(identity), "splits": splits,
                 "test_names": [], "test_digest": None, "test": None}
        if test is not None:
            names = list(dict.fromkeys(name.name for name in test.splits))
            if len(names) == 1:
                digest, blob = splits[names[0]]["rowset"], splits[names[0]]["_blob"]
                count = splits[names[0]]["_count"]
            else:
                parts = [self._every[slice(*run.split_layout[name])] for name in names]
                digest, count, blob = fp.pack(np.concatenate(parts))
                facts["test_blob"] = (count, blob)
            facts.update(test_names=names, test_digest=digest, test=fp.unpack(blob))
            self._mine = None
            self._test_count = count
        return facts

    def _put_rowsets(self, facts: dict) -> None:
        for split in facts["splits"].values():
            self.ledger.put_rowset(split["rowset"], split["_count"], split["_blob"])
        if "test_blob" in facts:
            self.ledger.put_rowset(facts["test_digest"], *facts["test_blob"])

    def _fields(self, facts: dict, audit: dict, status: str) -> dict:
        run = self.run
        splits = {name: {k: x for k, x in split.items() if not k.startswith("_")}
                  for name, split in facts["splits"].items()}
        looks = self.looks or {"looks": [], "versions": 0}
        return {
            "created": now(), "hpdsl": __version__, "workflow": self.workflow, "title": run.scope.title,
            "version": facts["version"], "identity": json.dumps(facts["identity"], sort_keys=True),
            "data_sha256": self.data.sha256, "splits": json.dumps(splits, sort_keys=True),
            "audit": json.dumps(audit, sort_keys=True),
            "test_split": " + ".join(facts["test_names"]) or None, "test_rowset": facts["test_digest"],
            "status": status, "supersedes": self.supersede if status == "look" else None,
            "looks": len(looks["looks"]) + (1 if status == "look" else 0),
            "versions": looks["versions"],
        }

    # ---- the rules -------------------------------------------------------------------------------

    def _judge(self, facts: dict, test: n.Test, history: list[dict]) -> dict:
        """The earlier looks at these test rows; raises RunError (HP304/HP305) when an
        earlier entry not superseded makes this test a reuse, UsageError for a bad --supersede."""
        if not history:
            if self.supersede is not None:
                self._check_supersede(history, [], False)
            return {"looks": [], "versions": 1}
        replay = any(e["status"] == "look" and e["version"] == facts["version"]
                     and e["data_sha256"] == self.data.sha256 for e in history)
        looks, conflicts = [], []
        for entry in history:
            same_rows = entry["test_rowset"] == facts["test_digest"]  # then no need to compare rows
            if entry["status"] == "predict":
                # A predict scored rows an earlier look had scored: one more look at them, but
                # not a new version, and never a refusal of its own (that earlier look decides).
                if same_rows or self._most(entry["test_rowset"], facts):
                    looks.append(entry)
                continue
            if entry["status"] == "look" and (same_rows or self._most(entry["test_rowset"], facts)):
                looks.append(entry)
                if entry["version"] != facts["version"]:
                    seen = len(self._distinct(facts)) if same_rows else int(self._inside(entry["test_rowset"], facts).sum())
                    conflicts.append(("HP304", entry, seen, None))
                    continue
            if entry["version"] == facts["version"] and entry["data_sha256"] == self.data.sha256:
                continue  # the same run on the same data: the same split, nothing new was seen
            used, how = self._shaped(entry, facts)
            if used:
                conflicts.append(("HP305", entry, used, how))
        if self.supersede is not None:
            self._check_supersede(history, conflicts, replay)
        if not replay:
            # Superseding entry N accepts every conflict up to N, and later entries of a
            # version so accepted (its replays add nothing new).
            accepted = {c[1]["version"] for c in conflicts if self.supersede is not None and c[1]["id"] <= self.supersede}
            open_conflicts = [c for c in conflicts if not (self.supersede is not None and c[1]["id"] <= self.supersede)
                              and c[1]["version"] not in accepted]
            if open_conflicts:
                raise self._refusal(facts, test, open_conflicts, len(self._distinct(facts)))
        versions = {e["version"] for e in looks if e["status"] == "look"} | {facts["version"]}
        return {"looks": [e["id"] for e in looks], "versions": len(versions)}

    def _most(self, digest: str | None, facts: dict) -> bool:
        """Whether the stored rows `digest` hold at least half of this run's test rows."""
        wanted = len(self._distinct(facts))
        return wanted > 0 and 2 * int(self._inside(digest, facts).sum()) >= wanted

    def _inside(self, digest: str | None, facts: dict) -> np.ndarray:
        """Which of this run's test rows the stored row set `digest` holds (cached: a long
        history mostly repeats a few row sets)."""
        mine = self._distinct(facts)
        if digest == facts["test_digest"]:
            return np.ones(len(mine), dtype=bool)
        if digest is None:
            return np.zeros(len(mine), dtype=bool)
        if digest not in self._masks:
            blob = self.ledger.rowset(digest)
            self._masks[digest] = fp.member(mine, fp.unpack(blob)) if blob else np.zeros(len(mine), dtype=bool)
        return self._masks[digest]

    def _distinct(self, facts: dict) -> np.ndarray:
        if self._mine is None:
            self._mine = fp.distinct(facts["test"])
        return self._mine

    def _shaped(self, entry: dict, facts: dict) -> tuple[int, list[str]]:
        """How many of these test rows `entry` used to shape its model (not counting rows
        that were also in its own test split), and how."""
        how, used = [], None
        for name, split in json.loads(entry["splits"]).items():
            uses = [SHAPING[p] for p in split.get("read_for", []) if p in SHAPING]
            if uses:
                inside = self._inside(split["rowset"], facts)
                used = inside if used is None else used | inside
                how.extend(f"{use} ({name})" for use in uses)
        if used is None:
            return 0, []
        return int((used & ~self._inside(entry["test_rowset"], facts)).sum()), list(dict.fromkeys(how))

    def _check_supersede(self, history: list[dict], conflicts: list, replay: bool) -> None:
        numbers = {e["id"] for e in history}
        where = shown(self.ledger.location)
        if self.supersede not in numbers:
            raise UsageError(f"--supersede {self.supersede}: {where} has no entry {self.supersede}"
                             + (f" (its entries are 1 to {max(numbers)})" if numbers else " (it is empty)"))
        if replay or self.supersede not in {c[1]["id"] for c in conflicts}:
            about = sorted({c[1]["id"] for c in conflicts})
            raise UsageError(f"--supersede {self.supersede}: entry {self.supersede} did not score or train on "
                             "this run's test rows, so there is nothing to supersede"
                             + (f" (the entries that did: {', '.join(map(str, about))})" if about and not replay
                                else "; run without --supersede"))

    def _refusal(self, facts: dict, test: n.Test, conflicts: list, wanted: int) -> RunError:
        code, entry, count, how = conflicts[-1]
        latest = max(c[1]["id"] for c in conflicts)
        when = entry["created"].replace("T", " ")[:16] + " UTC"
        what = changes(json.loads(self.ledger.entry(entry["id"])["identity"]), facts["identity"])
        changed = "; what changed: " + ", ".join(what) if what else ""
        if entry["data_sha256"] != self.data.sha256:
            changed += ("; " if changed else "; what changed: ") + "the data (sha256 " + entry["data_sha256"][:12] + \
                " -> " + self.data.sha256[:12] + ")"
        earlier = f"entry {entry['id']} ({when}, version {entry['version'][:12]})"
        if code == "HP304":
            message = (f"{count} of this run's {wanted} test rows were already scored by a different version: "
                       f"{earlier}{changed}")
            why = "choosing a version after seeing a test score tunes on the test set"
        else:
            message = (f"{count} of this run's {wanted} test rows are not fresh: {earlier} {', '.join(how)}"
                       f"{changed}")
            why = "a model scores better on rows it was fitted or selected on"
        others = len({c[1]["id"] for c in conflicts}) - 1
        if others:
            message += f" (and {others} earlier entr{'y' if others == 1 else 'ies'})"
        help = (f"{why}; score this version on fresh test rows, or, knowingly, run again with --supersede "
                f"{latest} (recorded in the ledger; 'hpdsl ledger show {entry['id']}' shows the earlier run)")
        span = test.span if not test.splits else Span(test.span.start, test.splits[0].span.end)
        return fail(code, span, message, help=help)


def recorder_for(args, shown_path: str, base_dir: str) -> Recorder:
    """The Recorder `hpdsl run` uses: --no-ledger, --ledger PATH|URL, $HPDSL_LEDGER, or the
    default beside the workflow. Raises UsageError for a contradiction, LedgerError when
    the ledger cannot be opened."""
    from . import location

    if args.no_ledger:
        if args.supersede is not None or args.ledger:
            raise UsageError("--no-ledger records nothing, so it cannot be combined with "
                             + ("--supersede" if args.supersede is not None else "--ledger"))
        return Recorder(None, workflow_name(shown_path))
    folder = base_dir if shown_path.startswith("<") else (os.path.dirname(shown_path) or ".")
    return Recorder(Ledger(location(args.ledger, folder)), workflow_name(shown_path), args.supersede)


def close(recorder: Recorder, report=None, error: BaseException | None = None) -> str | None:
    """Finish and close the recorder; a message if the ledger could not be written."""
    try:
        recorder.finish(report, error)
    except LedgerError as problem:
        return f"cannot record the run in the test-use ledger: {problem}"
    finally:
        if recorder.ledger is not None:
            recorder.ledger.close()
    return None


def _final_test(program: n.Program) -> n.Test | None:
    tests = [s for s in program.steps if isinstance(s, n.Test)]
    return tests[-1] if tests else None


def _test_scores(report) -> dict | None:
    tests = [s for s in report.data["steps"] if s["kind"] == "test"]
    return tests[-1]["scores"] if tests else None


def _code(error: BaseException) -> str:
    diagnostic = getattr(error, "diagnostic", None)
    return diagnostic.code if diagnostic is not None else type(error).__name__


def workflow_name(path: str) -> str:
    """How an entry names its workflow: the absolute path of a file, else what was shown."""
    return os.path.abspath(path) if path and not path.startswith("<") else path
