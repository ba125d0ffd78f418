"""A retried state-changing request with the same Idempotency-Key gets the first answer; nothing is
done twice."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask_smorest import Blueprint

from meemaken_kit import Settings, create_service_app, make_engine
from meemaken_kit.auth import public
from meemaken_kit.idempotency import keys

blp = Blueprint("counter", __name__, url_prefix="/api/v1")
done: list[str] = []
gate = threading.Event()


@blp.route("/decisions", methods=["POST"])
@public
def decide() -> tuple[dict[str, object], int, dict[str, str]]:
    done.append("decided")
    return {"decision": len(done)}, 201, {"Location": f"/api/v1/decisions/{len(done)}"}


@blp.route("/failing", methods=["POST"])
@public
def failing() -> dict[str, str]:
    done.append("tried")
    if len(done) == 1:
        raise RuntimeError("the first attempt breaks")
    return {"ok": "second time"}


@blp.route("/slow", methods=["POST"])
@public
def slow() -> dict[str, str]:
    gate.wait(5)
    return {"ok": "slow"}


@pytest.fixture()
def client(tmp_path):  # type: ignore[no-untyped-def]
    done.clear()
    engine = make_engine(f"sqlite:///{tmp_path / 'keys.sqlite'}")
    keys.metadata.create_all(engine)
    settings = Settings.from_env("proposals", {"DATABASE_URL": "sqlite://"})
    return create_service_app(settings, "Counter", [blp], engine, idempotency=True).test_client()


def post(client, path="/api/v1/decisions", key="k-1", body=None):  # type: ignore[no-untyped-def]
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(path, json=body or {"outcome": "accept"}, headers=headers)


def test_a_retry_gets_the_first_answer_and_nothing_is_done_twice(client):  # type: ignore[no-untyped-def]
    first, again = post(client), post(client)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json() == {"decision": 1}
    assert again.headers["Location"] == "/api/v1/decisions/1" and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert done == ["decided"]


def test_another_key_or_no_key_is_another_request(client):  # type: ignore[no-untyped-def]
    post(client, key="k-1")
    post(client, key="k-2")
    post(client, key=None)
    post(client, key=None)
    assert len(done) == 4


def test_the_same_key_with_another_body_is_refused(client):  # type: ignore[no-untyped-def]
    post(client)
    other = post(client, body={"outcome": "reject"})
    assert other.status_code == 422 and "another request" in other.get_json()["detail"]
    assert done == ["decided"]


def test_a_server_error_forgets_the_key_so_the_retry_is_handled(client):  # type: ignore[no-untyped-def]
    assert post(client, "/api/v1/failing").status_code == 500
    retry = post(client, "/api/v1/failing")
    assert retry.status_code == 200 and retry.get_json() == {"ok": "second time"}
    assert done == ["tried", "tried"]


def test_a_retry_while_the_first_is_handled_is_told_to_wait(client):  # type: ignore[no-untyped-def]
    gate.clear()
    first: list[int] = []
    worker = threading.Thread(target=lambda: first.append(post(client, "/api/v1/slow").status_code))
    worker.start()
    try:
        for _ in range(100):  # until the first request holds the key
            with client.application.extensions["meemaken"]["engine"].connect() as conn:
                if conn.execute(sa.select(sa.func.count()).select_from(keys)).scalar():
                    break
            threading.Event().wait(0.02)
        waiting = post(client, "/api/v1/slow")
        assert waiting.status_code == 409 and waiting.headers["Retry-After"] == "1"
    finally:
        gate.set()
        worker.join(5)
    assert first == [200]
    assert post(client, "/api/v1/slow").get_json() == {"ok": "slow"}


def test_a_malformed_key_is_a_bad_request(client):  # type: ignore[no-untyped-def]
    assert post(client, key="has spaces in it").status_code == 400
    assert post(client, key="x" * 201).status_code == 400
    assert done == []


def test_expired_keys_are_pruned_and_a_key_is_reusable_after_a_day(client, monkeypatch):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    from meemaken_kit import idempotency

    post(client, key="old")
    engine = client.application.extensions["meemaken"]["engine"]
    with engine.begin() as conn:
        conn.execute(keys.update().values(created_at=datetime.now(UTC) - timedelta(hours=25)))
    assert post(client, key="old").get_json() == {"decision": 2}  # expired: handled afresh
    with engine.begin() as conn:
        conn.execute(keys.update().values(created_at=datetime.now(UTC) - timedelta(hours=25)))
    monkeypatch.setattr(idempotency, "PRUNE_EVERY", 1)
    post(client, key="fresh")
    with engine.connect() as conn:
        ages = [r.created_at for r in conn.execute(sa.select(keys))]
    assert len(ages) == 1 and ages[0] > datetime.now(UTC) - timedelta(hours=1)  # only the fresh key is left
