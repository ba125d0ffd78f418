"""``with uow.one_statement():`` on PostgreSQL: the statement commits itself (autocommit, no transaction around
it), a failed statement leaves nothing, events are refused, and the pool's connection comes back in its normal
mode: the next ``with uow:`` on the same unit of work and the same connection is a transaction again."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from meemaken_events import Envelope, EventFactory, Outbox, messaging_tables
from meemaken_kit import TrackingRepository, UnitOfWork, make_engine

pytestmark = pytest.mark.postgres
metadata = sa.MetaData()
outbox, _inbox, _lease = messaging_tables(metadata)
marks = sa.Table("marks", metadata, sa.Column("id", sa.Uuid, primary_key=True), sa.Column("name", sa.String))


class Marked:
    def __init__(self) -> None:
        self.events = ["marked"]


class Marks(TrackingRepository):
    def put(self, *names: str, ids: list[uuid.UUID] | None = None) -> None:
        """One INSERT of as many rows (with these ids, or new ones)."""
        ids = ids or [uuid.uuid4() for _ in names]
        self.connection.execute(marks.insert(), [{"id": i, "name": n} for i, n in zip(ids, names, strict=True)])

    def marked(self) -> Marked:
        """An aggregate with an event to publish."""
        return self._saw(Marked())


def publish(event: str) -> Envelope:
    data = {"proposal_id": str(uuid.uuid4()), "process_id": "p", "author_id": str(uuid.uuid4()), "title": event}
    return EventFactory("urn:meemaken:municipality:demo:system:test").create(
        "org.meemaken.proposals.proposal.admitted.v1", data["proposal_id"], data
    )


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url, pool_size=1, max_overflow=0, pool_pre_ping=False)  # one pooled connection
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def names(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(marks.c.name)).scalars())


def published(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return [json.loads(row.envelope)["data"]["title"] for row in conn.execute(sa.select(outbox))]


def test_the_statement_commits_itself_and_the_next_with_is_a_transaction_on_the_same_connection(engine):
    uow = UnitOfWork(engine, Outbox(outbox), publish)
    other = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    with uow.one_statement():
        pooled = uow.connection.connection.dbapi_connection
        assert pooled is not None and pooled.autocommit
        uow.repository(Marks).put("ballot")
        with other.connect() as conn:  # seen from elsewhere at once: no transaction holds it
            assert list(conn.execute(sa.select(marks.c.name)).scalars()) == ["ballot"]
    assert names(engine) == ["ballot"]  # no commit() called: it committed itself

    with uow:  # the same unit of work, the pool's one connection, back in the engine's mode
        assert uow.connection.connection.dbapi_connection is pooled and not pooled.autocommit
        uow.repository(Marks).put("uncommitted")
        with other.connect() as conn:
            assert list(conn.execute(sa.select(marks.c.name)).scalars()) == ["ballot"]
    assert names(engine) == ["ballot"]  # left without commit(): rolled back
    with uow:
        uow.repository(Marks).put("committed")
        uow.repository(Marks).marked()
        uow.commit()
    assert names(engine) == ["ballot", "committed"] and published(engine) == ["marked"]
    other.dispose()


def test_a_failed_statement_leaves_nothing_and_the_connection_serves_on(engine):
    uow = UnitOfWork(engine, Outbox(outbox), publish)
    taken = uuid.uuid4()
    with pytest.raises(sa.exc.IntegrityError), uow.one_statement():
        uow.repository(Marks).put("first", "same id", ids=[taken, taken])  # its second row breaks the key
    assert names(engine) == []
    with uow.one_statement():
        uow.repository(Marks).put("after")
    assert names(engine) == ["after"]


def test_it_publishes_no_events(engine):
    uow = UnitOfWork(engine, Outbox(outbox), publish)
    with pytest.raises(RuntimeError, match="publishes no events"), uow.one_statement():
        uow.repository(Marks).marked()
        uow.commit()
    assert published(engine) == []
