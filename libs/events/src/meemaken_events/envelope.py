"""The CloudEvents 1.0 envelope, following the NL GOV profile for CloudEvents.

- ``id``: a UUID, new for every event;
- ``source``: a URN naming the municipality and the producing system (configurable);
- ``type``: reverse DNS with a major version, from the catalogue;
- ``time``, ``datacontenttype`` (JSON) and ``dataschema`` (the catalogue's schema URN);
- ``subject``: the aggregate's identifier, never personal data (no BSN, national register
  number, e-mail address or name);
- extension ``correlationid``: the id of the resident's action that caused the event;
- extensions ``traceparent`` and ``tracestate`` (CloudEvents distributed tracing, W3C Trace Context):
  the trace the event was created in, when it was created inside a traced span (``tracing.py``).

The Kafka binding is binary mode: attributes as ``ce_*`` headers, data as the value, and the
aggregate id as the message key so that one aggregate's events stay in order.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat

from meemaken_events import jsontext, tracing
from meemaken_events.catalogue import Catalogue, catalogue
from meemaken_events.correlation import current_correlation_id
from meemaken_events.errors import InvalidEvent

DATACONTENTTYPE = "application/json"
DATACONTENTTYPE_HEADER = DATACONTENTTYPE.encode()
SPECVERSION = b"1.0"
CORRELATION_EXTENSION = "correlationid"
TRACE_EXTENSIONS = ("traceparent", "tracestate")

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SUBJECT = re.compile(r"^[A-Za-z0-9._:/-]{1,200}$")
# BSN (9 digits) and Belgian national register numbers (11 digits, often written 85.07.30-033.28).
_NATIONAL_NUMBER = re.compile(r"\d(?:[.\- ]?\d){8,}")
_JSON = JSONFormat()
# What `from_kafka` reads itself: the attributes `to_kafka` writes (and the SDK's partitionkey), a time as
# Python and dateutil both read it the same. Any other record is read by the SDK, which decides as before.
_READ_DIRECTLY = frozenset(
    {"id", "source", "type", "specversion", "time", "dataschema", "subject", "partitionkey", CORRELATION_EXTENSION}
    | set(TRACE_EXTENSIONS)
)
_ATTRIBUTE_HEADERS = {"ce_" + name: name for name in _READ_DIRECTLY}  # header as written → attribute
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{6})?(?:Z|[+-]\d{2}:\d{2})")


def subject_problem(subject: str) -> str | None:
    """Why ``subject`` cannot name an aggregate in an event, or None. For input that will become one (an id
    a client chooses): refuse it at the door, naming the field, instead of failing when the event is built."""
    if not _SUBJECT.match(subject):
        return "must be an identifier (letters, digits, . _ : / -), not free text"
    if _NATIONAL_NUMBER.search(_UUID.sub("", subject)):
        return "looks like a national identification number (9 or more digits in a row)"
    return None


def check_subject(subject: str | None) -> None:
    """Refuse a subject that could carry personal data."""
    problem = None if subject is None else subject_problem(subject)
    if problem is not None:
        raise InvalidEvent(f"subject {problem}; use the aggregate id")


@dataclass(frozen=True)
class Envelope:
    """One event as it travels: attributes, data and the partition key."""

    id: str
    source: str
    type: str
    time: datetime
    key: str
    data: Mapping[str, Any]
    dataschema: str
    subject: str | None = None
    correlation_id: str | None = None
    traceparent: str | None = None
    tracestate: str | None = None

    def to_kafka(self) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
        """(key, value, headers) in the CloudEvents Kafka binary binding: the headers and bytes the CloudEvents
        SDK's `to_binary` wrote (same names, order and values; data as its JSON encoder writes it), built
        directly, without the SDK's event object and its checks on every send (a quarter of the relay's time)."""
        if not (self.id and self.source and self.type and self.dataschema) or self.subject == "":
            raise InvalidEvent("an event needs an id, a source, a type, a dataschema and a non-empty subject")
        if self.time.tzinfo is None:
            raise InvalidEvent("an event's time needs its zone")
        headers = [
            ("ce_id", self.id.encode()),
            ("ce_source", self.source.encode()),
            ("ce_type", self.type.encode()),
            ("ce_time", _time_text(self.time).encode()),
            ("content-type", DATACONTENTTYPE_HEADER),
            ("ce_dataschema", self.dataschema.encode()),
        ]
        if self.subject is not None:
            headers.append(("ce_subject", self.subject.encode()))
        if self.correlation_id is not None:
            headers.append(("ce_" + CORRELATION_EXTENSION, self.correlation_id.encode()))
        if self.traceparent:
            headers.append(("ce_traceparent", self.traceparent.encode()))
        if self.tracestate:
            headers.append(("ce_tracestate", self.tracestate.encode()))
        headers.append(("ce_specversion", SPECVERSION))
        data = self.data if type(self.data) is dict else dict(self.data)
        return self.key.encode(), jsontext.dumps(data, _json_default), headers

    def to_json(self) -> str:
        """The envelope as stored in the outbox (and shown in logs of contract failures): its attributes (text, or
        null), then its data."""
        attributes = {
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time.isoformat(),
            "key": self.key,
            "subject": self.subject,
            "dataschema": self.dataschema,
            "correlationid": self.correlation_id,
        } | self._trace_context()
        try:
            written = orjson.dumps(attributes)  # text and null only: no NaN that jsontext would give to json
        except TypeError:  # a lone surrogate (in a correlation id): json escapes it
            written = json.dumps(attributes, separators=(",", ":")).encode()
        data = jsontext.dumps(self.data if type(self.data) is dict else dict(self.data))
        return (written[:-1] + b',"data":' + data + b"}").decode()

    def _trace_context(self) -> dict[str, str]:
        """The tracing extensions that are set (an untraced event carries neither, as before tracing)."""
        values = {"traceparent": self.traceparent, "tracestate": self.tracestate}
        return {name: value for name, value in values.items() if value}

    @classmethod
    def from_json(cls, text: str) -> Envelope:
        raw = jsontext.loads(text)
        return cls(
            id=raw["id"],
            source=raw["source"],
            type=raw["type"],
            time=datetime.fromisoformat(raw["time"]),
            key=raw["key"],
            subject=raw["subject"],
            dataschema=raw["dataschema"],
            correlation_id=raw["correlationid"],
            data=raw["data"],
            traceparent=raw.get("traceparent"),  # rows staged before tracing have neither
            tracestate=raw.get("tracestate"),
        )


def from_kafka(
    key: bytes | None,
    value: bytes | None,
    headers: Iterable[tuple[str, bytes]],
    events: Catalogue | None = None,
) -> Envelope:
    """Read a record in the binary binding back into an Envelope, checking it against the catalogue."""
    if value is None:
        raise InvalidEvent("record has no value")
    header_map = {name: val for name, val in headers}
    attributes, data = _read_binary(header_map, value) or _read_with_sdk(header_map, key, value)
    if not isinstance(data, dict):
        raise InvalidEvent("event data must be a JSON object")
    event_type = (events or catalogue())[str(attributes["type"])]
    event_type.validate(data)
    time = attributes.get("time")
    if not isinstance(time, datetime):
        raise InvalidEvent("event has no time")
    return Envelope(
        id=str(attributes["id"]),
        source=str(attributes["source"]),
        type=event_type.name,
        time=time,
        key=key.decode() if key else str(attributes.get("subject") or ""),
        data=data,
        dataschema=str(attributes.get("dataschema") or event_type.dataschema),
        subject=attributes.get("subject"),
        correlation_id=attributes.get(CORRELATION_EXTENSION),
        traceparent=_text(attributes.get("traceparent")),
        tracestate=_text(attributes.get("tracestate")),
    )


def _read_binary(headers: dict[str, bytes], value: bytes) -> tuple[dict[str, Any], Any] | None:
    """The attributes and data of a record as `to_kafka` writes it, read without the SDK's event object (a
    quarter of the consumer's time); None for anything else, which `_read_with_sdk` reads (or refuses) as before.
    Reads what the SDK reads: header names in lower case, `ce_time` to an aware datetime, the value as JSON."""
    attributes: dict[str, Any] = {}
    content_type = DATACONTENTTYPE
    try:
        for header, raw in headers.items():
            attribute = _ATTRIBUTE_HEADERS.get(header)  # a name as `to_kafka` writes it: no lower(), no prefix test
            if attribute is not None:
                text = raw.decode()
                if not text:
                    return None
                attributes[attribute] = text
                continue
            name, text = header.lower(), raw.decode()
            if name.startswith("ce_"):
                if name[3:] not in _READ_DIRECTLY or not text:
                    return None
                attributes[name[3:]] = text
            elif name == "content-type":
                content_type = text
        if content_type != DATACONTENTTYPE or attributes.get("specversion") != "1.0":
            return None
        if not ("id" in attributes and "source" in attributes and "type" in attributes and "time" in attributes):
            return None
        if not _TIME.fullmatch(attributes["time"]):
            return None
        attributes["time"] = datetime.fromisoformat(attributes["time"])
        data = jsontext.loads(value if isinstance(value, bytes) else value.decode())
    except (AttributeError, UnicodeDecodeError, ValueError):  # not text, or not JSON: the SDK's verdict
        return None
    return (attributes, data) if isinstance(data, dict) else None


def _read_with_sdk(headers: dict[str, bytes], key: bytes | None, value: bytes) -> tuple[dict[str, Any], Any]:
    try:
        event = ce_kafka.from_binary(ce_kafka.KafkaMessage(headers, key, value), _JSON)
    except Exception as exc:  # the SDK raises many kinds; all mean: not a CloudEvent we can read
        raise InvalidEvent(f"not a CloudEvent in binary mode: {exc}") from exc
    return event.get_attributes(), event.get_data()


def _time_text(time: datetime) -> str:
    """An attribute's time as the CloudEvents SDK writes it: ISO 8601, UTC as Z."""
    text = time.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _json_default(value: object) -> str:
    """A datetime in event data, as the SDK's JSON encoder writes it (anything else JSON cannot hold)."""
    if isinstance(value, datetime):
        return _time_text(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


class EventFactory:
    """Makes envelopes for one producing system: checks data and subject, fills in the rest."""

    def __init__(self, source: str, events: Catalogue | None = None) -> None:
        if not source.startswith("urn:"):
            raise ValueError(f"event source must be a URN, got {source!r}")
        self.source = source
        self.events = events or catalogue()

    def create(self, type_name: str, key: str, data: Mapping[str, Any], subject: str | None = None) -> Envelope:
        event_type = self.events[type_name]
        event_type.validate(dict(data))
        subject = key if subject is None else subject
        check_subject(subject)
        traceparent, tracestate = tracing.created(event_type.name, event_type.topic)
        return Envelope(
            id=str(uuid.uuid4()),
            source=self.source,
            type=event_type.name,
            time=datetime.now(UTC),
            key=key,
            data=data,
            dataschema=event_type.dataschema,
            subject=subject,
            correlation_id=current_correlation_id(),
            traceparent=traceparent,
            tracestate=tracestate,
        )
