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

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from meemaken_events import tracing
from meemaken_events.catalogue import Catalogue, catalogue
from meemaken_events.correlation import current_correlation_id
from meemaken_events.errors import InvalidEvent

DATACONTENTTYPE = "application/json"
CORRELATION_EXTENSION = "correlationid"
TRACE_EXTENSIONS = ("traceparent", "tracestate")

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SUBJECT = re.compile(r"^[A-Za-z0-9._:/-]{1,200}$")
# BSN (9 digits) and Belgian national register numbers (11 digits, often written 85.07.30-033.28).
_NATIONAL_NUMBER = re.compile(r"\d(?:[.\- ]?\d){8,}")
_JSON = JSONFormat()


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
        """(key, value, headers) in the CloudEvents Kafka binary binding."""
        attributes: dict[str, Any] = {
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time,
            "datacontenttype": DATACONTENTTYPE,
            "dataschema": self.dataschema,
            "partitionkey": self.key,
        }
        if self.subject is not None:
            attributes["subject"] = self.subject
        if self.correlation_id is not None:
            attributes[CORRELATION_EXTENSION] = self.correlation_id
        attributes |= self._trace_context()
        message = ce_kafka.to_binary(CloudEvent(attributes, dict(self.data)), _JSON)
        headers = [(k, v) for k, v in message.headers.items() if k != "ce_partitionkey"]
        return self.key.encode(), message.value, headers

    def to_json(self) -> str:
        """The envelope as stored in the outbox (and shown in logs of contract failures)."""
        return json.dumps(
            {
                "id": self.id,
                "source": self.source,
                "type": self.type,
                "time": self.time.isoformat(),
                "key": self.key,
                "subject": self.subject,
                "dataschema": self.dataschema,
                "correlationid": self.correlation_id,
                "data": self.data,
            }
            | self._trace_context(),
            separators=(",", ":"),
        )

    def _trace_context(self) -> dict[str, str]:
        """The tracing extensions that are set (an untraced event carries neither, as before tracing)."""
        values = {"traceparent": self.traceparent, "tracestate": self.tracestate}
        return {name: value for name, value in values.items() if value}

    @classmethod
    def from_json(cls, text: str) -> Envelope:
        raw = json.loads(text)
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
    try:
        event = ce_kafka.from_binary(ce_kafka.KafkaMessage(header_map, key, value), _JSON)
    except Exception as exc:  # the SDK raises many kinds; all mean: not a CloudEvent we can read
        raise InvalidEvent(f"not a CloudEvent in binary mode: {exc}") from exc
    attributes = event.get_attributes()
    data = event.get_data()
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
