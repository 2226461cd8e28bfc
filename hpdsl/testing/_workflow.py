"""A workflow under construction: its declarations and steps, the state before each step,
and the editing API that injections use to put one mistake into a finished workflow."""

from __future__ import annotations

from hypothesis import strategies as st

from .. import nodes as n
from . import _tree as tree
from ._declarations import KEYWORD_NAMES, SPLIT_NAMES, declare, split_entry
from ._domains import PARAMS, SPECS, Values
from ._steps import State, make_steps


class Workflow(Values):
    """One workflow under construction: declarations, steps, and the state before each step."""

    def __init__(self, draw, models, data, require) -> None:
        super().__init__(draw)
        self.require = require
        self.model = "linear_regression" if "lr" in require else self.pick(models)
        self.data_kinds = data
        self.used: set[str] = set(SPECS) | set(PARAMS)  # the one namespace, and more
        self.decls: list = []
        self.steps: list = []
        self.states: list[State] = []
        self.final: int | None = None  # index of the final test in `steps`
        self.end: State | None = None
        self.trains = False
        self.features: list[str] = []  # the data's feature columns, as far as the checker knows them
        self.prepared_as: dict[str, str] = {}  # column -> "impute" or "encode": never both
        declare(self)
        make_steps(self)

    def fresh(self, pool=()) -> str:
        """A name nothing in the workflow uses yet."""
        free = [p for p in pool if p not in self.used]
        if free and self.flip(0.9):
            name = self.pick(free)
        else:
            name = self.draw(st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True))
            while name in self.used:
                name += "_"
        self.used.add(name)
        return name

    def program(self) -> n.Program:
        return n.Program(span=tree.AT, statements=tuple(self.decls) + tuple(self.steps), comments=())

    # ---- editing a finished workflow (to inject one mistake)

    def state_at(self, index: int) -> State:
        return self.states[index] if index < len(self.steps) else self.end

    def insert(self, index: int, *steps) -> None:
        state = self.state_at(index)  # inserted steps are edits: the states are not replayed
        for offset, step in enumerate(steps):
            self.steps.insert(index + offset, step)
            self.states.insert(index + offset, state)
        if self.final is not None and index <= self.final:
            self.final += len(steps)

    def first_training(self) -> int:
        return next((i for i, s in enumerate(self.steps) if isinstance(s, (n.Train, n.Tune))), len(self.steps))

    def prepared_as_of(self, verb: str) -> list[str]:
        """The columns some step imputes (verb "impute") or encodes ("encode")."""
        return [c for c, kind in self.prepared_as.items() if kind == verb]

    def after_encodes(self) -> int:
        """The first index after every encode: a step that reads the model's columns may go
        there or later (before an encode it would be HP210)."""
        return 1 + max(self.find_steps(n.Encode), default=-1)

    def find_steps(self, kind, where=lambda s: True) -> list[int]:
        return [i for i, s in enumerate(self.steps) if isinstance(s, kind) and where(s)]

    def replace_step(self, index: int, **changes) -> None:
        self.steps[index] = n.replace(self.steps[index], **changes)

    def decl(self, kind):
        return next((d for d in self.decls if isinstance(d, kind)), None)

    def replace_decl(self, old, new) -> None:
        self.decls[self.decls.index(old)] = new

    def insert_decl(self, node, after=None) -> None:
        """Put a declaration anywhere after the title (and after `after`, if given)."""
        first = 1 if isinstance(self.decls[0], n.Workflow) else 0
        if after is not None:
            first = self.decls.index(after) + 1
        self.decls.insert(self.draw(st.integers(first, len(self.decls))), node)

    def hyper_entries(self) -> list[n.HyperEntry]:
        return list(self.decl(n.Hyper).entries)

    def set_hyper_entry(self, index: int, entry) -> None:
        hyper = self.decl(n.Hyper)
        entries = list(hyper.entries)
        if entry is None:
            del entries[index]
        else:
            entries[index] = entry
        self.replace_decl(hyper, n.replace(hyper, entries=tuple(entries)))

    def add_split(self, role: str, units: int = 2) -> str:
        """A new split of `role`, its share (5% by default) taken from the largest split."""
        split = self.decl(n.Split)
        name = "validation" if role == "validation" and "validation" not in self.used and self.flip() else None
        if name is None:
            name = self.fresh(SPLIT_NAMES + KEYWORD_NAMES)
        else:
            self.used.add(name)
        largest = max(self.units, key=self.units.get)
        self.units[largest] -= units
        self.roles[name] = role
        entries = [split_entry(self, e.name.name, e.role.name if e.role else None) for e in split.entries]
        entries.insert(self.draw(st.integers(0, len(entries))),
                       split_entry(self, name, None if name == role else role, units))
        self.replace_decl(split, n.replace(split, entries=tuple(entries)))
        return name

    def body_add(self, index: int, entry) -> None:
        train = self.steps[index]
        entries = list(train.body.entries) if train.body is not None else []
        entries.insert(self.draw(st.integers(0, len(entries))), entry)
        self.replace_step(index, body=n.Body(span=tree.AT, entries=tuple(entries)))

    def bad_value(self, h: str) -> n.Expr:
        """A value no domain of `h` admits: a fraction for an int, a negative for a float."""
        return tree.number(0.5) if SPECS[h].type == "int" else tree.number(-self.pick([1, 0.5, 3]))
