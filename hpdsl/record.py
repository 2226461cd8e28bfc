"""`Record`: the base of hpdsl's frozen value classes (AST nodes, spans, domains, schedules).

Frozen, slotted, dataclass-like records with structural equality. They are not made with
`dataclasses.dataclass` because that costs about 50 ms of start-up for the AST's classes
alone (it compiles every generated method with `exec`), more than the whole budget of a
cold `hpdsl check`; `Record` gives the same semantics (`typing.dataclass_transform` tells
type checkers so) with methods shared by all record classes, and a signature that tools
such as `hypothesis.strategies.builds` and `help` can read, built on first use.

Fields are the class's annotations, in order; a default is a class attribute. Fields
named span, text or comments say where or how something was written, not what it means,
and take no part in equality or hashing (a class may name its compared fields itself in
`_compared`). A hash is that of the tuple of compared values (no class name in it, so a
record of numbers hashes alike in every process).
Construction is keyword-only, unless the class defines its own `__init__` (which sets
its fields with `object.__setattr__`); then its signature is that `__init__`'s.
"""

from __future__ import annotations

TYPE_CHECKING = False  # `typing` costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import Any, dataclass_transform
else:

    def dataclass_transform(**_: object):
        return lambda cls: cls

# Fields that say where or how something was written, not what it means.
_UNCOMPARED = frozenset({"span", "text", "comments"})
_MISSING = object()


@dataclass_transform(eq_default=True, kw_only_default=True, frozen_default=True)
class _RecordType(type):
    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
        if not bases:
            return super().__new__(mcs, name, bases, namespace)
        fields = tuple(namespace.get("__annotations__", ()))
        defaults = {f: namespace.pop(f) for f in fields if f in namespace}
        namespace["__slots__"] = fields
        cls = super().__new__(mcs, name, bases, namespace)
        cls._fields = fields  # type: ignore[attr-defined]
        # A class may name its compared fields itself (`_compared = (...)` in its body).
        compared = namespace.get("_compared", tuple(f for f in fields if f not in _UNCOMPARED))
        cls._compared = compared  # type: ignore[attr-defined]
        cls._defaults = defaults  # type: ignore[attr-defined]
        cls.__match_args__ = fields  # type: ignore[attr-defined]
        return cls

    @property
    def __signature__(cls) -> Any:
        """`Name(*, span: Span, name: str)`, as a dataclass's would read (or the class's own
        `__init__`'s), for tools that build records from their signature
        (`hypothesis.strategies.builds`, `help`). Built on first use: `inspect` costs
        start-up that a cold `hpdsl check` never needs."""
        signature = cls.__dict__.get("_signature")
        if signature is None:
            signature = _own_signature(cls) if "__init__" in cls.__dict__ else _field_signature(cls)
            type.__setattr__(cls, "_signature", signature)
        return signature


def _own_signature(cls: type) -> Any:
    from inspect import signature

    own = signature(cls.__dict__["__init__"])
    return own.replace(parameters=list(own.parameters.values())[1:], return_annotation=None)  # without self


def _field_signature(cls: type) -> Any:
    from inspect import Parameter, Signature

    annotations = cls.__dict__.get("__annotations__", {})
    defaults = cls._defaults  # type: ignore[attr-defined]
    return Signature(
        [
            Parameter(name, Parameter.KEYWORD_ONLY, default=defaults.get(name, Parameter.empty),
                      annotation=annotations.get(name, Parameter.empty))
            for name in cls._fields  # type: ignore[attr-defined]
        ],
        return_annotation=None,
    )


class Record(metaclass=_RecordType):
    """Base of every record class: frozen, keyword-only construction, structural equality."""

    __slots__ = ()
    _fields = ()
    _compared = ()
    _defaults: dict = {}

    def __init__(self, **values: Any) -> None:
        setter = object.__setattr__
        fields = self._fields
        if len(values) == len(fields):  # every field given: the parser's case, kept fast
            try:
                for name in fields:
                    setter(self, name, values[name])
                return
            except KeyError:
                pass
        defaults = self._defaults
        for name in fields:
            value = values.pop(name, _MISSING)
            if value is _MISSING:
                value = defaults.get(name, _MISSING)
                if value is _MISSING:
                    raise TypeError(f"{type(self).__name__}() missing field {name!r}")
            setter(self, name, value)
        if values:
            raise TypeError(f"{type(self).__name__}() got unknown fields {sorted(values)}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: {type(self).__name__} is frozen")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self._compared)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, f) for f in self._compared))

    def __repr__(self) -> str:
        shown = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields if f != "span")
        return f"{type(self).__name__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), tuple(getattr(self, f) for f in self._fields)))


def _rebuild(cls: type[Record], values: tuple[Any, ...]) -> Record:
    return cls(**dict(zip(cls._fields, values)))


def fields(node: Record) -> tuple[str, ...]:
    """The field names of a record, in declaration order (like `dataclasses.fields`)."""
    return node._fields


def replace(node: Record, **changes: Any) -> Record:
    """A copy of `node` with some fields changed (like `dataclasses.replace`)."""
    values = {f: getattr(node, f) for f in node._fields}
    values.update(changes)
    return type(node)(**values)
