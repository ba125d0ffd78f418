"""The envelope's Kafka binary binding, written and read without the CloudEvents SDK on the hot path, is what the SDK
writes (key and headers byte for byte; the value the same JSON, written compact by `meemaken_events.jsontext`), and
reads back what the SDK reads (records it does not read itself go to the SDK)."""

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from meemaken_events import Envelope, InvalidEvent, from_kafka
from meemaken_events.envelope import _read_binary, _read_with_sdk

SOURCE = "urn:meemaken:municipality:demo:system:proposals"
SUBMITTED = "org.meemaken.proposals.proposal.submitted.v1"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def envelope(**changes: Any) -> Envelope:
    proposal_id = str(uuid.uuid4())
    fields: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "source": SOURCE,
        "type": SUBMITTED,
        "time": datetime(2026, 12, 2, 4, 30, 1, 123456, tzinfo=UTC),
        "key": proposal_id,
        "data": {
            "proposal_id": proposal_id,
            "process_id": "mobility-2027",
            "author_id": str(uuid.uuid4()),
            "title": "Safer school streets",
            "submitted_at": "2026-11-28T10:00:00+00:00",
        },
        "dataschema": "urn:meemaken:event-schema:" + SUBMITTED,
        "subject": proposal_id,
    }
    return Envelope(**(fields | changes))


def non_ascii() -> Envelope:
    plain = envelope()
    title = 'Veiligere schoolstraten à Liège, Łódź “quotes” \\ " 🚲'
    return envelope(key=plain.key, subject=plain.subject, data=dict(plain.data) | {"title": title})


ENVELOPES = {
    "plain": envelope,
    "non-ASCII data": non_ascii,
    "extensions": lambda: envelope(correlation_id="req-42", traceparent=TRACEPARENT, tracestate="meemaken=1,x=y"),
    "no subject, whole seconds": lambda: envelope(subject=None, time=datetime(2026, 12, 2, 4, 30, tzinfo=UTC)),
    "an offset other than UTC": lambda: envelope(
        time=datetime(2026, 12, 2, 5, 30, tzinfo=timezone(timedelta(hours=1)))
    ),
}


def sdk_to_kafka(event: Envelope) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """What `Envelope.to_kafka` returned while the SDK built it (the reference)."""
    attributes: dict[str, Any] = {
        "id": event.id,
        "source": event.source,
        "type": event.type,
        "time": event.time,
        "datacontenttype": "application/json",
        "dataschema": event.dataschema,
        "partitionkey": event.key,
    }
    if event.subject is not None:
        attributes["subject"] = event.subject
    if event.correlation_id is not None:
        attributes["correlationid"] = event.correlation_id
    attributes |= {name: value for name in ("traceparent", "tracestate") if (value := getattr(event, name))}
    message = ce_kafka.to_binary(CloudEvent(attributes, dict(event.data)), JSONFormat())
    return event.key.encode(), message.value, [(k, v) for k, v in message.headers.items() if k != "ce_partitionkey"]


@pytest.mark.parametrize("make", ENVELOPES.values(), ids=ENVELOPES.keys())
def test_an_envelope_is_written_as_the_sdk_wrote_it_and_read_back_either_way(make):
    event = make()
    ours, sdks = event.to_kafka(), sdk_to_kafka(event)
    assert written_alike(ours, sdks)
    key, value, headers = ours
    assert from_kafka(key, value, headers) == event
    attributes, data = _read_binary(dict(headers), value)
    sdk_attributes, sdk_data = _read_with_sdk(dict(headers), key, value)
    assert data == sdk_data == event.data
    assert attributes == {
        name: v for name, v in sdk_attributes.items() if name not in ("datacontenttype", "partitionkey")
    }
    assert attributes["time"].utcoffset() == sdk_attributes["time"].utcoffset() == event.time.utcoffset()


def written_alike(ours: Any, sdks: Any) -> bool:
    """Key, header names, order and values byte for byte; the value the same JSON, written without spaces."""
    (key, value, headers), (sdk_key, sdk_value, sdk_headers) = ours, sdks
    compact = json.dumps(json.loads(sdk_value), separators=(",", ":"), ensure_ascii=False).encode()
    return key == sdk_key and headers == sdk_headers and json.loads(value) == json.loads(sdk_value) and value == compact


@pytest.mark.parametrize("listed", [[1, 2.5, True], [1, 2.5, None, True]], ids=["orjson", "json (a null)"])
def test_datetimes_in_data_are_written_as_the_sdk_writes_them(listed):
    event = envelope(data={"at": datetime(2026, 12, 2, 4, 30, tzinfo=UTC), "list": listed})
    assert written_alike(event.to_kafka(), sdk_to_kafka(event))
    assert b'"at":"2026-12-02T04:30:00Z"' in event.to_kafka()[1]


def sdk_record(event: Envelope, **headers: bytes) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    key, value, written = event.to_kafka()
    return (
        key,
        value,
        [(name, headers.get(name, v)) for name, v in written]
        + [(name, v) for name, v in headers.items() if name not in dict(written)],
    )


def test_records_it_does_not_read_itself_are_read_by_the_sdk_as_before():
    event = envelope(correlation_id="req-7")
    upper_case = [(n.upper(), v) for n, v in event.to_kafka()[2]]  # read alike: the SDK lower-cases the names
    assert from_kafka(event.key.encode(), event.to_kafka()[1], upper_case) == event
    unusual = {  # each read by the SDK: same envelope as before
        "an extension of another producer": sdk_record(event, ce_region=b"gent")[2],
        "a charset in the content type": sdk_record(event, **{"content-type": b"application/json; charset=utf-8"})[2],
        "a time with milliseconds": sdk_record(event, ce_time=b"2026-12-02T04:30:01.123Z")[2],
    }
    for why, headers in unusual.items():
        assert _read_binary(dict(headers), event.to_kafka()[1]) is None, why
        read = from_kafka(event.key.encode(), event.to_kafka()[1], headers)
        assert read.id == event.id and read.data == event.data and read.correlation_id == "req-7", why
    assert from_kafka(event.key.encode(), event.to_kafka()[1], unusual["a time with milliseconds"]).time == datetime(
        2026, 12, 2, 4, 30, 1, 123000, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("headers", "value"),
    [
        ({"ce_id": b""}, None),  # an empty id
        ({"ce_data": b"x"}, None),  # a reserved name
        ({"ce_time": b"2026-13-45T04:30:00Z"}, None),
        ({"ce_subject": b"\xff"}, None),  # not UTF-8
        ({}, b"not json"),
        ({}, b"[1, 2]"),  # JSON, not an object
        ({"content-type": b"text/plain"}, None),
    ],
)
def test_what_the_sdk_refused_is_still_refused(headers, value):
    event = envelope()
    key, written_value, _ = event.to_kafka()
    with pytest.raises(InvalidEvent):
        from_kafka(key, value or written_value, sdk_record(event, **headers)[2])
