"""AST + comments -> canonical text: `format_program`, a pure function, and `format_source`.

`format_program` is a pure function of the tree. It reads spans only to put comments
back where they were; given the text the tree was parsed from, it also tells a comment
that stood on its own line from one at the end of a line of code, and keeps a single
blank line a user put between two steps. Literals are printed as they were written
(their `text`), or canonically when a tree built by hand has no text.

The layout is the one of examples/quickstart.hp: declarations separated by blank lines
(`data` and `split` together), the steps one per line, blocks indented four spaces with
their columns aligned, every statement on one line.
"""

from __future__ import annotations

from bisect import bisect_right

from . import nodes as n
from .source import Source
from .syntax import parse

__all__ = ["FormatResult", "format_program", "format_source"]

INDENT = "    "
COMMENT_GAP = "  "

# Blank lines between two top-level statements: always one, never, or as the user had it.
_REQUIRE, _FORBID, _USER = "require", "forbid", "user"
_DATA_AND_SPLIT = (n.Data, n.Split)


class FormatResult:
    """The formatted text (None when the input does not parse) and the HP001 diagnostics."""

    __slots__ = ("text", "diagnostics")

    def __init__(self, text: str | None, diagnostics: list) -> None:
        self.text = text
        self.diagnostics = diagnostics

    def __repr__(self) -> str:
        return f"FormatResult(text={self.text!r}, diagnostics={self.diagnostics!r})"


def format_source(text: str, path: str = "<stdin>") -> FormatResult:
    """Parse `text` (a leading BOM dropped, CRLF accepted) and format it."""
    text = text.removeprefix("\ufeff")
    result = parse(Source(text, path))
    if not result.ok:
        return FormatResult(None, result.diagnostics)
    return FormatResult(format_program(result.program, text=text), [])


def format_program(program: n.Program, *, text: str | None = None) -> str:
    """The canonical text of `program`, its comments included.

    `text`, the source the program was parsed from, is optional: without it the tree's
    spans still order the comments, but every comment is put on a line of its own (or
    at the end of the statement whose span holds it) and no blank line between steps
    can be kept, since spans alone cannot say where lines ended.
    """
    return _Printer(program, _Lines(text) if text is not None else _NoLines()).render()


# ---- where things were ------------------------------------------------------------------


class _Lines:
    """Line numbers of a source text."""

    def __init__(self, text: str) -> None:
        self._source = Source(text)

    def line(self, offset: int) -> int:
        return self._source.line_index(offset)

    @staticmethod
    def blank_between(above: int, below: int) -> bool:
        return below - above >= 2


class _NoLines:
    """Stands in for `_Lines` when only the tree is known: offsets serve as lines."""

    @staticmethod
    def line(offset: int) -> int:
        return offset

    @staticmethod
    def blank_between(above: int, below: int) -> bool:
        return False


class _Slot:
    """One output line (a statement, a block's header, entry or `}`) and its comments.

    `leading` comments stood on their own lines before it; `inside` ones were on its
    lines (after its code, or inside a statement spread over several lines).
    """

    __slots__ = ("first", "last", "leading", "inside")

    def __init__(self, first: int, last: int) -> None:
        self.first = first
        self.last = last
        self.leading: list[n.Comment] = []
        self.inside: list[n.Comment] = []


# ---- printing -----------------------------------------------------------------------------


class _Printer(n.Visitor):
    def __init__(self, program: n.Program, lines: _Lines | _NoLines) -> None:
        self.program = program
        self.lines = lines
        self.out: list[str] = []
        self.slots = self._slots()
        self.trailing: list[n.Comment] = []
        self._place_comments()

    # -- comments to slots

    def _slots(self) -> list[_Slot]:
        """A slot for every output line, in source order (the order `render` writes them)."""
        line = self.lines.line
        slots = []
        for statement in self.program.statements:
            entries, close = self._block(statement)
            if close is None:
                spans = [(statement.span.start, statement.span.end - 1)]
            else:
                spans = [(statement.span.start, statement.span.start)]
                spans.extend((entry.span.start, entry.span.end - 1) for entry in entries)
                spans.append((close, close))
            slots.extend(_Slot(line(first), line(max(first, last))) for first, last in spans)
        return slots

    def _place_comments(self) -> None:
        """A comment on the lines of a slot is inside it; one between slots leads the next."""
        slots = self.slots
        firsts = [s.first for s in slots]
        for comment in sorted(self.program.comments, key=lambda c: c.span.start):
            at = self.lines.line(comment.span.start)
            i = bisect_right(firsts, at) - 1
            if i >= 0 and slots[i].last >= at:
                slots[i].inside.append(comment)
            elif i + 1 < len(slots):
                slots[i + 1].leading.append(comment)
            else:
                self.trailing.append(comment)

    @staticmethod
    def _block(statement):
        """(entries, offset of the closing brace) of a block statement, else ((), None)."""
        if isinstance(statement, (n.Hyper, n.Param)):
            return statement.entries, statement.span.end - 1
        if isinstance(statement, n.Train) and statement.body is not None:
            return statement.body.entries, statement.body.span.end - 1
        return (), None

    # -- lines

    def render(self) -> str:
        slots = iter(self.slots)
        previous = None  # the previous statement
        above = None  # source line of the last thing written
        for statement in self.program.statements:
            policy = _policy(previous, statement)
            above = self._emit(next(slots), self._header(statement), "", policy, above)
            if self._block(statement)[1] is not None:
                for line in self._entry_lines(statement):
                    above = self._emit(next(slots), line, INDENT, _FORBID, above)
                above = self._emit(next(slots), "}", INDENT, _FORBID, above, own=False)
            previous = statement
        for comment in self.trailing:
            at = self.lines.line(comment.span.start)
            self._blank(above is not None and self.lines.blank_between(above, at))
            self.out.append(_comment(comment))
            above = at
        return "\n".join(self.out) + "\n" if self.out else ""

    def _emit(self, slot: _Slot, code: str, indent: str, policy: str, above, own: bool = True) -> int:
        """Write one slot: its leading comments, then its line with its comments.

        `indent` applies to the line itself when `own`, and to its leading comments
        always (a comment before a block's `}` stays inside the block).
        """
        line_indent = indent if own else ""
        first = True
        for comment in slot.leading:
            at = self.lines.line(comment.span.start)
            self._blank(self._wants_blank(policy, first, above, at))
            self.out.append(indent + _comment(comment))
            above, first = at, False
        moved, last = slot.inside[:-1], slot.inside[-1:]
        self._blank(self._wants_blank(policy, first, above, slot.first))
        for comment in moved:
            # Several comments cannot share the end of one line: all but the last
            # go on their own lines just above it, in their order.
            self.out.append(line_indent + _comment(comment))
        tail = COMMENT_GAP + _comment(last[0]) if last else ""
        self.out.append(line_indent + code + tail)
        return slot.last

    def _wants_blank(self, policy: str, first: bool, above, at: int) -> bool:
        if above is None:  # nothing written yet: no blank line opens the file
            return False
        if policy == _FORBID:
            return False
        if policy == _REQUIRE and first:
            return True
        return self.lines.blank_between(above, at)

    def _blank(self, wanted: bool) -> None:
        if wanted and self.out and self.out[-1] != "":
            self.out.append("")

    # -- statements

    def _header(self, statement) -> str:
        return self.visit(statement) or ""

    def visit_Workflow(self, s: n.Workflow) -> str:
        return f"workflow {self.expr(s.title)}"

    def visit_Data(self, s: n.Data) -> str:
        return f"data {s.name.name} = {self.expr(s.source)}"

    def visit_Split(self, s: n.Split) -> str:
        entries = ", ".join(self._split_entry(e) for e in s.entries)
        seed = f" seed {_number(s.seed)}" if s.seed is not None else ""
        return f"split {s.data.name} -> {entries}{seed}"

    @staticmethod
    def _split_entry(e: n.SplitEntry) -> str:
        role = f" as {e.role.name}" if e.role is not None else ""
        return f"{e.name.name} {_share(e.share)}{role}"

    def visit_Model(self, s: n.Model) -> str:
        return f"model {s.name.name}"

    def visit_Hyper(self, s: n.Hyper) -> str:
        return "hyper {"

    def visit_Param(self, s: n.Param) -> str:
        return "param {"

    def visit_Set(self, s: n.Set) -> str:
        return f"set {s.name.name} = {self.expr(s.value)}"

    def visit_Standardize(self, s: n.Standardize) -> str:
        return f"standardize using {_splits(s.splits)}"

    def visit_Impute(self, s: n.Impute) -> str:
        strategy = ""
        if s.strategy is not None:
            value = f" {self.expr(s.value)}" if s.value is not None else ""
            strategy = f" with {s.strategy.name}{value}"
        return f"impute {format_columns(s.columns)} using {_splits(s.splits)}{strategy}"

    def visit_Encode(self, s: n.Encode) -> str:
        return f"encode {format_columns(s.columns)} using {_splits(s.splits)}"

    def visit_Train(self, s: n.Train) -> str:
        body = " {" if s.body is not None else ""
        return f"train on {_splits(s.splits)}{body}"

    def visit_Tune(self, s: n.Tune) -> str:
        space = ", ".join(f"{item.name.name} in {self.expr(item.candidates)}" for item in s.space)
        parts = [f"tune {space}"]
        if s.cv is not None:
            parts.append(f"using cv {_number(s.cv)}")
            if s.outer is not None:
                parts.append(f"nested in cv {_number(s.outer)}")
        parts.append(f"on {_splits(s.splits)}")
        if s.objective is not None:
            parts.append(f"{s.objective.direction} {s.objective.metric.name}")
        if isinstance(s.search, n.Grid):
            parts.append("using grid")
        elif isinstance(s.search, n.RandomSearch):
            parts.append(f"using random {_number(s.search.count)}")
            if s.search.seed is not None:
                parts.append(f"seed {_number(s.search.seed)}")
        elif s.search is not None:
            n.unhandled(self, s.search)
        return " ".join(parts)

    def visit_Evaluate(self, s: n.Evaluate) -> str:
        return f"evaluate on {_splits(s.splits)}{_report(s.metrics)}"

    def visit_Test(self, s: n.Test) -> str:
        return f"test on {_splits(s.splits)}{_report(s.metrics)}"

    # -- block entries

    def _entry_lines(self, statement) -> list[str]:
        if isinstance(statement, n.Hyper):
            return self._hyper_lines(statement.entries)
        if isinstance(statement, n.Param):
            width = max((len(e.name.name) for e in statement.entries), default=0)
            return [f"{e.name.name.ljust(width)} = {self.expr(e.init)}" for e in statement.entries]
        return [self._action(entry) for entry in statement.body.entries]

    def _hyper_lines(self, entries) -> list[str]:
        """Columns: `name:` then type, `in DOMAIN` and `= DEFAULT`, each padded to align."""
        rows = [
            (
                e.name.name + ":",
                e.type.name,
                f"in {self._domain(e.domain)}" if e.domain is not None else "",
                f"= {self.expr(e.default)}" if e.default is not None else "",
            )
            for e in entries
        ]
        widths = [max((len(row[i]) for row in rows), default=0) for i in range(3)]
        lines = []
        for row in rows:
            cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
            if widths[2]:
                cells.append(row[2].ljust(widths[2]))
            cells.append(row[3])
            lines.append(" ".join(cells).rstrip())
        return lines

    def _domain(self, d) -> str:
        if isinstance(d, n.Interval):
            low = "[" if d.low_closed else "("
            high = "]" if d.high_closed else ")"
            return f"{low}{self.expr(d.low)}, {self.expr(d.high)}{high}"
        if isinstance(d, n.SetDomain):
            return "{" + self._items(d.items) + "}"
        n.unhandled(self, d)
        return ""

    def _action(self, a) -> str:
        if isinstance(a, n.Every):
            return f"every {_number(a.every)} epochs: {self._action(a.action)}"
        if isinstance(a, n.Log):
            return f"log {a.metric.name} on {a.split.name}"
        if isinstance(a, n.StopEarly):
            return (
                f"stop early when {a.metric.name} on {a.split.name} "
                f"has not improved for {_number(a.patience)} epochs"
            )
        if isinstance(a, n.Set):
            return self.visit_Set(a)
        if isinstance(a, n.UnknownAction):
            return " ".join(a.words) if a.words else a.name.name
        n.unhandled(self, a)
        return ""

    # -- expressions

    def expr(self, e) -> str:
        if isinstance(e, n.Number):
            return _number(e)
        if isinstance(e, n.Name):
            return e.name
        if isinstance(e, n.String):
            return e.text or _quote(e.value)
        if isinstance(e, n.BinOp):
            return f"{self.expr(e.left)} {e.op} {self.expr(e.right)}"
        if isinstance(e, n.Neg):
            return "-" + self.expr(e.operand)
        if isinstance(e, n.Paren):
            return f"({self.expr(e.expr)})"
        if isinstance(e, n.Call):
            return f"{e.func.name}({', '.join(self._arg(a) for a in e.args)})"
        if isinstance(e, n.ListExpr):
            return f"[{self._items(e.items)}]"
        n.unhandled(self, e)
        return ""

    def _arg(self, a: n.Arg) -> str:
        value = self.expr(a.value)
        return f"{a.name.name}: {value}" if a.name is not None else value

    def _items(self, items) -> str:
        return ", ".join(self.expr(item) for item in items)


def _policy(previous, statement) -> str:
    """Blank lines before `statement`: the declarations are set apart (`data` and `split`
    stay together), the steps keep the single blank lines that group them."""
    if previous is None:
        return _USER
    if isinstance(previous, _DATA_AND_SPLIT) and isinstance(statement, _DATA_AND_SPLIT):
        return _FORBID
    if isinstance(previous, n.STEPS) and isinstance(statement, n.STEPS):
        return _USER
    return _REQUIRE


def _comment(comment: n.Comment) -> str:
    return comment.text.rstrip()


def _splits(names) -> str:
    return " + ".join(name.name for name in names)


def format_columns(columns) -> str:
    """Column references as a step writes them: `area, "floor area"`."""
    return ", ".join(c.name if isinstance(c, n.Name) else c.text or _quote(c.value) for c in columns)


def _report(metrics) -> str:
    if not metrics:
        return ""
    return " report " + ", ".join(m.name for m in metrics)


def _number(number: n.Number) -> str:
    if number.text:
        return number.text
    value = number.value
    if isinstance(value, int):
        return str(value)
    if value in (float("inf"), float("-inf")):
        # No literal spells infinity; one too large for a float reads back as inf.
        return "1e999" if value > 0 else "-1e999"
    return repr(value)


def _share(share: n.Share) -> str:
    if share.text:
        return share.text
    value = share.percent
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value == int(value):
        digits = str(int(value))
    else:
        digits = repr(value)
        if "e" in digits:  # a percentage is written without an exponent
            from decimal import Decimal

            digits = format(Decimal(digits), "f")
    return f"{sign}{digits}%"


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t") + '"'
