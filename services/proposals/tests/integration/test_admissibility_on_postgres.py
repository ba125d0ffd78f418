"""The admissibility use case and the repository on a real PostgreSQL database."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from meemaken_kit import Settings, make_engine, migrate
from proposals.adapters.repository import ConcurrentUpdate, ProposalRepository
from proposals.adapters.tables import outbox
from proposals.bootstrap import SERVICE, unit_of_work_factory
from proposals.service_layer import handlers

pytestmark = pytest.mark.postgres


@pytest.fixture
def uow(database_url):
    migrate(SERVICE.migrations_dir, database_url)
    engine = make_engine(database_url)
    yield unit_of_work_factory(Settings.from_env("proposals", {"DATABASE_URL": database_url}), engine)
    engine.dispose()


def submit(uow, title, when=None):
    command = handlers.SubmitProposal("p", uuid.uuid4(), title, "A long enough text about what should change here.")
    return handlers.submit_proposal(command, uow(), now=(lambda: when) if when else None)


def event_types(uow):
    with uow() as unit:
        return [r.type.rsplit(".", 2)[-2] for r in unit.connection.execute(sa.select(outbox).order_by(outbox.c.id))]


def test_the_first_of_two_equal_titles_is_admitted_and_the_later_one_rejected(uow):
    now = datetime.now(UTC)
    later = submit(uow, "Safer school streets", now + timedelta(seconds=1))
    first = submit(uow, "safer school streets!", now)
    assert handlers.check_admissibility(later.id, uow()).reasons[0].code == "duplicate_title"
    assert handlers.check_admissibility(first.id, uow()).status.value == "admitted"
    assert event_types(uow) == ["submitted", "submitted", "rejected", "admitted"]


def test_checking_a_decided_proposal_again_changes_nothing(uow):
    proposal = submit(uow, "Safer school streets")
    handlers.check_admissibility(proposal.id, uow())
    handlers.check_admissibility(proposal.id, uow())
    assert event_types(uow) == ["submitted", "admitted"]


def test_a_stale_version_is_refused_and_nothing_is_lost(uow):
    proposal = submit(uow, "Safer school streets")
    with uow() as first, uow() as second:
        mine = first.proposals.get(proposal.id)
        theirs = second.proposals.get(proposal.id)
        mine.admit()
        first.proposals.save(mine)
        first.commit()
        theirs.reject((handlers.admissibility.check("x", "", [])[0],))
        with pytest.raises(ConcurrentUpdate):
            second.proposals.save(theirs)
    with uow() as unit:
        assert ProposalRepository(unit.connection).get(proposal.id).status.value == "admitted"
