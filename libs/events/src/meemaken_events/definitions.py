"""Event types declared in the producing service's code; their JSON Schemas are generated from it.

A producer declares each event type it publishes as an ``EventDefinition``: the type name, its topic and
the one typed definition of its data, a ``TypedDict`` (``NotRequired`` for a key that may be absent;
``X | None`` for one that may be null), nested as deep as needed and generic where a family of events
shares its envelope; ``Any`` is any JSON value, for data open by design. Formats, bounds and descriptions
ride on the types with ``Annotated``; a ``Literal`` or an ``Enum`` is an ``enum``::

    class Drawn(TypedDict):  # its docstring: the schema's title ("Panel drawn in public")
        number: Annotated[int, Minimum(1)]
        commitment: Annotated[str, Pattern("^[0-9a-f]{64}$")]

``schema_of(definition)`` turns it into the catalogue's JSON Schema (draft 7, closed objects). The
service's ``python -m <service> event-schemas [--check]`` writes the files under ``schemas/``, or fails
when a committed one is out of date, so a schema cannot drift from the code that builds the event.
This module imports only the standard library: a service's domain may describe its events with it.
"""

from __future__ import annotations

import enum
import json
import sys
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, NotRequired, Required, TypeVar, Union, get_args, get_origin

SCHEMAS_DIR = Path(__file__).parent / "schemas"
SCHEMA_URN_PREFIX = "urn:meemaken:event-schema:"


@dataclass(frozen=True)
class Format:
    """A JSON Schema ``format`` (``uuid``, ``date-time``)."""

    name: str


@dataclass(frozen=True)
class Minimum:
    value: float


@dataclass(frozen=True)
class Maximum:
    value: float


@dataclass(frozen=True)
class MinLength:
    value: int


@dataclass(frozen=True)
class MaxLength:
    value: int


@dataclass(frozen=True)
class MaxItems:
    value: int


@dataclass(frozen=True)
class MinItems:
    value: int


@dataclass(frozen=True)
class UniqueItems:
    """The array holds no value twice."""


@dataclass(frozen=True)
class Pattern:
    regex: str


@dataclass(frozen=True)
class Doc:
    """The field's ``description`` in the schema: what it means, and what it never carries."""

    text: str


Uuid = Annotated[str, Format("uuid")]
DateTime = Annotated[str, Format("date-time")]


@dataclass(frozen=True)
class EventDefinition:
    """One event type: ``org.meemaken.<service>.<aggregate>.<event>.v<N>``, its topic and its data's type."""

    type: str
    topic: str
    data: Any  # a TypedDict, or a generic TypedDict with its arguments (PanelStepData[Drawn])
    title: str

    @property
    def file_name(self) -> str:
        return f"{self.type}.json"


def schema_of(definition: EventDefinition) -> dict[str, Any]:
    """The JSON Schema of one event type, as the catalogue loads it."""
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_URN_PREFIX + definition.type,
        "title": definition.title,
        "x-topic": definition.topic,
        "x-generated-from": _qualified_name(definition.data),
        **_schema(definition.data, {}),
    }


def _qualified_name(tp: Any) -> str:
    origin = get_origin(tp) or tp
    args = ", ".join(_qualified_name(a) for a in get_args(tp))
    name = f"{origin.__module__}.{origin.__qualname__}"
    return f"{name}[{args}]" if args else name


def _schema(tp: Any, bindings: Mapping[Any, Any]) -> dict[str, Any]:
    if tp is Any:  # any JSON value: only for data that is open by design (a rule's own parameters)
        return {}
    if isinstance(tp, TypeVar):
        return _schema(bindings[tp], bindings)
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        schema = _schema(args[0], bindings)
        for extra in args[1:]:
            schema.update(_constraint(extra))
        return schema
    if origin in (Required, NotRequired):
        return _schema(args[0], bindings)
    if origin is Literal:
        return {"type": _json_type(type(args[0])), "enum": list(args)}
    if origin in (Union, types.UnionType):
        return _union(args, bindings)
    if origin in (list, tuple, Sequence):
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            raise TypeError(f"only homogeneous tuples (tuple[X, ...]) describe event data, not {tp}")
        return {"type": "array", "items": _schema(args[0], bindings)}
    if origin in (dict, Mapping):
        if args[0] is not str:
            raise TypeError(f"event data maps have string keys, not {tp}")
        return {"type": "object", "additionalProperties": _schema(args[1], bindings)}
    if origin is not None and typing.is_typeddict(origin):
        params = getattr(origin, "__parameters__", ())
        return _object(origin, {**bindings, **dict(zip(params, args, strict=True))})
    if typing.is_typeddict(tp):
        return _object(tp, bindings)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        values = [member.value for member in tp]
        return {"type": _json_type(type(values[0])), "enum": values}
    if tp in (str, int, float, bool):
        return {"type": _json_type(tp)}
    raise TypeError(f"cannot describe {tp!r} in an event's JSON Schema")


def _union(args: tuple[Any, ...], bindings: Mapping[Any, Any]) -> dict[str, Any]:
    present = [a for a in args if a is not type(None)]
    nullable = len(present) < len(args)
    if len(present) == 1:
        schema = _schema(present[0], bindings)
        if nullable and isinstance(schema.get("type"), str):
            schema["type"] = [schema["type"], "null"]
            if "enum" in schema:
                schema["enum"] = [*schema["enum"], None]
            return schema
        return {"anyOf": [schema, {"type": "null"}]} if nullable else schema
    options = [_schema(a, bindings) for a in present]
    return {"anyOf": [*options, {"type": "null"}] if nullable else options}


def _object(tp: Any, bindings: Mapping[Any, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(tp, include_extras=True)
    # NotRequired read from the hints: in 3.11 __required_keys__ misses it under postponed annotations
    required = [name for name, hint in hints.items() if _required(hint, tp.__total__)]
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False}
    if required:
        schema["required"] = required
    schema["properties"] = {name: _schema(hint, bindings) for name, hint in hints.items()}
    doc = _own_doc(tp)
    if doc:
        schema["description"] = doc
    return schema


def _required(hint: Any, total: bool) -> bool:
    origin = get_origin(hint)
    if origin is Annotated:
        return _required(get_args(hint)[0], total)
    return origin is Required or (origin is not NotRequired and total)


def _own_doc(tp: Any) -> str | None:
    doc = tp.__doc__
    if not doc:
        return None
    return " ".join(doc.split())


def _constraint(extra: object) -> dict[str, Any]:
    match extra:
        case Format(name):
            return {"format": name}
        case Minimum(value):
            return {"minimum": value}
        case Maximum(value):
            return {"maximum": value}
        case MinLength(value):
            return {"minLength": value}
        case MaxLength(value):
            return {"maxLength": value}
        case MaxItems(value):
            return {"maxItems": value}
        case MinItems(value):
            return {"minItems": value}
        case UniqueItems():
            return {"uniqueItems": True}
        case Pattern(regex):
            return {"pattern": regex}
        case Doc(text):
            return {"description": text}
    raise TypeError(f"{extra!r} is not a schema constraint")


def _json_type(tp: type) -> str:
    for python, name in ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string")):
        if issubclass(tp, python):
            return name
    raise TypeError(f"{tp} has no JSON type")


def render(definition: EventDefinition) -> str:
    return json.dumps(schema_of(definition), indent=2, ensure_ascii=False) + "\n"


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def _generated(path: Path) -> bool:
    return "x-generated-from" in json.loads(path.read_text(encoding="utf-8"))


def write_schemas(
    service: str, definitions: Sequence[EventDefinition], check: bool = False, directory: Path = SCHEMAS_DIR
) -> int:
    """Write (or with ``check``, compare) the service's schema files; 1 when a committed one is out of date.

    A generated file of the service's own types (``org.meemaken.<service>.``, with ``x-generated-from``) that
    it no longer declares is stale; a hand-written one (a type not converted yet) is left alone. Once a type
    is published, keep declaring it while consumers may still read it."""
    wanted = {d.file_name: render(d) for d in definitions}
    present = {p.name for p in directory.glob(f"org.meemaken.{service}.*.json") if _generated(p)}
    stale = sorted(present - set(wanted))
    changed = sorted(name for name, text in wanted.items() if _read(directory / name) != text)
    if check:
        for name in [*changed, *stale]:
            print(f"{directory / name} is out of date: run `python -m {service} event-schemas`", file=sys.stderr)
        return 1 if changed or stale else 0
    for name in changed:
        (directory / name).write_text(wanted[name], encoding="utf-8")
    for name in stale:
        (directory / name).unlink()
    return 0


# --- what a consumer reads: declared on its handler, checked against the schemas it consumes ----------------

F = TypeVar("F", bound=Callable[..., Any])
_READS = "__meemaken_reads__"


def reads(*fields: str) -> Callable[[F], F]:
    """Declare the fields of the event's data a handler reads, as dotted paths (``"details.question"``).

    The contract tests check that each is required in the schema of every type the handler is registered
    for, so a producer cannot drop a field a consumer needs without a new type version. ``@reads()`` says
    the handler reads no field by name (it keeps the data whole)."""

    def declare(handler: F) -> F:
        setattr(handler, _READS, frozenset(fields))
        return handler

    return declare


def fields_read(handler: Callable[..., Any]) -> frozenset[str] | None:
    """What ``@reads`` declared for this handler; None when it declared nothing."""
    declared: frozenset[str] | None = getattr(handler, _READS, None)
    return declared


def unrequired(schema: Mapping[str, Any], path: str) -> str | None:
    """Why ``path`` (dotted) is not sure to be in data that validates against ``schema``; None if it is."""
    node: Mapping[str, Any] = schema
    walked: list[str] = []
    for name in path.split("."):
        walked.append(name)
        if name not in node.get("required", ()):
            return f"{'.'.join(walked)} is not required"
        node = node.get("properties", {}).get(name, {})
    return None
