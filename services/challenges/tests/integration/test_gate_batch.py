"""The gate check of a consumer's polled batch, together, gives what checking each alone in turn gives."""

import json
import logging
import uuid
from contextlib import contextmanager
from functools import partial

import pytest
import sqlalchemy as sa

from challenges.adapters import tables
from challenges.adapters.repository import ConcurrentUpdate
from challenges.service_layer import handlers
from meemaken_events import correlated
from meemaken_kit.logs import JsonFormatter

pytestmark = pytest.mark.postgres


def submitted(case):
    """Five submitted challenges: two on one task (the first checked is refused as a duplicate of the second,
    still open; the second then passes), one on a task of too few members allowed, one on a task of its own."""
    shared, strict, own = case.task("flanders"), case.task("flanders", min_members=50), case.task("flanders")
    drafts = [case.draft(shared), case.draft(shared), case.draft(strict), case.draft(own)]
    for challenge in drafts:
        assert case.post(f"/challenges/{challenge}/submit", "group_representative").status_code == 200
    return drafts


def outcome(case, challenge):
    with case.engine.connect() as conn:
        timers = conn.execute(
            sa.select(tables.timers.c.kind, tables.timers.c.due_at, tables.timers.c.cancelled_at.is_(None))
            .where(tables.timers.c.challenge_id == uuid.UUID(challenge))
            .order_by(tables.timers.c.kind, tables.timers.c.due_at)
        ).all()
    seen = case.get(f"/challenges/{challenge}", "case_officer").get_json()
    details = [(e.type, e.data["to_status"], _without_ids(e.data)) for e in case.envelopes(challenge)]
    return seen["status"], seen["version"], seen["decision_due_at"], details, timers


def _without_ids(data):
    """An event's details with the case's own ids (its challenge, task and co-initiators) as placeholders."""
    text = json.dumps(data.get("details"), sort_keys=True)
    for name, value in [("challenge", data["challenge_id"]), ("task", data["task_id"])] + [
        ("co_initiator", i) for i in (data.get("details") or {}).get("co_initiator_ids", [])
    ]:
        text = text.replace(value, name)
    return text


def checks(challenges):
    """Each challenge's check within its `submitted` event's correlation, as the gate consumer's batch has it."""
    return [(uuid.UUID(c), partial(correlated, f"corr-{c}")) for c in challenges]


def test_a_batch_checked_together_ends_as_each_checked_alone_in_turn(case):
    alone = submitted(case)
    for challenge in [*alone, alone[0]]:  # the repeated one: the check runs once
        case.gate_check(challenge)
    together = submitted(case)
    checked = handlers.check_admissibility_of(case.uow(), checks([*together, together[0]]))

    assert [c.status.value for c in checked] == [case.status(c) for c in [*together, together[0]]]
    assert [case.status(c) for c in together] == ["rejected", "in_assessment", "rejected", "in_assessment"]
    assert [outcome(case, c) for c in together] == [outcome(case, c) for c in alone]


def test_a_batch_with_a_challenge_that_is_not_there_writes_nothing(case):
    challenges = submitted(case)
    with pytest.raises(handlers.NotFound):
        handlers.check_admissibility_of(case.uow(), checks([challenges[0], str(uuid.uuid4())]))
    assert case.status(challenges[0]) == "submitted"


def test_each_check_of_a_batch_logs_and_publishes_within_its_events_correlation(case, caplog):
    challenges = submitted(case)
    caplog.handler.setFormatter(JsonFormatter("challenges"))  # the worker's log lines, as it writes them
    with caplog.at_level(logging.INFO, logger=handlers.__name__):
        handlers.check_admissibility_of(case.uow(), checks(challenges))

    lines = [json.loads(line) for line in caplog.text.splitlines()]
    checked = [(line["message"].split(":")[0], line.get("correlation_id")) for line in lines]
    assert checked == [(f"challenge {c}", f"corr-{c}") for c in challenges]
    for challenge in challenges:
        envelopes = case.envelopes(challenge)
        submission = next(i for i, e in enumerate(envelopes) if e.type.endswith(".submitted.v1"))
        caused = envelopes[submission + 1 :]
        assert caused and {e.correlation_id for e in caused} == {f"corr-{challenge}"}


def test_a_save_of_several_challenges_one_of_which_changed_meanwhile_writes_none(case):
    """The batch's one UPDATE checks each challenge's version: one saved by someone else since it was read makes
    the whole save refused (the consumer then redoes its batch)."""
    challenges = submitted(case)
    first, second = uuid.UUID(challenges[0]), uuid.UUID(challenges[3])  # the latter on a task of its own
    with case.uow() as mine:
        ours = [mine.challenges.get(first), mine.challenges.get(second)]
        case.gate_check(str(second))  # someone else's commit, meanwhile
        for challenge in ours:
            challenge.withdraw(case.clock(), "")
        with pytest.raises(ConcurrentUpdate):
            mine.challenges.save(*ours)
    assert [case.status(str(c)) for c in (first, second)] == ["submitted", "in_assessment"]


def test_a_save_of_several_challenges_writes_each_as_it_is_down_to_the_characters_json_escapes(case):
    """The batch's UPDATE takes its rows as one JSON document (json_to_recordset): texts with quotes, backslashes,
    line breaks and non-ASCII come back as they were, each column of each challenge as its own save wrote it, and
    a crash before the commit leaves every challenge as it was."""
    from challenges_api import SUBMISSION

    from challenges.adapters.repository import _row

    tricky = {**SUBMISSION, "why_better": 'We said "yes" \\ C:\\dir\\n, then\nnew line, é ☃ 𝄞, {"a": [1]} \u0007'}
    task = case.task("flanders")
    drafts = [uuid.UUID(case.draft(task, tricky)), uuid.UUID(case.draft(case.task("flanders")))]
    for challenge in drafts:
        assert case.post(f"/challenges/{challenge}/submit", "group_representative").status_code == 200

    class Crash(BaseException):
        pass

    with pytest.raises(Crash), case.uow() as crashing:  # written, then the process dies before the commit
        ours = [crashing.challenges.get(c) for c in drafts]
        for challenge in ours:
            challenge.withdraw(case.clock(), 'no "longer" \\ needed')
        crashing.challenges.save(*ours)
        raise Crash
    assert [case.status(str(c)) for c in drafts] == ["submitted", "submitted"]

    with case.uow() as mine:
        ours = [mine.challenges.get(c) for c in drafts]
        for challenge in ours:
            challenge.withdraw(case.clock(), 'no "longer" \\ needed')
        mine.challenges.save(*ours)
        expected = [{**_row(c), "version": c.version} for c in ours]
        mine.commit()
    with case.engine.connect() as conn:
        rows = {r.id: r._asdict() for r in conn.execute(sa.select(tables.challenges))}
    for want in expected:
        got = rows[want["id"]]
        assert {k: v for k, v in got.items() if k != "updated_at"} == {
            k: v for k, v in want.items() if k != "updated_at"
        }
        assert abs(got["updated_at"] - want["updated_at"]).total_seconds() < 60  # _row's moment, read again
    assert rows[drafts[0]]["state"]["submission"]["why_better"] == tricky["why_better"]
    assert [case.status(str(c)) for c in drafts] == ["withdrawn", "withdrawn"]


def test_a_batch_whose_challenge_changed_meanwhile_is_refused_when_its_writes_are_answered_and_writes_nothing(case):
    """The batch's writes go to PostgreSQL in one go (`writes_in_one_go`): the save's version check reads the
    UPDATE's row count once every write has been answered. A challenge checked by someone else after the batch
    read it makes the whole batch refused, its timers and events with it (the consumer then redoes the batch)."""
    challenges = submitted(case)
    before = case.counts()
    published = {c: len(case.envelopes(c)) for c in challenges}
    as_submitted = [outcome(case, c) for c in challenges[:-1]]
    others = [uuid.UUID(c) for c in challenges[:-1]]
    last = challenges[-1]  # on a task of its own

    @contextmanager
    def meanwhile():
        case.gate_check(last)  # someone else's commit, after the batch's read and before its save
        with correlated(f"corr-{last}"):
            yield

    with pytest.raises(ConcurrentUpdate):
        handlers.check_admissibility_of(case.uow(), [*checks(challenges[:-1]), (uuid.UUID(last), meanwhile)])
    assert [case.status(str(c)) for c in others] == ["submitted"] * len(others)
    assert case.status(last) == "in_assessment"
    gated_by_the_other = len(case.envelopes(last)) - published[last]
    assert gated_by_the_other > 0 and case.counts()[0] - before[0] == gated_by_the_other  # its events alone
    assert {c: len(case.envelopes(c)) for c in challenges[:-1]} == {c: published[c] for c in challenges[:-1]}
    assert [outcome(case, c) for c in challenges[:-1]] == as_submitted  # state, version, events, timers

    checked = handlers.check_admissibility_of(case.uow(), checks(challenges))  # the batch redone
    assert [c.status.value for c in checked] == ["rejected", "in_assessment", "rejected", "in_assessment"]


def test_a_crash_between_the_batchs_writes_and_its_commit_loses_and_duplicates_nothing(case):
    """The writes in one go are answered, then the process dies before the commit: nothing of the batch stays,
    and the batch run again ends as each challenge checked alone in turn, each event once."""
    alone = submitted(case)
    for challenge in alone:
        case.gate_check(challenge)
    together = submitted(case)
    before = case.counts()

    class Crash(BaseException):
        pass

    crashing = case.uow()

    def dies() -> None:
        raise Crash

    crashing.commit = dies  # type: ignore[method-assign]
    with pytest.raises(Crash):
        handlers.check_admissibility_of(crashing, checks(together))
    assert case.counts() == before
    assert [case.status(c) for c in together] == ["submitted"] * 4

    handlers.check_admissibility_of(case.uow(), checks(together))
    assert [outcome(case, c) for c in together] == [outcome(case, c) for c in alone]
