"""`hpdsl ledger list | show ENTRY | verify`: read the test-use ledger, never write it.

Exit codes: 0 ok, 1 `verify` found a broken entry, 2 usage (no ledger there, no such
entry, the ledger cannot be opened).
"""

from __future__ import annotations

import json
import os
import sys

from .. import EXIT_ERRORS as EXIT_BROKEN  # a broken entry fails `verify` as errors fail `check`
from .. import EXIT_OK, EXIT_USAGE
from . import location
from .store import Ledger, LedgerError, is_url, shown


def ledger_command(args) -> int:
    where = location(args.ledger, os.getcwd())
    if not is_url(where) and not os.path.isfile(where):
        print(f"hpdsl: no test-use ledger at {where}: `hpdsl run` creates it; choose another with "
              "--ledger PATH or $HPDSL_LEDGER", file=sys.stderr)
        return EXIT_USAGE
    try:
        with Ledger(where, read_only=True) as ledger:
            if args.action == "verify":
                return _verify(ledger, args.json)
            if args.action == "show":
                return _show(ledger, args.entry, args.json)
            return _list(ledger, args.json)
    except LedgerError as error:
        print(f"hpdsl: cannot read the test-use ledger: {error}", file=sys.stderr)
        return EXIT_USAGE


def _rows(ledger: Ledger) -> tuple[list[dict], dict[int, dict]]:
    with ledger.reading():
        return ledger.entries(), ledger.results()


def described(entry: dict, result: dict | None) -> dict:
    """An entry as JSON: its stored fields with the JSON columns decoded, and its result."""
    out = dict(entry)
    for key in ("identity", "splits", "audit"):
        out[key] = json.loads(entry[key])
    out["result"] = None if result is None else {"created": result["created"], **json.loads(result["result"])}
    return out


def _list(ledger: Ledger, as_json: bool) -> int:
    entries, results = _rows(ledger)
    if as_json:
        brief = [{"entry": e["id"], "created": e["created"], "workflow": e["workflow"], "version": e["version"],
                  "status": e["status"], "test_split": e["test_split"], "looks": e["looks"],
                  "versions": e["versions"], "supersedes": e["supersedes"],
                  "test_scores": _scores(results.get(e["id"]))} for e in entries]
        sys.stdout.write(json.dumps(brief, indent=2) + "\n")
        return EXIT_OK
    table = [("entry", "time (UTC)", "workflow", "version", "test score", "looks", "status")]
    for e in entries:
        scores = _scores(results.get(e["id"]))
        score = " ".join(f"{k} {v:.4g}" for k, v in list(scores.items())[:1] if v is not None) if scores else "-"
        looks = f"{e['looks']} ({e['versions']} version{'s' if e['versions'] != 1 else ''})" \
            if e["status"] in ("look", "predict") else "-"
        status = e["status"] + (f", supersedes {e['supersedes']}" if e["supersedes"] else "")
        if e["status"] == "look" and e["id"] not in results:
            status += " (no score: the run stopped after looking)"
        table.append((str(e["id"]), e["created"].replace("T", " ")[:19], _relative(e["workflow"]),
                      e["version"][:12], score, looks, status))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        sys.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() + "\n")
    if len(table) == 1:
        sys.stdout.write(f"(no entries in {shown(ledger.location)})\n")
    return EXIT_OK


def _show(ledger: Ledger, number: int, as_json: bool) -> int:
    with ledger.reading():
        entry = ledger.entry(number)
        result = ledger.results().get(number)
    if entry is None:
        print(f"hpdsl: {shown(ledger.location)} has no entry {number}", file=sys.stderr)
        return EXIT_USAGE
    data = described(entry, result)
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return EXIT_OK
    if entry["status"] == "predict":
        sys.stdout.write(_show_predict(entry, data))
        return EXIT_OK
    out = [f"entry {number}  {entry['created']}  hpdsl {entry['hpdsl']}",
           f"workflow   {entry['workflow']}" + (f" ({entry['title']})" if entry["title"] else ""),
           f"version    {entry['version']}",
           "overrides  " + (" ".join(f"--set {o}" for o in data["identity"]["overrides"]) or "none"),
           f"data       sha256 {entry['data_sha256']}",
           f"status     {entry['status']}" + (f", supersedes entry {entry['supersedes']}" if entry["supersedes"] else "")]
    out.append("splits")
    for name, split in data["splits"].items():
        used = ", ".join(split["read_for"]) or "not read"
        out.append(f"  {name:<12} {split['rows']:>8} rows  role {split['role'] or name:<10} rows {split['rowset'][:12]}  "
                   f"read for: {used}")
    out.append("audit      " + "; ".join(f"{name}: " + ", ".join(f"{r['kind']} at line {r['line']}" for r in reads)
                                         for name, reads in data["audit"].items() if reads) or "no rows read")
    if entry["test_split"]:
        out.append(f"test       {entry['test_split']} (rows {(entry['test_rowset'] or '')[:12]}): "
                   f"{entry['looks']} look{'s' if entry['looks'] != 1 else ''} by {entry['versions']} "
                   f"version{'s' if entry['versions'] != 1 else ''} so far")
    scores = data["result"]["scores"] if data["result"] else None
    out.append("score      " + ("  ".join(f"{k} {v:.6g}" for k, v in scores.items() if v is not None)
                                if scores else "none recorded"))
    out.append(f"hash       {entry['hash']}")
    out.append(f"previous   {entry['prev_hash']}")
    sys.stdout.write("\n".join(out) + "\n")
    return EXIT_OK


def _show_predict(entry: dict, data: dict) -> str:
    """A `predict` entry: the model, the data, and the recorded looks whose test rows it scored."""
    model, predicted = data["identity"]["model"], data["identity"]["data"]
    result = data["result"] or {}
    scores = result.get("scores")
    out = [f"entry {entry['id']}  {entry['created']}  hpdsl {entry['hpdsl']}",
           f"model      {model['path']} (sha256 {model['sha256']})",
           f"           from workflow {model['provenance']['workflow']['path']}, data sha256 "
           f"{model['provenance']['data']['sha256'][:12]}, split seed {model['provenance']['split_seed']}",
           f"data       {predicted['path']}: {predicted['rows']} rows, sha256 {entry['data_sha256']}",
           "status     predict: scores on test rows recorded by earlier runs (a look after the fact)",
           "overlaps   " + ", ".join(f"entry {o['entry']} ({o['status']}): {o['rows']} rows"
                                    for o in data["identity"]["overlaps"]),
           f"test       {data['identity']['test_rows_scored']} test rows scored "
           f"({data['identity']['distinct_test_rows']} distinct, rows {(entry['test_rowset'] or '')[:12]}): "
           f"{entry['looks']} look{'s' if entry['looks'] != 1 else ''} at them so far",
           "score      " + ("  ".join(f"{k} {v:.6g}" for k, v in scores.items() if v is not None)
                            if scores else "none recorded"),
           f"hash       {entry['hash']}",
           f"previous   {entry['prev_hash']}"]
    return "\n".join(out) + "\n"


def _verify(ledger: Ledger, as_json: bool) -> int:
    result = ledger.verify()
    result["ledger"] = shown(ledger.location)
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    elif result["ok"]:
        sys.stdout.write(f"ledger ok: {result['entries']} entries, chain intact, head {result['head']}\n")
    else:
        at = f" at entry {result['broken_at']}" if result["broken_at"] is not None else ""
        sys.stdout.write(f"ledger broken{at}: {result['reason']}\n")
    return EXIT_OK if result["ok"] else EXIT_BROKEN


def _scores(result: dict | None) -> dict | None:
    return json.loads(result["result"])["scores"] if result else None


def _relative(path: str) -> str:
    if path.startswith("<"):
        return path
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else path
