"""Requests whose units of work collide for real run again from the start and each lands exactly once.

SQLite: another process's writer (its own engine, so its own writer queue) holds the write lock past this one's busy
timeout (cut to BUSY_MS here, not to wait the 30 s of the default), so BEGIN IMMEDIATE fails "database is locked".
PostgreSQL: two requests lock the same two rows in opposite orders and the server breaks the deadlock (40P01).
"""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from flask import current_app, g, request
from flask.testing import FlaskClient
from flask_smorest import Blueprint

from meemaken_events import Envelope, EventFactory, Outbox, messaging_tables
from meemaken_events.metrics import DB_RETRIES
from meemaken_kit import Settings, TrackingRepository, UnitOfWork, create_service_app, make_engine
from meemaken_kit.auth import public

BUSY_MS = 100
metadata = sa.MetaData()
outbox, _inbox, _lease = messaging_tables(metadata)
tallies = sa.Table("tallies", metadata, sa.Column("name", sa.String(20), primary_key=True), sa.Column("n", sa.Integer))
blp = Blueprint("tallies", __name__, url_prefix="/api/v1")
meeting: dict[str, threading.Barrier] = {}  # when set: each request's first run waits here after its first bump


@dataclass
class Tally:
    name: str
    events: list[str] = field(default_factory=list)


class Tallies(TrackingRepository):
    def bump(self, name: str) -> Tally:
        self.connection.execute(tallies.update().where(tallies.c.name == name).values(n=tallies.c.n + 1))
        return self._saw(Tally(name, [name]))


def publish(name: str) -> Envelope:
    data = {"proposal_id": str(uuid.uuid4()), "process_id": "p", "author_id": str(uuid.uuid4()), "title": name}
    return EventFactory("urn:meemaken:municipality:demo:system:test").create(
        "org.meemaken.proposals.proposal.admitted.v1", data["proposal_id"], data
    )


@blp.route("/bumps", methods=["POST"])
@public
def bump() -> tuple[dict[str, Any], int]:
    """One unit of work: bump each named tally, one event each (the names in the JSON body or an uploaded file)."""
    names = request.files["file"].read().decode().split(",") if request.files else request.get_json()["names"]
    first_run = "runs" not in g
    g.runs = g.get("runs", 0) + 1
    with UnitOfWork(current_app.extensions["meemaken"]["engine"], Outbox(outbox), publish) as uow:
        repository = uow.repository(Tallies)
        for index, name in enumerate(names):
            repository.bump(name)
            if index == 0 and first_run and "deadlock" in meeting:
                meeting["deadlock"].wait()  # both requests hold their first row: each now asks for the other's
        uow.commit()
    return {"names": names, "runs": g.runs}, 201


def service(url: str, names: list[str], retry_transactions: bool = True) -> tuple[FlaskClient, sa.Engine]:
    engine = make_engine(url)
    if url.startswith("sqlite"):
        sa.event.listen(engine, "connect", lambda dbapi, _: dbapi.execute(f"PRAGMA busy_timeout={BUSY_MS}"))
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(tallies.insert(), [{"name": name, "n": 0} for name in names])
    settings = Settings.from_env("proposals", {"DATABASE_URL": url})
    app = create_service_app(settings, "Tallies", [blp], engine, retry_transactions=retry_transactions)
    return app.test_client(), engine


def stored(engine: sa.Engine) -> tuple[dict[str, int], int]:
    with engine.connect() as conn:
        counts = {name: n for name, n in conn.execute(sa.select(tallies.c.name, tallies.c.n))}
        return counts, conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar_one()


def retried(reason: str) -> float:
    return DB_RETRIES.labels(reason)._value.get()


def at_once(client: FlaskClient, bodies: list[dict[str, Any]]) -> list[Any]:
    answers: list[Any] = [None] * len(bodies)

    def send(i: int) -> None:
        answers[i] = client.post("/api/v1/bumps", json=bodies[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return answers


@pytest.fixture
def other_writer(tmp_path) -> Iterator[Callable[[Callable[[], bool]], threading.Event]]:
    """Another process's writer on the same SQLite file: holds the write lock (bumping "other") until `let_go()`."""
    url = f"sqlite:///{tmp_path / 'tallies.sqlite'}"
    threads: list[threading.Thread] = []

    def hold(let_go: Callable[[], bool]) -> threading.Event:
        holding = threading.Event()

        def run() -> None:
            engine = make_engine(url)
            with engine.begin() as conn:
                conn.execute(tallies.update().where(tallies.c.name == "other").values(n=tallies.c.n + 1))
                holding.set()
                deadline = time.monotonic() + 10
                while not let_go() and time.monotonic() < deadline:
                    time.sleep(0.005)
            engine.dispose()

        threads.append(threading.Thread(target=run))
        threads[-1].start()
        assert holding.wait(5)
        return holding

    yield hold
    for thread in threads:
        thread.join(15)


def test_sqlite_writers_that_meet_another_processs_lock_all_land_once_without_a_503(tmp_path, other_writer):
    client, engine = service(f"sqlite:///{tmp_path / 'tallies.sqlite'}", ["other", "t1", "t2", "t3"])
    before = retried("sqlite_busy")
    other_writer(lambda: retried("sqlite_busy") > before)  # lets go once a request here met its lock and retried
    answers = at_once(client, [{"names": [name]} for name in ("t1", "t2", "t3")])
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert retried("sqlite_busy") > before and max(a.get_json()["runs"] for a in answers) > 1
    assert stored(engine) == ({"other": 1, "t1": 1, "t2": 1, "t3": 1}, 3)
    engine.dispose()


def test_an_uploaded_file_is_read_from_its_start_in_the_run_after_a_collision(tmp_path, other_writer):
    client, engine = service(f"sqlite:///{tmp_path / 'tallies.sqlite'}", ["other", "a", "b"])
    before = retried("sqlite_busy")
    other_writer(lambda: retried("sqlite_busy") > before)
    upload = {"file": (io.BytesIO(b"a,b"), "names.txt")}
    answer = client.post("/api/v1/bumps", data=upload, content_type="multipart/form-data")
    assert answer.status_code == 201 and answer.get_json() == {"names": ["a", "b"], "runs": 2}
    assert stored(engine) == ({"other": 1, "a": 1, "b": 1}, 2)
    engine.dispose()


@pytest.mark.parametrize(("retry_transactions", "runs"), [(True, 4), (False, 1)])
def test_a_lock_held_past_every_retry_gets_the_503_problem_and_writes_nothing(
    tmp_path, other_writer, retry_transactions, runs
):
    client, engine = service(f"sqlite:///{tmp_path / 'tallies.sqlite'}", ["other", "a"], retry_transactions)
    answered, before = threading.Event(), retried("sqlite_busy")
    other_writer(answered.is_set)
    answer = client.post("/api/v1/bumps", json={"names": ["a"]})
    answered.set()
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    assert answer.get_json()["title"] == "Service Unavailable"
    assert retried("sqlite_busy") - before == runs - 1  # MEEMAKEN_DB_RETRIES: 3 by default
    time.sleep(0.05)
    assert stored(engine) == ({"other": 1, "a": 0}, 0)
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_two_requests_that_deadlock_both_succeed_exactly_once(database_url):
    client, engine = service(database_url, ["a", "b"])
    meeting["deadlock"] = threading.Barrier(2, timeout=10)
    before = retried("deadlock")
    try:
        answers = at_once(client, [{"names": ["a", "b"]}, {"names": ["b", "a"]}])
    finally:
        del meeting["deadlock"]
    assert [a.status_code for a in answers] == [201, 201]
    assert sorted(a.get_json()["runs"] for a in answers) == [1, 2]  # the server's victim ran once more
    assert retried("deadlock") == before + 1
    assert stored(engine) == ({"a": 2, "b": 2}, 4)
    engine.dispose()
