"""A proposal stored by the repository's `add` (the row as the statement's parameters) on SQLite and PostgreSQL: the
same stored row as the row written into the statement (`.values(...)`, the way before), and read back as it was."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from meemaken_kit import make_engine, migrate
from proposals.adapters.repository import ProposalRepository, _row
from proposals.adapters.tables import proposals
from proposals.bootstrap import SERVICE
from proposals.domain.model import Attachment, Proposal


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    url = f"sqlite:///{tmp_path}/proposals.db" if request.param == "sqlite" else request.getfixturevalue("database_url")
    migrate(SERVICE.migrations_dir, url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


ATTACHMENT = uuid.UUID("5f0d2b7e-8c1a-4a57-9f7e-2f4a6c3b1d20")


def submitted(**changes) -> Proposal:
    now = datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=UTC)
    author = uuid.uuid4()
    proposal = Proposal.submit(uuid.uuid4(), "mobility-2027", author, "Safer school streets", "Close the street.", now)
    return replace(proposal, **changes)


def with_everything() -> Proposal:
    proposal = submitted(district="centrum", theme="mobility")
    now = proposal.submitted_at + timedelta(hours=1)
    document = Attachment(ATTACHMENT, "plan.pdf", "application/pdf", 1234, "ab" * 32)
    proposal.attach(document, proposal.author_id, now)
    proposal.invite_co_authors("c0ffee", proposal.author_id, now)
    return proposal


@pytest.mark.parametrize("make", [submitted, with_everything], ids=["as submitted", "with every field"])
def test_a_proposal_is_stored_as_the_row_in_the_statement_stored_it_and_read_back_as_it_was(engine, make):
    proposal, twin = make(), make()
    with engine.begin() as conn:
        ProposalRepository(conn, lambda _aggregate: None).add(proposal)
        conn.execute(proposals.insert().values(**_row(twin)))  # the way before
        rows = {row.id: row._asdict() for row in conn.execute(sa.select(proposals))}
        nulls = conn.execute(
            sa.select(proposals.c.id, proposals.c.co_author_invitation.is_(None), proposals.c.answer_due_at.is_(None))
        ).all()
        found = ProposalRepository(conn, lambda _aggregate: None).get(proposal.id)

    def comparable(row: dict) -> dict:  # without the twin's own ids (its history names its author)
        return row | {"id": None, "author_id": None, "history": None}

    assert comparable(rows[proposal.id]) == comparable(rows[twin.id])
    assert len({(is_null, due_null) for _id, is_null, due_null in nulls}) == 1  # SQL NULL (or not) alike
    assert found is not None
    assert (found.id, found.author_id, found.title, found.text) == (
        proposal.id,
        proposal.author_id,
        proposal.title,
        proposal.text,
    )
    assert found.submitted_at == proposal.submitted_at
    assert (found.district, found.theme, found.attachments) == (proposal.district, proposal.theme, proposal.attachments)
    assert found.co_author_invitation == proposal.co_author_invitation
    assert found.history == proposal.history and found.status == proposal.status
