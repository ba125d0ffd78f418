"""Hostile input stops at the door: every service refuses what no endpoint can store or compute with,
with a 4xx problem naming the field, before its view runs."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask_smorest import Blueprint

from meemaken_kit import Settings, create_service_app
from meemaken_kit.auth import public
from meemaken_kit.input_guard import INT_MAX, MAX_DEPTH, check_json

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
    (b'{"x": NaN}', "/", "NaN is not a number JSON allows"),
    (b'{"x": Infinity}', "/", "Infinity"),
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


def test_check_json_refuses_without_recursion():
    """100,000 levels: the scan is linear, Python's parser is never asked (it would hit its recursion limit)."""
    with pytest.raises(ValueError, match="nested"):
        check_json(b"[" * 100_000 + b"]" * 100_000)
    check_json(b'{"a": [1, 2, {"b": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}]}')  # brackets in a string
