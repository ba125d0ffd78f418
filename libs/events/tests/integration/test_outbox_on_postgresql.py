"""The outbox's statement on PostgreSQL (the staged rows as one JSON document): the rows are stored in the order
given (the relay sends by id, and one aggregate's events keep their order), each envelope as it was, and they
commit or vanish with the caller's transaction."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from meemaken_events import Envelope, EventFactory, Outbox, catalogue, messaging_tables

pytestmark = pytest.mark.postgres
metadata = sa.MetaData()
outbox_table, _inbox, _lease = messaging_tables(metadata)
FACTORY = EventFactory("urn:meemaken:municipality:demo:system:proposals")


@pytest.fixture
def engine(engine_with) -> sa.Engine:
    return engine_with(metadata)


def admitted(proposal: str, title: str) -> Envelope:
    data = {"proposal_id": proposal, "process_id": "p", "author_id": str(uuid.uuid4()), "title": title}
    return FACTORY.create("org.meemaken.proposals.proposal.admitted.v1", proposal, data)


def stored(engine: sa.Engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return conn.execute(sa.select(outbox_table).order_by(outbox_table.c.id)).all()


def test_rows_are_stored_in_the_order_given_with_their_envelopes_as_they_were(engine):
    proposal = str(uuid.uuid4())
    titles = [f'Titre « {i} » with "quotes", \\ and \u00e9\u00e9n' for i in range(300)]
    envelopes = [admitted(proposal, title) for title in titles]
    with engine.begin() as conn:
        Outbox(outbox_table).add(conn, envelopes)
    rows = stored(engine)
    assert [row.event_id for row in rows] == [e.id for e in envelopes]
    assert [Envelope.from_json(row.envelope) for row in rows] == envelopes
    assert {(row.topic, row.key, row.type) for row in rows} == {
        (catalogue()["org.meemaken.proposals.proposal.admitted.v1"].topic, proposal, envelopes[0].type)
    }
    assert all(row.published_at is None and row.created_at.tzinfo is not None for row in rows)


def test_staged_rows_vanish_with_a_rolled_back_transaction(engine):
    with pytest.raises(RuntimeError), engine.begin() as conn:
        Outbox(outbox_table).add(conn, [admitted(str(uuid.uuid4()), "x")])
        raise RuntimeError("the change failed")
    assert stored(engine) == []
    with engine.begin() as conn:
        Outbox(outbox_table).add(conn, [])
    assert stored(engine) == []
