"""Hostile input stops at the door: every service refuses what no endpoint can store or compute with,
with a 4xx problem naming the field, before its view runs."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import sqlalchemy as sa
from flask_smorest import Blueprint
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields

from meemaken_kit import Settings, create_service_app
from meemaken_kit.auth import public
from meemaken_kit.input_guard import INT_MAX, INT_MIN, MAX_DEPTH, check_json

blp = Blueprint("echo", __name__, url_prefix="/api/v1")
reached: list[str] = []


@blp.route("/things/<int:thing_id>", methods=["GET", "PUT"])
@public
def thing(thing_id: int) -> dict[str, int]:
    reached.append("thing")
    return {"id": thing_id}


@blp.route("/things", methods=["GET", "POST"])
@public
def things() -> dict[str, str]:
    reached.append("things")
    return {"ok": "yes"}


class Title(Schema):
    title = fields.String(required=True)


@blp.route("/titles", methods=["POST"])
@public
@blp.arguments(Title)
def titles(body: dict[str, str]) -> dict[str, str]:
    reached.append("titles")
    return body


@pytest.fixture()
def client():  # type: ignore[no-untyped-def]
    reached.clear()
    settings = Settings.from_env("proposals", {"DATABASE_URL": "sqlite://"})
    app = create_service_app(settings, "Echo", [blp], sa.create_engine("sqlite://"))
    return app.test_client()


def post(client, body: bytes):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/things", data=body, content_type="application/json")


HOSTILE_BODIES = [
    (b'{"offset": 9223372036854775808}', "/offset", "out of range"),
    (b'{"amount": -9223372036854775809}', "/amount", "out of range"),
    (b'{"n": ' + b"9" * 4301 + b"}", "/n", "4301 digits is out of range"),
    (b"[" * 1000 + b"]" * 1000, "/", f"nested more than {MAX_DEPTH} levels deep"),
    (b'{"a": ' * 40 + b"1" + b"}" * 40, "/", "nested more than"),
    (b'{"title": "\\ud800"}', "/title", "lone surrogate"),
    (b'{"title": "a\\u0000b"}', "/title", "NUL character"),
    (b'{"tags": ["ok", "\\udfff"]}', "/tags/1", "lone surrogate"),
    (b'{"\\u0000": 1}', "/\x00", "NUL character"),
    (b'{"x": NaN}', "/x", "NaN is not a number JSON allows"),
    (b'{"x": [1, -Infinity]}', "/x/1", "-Infinity is not a number JSON allows"),
    (b'{"a/b": {"~": 1e400}}', "/a~1b/~0", "not a finite number"),
]


@pytest.mark.parametrize(("body", "pointer", "detail"), HOSTILE_BODIES)
def test_hostile_json_bodies_get_422_naming_the_field_and_never_reach_the_view(client, body, pointer, detail):  # type: ignore[no-untyped-def]
    response = post(client, body)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["errors"][0]["pointer"] == pointer and detail in problem["errors"][0]["detail"]
    assert reached == []


def test_json_that_is_not_json_gets_400(client):  # type: ignore[no-untyped-def]
    for body in (b'{"a": ', b"\xff\xfe", b"{'a': 1}"):
        response = post(client, body)
        assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert reached == []


def test_ordinary_input_passes_untouched(client):  # type: ignore[no-untyped-def]
    body = {"offset": INT_MAX, "low": -(2**63), "title": "Speeltuin 't Zand — éé 😀", "deep": [[[[1.5]]]]}
    assert post(client, json.dumps(body).encode()).status_code == 200
    assert client.get(f"/api/v1/things/{INT_MAX}").get_json() == {"id": INT_MAX}
    assert client.get("/api/v1/things?offset=20&q=12345").status_code == 200
    assert reached == ["things", "thing", "things"]


def test_hostile_paths_and_query_strings(client):  # type: ignore[no-untyped-def]
    assert client.get(f"/api/v1/things/{2**63}").status_code == 404
    huge = client.get(f"/api/v1/things?offset={2**64}")
    assert huge.status_code == 422 and huge.get_json()["errors"][0]["pointer"] == "/query/offset"
    assert client.get("/api/v1/things?offset=" + "9" * 5000).status_code == 422
    assert client.get("/api/v1/things?q=a%00b").status_code == 422
    assert reached == []


def test_a_field_named_with_a_slash_or_tilde_is_named_exactly_in_the_pointer(client):  # type: ignore[no-untyped-def]
    """RFC 6901: "a/b" would point at b inside a; the pointer says a~1b."""
    refused = client.post("/api/v1/titles", json={"title": "ok", "a/b": 1, "~x": 2})
    assert refused.status_code == 422
    assert {e["pointer"] for e in refused.get_json()["errors"]} == {"/a~1b", "/~0x"}
    guarded = post(client, b'{"a/b": {"c~d": "\\u0000"}}')
    assert guarded.get_json()["errors"][0]["pointer"] == "/a~1b/c~0d"
    assert reached == []


def test_check_json_refuses_without_recursion():
    """100,000 levels: the scan is linear, Python's parser is never asked (it would hit its recursion limit)."""
    with pytest.raises(ValueError, match="nested"):
        check_json(b"[" * 100_000 + b"]" * 100_000)
    check_json(b'{"a": [1, 2, {"b": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}]}')  # brackets in a string


# --- properties: whatever JSON, bytes, query or path arrives, the answer is a 4xx naming the field or the view's


def _storable_text(text: str) -> bool:
    return "\x00" not in text and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def _pointer(tokens: list[str]) -> str:
    """RFC 6901: ``~`` as ``~0`` and ``/`` as ``~1`` in each reference token."""
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens) or "/"


def _faults(value: Any, tokens: list[str], depth: int = 0) -> Iterator[str]:
    """Every pointer at which the guard must refuse ``value`` (the document as the client meant it)."""
    if isinstance(value, dict | list) and depth >= MAX_DEPTH:  # the 33rd level of brackets
        yield "/"
    elif isinstance(value, dict):
        for key, item in value.items():
            if not _storable_text(key):
                yield _pointer([*tokens, key])
            yield from _faults(item, [*tokens, key], depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _faults(item, [*tokens, str(i)], depth + 1)
    elif isinstance(value, str) and not _storable_text(value):
        yield _pointer(tokens)
    elif value is HUGE or (isinstance(value, int) and not isinstance(value, bool) and not INT_MIN <= value <= INT_MAX):
        yield _pointer(tokens)
    elif isinstance(value, float) and not math.isfinite(value):
        yield _pointer(tokens)


HUGE = object()  # a 4,301-digit integer (Python will not even write one as text without being told to)
HUGE_TEXT = "9" * 4301


def _dumps(document: Any) -> bytes:
    return json.dumps(document, default=lambda _: "HUGE").replace('"HUGE"', HUGE_TEXT).encode()


ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=8)  # surrogates and NUL included
KEYS = st.one_of(ANY_TEXT, st.sampled_from(["a/b", "~", "~1", "title", ""]))
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**62, max_value=2**70),
    st.sampled_from([HUGE, -(10**25), INT_MAX, INT_MIN]),
    st.floats(),
    ANY_TEXT,
)
DOCUMENTS = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3))


def _nested(depth: int, leaf: Any) -> Any:
    for i in range(depth):
        leaf = [leaf] if i % 2 else {"n": leaf}
    return leaf


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=st.one_of(DOCUMENTS, st.builds(_nested, st.integers(0, 40), DOCUMENTS)))
def test_any_json_document_is_answered_by_the_view_or_refused_naming_a_field_at_fault(client, document):  # type: ignore[no-untyped-def]
    reached.clear()
    response = post(client, _dumps(document))
    faults = set(_faults(document, []))
    if not faults:
        assert response.status_code == 200 and reached == ["things"], response.get_data(as_text=True)
        return
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["errors"][0]["pointer"] in faults
    assert reached == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=64) | st.builds(lambda d: d.encode("utf-8", "surrogatepass"), ANY_TEXT))
def test_any_bytes_as_a_json_body_get_an_answer_never_a_server_error(client, body):  # type: ignore[no-untyped-def]
    response = post(client, body)
    assert response.status_code in (200, 400, 422) and (response.status_code == 200 or response.is_json)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=ANY_TEXT, value=ANY_TEXT | st.integers().map(str), segment=st.binary(min_size=1, max_size=12))
def test_any_query_string_or_path_segment_gets_an_answer_never_a_server_error(client, name, value, segment):  # type: ignore[no-untyped-def]
    reached.clear()
    query = urlencode({name: value}, encoding="utf-8", errors="surrogatepass")
    answered = client.get("/api/v1/things", query_string=query)
    assert answered.status_code in (200, 422), answered.get_data(as_text=True)
    assert (answered.status_code == 200) == (reached == ["things"])
    path = client.get("/api/v1/things/" + quote(segment, safe=""))
    assert path.status_code in (200, 404, 422)


def test_the_documented_problem_allows_a_problem_types_own_members(client):  # type: ignore[no-untyped-def]
    """RFC 9457 §3.2: a problem type may add members (personal data refusals say what was found); a
    document that forbade them made every such answer break its own schema."""
    spec = client.application.extensions["meemaken"]["api"].spec.to_dict()
    assert spec["components"]["schemas"]["Problem"]["additionalProperties"] is True
