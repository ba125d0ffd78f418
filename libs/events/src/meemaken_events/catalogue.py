"""The catalogue of event types: one versioned JSON Schema per type, one topic per aggregate.

Each schema lives in ``schemas/<type>.json``. The file name is the type (reverse DNS ending in
its major version, e.g. ``org.meemaken.proposals.proposal.submitted.v1``); the schema's
``x-topic`` names the topic that carries it. A breaking change is a new file ``...v2.json``
published beside the old one for a while; consumers register a handler for each version.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any

import fastjsonschema
from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from meemaken_events.errors import InvalidEvent, UnknownEventType

TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9]*(\.[a-z][a-z0-9_]*)+\.v[0-9]+$")
SCHEMA_URN_PREFIX = "urn:meemaken:event-schema:"
FORMATS = {"uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"}


@dataclass(frozen=True)
class EventType:
    """One event type. Its checks compile on first use: a worker pays only for the types it touches."""

    name: str
    topic: str
    schema: dict[str, Any] = field(repr=False)

    @cached_property
    def validator(self) -> Draft7Validator:
        return Draft7Validator(self.schema, format_checker=FormatChecker())

    @cached_property
    def is_valid(self) -> Callable[[Any], Any]:
        return fastjsonschema.compile(self.schema, formats=FORMATS)  # type: ignore[no-any-return]

    @property
    def dataschema(self) -> str:
        return SCHEMA_URN_PREFIX + self.name

    @property
    def version(self) -> int:
        return int(self.name.rsplit(".v", 1)[1])

    def validate(self, data: Any) -> None:
        """Raise InvalidEvent naming every field that does not fit the schema.

        The check itself runs compiled (fastjsonschema: it is on every event's path); only a
        failure asks jsonschema for the full list of what is wrong."""
        try:
            self.is_valid(data)
        except fastjsonschema.JsonSchemaException:
            errors = sorted(self.validator.iter_errors(data), key=lambda e: list(e.absolute_path))
            raise InvalidEvent(f"{self.name}: " + "; ".join(_describe(e) for e in errors)) from None


def _describe(error: ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(data)"
    return f"{where}: {error.message}"


class Catalogue:
    """All event types meemaken's services publish, loaded from the packaged schemas."""

    def __init__(self, types: dict[str, EventType]) -> None:
        self._types = types

    @classmethod
    def load(cls) -> Catalogue:
        types: dict[str, EventType] = {}
        for entry in resources.files("meemaken_events").joinpath("schemas").iterdir():
            if not entry.name.endswith(".json"):
                continue
            name = entry.name[: -len(".json")]
            if not TYPE_PATTERN.match(name):
                raise ValueError(f"schema file {entry.name} is not named <reverse-dns type>.v<N>.json")
            schema = json.loads(entry.read_text(encoding="utf-8"))
            types[name] = EventType(name, schema["x-topic"], schema)
        return cls(types)

    def __getitem__(self, name: str) -> EventType:
        try:
            return self._types[name]
        except KeyError:
            raise UnknownEventType(f"event type {name!r} is not in the catalogue") from None

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def __iter__(self) -> Iterator[EventType]:
        return iter(self._types.values())

    def topics(self) -> set[str]:
        return {t.topic for t in self._types.values()}


_default: Catalogue | None = None


def catalogue() -> Catalogue:
    """The packaged catalogue, loaded once per process."""
    global _default
    if _default is None:
        _default = Catalogue.load()
    return _default
