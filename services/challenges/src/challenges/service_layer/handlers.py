"""Use cases of the Right to Challenge: each loads, checks who acts, asks the domain, commits once."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NoReturn
from uuid import UUID, uuid4

from challenges.adapters.repository import Task
from challenges.adapters.rulebook import criteria_sets, profiles
from challenges.domain.challenge import (
    ActedBy,
    AuditEntry,
    Challenge,
    Document,
    Group,
    PersonalDataFound,
    Submission,
)
from challenges.domain.deadlines import deadlines_of, fire
from challenges.domain.gates import Facts, check_gates
from challenges.domain.states import BEFORE_DECISION, Status
from challenges.service_layer.unit_of_work import ChallengesUnitOfWork
from meemaken_kit.documents import accepted_type
from meemaken_kit.personal_data import find_personal_data
from meemaken_kit.roles import OFFICIALS, Role

log = logging.getLogger(__name__)


class NotFound(Exception):
    pass


class Forbidden(Exception):
    pass


class VersionMismatch(Exception):
    """The caller acted on a version of the challenge that is no longer current."""


class InvalidTask(Exception):
    """A task whose profile and criteria set do not go together (each law has its own criteria)."""


@dataclass(frozen=True)
class Actor:
    """Who calls, as the gateway's signed token says: a pseudonymous person (None for a service), the
    roles they hold (the kit's role model), each role's scopes (none: municipality-wide) and the
    verified attributes of their login."""

    id: UUID | None
    roles: frozenset[str]
    scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def holds(self, role: str, department: str, case_id: UUID | None = None) -> bool:
        """Holds ``role`` for this department (or this one case): municipality-wide, or scoped to it."""
        if role not in self.roles:
            return False
        scopes = self.scopes.get(role) or ()
        return not scopes or f"department:{department}" in scopes or f"case:{case_id}" in scopes

    @property
    def official(self) -> bool:
        return bool(self.roles & OFFICIALS)


# The roles that take part in a case, and how each relates to one: the group's own representative,
# its co-initiators (reading only), an assigned assessor, officials within their scope.
GROUP = (Role.GROUP_REPRESENTATIVE,)
CASE_HANDLING = (Role.CASE_OFFICER,)
DECIDING = (Role.DECISION_BODY,)
ASSESSING = (Role.ASSESSOR,)
READERS = (Role.GROUP_REPRESENTATIVE, Role.RESIDENT, Role.ASSESSOR, Role.CASE_OFFICER, Role.DECISION_BODY)
AUDITORS = (Role.ADMINISTRATOR, Role.CASE_OFFICER, Role.DECISION_BODY)


def acting_role(actor: Actor, c: Challenge, roles: Iterable[str], reading: bool = False) -> str | None:
    """The first of ``roles`` in which ``actor`` may act on (or, ``reading``, read) this challenge."""
    if actor.id is None:
        return None
    members = (c.group.representative_id, *c.group.co_initiator_ids)
    for role in roles:
        if role not in actor.roles:
            continue
        if role in (Role.GROUP_REPRESENTATIVE, Role.RESIDENT):
            # the representative acts for the group; the co-initiators the group named may read along
            allowed = actor.id in members if reading else actor.id == c.group.representative_id
        elif role == Role.ASSESSOR:
            allowed = actor.id in c.assessment.assessors and actor.holds(role, c.department, c.id)
        else:
            allowed = actor.holds(role, c.department, c.id)
        if allowed:
            return role
    return None


def may_see(actor: Actor, c: Challenge) -> bool:
    return acting_role(actor, c, READERS, reading=True) is not None


def _refuse(actor: Actor, c: Challenge, roles: Iterable[str]) -> NoReturn:
    """Strangers learn nothing (404); a party to the case, or an official, learns why not (403)."""
    roles = tuple(roles)
    if not actor.official and not may_see(actor, c):
        raise NotFound(f"there is no challenge {c.id} you may see")
    scoped = [r for r in roles if r in actor.roles and r in OFFICIALS and r != Role.ASSESSOR]
    if scoped:
        raise Forbidden(
            f"your {scoped[0]} role is scoped to {', '.join(actor.scopes.get(scoped[0], ()))}; "
            f"this challenge is of the department {c.department}"
        )
    if Role.ASSESSOR in roles and Role.ASSESSOR in actor.roles:
        raise Forbidden("only an assessor assigned to this challenge can do this")
    if Role.GROUP_REPRESENTATIVE in roles and Role.GROUP_REPRESENTATIVE in actor.roles:
        raise Forbidden("only the group's representative, who opened the challenge, can do this")
    raise Forbidden(f"this needs one of these roles: {', '.join(roles)}")


def _require(allowed: bool, what: str) -> None:
    if not allowed:
        raise Forbidden(what)


# --- the catalogue ------------------------------------------------------------------------


def _manages_catalogue(actor: Actor, department: str) -> None:
    _require(
        actor.holds(Role.CASE_OFFICER, department),
        f"the catalogue of the department {department} is managed by its case officers",
    )


PUBLIC_TASK_TEXTS = ("title", "description", "blocked_by")  # the catalogue is public; blocked_by travels in events


def _checked(task: Task) -> Task:
    """The task with its profile's default criteria set when it names none; refused when its set belongs
    to another law, or when a public text of it names someone."""
    profile = profiles().get(task.profile)
    if profile is None:
        raise InvalidTask(f"there is no profile {task.profile!r}; one of: {', '.join(profiles())}")
    if not task.criteria_set:
        task = replace(task, criteria_set=profile.criteria_sets[0])
    if task.criteria_set not in profile.criteria_sets or task.criteria_set not in criteria_sets():
        raise InvalidTask(
            f"the {profile.code} profile judges challenges on the criteria set(s) {', '.join(profile.criteria_sets)}, "
            f"not on {task.criteria_set}"
        )
    for name in PUBLIC_TASK_TEXTS:
        findings = find_personal_data(getattr(task, name) or "")
        if findings:
            raise PersonalDataFound(f"/{name}", findings)
    return task


def add_task(uow: ChallengesUnitOfWork, actor: Actor, task: Task) -> Task:
    _manages_catalogue(actor, task.department)
    task = _checked(task)
    with uow:
        uow.tasks.add(task)
        uow.commit()
    return task


def change_task(
    uow: ChallengesUnitOfWork, actor: Actor, task_id: UUID, changes: dict[str, Any], version: int | None
) -> Task:
    with uow:
        task = uow.tasks.get(task_id)
        if task is None:
            raise NotFound(f"there is no task {task_id}")
        _manages_catalogue(actor, task.department)
        if "department" in changes:
            _manages_catalogue(actor, changes["department"])
        if version is not None and version != task.version:
            raise VersionMismatch(f"task {task_id} is at version {task.version}, not {version}")
        if "profile" in changes and "criteria_set" not in changes:
            changes["criteria_set"] = None  # the new profile's own default
        changed = _checked(replace(task, **changes))
        uow.tasks.save(changed)
        uow.commit()
    return replace(changed, version=task.version + 1)


# --- challenges ---------------------------------------------------------------------------


def start_challenge(
    uow: ChallengesUnitOfWork, actor: Actor, task_id: UUID, group: Group, submission: Submission, now: datetime
) -> Challenge:
    """A group's representative opens a draft on its behalf: the caller, as their login says, and
    eligible as the task's profile wants (of age; a resident where the regulation says so)."""
    _require(
        Role.GROUP_REPRESENTATIVE in actor.roles and actor.id is not None and actor.id == group.representative_id,
        "a challenge is opened by a group's representative, for the group",
    )
    assert actor.id is not None
    with uow:
        task = uow.tasks.get(task_id)
        if task is None:
            raise NotFound(f"there is no task {task_id}")
        profile = profiles()[task.profile]
        refusal = profile.representative.refusal(actor.attributes)
        if refusal is not None:
            raise Forbidden(refusal)
        # the task's set if its law allows it (a task stored before sets belonged to profiles: the default)
        criteria = task.criteria_set if task.criteria_set in profile.criteria_sets else profile.criteria_sets[0]
        challenge = Challenge(uuid4(), task.id, task.department, profile, criteria_sets()[criteria], group)
        challenge.acting = ActedBy(actor.id, Role.GROUP_REPRESENTATIVE)
        challenge.save_draft(submission, now)
        uow.challenges.add(challenge)
        uow.commit()
    return challenge


def get_challenge(
    uow: ChallengesUnitOfWork, actor: Actor, challenge_id: UUID, roles: Iterable[str] = READERS
) -> Challenge:
    """The challenge, for a caller who may read it in one of ``roles``."""
    with uow:
        challenge = uow.challenges.get(challenge_id)
    if challenge is None:
        raise NotFound(f"there is no challenge {challenge_id} you may see")
    if acting_role(actor, challenge, roles, reading=True) is None:
        _refuse(actor, challenge, roles)
    return challenge


def audit_trail(uow: ChallengesUnitOfWork, actor: Actor, challenge_id: UUID) -> tuple[AuditEntry, ...]:
    """Who did what on the case, oldest first: for an administrator, and officials within their scope."""
    return get_challenge(uow, actor, challenge_id, AUDITORS).audit


def act(
    uow: ChallengesUnitOfWork,
    actor: Actor,
    challenge_id: UUID,
    roles: str | Iterable[str],
    action: Callable[[Challenge, datetime], None],
    version: int | None = None,
) -> Challenge:
    """Apply one action in the first of ``roles`` the actor may act in on this case (the group's own
    representative, an assigned assessor, an official within their scope); it is signed with their
    id and that role. Refused actions change nothing."""
    allowed = (roles,) if isinstance(roles, str) else tuple(roles)
    with uow:
        challenge = uow.challenges.get(challenge_id)
        if challenge is None:
            raise NotFound(f"there is no challenge {challenge_id} you may see")
        role = acting_role(actor, challenge, allowed)
        if role is None or actor.id is None:
            _refuse(actor, challenge, allowed)
        if version is not None and version != challenge.version:
            raise VersionMismatch(f"the challenge is at version {challenge.version}, not {version}")
        challenge.acting = ActedBy(actor.id, role)
        action(challenge, uow.clock())
        uow.challenges.save(challenge)
        uow.commit()
    return challenge


def attach_document(
    uow: ChallengesUnitOfWork, actor: Actor, challenge_id: UUID, filename: str, declared_type: str, content: bytes
) -> Document:
    """A document is stored with the type its content shows (meemaken_kit.documents)."""
    content_type = accepted_type(content, declared_type)
    document = Document(uuid4(), filename[:200], content_type, len(content), hashlib.sha256(content).hexdigest())

    def attach(challenge: Challenge, now: datetime) -> None:
        challenge.attach(document, now)
        uow.challenges.add_document(challenge.id, document, content)

    act(uow, actor, challenge_id, GROUP, attach)
    return document


# --- the automatic steps ------------------------------------------------------------------


def check_admissibility(uow: ChallengesUnitOfWork, challenge_id: UUID) -> Challenge:
    """On `submitted`: acknowledge, start the admissibility check and run the automatic gates."""
    return check_admissibility_of(uow, [(challenge_id, nullcontext)])[0]


Within = Callable[[], AbstractContextManager[object]]


def check_admissibility_of(uow: ChallengesUnitOfWork, checks: Sequence[tuple[UUID, Within]]) -> list[Challenge]:
    """The gate check of each challenge in turn, in one unit of work (a consumer's polled batch): one read of
    them all, one save, their timers and events in one statement each, with the outcome of checking them one
    after the other. Each challenge's check, its log line and the making of its events run within the context
    its `checks` entry opens (its `submitted` event's correlation and trace). A challenge checked before is
    left alone (the check runs once); one checked earlier in the list counts as open or not on its task, for
    the ones after it, as it is then. Nothing is written if one of them is not there."""
    with uow:
        found = uow.challenges.for_gate_check([challenge_id for challenge_id, _ in checks])
        moved: dict[UUID, int] = {}  # per task: how many more (or fewer) open challenges than read
        gated: dict[UUID, Challenge] = {}
        envelopes = []
        for challenge_id, within in checks:
            with within():
                if challenge_id not in found:
                    raise NotFound(f"there is no challenge {challenge_id}")
                challenge, task, open_challenges = found[challenge_id]
                if challenge.status is not Status.SUBMITTED:
                    continue  # handled before: the check runs once
                _check_gates(challenge, task, open_challenges + moved.get(task.id, 0), uow.clock())
                if challenge.status not in BEFORE_DECISION:  # it was open when read (submitted)
                    moved[task.id] = moved.get(task.id, 0) - 1
                gated[challenge.id] = challenge
                envelopes += [uow.publish(event) for event in challenge.events]
                challenge.events.clear()
                log.info("challenge %s: admissibility checked, now %s", challenge.id, challenge.status.value)
        if gated:
            with uow.writes_in_one_go():  # PostgreSQL works on each write while the next is made
                uow.challenges.save(*gated.values())
                uow.timers.sync({c.id: deadlines_of(c) for c in gated.values()}, uow.clock())
                uow.outbox.add(uow.connection, envelopes)
            uow.commit()
    return [found[challenge_id][0] for challenge_id, _ in checks]


def _check_gates(challenge: Challenge, task: Task, open_challenges: int, now: datetime) -> None:
    """Acknowledge a submitted challenge, start its admissibility check and record the automatic gates."""
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
            fired += 1
        uow.commit()
    return fired
