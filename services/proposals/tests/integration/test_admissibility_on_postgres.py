"""The admissibility use case and the repository on a real PostgreSQL database."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from meemaken_events import Envelope, correlated
from meemaken_kit import Settings, make_engine, migrate
from proposals.adapters.repository import ConcurrentUpdate
from proposals.adapters.tables import outbox
from proposals.bootstrap import SERVICE, unit_of_work_factory
from proposals.domain.process import Phase, ProcessKind
from proposals.service_layer import handlers, participation
from proposals.service_layer.actors import Actor

pytestmark = pytest.mark.postgres


@pytest.fixture
def uow(database_url):
    migrate(SERVICE.migrations_dir, database_url)
    engine = make_engine(database_url)
    factory = unit_of_work_factory(Settings.from_env("proposals", {"DATABASE_URL": database_url}), engine)
    open_call(factory, "mobility-2027")
    yield factory
    engine.dispose()


def open_call(uow, process_id):
    now = datetime.now(UTC)
    phase = Phase("proposals", now - timedelta(days=30), now + timedelta(days=30), "adviseren")
    official = Actor.official()
    participation.define_process(
        uow(), official, process_id, "gent", "Call", ProcessKind.PROPOSALS_CALL, [phase], 2, 60
    )


def submit(uow, title, when=None, text="A long enough text about what should change here."):
    command = handlers.SubmitProposal("mobility-2027", uuid.uuid4(), title, text)
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
    assert event_types(uow) == ["defined", "submitted", "submitted", "rejected", "admitted"]


def test_checking_a_decided_proposal_again_changes_nothing(uow):
    proposal = submit(uow, "Safer school streets")
    handlers.check_admissibility(proposal.id, uow())
    handlers.check_admissibility(proposal.id, uow())
    assert event_types(uow) == ["defined", "submitted", "admitted"]


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
        assert unit.proposals.get(proposal.id).status.value == "admitted"
    assert event_types(uow) == ["defined", "submitted", "admitted"]  # the loaded copy's event, no track call


def checks(*proposals, correlation=None):
    return [(p.id, lambda p=p: correlated(correlation or f"corr-{p.title[:4]}")) for p in proposals]


def outbox_envelopes(uow):
    with uow() as unit:
        texts = unit.connection.execute(sa.select(outbox.c.envelope).order_by(outbox.c.id)).scalars()
        return [Envelope.from_json(t) for t in texts]


def test_a_batch_is_decided_as_its_proposals_one_after_the_other(uow):
    """The later copy first (rejected), the first (admitted), a shouting title that a copy after it in the
    same batch does not count against (it is rejected before the copy is checked), one proposal twice."""
    now = datetime.now(UTC)
    later = submit(uow, "Safer school streets", now + timedelta(seconds=1))
    first = submit(uow, "safer school streets!", now)
    trees = "Plant trees on the square where the market is, for shade in the summer."
    shouting = submit(uow, "MORE TREES ON THE SQUARE", now + timedelta(seconds=2), trees)
    quiet = submit(uow, "More trees on the square", now + timedelta(seconds=3), f"{trees} Now.")
    handlers.check_admissibility_of(checks(later, first, shouting, quiet, first), uow())
    with uow() as unit:
        decided = {p.id: unit.proposals.get(p.id) for p in (later, first, shouting, quiet)}
    assert [r.code for r in decided[later.id].reasons] == ["duplicate_title"]
    assert [r.code for r in decided[shouting.id].reasons] == ["shouting"]
    assert decided[first.id].status.value == decided[quiet.id].status.value == "admitted"
    decisions = outbox_envelopes(uow)[5:]
    assert [(e.type.rsplit(".", 2)[-2], e.data["proposal_id"]) for e in decisions] == [
        ("rejected", str(later.id)),
        ("admitted", str(first.id)),
        ("rejected", str(shouting.id)),
        ("admitted", str(quiet.id)),
    ]
    assert [e.correlation_id for e in decisions] == ["corr-Safe", "corr-safe", "corr-MORE", "corr-More"]


def test_a_batch_with_a_proposal_that_is_not_there_decides_nothing(uow):
    proposal = submit(uow, "Safer school streets")
    missing = handlers.SubmitProposal("mobility-2027", uuid.uuid4(), "Nowhere", "")
    with pytest.raises(handlers.ProposalNotFound):
        handlers.check_admissibility_of([*checks(proposal), (uuid.uuid4(), lambda: correlated(missing.title))], uow())
    assert event_types(uow) == ["defined", "submitted"]


def test_batches_decide_copies_as_the_proposals_one_by_one_would(uow):
    """The same submissions in two processes: one decided in two batches (the copies found by one query a batch),
    the other one proposal at a time (the copies query per proposal). Copies of title and of text, a near-copy,
    an earlier copy later in the batch, a tie on the submission time, a rejected proposal's copy (it does not
    count), copies across the batches. Outcomes in submission order (a tie: the smaller id first)."""
    now = datetime.now(UTC)
    trees = "Plant trees on the square where the market is, for shade in the summer."
    short = "Short text about the street."
    wanted = [  # (title, text, seconds after now); the first batch is the first seven
        ("Safer school streets", None, 1),
        ("safer school streets!", None, 2),  # the same title
        ("Plant trees on the market", trees, 3),
        ("Shade on the market square", trees.upper(), 4),  # the same text
        ("Safer school street", None, 5),  # a near-copy: another title key
        ("Safer School Streets", None, 0),  # earlier than the first, later in the batch
        ("Cycle lane on the bridge", None, 6),
        ("Cycle lane on the bridge", None, 6),  # the same time, in the next batch
        ("Too short", short, 6.5),  # rejected: its copy below does not count
        ("Safer school street", f"{trees} Now.", 7),  # the near-copy's title, across the batches
        ("Trees by the water", f"{short} Longer now, then.", 8),
        ("Too short", short, 9),
    ]
    outcomes = {}
    for process_id in ("batched-2027", "one-by-one-2027"):
        open_call(uow, process_id)
        made = []
        for title, text, seconds in wanted:
            command = handlers.SubmitProposal(process_id, uuid.uuid4(), title, text or f"{title} - a text long enough.")
            made.append(handlers.submit_proposal(command, uow(), now=lambda s=seconds: now + timedelta(seconds=s)))
        if process_id.startswith("batched"):
            handlers.check_admissibility_of(checks(*made[:7]), uow())
            handlers.check_admissibility_of(checks(*made[7:], made[0]), uow())
        else:
            for proposal in made:
                handlers.check_admissibility(proposal.id, uow())
        with uow() as unit:
            decided = sorted((unit.proposals.get(p.id) for p in made), key=lambda p: (p.submitted_at, p.id))
        outcomes[process_id] = [[r.code for r in p.reasons] for p in decided]
    assert outcomes["batched-2027"] == outcomes["one-by-one-2027"]
    too_short = ["title_too_short", "text_too_short"]
    assert outcomes["batched-2027"] == [
        *([], ["duplicate_title"], ["duplicate_title"], [], ["duplicate_text"], [], [], ["duplicate_title"]),
        *(too_short, ["duplicate_title"], [], too_short),
    ]


def test_a_batch_whose_proposal_changed_meanwhile_saves_none(uow):
    first, second = submit(uow, "Safer school streets"), submit(uow, "More trees on the square")
    with uow() as mine:
        loaded = mine.proposals.get_many([first.id, second.id])
        with uow() as other:
            changed = other.proposals.get(second.id)
            changed.admit()
            other.proposals.save(changed)
            other.commit()
        for proposal in loaded.values():
            proposal.admit()
        with pytest.raises(ConcurrentUpdate):
            mine.proposals.save_decided(list(loaded.values()))
    with uow() as unit:
        assert unit.proposals.get(first.id).status.value == "submitted"
    assert event_types(uow) == ["defined", "submitted", "submitted", "admitted"]
