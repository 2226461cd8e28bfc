"""What each name in a workflow refers to: occurrences, definitions, references, the outline.

Walks the AST once and records every name with what it names (a data set, a split, a
hyperparameter, a parameter, a metric, a model, a role, a type, a function) and
whether it declares or uses it. Hover, go to definition, find references and the
document outline all read this list. Editor-independent: offsets, not LSP positions.
"""

from __future__ import annotations

from .. import nodes as n
from ..checker.models import PARAMETERS
from ..checker.scope import Scope
from ..source import Span

__all__ = ["Occurrence", "occurrences", "at", "definition", "references", "ENTITIES"]

# Kinds of names that are declared once and referred to elsewhere.
ENTITIES = ("data", "split", "hyper", "param")


class Occurrence:
    """A name in the text: what it names (`kind`), whether it declares it, and the
    statement (and train-body entry, if any) it appears in."""

    __slots__ = ("node", "kind", "declares", "statement", "entry")

    def __init__(self, node: n.Name, kind: str, declares: bool, statement, entry=None) -> None:
        self.node = node
        self.kind = kind
        self.declares = declares
        self.statement = statement
        self.entry = entry

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def span(self) -> Span:
        return self.node.span

    def __repr__(self) -> str:
        return f"Occurrence({self.kind} {self.name!r}{' decl' if self.declares else ''} @{self.span.start})"


class _Walker(n.Visitor):
    def __init__(self, scope: Scope | None) -> None:
        self.scope = scope
        self.out: list[Occurrence] = []
        self.statement = None
        self.entry = None

    def add(self, name: n.Name | None, kind: str, declares: bool = False) -> None:
        if name is not None:
            self.out.append(Occurrence(name, kind, declares, self.statement, self.entry))

    def value_kind(self, name: str) -> str:
        """A name used as a value: a parameter, or else (declared or not) a hyperparameter."""
        if name in PARAMETERS:
            return "param"
        if self.scope is not None and name in self.scope.params:
            return "param"
        if self.scope is not None and name in self.scope.names:
            kind = self.scope.names[name][1]
            return {"hyperparameter": "hyper", "split": "split", "data": "data", "parameter": "param"}.get(kind, "name")
        if self.scope is not None and self.scope.model is not None and name in self.scope.model.hypers:
            return "hyper"
        return "name"

    # ---- statements ------------------------------------------------------------------------------

    def run(self, program: n.Program) -> list[Occurrence]:
        for statement in program.statements:
            self.statement = statement
            self.entry = None
            self.visit(statement)
        self.out.sort(key=lambda o: o.span.start)
        return self.out

    def visit_Workflow(self, node: n.Workflow) -> None:
        pass

    def visit_Data(self, node: n.Data) -> None:
        self.add(node.name, "data", declares=True)
        self.expr(node.source)

    def visit_Split(self, node: n.Split) -> None:
        self.add(node.data, "data")
        for entry in node.entries:
            self.add(entry.name, "split", declares=True)
            self.add(entry.role, "role")

    def visit_Model(self, node: n.Model) -> None:
        self.add(node.name, "model")

    def visit_Hyper(self, node: n.Hyper) -> None:
        for entry in node.entries:
            self.entry = entry
            self.add(entry.name, "hyper", declares=True)
            self.add(entry.type, "type")
            if entry.domain is not None:
                self.expr(entry.domain)
            if entry.default is not None:
                self.expr(entry.default)
        self.entry = None

    def visit_Param(self, node: n.Param) -> None:
        for entry in node.entries:
            self.entry = entry
            self.add(entry.name, "param", declares=True)
            self.expr(entry.init)
        self.entry = None

    def target(self, name: n.Name) -> None:
        """The name a `set` or a tune space assigns: a parameter (HP102) or a hyperparameter."""
        kind = "param" if self.value_kind(name.name) == "param" else "hyper"
        self.add(name, kind)

    def visit_Set(self, node: n.Set) -> None:
        self.target(node.name)
        self.expr(node.value)

    def splits(self, names) -> None:
        for name in names:
            self.add(name, "split")

    def visit_Standardize(self, node: n.Standardize) -> None:
        self.splits(node.splits)

    def visit_Impute(self, node: n.Impute) -> None:
        self.splits(node.splits)
        if node.value is not None:
            self.expr(node.value)

    def visit_Encode(self, node: n.Encode) -> None:
        self.splits(node.splits)

    def visit_Train(self, node: n.Train) -> None:
        self.splits(node.splits)
        if node.body is None:
            return
        for entry in node.body.entries:
            self.entry = entry
            self.body_entry(entry)
        self.entry = None

    def body_entry(self, entry) -> None:
        if isinstance(entry, n.Every):
            self.body_entry(entry.action)
        elif isinstance(entry, n.StopEarly):
            self.add(entry.metric, "metric")
            self.add(entry.split, "split")
        elif isinstance(entry, n.Log):
            self.add(entry.metric, "metric")
            self.add(entry.split, "split")
        elif isinstance(entry, n.Set):
            self.visit_Set(entry)
        elif isinstance(entry, n.UnknownAction):
            self.add(entry.name, "action")
        else:
            n.unhandled(self, entry)

    def visit_Tune(self, node: n.Tune) -> None:
        for item in node.space:
            self.target(item.name)
            self.expr(item.candidates)
        self.splits(node.splits)
        if node.objective is not None:
            self.add(node.objective.metric, "metric")

    def visit_Evaluate(self, node: n.Evaluate) -> None:
        self.splits(node.splits)
        for metric in node.metrics or ():
            self.add(metric, "metric")

    def visit_Test(self, node: n.Test) -> None:
        self.visit_Evaluate(node)

    # ---- expressions ---------------------------------------------------------------------------

    def expr(self, node) -> None:
        if isinstance(node, n.Name):
            self.add(node, self.value_kind(node.name))
        elif isinstance(node, n.Call):
            self.add(node.func, "function")
            for arg in node.args:
                self.add(arg.name, "argument")
                self.expr(arg.value)
        elif isinstance(node, (n.Number, n.String)):
            pass
        elif isinstance(node, (n.Neg, n.Paren)):
            self.expr(node.operand if isinstance(node, n.Neg) else node.expr)
        elif isinstance(node, n.BinOp):
            self.expr(node.left)
            self.expr(node.right)
        elif isinstance(node, (n.ListExpr, n.SetDomain)):
            for item in node.items:
                self.expr(item)
        elif isinstance(node, n.Interval):
            self.expr(node.low)
            self.expr(node.high)
        else:
            n.unhandled(self, node)


def occurrences(program: n.Program, scope: Scope | None) -> list[Occurrence]:
    """Every name in the program, in source order."""
    return _Walker(scope).run(program)


def at(found: list[Occurrence], offset: int) -> Occurrence | None:
    """The occurrence under the cursor: the name containing `offset`, or ending at it."""
    touching = None
    for occurrence in found:
        span = occurrence.span
        if span.start <= offset < span.end:
            return occurrence
        if span.end == offset:
            touching = occurrence
        if span.start > offset:
            break
    return touching


def definition(found: list[Occurrence], target: Occurrence) -> Occurrence | None:
    """The first declaration of what `target` names (None for names that are never declared)."""
    if target.kind not in ENTITIES:
        return None
    return next((o for o in found if o.declares and o.kind == target.kind and o.name == target.name), None)


def references(found: list[Occurrence], target: Occurrence, include_declaration: bool = True) -> list[Occurrence]:
    if target.kind not in ENTITIES:
        return []
    return [
        o for o in found
        if o.kind == target.kind and o.name == target.name and (include_declaration or not o.declares)
    ]

