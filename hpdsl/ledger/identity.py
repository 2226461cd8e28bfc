"""A workflow's semantic identity: a canonical dump of its syntax tree and --set overrides,
its hash (the *version*), and a readable account of what changed between two versions.

The dump keeps what a workflow means and drops how it was written: spans, the text a
number was spelled with, comments, layout, and the `workflow "title"` line (a name,
which changes no number). Reformatting or editing comments is therefore not a new
version; changing a hyperparameter, a candidate, a split seed or an override is.
Expressions are dumped as canonical text, so a diff can quote them. No numpy here: the
language server's hover computes a version too.
"""

from __future__ import annotations

import difflib
import hashlib
import json

from .. import nodes as n

_EXPRESSIONS = (n.Number, n.String, n.Name, n.Neg, n.BinOp, n.Paren, n.Call, n.ListExpr)
# Optional fields a node gained after versions were first recorded: dumped only when set,
# so that a workflow that does not use them keeps the version its ledger entries carry.
_LATER = {"Tune": ("outer",)}


def expression(e) -> str:
    """An expression as canonical text: numbers by value, strings quoted, no spare spaces."""
    if isinstance(e, n.Number):
        return repr(e.value) if isinstance(e.value, float) else str(e.value)
    if isinstance(e, n.String):
        return json.dumps(e.value)
    if isinstance(e, n.Name):
        return e.name
    if isinstance(e, n.Neg):
        return "-" + expression(e.operand)
    if isinstance(e, n.BinOp):
        return f"{expression(e.left)} {e.op} {expression(e.right)}"
    if isinstance(e, n.Paren):
        return f"({expression(e.expr)})"
    if isinstance(e, n.Call):
        args = ", ".join((f"{a.name.name}: " if a.name is not None else "") + expression(a.value) for a in e.args)
        return f"{e.func.name}({args})"
    if isinstance(e, n.ListExpr):
        return "[" + ", ".join(expression(item) for item in e.items) + "]"
    n.unhandled(expression, e)
    return type(e).__name__


def dump(node):
    """A node as JSON-able data: {"node": kind, field: value...} over the compared fields."""
    if isinstance(node, _EXPRESSIONS):
        return expression(node)
    if isinstance(node, n.Share):
        return node.percent
    if isinstance(node, n.Record):
        kind = type(node).__name__
        out = {"node": kind}
        for field in node._compared:
            value = getattr(node, field)
            if value is not None or field not in _LATER.get(kind, ()):
                out[field] = dump(value)
        return out
    if isinstance(node, tuple):
        return [dump(item) for item in node]
    return node


def canonical(program: n.Program, overrides=()) -> dict:
    """The semantic identity of a workflow run: its statements and its --set overrides."""
    statements = [dump(s) for s in program.statements if not isinstance(s, n.Workflow)]
    return {"statements": statements,
            "overrides": [f"{s.name.name}={expression(s.value)}" for _, s in overrides]}


def version(identity: dict) -> str:
    """The version: sha256 of the canonical dump's JSON (sorted keys, no spaces)."""
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---- what changed ------------------------------------------------------------------------------

_KIND = {"Data": "data declaration", "Split": "split", "Model": "model", "Hyper": "hyper block",
         "Param": "param block", "Set": "set", "Standardize": "standardize", "Impute": "impute",
         "Encode": "encode", "Train": "train",
         "Tune": "tune", "Evaluate": "evaluate", "Test": "test"}


def changes(before: dict, after: dict) -> list[str]:
    """Phrases saying how `after` differs from `before` ("the tune's l2 candidates changed
    (logspace(-4, 0, 5) -> [0.1, 1])", "--set l2=1 was 0"); empty when they are the same."""
    out = _statement_changes(before.get("statements", []), after.get("statements", []))
    out.extend(_override_changes(before.get("overrides", []), after.get("overrides", [])))
    return out


def _override_changes(before: list[str], after: list[str]) -> list[str]:
    old = dict(text.split("=", 1) for text in before)
    new = dict(text.split("=", 1) for text in after)
    out = []
    for name, value in new.items():
        if name not in old:
            out.append(f"--set {name}={value} is new")
        elif old[name] != value:
            out.append(f"--set {name}={value} was {old[name]}")
    out.extend(f"--set {name}={value} was dropped" for name, value in old.items() if name not in new)
    if not out and before != after:
        out.append("the order of the --set overrides changed")
    return out


def _statement_changes(before: list, after: list) -> list[str]:
    kinds_before = [s["node"] for s in before]
    kinds_after = [s["node"] for s in after]
    out = []
    matcher = difflib.SequenceMatcher(a=kinds_before, b=kinds_after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for old, new in zip(before[i1:i2], after[j1:j2]):
                if old != new:
                    out.extend(_node_changes(_label(old, after), old, new))
        else:
            out.extend(f"{_article(s)} step was removed: {_brief(s)}" for s in before[i1:i2])
            out.extend(f"{_article(s)} step was added: {_brief(s)}" for s in after[j1:j2])
    return out


def _article(statement: dict) -> str:
    kind = _KIND.get(statement["node"], statement["node"])
    return ("an " if kind[:1] in "aeiou" else "a ") + kind


def _label(statement: dict, everything: list) -> str:
    kind = statement["node"]
    same = [s for s in everything if s["node"] == kind]
    name = _KIND.get(kind, kind)
    if kind == "Set":
        return f"the set of {statement['name']}"
    return f"the {name}" if len(same) <= 1 else f"a {name}"


def _node_changes(label: str, old: dict, new: dict) -> list[str]:
    out = []
    for field in dict.fromkeys([*old, *new]):  # a _LATER field is in one of them alone
        if field == "node" or old.get(field) == new.get(field):
            continue
        a, b = old.get(field), new.get(field)
        if field in ("space", "entries") and isinstance(a, list) and isinstance(b, list) and _named(a + b):
            out.extend(_named_changes(label, field, a, b))
        elif old["node"] == "Split" and field == "seed":
            out.append(f"the split seed changed ({_brief(a)} -> {_brief(b)})")
        else:
            what = "outer folds" if field == "outer" else field
            out.append(f"{label}'s {what} changed ({_brief(a)} -> {_brief(b)})")
    return out


def _named(items: list) -> bool:
    return all(isinstance(item, dict) and isinstance(item.get("name"), str) for item in items)


def _named_changes(label: str, field: str, before: list, after: list) -> list[str]:
    old = {item["name"]: item for item in before}
    new = {item["name"]: item for item in after}
    out = []
    for name, item in new.items():
        if name not in old:
            out.append(f"{label} gained {name} ({_brief(item)})")
            continue
        for key, value in item.items():
            if key not in ("node", "name") and old[name].get(key) != value:
                what = "candidates" if key == "candidates" else key
                out.append(f"{label}'s {name} {what} changed ({_brief(old[name].get(key))} -> {_brief(value)})")
    out.extend(f"{label} lost {name}" for name in old if name not in new)
    if not out:
        out.append(f"the order of {label}'s {field} changed")
    return out


def _brief(value) -> str:
    """Compact text for a dumped value."""
    if value is None:
        return "none"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(_brief(item) for item in value)
    if isinstance(value, dict) and value.get("node") == "Interval":
        return (("[" if value["low_closed"] else "(") + f"{_brief(value['low'])}, {_brief(value['high'])}"
                + ("]" if value["high_closed"] else ")"))
    if isinstance(value, dict) and value.get("node") == "SetDomain":
        return "{" + _brief(value["items"]) + "}"
    if isinstance(value, dict):
        parts = [_brief(x) for k, x in value.items() if k != "node" and x not in (None, [])]
        return " ".join(parts) if parts else _KIND.get(value.get("node"), "")
    return str(value)
