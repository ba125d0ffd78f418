"""`meemaken_events.jsontext` reads and writes what `json` reads and writes: orjson where it gives the same value,
`json` where it would not (integers beyond 64 bits, NaN, a lone surrogate, keys that are not text); NaN and Infinity,
which are not JSON and are refused at every service's door, are written as null."""

import json
import math
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meemaken_events import jsontext

scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec=None, exclude_categories=()))  # lone surrogates too
)
keys = st.text(st.characters(codec=None, exclude_categories=()))
values = st.recursive(scalars, lambda inner: st.lists(inner) | st.dictionaries(keys, inner), max_leaves=25)


def same(a: Any, b: Any) -> bool:
    """Equal, NaN equal to NaN, and an int never equal to a float (orjson reads a long integer as a float)."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


@given(values)
def test_it_reads_what_json_reads(value):
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False), json.dumps(value, indent=1)):
        assert same(jsontext.loads(text), json.loads(text))
        try:
            utf8 = text.encode()
        except UnicodeEncodeError:  # a lone surrogate cannot be UTF-8 bytes
            continue
        assert same(jsontext.loads(utf8), json.loads(utf8.decode()))


@given(values)
def test_what_it_writes_reads_back_as_what_json_wrote(value):
    written = jsontext.dumps(value)
    assert same(json.loads(written), json.loads(json.dumps(value)))
    assert same(jsontext.loads(written), value)


@pytest.mark.parametrize(
    "text",
    [
        "[18446744073709551616, -9223372036854775809]",  # beyond 64 bits: orjson would give floats
        '{"a": NaN, "b": Infinity, "c": -Infinity}',
        '"\\ud800"',
        "1e999",
        '{"a": 1, "a": 2}',
    ],
)
def test_what_orjson_reads_otherwise_is_read_by_json(text):
    assert same(jsontext.loads(text), json.loads(text)) and same(jsontext.loads(text.encode()), json.loads(text))


@pytest.mark.parametrize("text", [b"\xef\xbb\xbf{}", b'"\xff"', b"{", b"", b"nul"])
def test_what_json_refuses_is_refused_as_by_json(text):
    with pytest.raises(ValueError) as expected:
        json.loads(text.decode())
    with pytest.raises(type(expected.value)):
        jsontext.loads(text)


def test_what_orjson_writes_otherwise_is_written_by_json():
    assert jsontext.dumps({1: "one", None: 2}) == b'{"1":"one","null":2}'
    assert jsontext.dumps([2**64]) == b"[18446744073709551616]"
    assert jsontext.dumps({"t": "é"}) == '{"t":"é"}'.encode()
    assert jsontext.dumps({"t": "\ud800", "é": None}) == b'{"t":"\\ud800","\\u00e9":null}'  # json, escaped


def test_nan_and_infinity_which_json_does_not_have_are_written_as_null():
    assert jsontext.dumps({"n": float("nan"), "i": [float("inf"), -float("inf")]}) == b'{"n":null,"i":[null,null]}'


def test_datetimes_go_to_the_default_as_with_json():
    at = datetime(2026, 12, 3, 1, 2, 3, tzinfo=UTC)
    assert jsontext.dumps({"at": at}, default=lambda d: d.isoformat()) == b'{"at":"2026-12-03T01:02:03+00:00"}'
    with pytest.raises(TypeError):
        jsontext.dumps({"at": at})


@given(st.text(st.characters(codec=None, exclude_categories=())), values)
def test_an_outbox_row_reads_back_as_the_envelope_it_was(correlation_id, data):
    from meemaken_events import Envelope

    event = Envelope(
        id="e1",
        source="urn:meemaken:test",
        type="t.v1",
        time=datetime(2026, 12, 3, tzinfo=UTC),
        key="k",
        data={"value": data},
        dataschema="urn:s",
        correlation_id=correlation_id or None,
    )
    read = Envelope.from_json(event.to_json())
    assert same(read.data, event.data) and read.correlation_id == event.correlation_id and read.time == event.time
