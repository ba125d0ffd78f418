"""Use cases of the Right to Challenge: each loads, checks who acts, asks the domain, commits once."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from challenges.adapters.repository import Task
from challenges.adapters.rulebook import criteria_sets, profiles
from challenges.domain.challenge import Challenge, Document, Group, Submission
from challenges.domain.deadlines import fire
from challenges.domain.gates import Facts, check_gates
from challenges.domain.states import Status
from challenges.service_layer.unit_of_work import ChallengesUnitOfWork

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


class NotFound(Exception):
    pass


class Forbidden(Exception):
    pass


class VersionMismatch(Exception):
    """The caller acted on a version of the challenge that is no longer current."""


class InvalidDocument(Exception):
    pass


@dataclass(frozen=True)
class Actor:
    """Who acts, as the gateway vouches after login: a resident, an official, an assessor or the public."""

    id: UUID | None
    role: str

    @property
    def official(self) -> bool:
        return self.role == "official"


def _member(actor: Actor, c: Challenge) -> bool:
    return actor.role == "resident" and actor.id in (c.group.representative_id, *c.group.co_initiator_ids)


def may_see(actor: Actor, c: Challenge) -> bool:
    if actor.official:
        return True
    if actor.role == "assessor":
        return actor.id in c.assessment.assessors
    return _member(actor, c)


def _require(allowed: bool, what: str) -> None:
    if not allowed:
        raise Forbidden(what)


# --- the catalogue ------------------------------------------------------------------------


def add_task(uow: ChallengesUnitOfWork, actor: Actor, task: Task) -> Task:
    _require(actor.official, "only officials manage the catalogue")
    if task.profile not in profiles() or task.criteria_set not in criteria_sets():
        raise ValueError("unknown profile or criteria set")
    with uow:
        uow.tasks.add(task)
        uow.commit()
    return task


def change_task(
    uow: ChallengesUnitOfWork, actor: Actor, task_id: UUID, changes: dict[str, Any], version: int | None
) -> Task:
    _require(actor.official, "only officials manage the catalogue")
    with uow:
        task = uow.tasks.get(task_id)
        if task is None:
            raise NotFound(f"there is no task {task_id}")
        if version is not None and version != task.version:
            raise VersionMismatch(f"task {task_id} is at version {task.version}, not {version}")
        changed = replace(task, **changes)
        uow.tasks.save(changed)
        uow.commit()
    return replace(changed, version=task.version + 1)


# --- challenges ---------------------------------------------------------------------------


def start_challenge(
    uow: ChallengesUnitOfWork, actor: Actor, task_id: UUID, group: Group, submission: Submission, now: datetime
) -> Challenge:
    """A resident opens a draft on behalf of a group; they are its representative."""
    _require(
        actor.role == "resident" and actor.id == group.representative_id, "a resident opens a challenge for a group"
    )
    with uow:
        task = uow.tasks.get(task_id)
        if task is None:
            raise NotFound(f"there is no task {task_id}")
        challenge = Challenge(
            uuid4(), task.id, task.department, profiles()[task.profile], criteria_sets()[task.criteria_set], group
        )
        challenge.save_draft(submission, now)
        uow.challenges.add(challenge)
        uow.track(challenge)
        uow.commit()
    return challenge


def get_challenge(uow: ChallengesUnitOfWork, actor: Actor, challenge_id: UUID) -> Challenge:
    with uow:
        challenge = uow.challenges.get(challenge_id)
    if challenge is None or not may_see(actor, challenge):
        raise NotFound(f"there is no challenge {challenge_id} you may see")
    return challenge


def act(
    uow: ChallengesUnitOfWork,
    actor: Actor,
    challenge_id: UUID,
    who: str,
    action: Callable[[Challenge, datetime], None],
    version: int | None = None,
) -> Challenge:
    """Apply one action as `who` (group, official or assessor); refused actions change nothing."""
    with uow:
        challenge = uow.challenges.get(challenge_id)
        if challenge is None or not may_see(actor, challenge):
            raise NotFound(f"there is no challenge {challenge_id} you may see")
        if who == "group":
            _require(_member(actor, challenge), "only the group's representative or co-initiators can do this")
        elif who == "assessor":
            _require(actor.role == "assessor", "only an assigned assessor can do this")
        else:
            _require(actor.official, "only an official can do this")
        if version is not None and version != challenge.version:
            raise VersionMismatch(f"the challenge is at version {challenge.version}, not {version}")
        action(challenge, uow.clock())
        uow.challenges.save(challenge)
        uow.track(challenge)
        uow.commit()
    return challenge


def attach_document(
    uow: ChallengesUnitOfWork, actor: Actor, challenge_id: UUID, filename: str, content_type: str, content: bytes
) -> Document:
    if content_type not in DOCUMENT_TYPES:
        raise InvalidDocument(f"{content_type} is not accepted; send one of: {', '.join(sorted(DOCUMENT_TYPES))}")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise InvalidDocument(f"a document may be at most {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB")
    if not content:
        raise InvalidDocument("the document is empty")
    document = Document(uuid4(), filename[:200], content_type, len(content), hashlib.sha256(content).hexdigest())

    def attach(challenge: Challenge, now: datetime) -> None:
        challenge.attach(document, now)
        uow.challenges.add_document(challenge.id, document, content)

    act(uow, actor, challenge_id, "group", attach)
    return document


# --- the automatic steps ------------------------------------------------------------------


def check_admissibility(uow: ChallengesUnitOfWork, challenge_id: UUID) -> Challenge | None:
    """On `submitted`: acknowledge, start the admissibility check and run the automatic gates."""
    with uow:
        found = uow.challenges.for_gate_check(challenge_id)
        if found is None:
            raise NotFound(f"there is no challenge {challenge_id}")
        challenge, task, open_challenges = found
        if challenge.status is not Status.SUBMITTED:
            return challenge  # handled before: the check runs once
        now = uow.clock()
        challenge.acknowledge(now)
        challenge.start_admissibility_check(now)
        facts = Facts(
            submitted_at=challenge.submitted_at or now,
            task_open=task.open,
            windows=task.windows,
            blocked_by=task.blocked_by,
            eligible_legal_forms=task.eligible_legal_forms,
            min_members=task.min_members,
            legal_form=challenge.group.legal_form,
            members_count=challenge.group.members_count,
            missing_parts=tuple(challenge.submission.missing()),
            open_challenges_on_task=open_challenges,
        )
        challenge.record_gates(check_gates(challenge.profile, facts), now)
        uow.challenges.save(challenge)
        uow.track(challenge)
        uow.commit()
    log.info("challenge %s: admissibility checked, now %s", challenge.id, challenge.status.value)
    return challenge


def fire_due_timers(uow_factory: Callable[[], ChallengesUnitOfWork], now: datetime, limit: int = 50) -> int:
    """Fire the timers due at `now`; each fires once, whatever other workers do meanwhile."""
    uow = uow_factory()
    fired = 0
    with uow:
        for timer in uow.timers.claim_due(now, limit):
            if not uow.timers.mark_fired(timer.id, now):
                continue
            challenge = uow.challenges.get(timer.challenge_id)
            if challenge is None:
                continue
            fire(challenge, timer.kind, now)
            if challenge.events:
                uow.challenges.save(challenge)
            uow.track(challenge)
            fired += 1
        uow.commit()
    return fired
