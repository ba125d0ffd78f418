"""A request whose transaction collided with another runs again from the start, a few times, never after a commit
and never for an error a retry does not cure; then the 503 problem with Retry-After."""

from __future__ import annotations

import io
import sqlite3
import uuid
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from flask import current_app, request
from flask_smorest import Blueprint
from psycopg import errors as pg

from meemaken_events import Envelope, EventFactory, Outbox, messaging_tables
from meemaken_events.metrics import DB_RETRIES
from meemaken_kit import Settings, TrackingRepository, UnitOfWork, create_service_app, make_engine
from meemaken_kit.auth import public
from meemaken_kit.uow import FIRST_PAUSE, retrying

ADMITTED = "org.meemaken.proposals.proposal.admitted.v1"


def deadlock() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("UPDATE panels ...", {}, pg.DeadlockDetected("deadlock detected"))


def busy() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))


def retried(reason: str) -> float:
    return DB_RETRIES.labels(reason)._value.get()


class Flaky:
    """Fails with `error` the first `failures` times, then answers."""

    def __init__(self, failures: int, error=deadlock) -> None:  # type: ignore[no-untyped-def]
        self.failures, self.error, self.calls = failures, error, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error()
        return "done"


def test_work_that_collides_twice_runs_a_third_time_after_short_random_pauses():
    work, pauses, before = Flaky(2), [], retried("deadlock")
    assert retrying(work, 3, pause=pauses.append) == "done"
    assert work.calls == 3 and retried("deadlock") == before + 2
    assert len(pauses) == 2 and all(0 <= p <= FIRST_PAUSE * 2**i for i, p in enumerate(pauses))


def test_after_the_last_retry_the_collision_goes_on():
    work = Flaky(10, busy)
    with pytest.raises(sa.exc.OperationalError, match="database is locked"):
        retrying(work, 3, pause=lambda _: None)
    assert work.calls == 4


def test_an_integrity_error_is_not_retried():
    def duplicate() -> sa.exc.IntegrityError:
        return sa.exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))

    work = Flaky(1, duplicate)
    with pytest.raises(sa.exc.IntegrityError):
        retrying(work, 3, pause=lambda _: None)
    assert work.calls == 1


def test_nothing_is_retried_once_a_commit_was_sent(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'c.sqlite'}")
    calls = []

    def commits_then_collides() -> None:
        calls.append(1)
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT 1")
        raise deadlock()

    with pytest.raises(sa.exc.OperationalError):
        retrying(commits_then_collides, 3, pause=lambda _: None)
    assert calls == [1]


# Through a service app: a view whose unit of work (its row and its outbox row) collides the first time.
metadata = sa.MetaData()
outbox_table, _inbox, _lease = messaging_tables(metadata)
notes = sa.Table("notes", metadata, sa.Column("id", sa.Uuid, primary_key=True), sa.Column("text", sa.String))
blp = Blueprint("notes", __name__, url_prefix="/api/v1")
plan: dict[str, Flaky] = {}


@dataclass
class Note:
    text: str
    events: list[str] = field(default_factory=list)


class Notes(TrackingRepository):
    def add(self, note: Note) -> None:
        self.connection.execute(notes.insert().values(id=uuid.uuid4(), text=note.text))
        self._saw(note)


def publish(text: str) -> Envelope:
    data = {"proposal_id": str(uuid.uuid4()), "process_id": "p", "author_id": str(uuid.uuid4()), "title": text}
    return EventFactory("urn:meemaken:municipality:demo:system:test").create(ADMITTED, data["proposal_id"], data)


@blp.route("/notes", methods=["POST"])
@public
def add_note() -> tuple[dict[str, str], int]:
    text = request.files["file"].read().decode() if request.files else request.get_json()["text"]
    with UnitOfWork(current_app.extensions["meemaken"]["engine"], Outbox(outbox_table), publish) as uow:
        uow.repository(Notes).add(Note(text, [text]))
        plan["collide"]()  # raises while the transaction is open, as a deadlocked UPDATE would
        uow.commit()
    return {"text": text}, 201


def app(tmp_path, retries: str = "3", retry_transactions: bool = True):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'notes.sqlite'}")
    metadata.create_all(engine)
    settings = Settings.from_env("proposals", {"DATABASE_URL": "sqlite://", "MEEMAKEN_DB_RETRIES": retries})
    flask_app = create_service_app(settings, "Notes", [blp], engine, retry_transactions=retry_transactions)
    return flask_app.test_client(), engine


def stored(engine: sa.Engine) -> tuple[list[str], int]:
    with engine.connect() as conn:
        texts = list(conn.execute(sa.select(notes.c.text)).scalars())
        return texts, conn.execute(sa.select(sa.func.count()).select_from(outbox_table)).scalar_one()


def test_a_request_that_collided_is_answered_once_with_its_row_and_event_once(tmp_path):
    client, engine = app(tmp_path)
    plan["collide"] = Flaky(2, busy)
    answer = client.post("/api/v1/notes", json={"text": "bench by the pond"})
    assert answer.status_code == 201 and plan["collide"].calls == 3
    assert stored(engine) == (["bench by the pond"], 1)


def test_an_upload_is_read_from_its_start_again(tmp_path):
    client, engine = app(tmp_path)
    plan["collide"] = Flaky(1)
    upload = {"file": (io.BytesIO(b"the plan, page one"), "plan.txt")}
    assert client.post("/api/v1/notes", data=upload, content_type="multipart/form-data").status_code == 201
    assert stored(engine) == (["the plan, page one"], 1)


@pytest.mark.parametrize(("retries", "retry_transactions", "calls"), [("2", True, 3), ("3", False, 1)])
def test_when_collisions_go_on_the_request_gets_the_503_problem_and_nothing_is_written(
    tmp_path, retries, retry_transactions, calls
):
    client, engine = app(tmp_path, retries, retry_transactions)
    plan["collide"] = Flaky(10)
    answer = client.post("/api/v1/notes", json={"text": "x"})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    assert answer.get_json()["title"] == "Service Unavailable" and plan["collide"].calls == calls
    assert stored(engine) == ([], 0)
