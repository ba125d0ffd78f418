"""JSON Schemas generated from the typed definition of an event's data."""

from enum import StrEnum
from typing import Annotated, Generic, Literal, NotRequired, TypedDict, TypeVar

import pytest

from meemaken_events import InvalidEvent
from meemaken_events.catalogue import EventType
from meemaken_events.definitions import (
    DateTime,
    Doc,
    EventDefinition,
    MaxLength,
    Minimum,
    Uuid,
    render,
    schema_of,
    write_schemas,
)

D = TypeVar("D")


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


class Painted(TypedDict):
    """Wall painted"""

    colour: Colour
    coats: Annotated[int, Minimum(1)]
    note: NotRequired[Annotated[str, MaxLength(20), Doc("never a name")]]
    finish: Literal["matt", "gloss"] | None


class Step(TypedDict, Generic[D]):
    wall_id: Uuid
    at: DateTime
    details: D
    tags: NotRequired[list[str]]


DEFINITION = EventDefinition("org.meemaken.walls.wall.painted.v1", "meemaken.walls.wall", Step[Painted], "Wall painted")
GOOD = {
    "wall_id": "3f2b8c1e-0d6a-4a57-9b51-2d1c6f0e9a10",
    "at": "2026-03-02T10:00:00+00:00",
    "details": {"colour": "red", "coats": 2, "finish": None},
}


def test_required_keys_types_enums_and_formats_come_from_the_typed_definition():
    schema = schema_of(DEFINITION)
    assert schema["x-topic"] == "meemaken.walls.wall" and schema["title"] == "Wall painted"
    assert schema["required"] == ["wall_id", "at", "details"]
    assert schema["properties"]["wall_id"] == {"type": "string", "format": "uuid"}
    assert schema["properties"]["at"] == {"type": "string", "format": "date-time"}
    details = schema["properties"]["details"]
    assert details["required"] == ["colour", "coats", "finish"] and details["additionalProperties"] is False
    assert details["properties"]["colour"] == {"type": "string", "enum": ["red", "blue"]}
    assert details["properties"]["coats"] == {"type": "integer", "minimum": 1}
    assert details["properties"]["note"] == {"type": "string", "maxLength": 20, "description": "never a name"}
    assert details["properties"]["finish"] == {"type": ["string", "null"], "enum": ["matt", "gloss", None]}


@pytest.mark.parametrize(
    "bad",
    [
        {**GOOD, "wall_id": "not-a-uuid"},
        {**GOOD, "at": "yesterday"},
        {**GOOD, "details": {"colour": "green", "coats": 2, "finish": None}},
        {**GOOD, "details": {"colour": "red", "coats": 0, "finish": None}},
        {**GOOD, "details": {"colour": "red", "coats": 2}},
        {**GOOD, "details": {**GOOD["details"], "painter": "Jan Janssens"}},
        {k: v for k, v in GOOD.items() if k != "details"},
    ],
)
def test_the_generated_schema_refuses_what_the_definition_does_not_allow(bad):
    event_type = EventType(DEFINITION.type, DEFINITION.topic, schema_of(DEFINITION))
    event_type.validate(GOOD)
    with pytest.raises(InvalidEvent):
        event_type.validate(bad)


def test_check_fails_on_a_missing_changed_or_stale_generated_file_and_writing_makes_it_pass(tmp_path):
    stale = tmp_path / "org.meemaken.walls.wall.whitewashed.v1.json"
    stale.write_text('{"x-generated-from": "walls.Whitewashed"}')
    hand_written = tmp_path / "org.meemaken.walls.wall.demolished.v1.json"  # not converted yet: left alone
    hand_written.write_text("{}")
    other = tmp_path / "org.meemaken.doors.door.opened.v1.json"
    other.write_text("{}")
    assert write_schemas("walls", [DEFINITION], check=True, directory=tmp_path) == 1
    assert write_schemas("walls", [DEFINITION], directory=tmp_path) == 0
    assert write_schemas("walls", [DEFINITION], check=True, directory=tmp_path) == 0
    assert (tmp_path / DEFINITION.file_name).read_text() == render(DEFINITION)
    assert not stale.exists() and hand_written.exists() and other.exists()  # another service's are its own


def test_a_type_with_no_json_meaning_is_refused_when_the_schema_is_generated():
    class Odd(TypedDict):
        when: complex

    with pytest.raises(TypeError):
        schema_of(EventDefinition("org.meemaken.walls.wall.odd.v1", "meemaken.walls.wall", Odd, "odd"))
