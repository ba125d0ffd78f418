"""Panels, the pool and the identity store in and out of the database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from meemaken_events import TransientError
from meemaken_kit import TrackingRepository
from panels.adapters.tables import audit, contact_removals, identities, panels, register_entries, respondents
from panels.domain.deliberation import Answer, Recommendation, Session, Verdict
from panels.domain.lottery import Artefacts
from panels.domain.panel import Mandate, Panel, Status
from panels.domain.pool import Channel, Refusal, Registration, Respondent
from panels.domain.recruitment import Entry
from panels.domain.sortition import Feature, Quota


class ConcurrentUpdate(TransientError):
    """Someone else changed the panel since it was read; nothing was written (409 over HTTP)."""


class AlreadyRegistered(Exception):
    """This person is already in this panel's pool, or this invitation was already answered."""


class PanelRepository(TrackingRepository):
    """Every panel it loads or adds, its unit of work publishes the events of."""

    def add(self, panel: Panel, now: datetime) -> None:
        self.connection.execute(
            panels.insert().values(
                id=panel.id,
                status=panel.status.value,
                version=panel.version,
                created_at=now,
                referred_challenge_id=panel.referred_challenge_id,
                document=_document(panel),
                artefacts=None,
            )
        )
        self._saw(panel)

    def get(self, panel_id: UUID) -> Panel | None:
        row = self.connection.execute(sa.select(panels).where(panels.c.id == panel_id)).first()
        return self._saw(_panel(row) if row else None)

    def referred(self, challenge_id: UUID) -> Panel | None:
        row = self.connection.execute(sa.select(panels).where(panels.c.referred_challenge_id == challenge_id)).first()
        return self._saw(_panel(row) if row else None)

    def save(self, panel: Panel) -> None:
        values: dict[str, Any] = {
            "status": panel.status.value,
            "version": panel.version + 1,
            "document": _document(panel),
        }
        if panel.artefacts is not None:
            values["artefacts"] = panel.artefacts.document()
        updated = self.connection.execute(
            panels.update().where(panels.c.id == panel.id, panels.c.version == panel.version).values(**values)
        ).rowcount
        if updated != 1:
            raise ConcurrentUpdate(f"panel {panel.id} changed meanwhile")
        panel.version += 1

    def claim(self, status: Status) -> Panel | None:
        """One panel in `status`, locked for this transaction; panels another worker holds are skipped."""
        query = sa.select(panels).where(panels.c.status == status.value).order_by(panels.c.created_at).limit(1)
        if self.connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = self.connection.execute(query).first()
        return self._saw(_panel(row) if row else None)

    def in_status(self, *statuses: Status) -> list[UUID]:
        query = sa.select(panels.c.id).where(panels.c.status.in_([x.value for x in statuses]))
        return [row.id for row in self.connection.execute(query)]

    def list(self) -> list[Panel]:
        return self._saw_all(
            _panel(r) for r in self.connection.execute(sa.select(panels).order_by(panels.c.created_at))
        )

    def serving(self) -> frozenset[str]:
        """Everyone selected on a drawn panel (pseudonyms are per municipality, the same on every panel)."""
        rows = self.connection.execute(sa.select(panels.c.document).where(panels.c.status == Status.DRAWN.value))
        return frozenset(p for (doc,) in rows for p in doc.get("selected", []))


class Pool(TrackingRepository):
    """The panels' pools: every respondent it loads or adds, its unit of work publishes the events of."""

    def add(self, respondent: Respondent) -> None:
        r = respondent.registration
        exists = self.connection.execute(
            sa.select(respondents.c.status).where(
                respondents.c.panel_id == respondent.panel_id, respondents.c.pseudonym == r.pseudonym
            )
        ).first()
        if exists:
            raise AlreadyRegistered("you are already registered for this panel")
        if r.invitation is not None and self.invitation_answered(respondent.panel_id, r.invitation):
            raise AlreadyRegistered("someone already registered with the code of this invitation")
        self.connection.execute(
            respondents.insert().values(
                panel_id=respondent.panel_id,
                pseudonym=r.pseudonym,
                household=r.household,
                channel=r.channel.value,
                strata=dict(r.strata),
                consent=r.consent,
                age=r.age,
                resident=r.resident,
                status=respondent.status,
                registered_at=respondent.registered_at,
                invitation=r.invitation,
            )
        )
        self._saw(respondent)

    def invitation_answered(self, panel_id: UUID, invitation: str) -> bool:
        query = sa.select(respondents.c.pseudonym).where(
            respondents.c.panel_id == panel_id, respondents.c.invitation == invitation
        )
        return self.connection.execute(query.limit(1)).first() is not None

    def get(self, panel_id: UUID, pseudonym: str) -> Respondent | None:
        row = self.connection.execute(
            sa.select(respondents).where(respondents.c.panel_id == panel_id, respondents.c.pseudonym == pseudonym)
        ).first()
        return self._saw(_respondent(row) if row else None)

    def of(self, pseudonym: str) -> list[Respondent]:
        """One person's registrations in every panel's pool (the same pseudonym everywhere), the latest first."""
        query = (
            sa.select(respondents)
            .where(respondents.c.pseudonym == pseudonym)
            .order_by(respondents.c.registered_at.desc(), respondents.c.panel_id)
        )
        return self._saw_all(_respondent(row) for row in self.connection.execute(query))

    def save_check(self, respondent: Respondent) -> None:
        """Store the eligibility outcome and forget age and residence, which only the check needed."""
        self.connection.execute(
            respondents.update()
            .where(
                respondents.c.panel_id == respondent.panel_id,
                respondents.c.pseudonym == respondent.registration.pseudonym,
            )
            .values(
                status=respondent.status,
                refusal=respondent.refusal.value if respondent.refusal else None,
                reason=respondent.reason,
                age=None,
                resident=None,
            )
        )

    def admitted(self, panel_id: UUID) -> list[sa.Row[Any]]:
        query = (
            sa.select(respondents.c.pseudonym, respondents.c.household, respondents.c.strata)
            .where(respondents.c.panel_id == panel_id, respondents.c.status == "admitted")
            .order_by(respondents.c.pseudonym)
        )
        return list(self.connection.execute(query))

    def counts(self, panel_id: UUID) -> dict[str, dict[str, int]]:
        query = (
            sa.select(respondents.c.status, respondents.c.channel, sa.func.count())
            .where(respondents.c.panel_id == panel_id)
            .group_by(respondents.c.status, respondents.c.channel)
        )
        counts: dict[str, dict[str, int]] = {}
        for status, channel, n in self.connection.execute(query):
            counts.setdefault(status, {})[channel] = int(n)
        return counts

    def registered(self, panel_id: UUID) -> frozenset[str]:
        query = sa.select(respondents.c.pseudonym).where(respondents.c.panel_id == panel_id)
        return frozenset(p for (p,) in self.connection.execute(query))

    def answered_invitations(self, panel_id: UUID) -> frozenset[str]:
        """The invitations (register pseudonyms) someone registered with."""
        query = sa.select(respondents.c.invitation).where(
            respondents.c.panel_id == panel_id, respondents.c.invitation.is_not(None)
        )
        return frozenset(p for (p,) in self.connection.execute(query))

    def households_of(self, pseudonyms: frozenset[str]) -> frozenset[str]:
        if not pseudonyms:
            return frozenset()
        query = sa.select(respondents.c.household).where(
            respondents.c.pseudonym.in_(sorted(pseudonyms)), respondents.c.household.is_not(None)
        )
        return frozenset(h for (h,) in self.connection.execute(query))


class IdentityStore:
    """Contact data by pseudonym; only the letters and e-mails to residents read it."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def keep(self, panel_id: UUID, pseudonym: str, contact: Mapping[str, Any]) -> None:
        """Add what a person told us to what we knew (from the register extract, say)."""
        known = self.contact(panel_id, pseudonym)
        if known is None:
            self.connection.execute(
                identities.insert().values(panel_id=panel_id, pseudonym=pseudonym, contact=dict(contact))
            )
            return
        self.connection.execute(
            identities.update()
            .where(identities.c.panel_id == panel_id, identities.c.pseudonym == pseudonym)
            .values(contact={**known, **contact}, shared_at=None)  # to be shared again
        )

    def forget(self, panel_id: UUID, keep: frozenset[str] = frozenset()) -> int:
        """Delete the contact data of everyone of a panel except `keep`; how many were deleted. What was
        shared with the notifications service is queued for removal there too."""
        query = identities.delete().where(identities.c.panel_id == panel_id)
        if keep:
            query = query.where(identities.c.pseudonym.not_in(sorted(keep)))
        deleted = list(self.connection.execute(query.returning(identities.c.pseudonym, identities.c.shared_at)))
        self._owe_removal([p for p, shared in deleted if shared is not None])
        return len(deleted)

    def unshared(self, limit: int) -> list[tuple[str, dict[str, Any]]]:
        """Contacts not yet handed to the notifications service (or changed since), oldest panel first."""
        query = (
            sa.select(identities.c.pseudonym, identities.c.contact)
            .where(identities.c.shared_at.is_(None))
            .order_by(identities.c.panel_id, identities.c.pseudonym)
            .limit(limit)
        )
        return [(row.pseudonym, dict(row.contact)) for row in self.connection.execute(query)]

    def shared(self, pseudonym: str, now: datetime) -> None:
        self.connection.execute(identities.update().where(identities.c.pseudonym == pseudonym).values(shared_at=now))

    def removals(self, limit: int) -> list[str]:
        query = sa.select(contact_removals.c.pseudonym).order_by(contact_removals.c.requested_at).limit(limit)
        return list(self.connection.execute(query).scalars())

    def holds(self, pseudonym: str) -> bool:
        query = sa.select(identities.c.pseudonym).where(identities.c.pseudonym == pseudonym).limit(1)
        return self.connection.execute(query).first() is not None

    def removed(self, pseudonym: str) -> None:
        self.connection.execute(contact_removals.delete().where(contact_removals.c.pseudonym == pseudonym))

    def _owe_removal(self, pseudonyms: list[str]) -> None:
        """Queue the removal of contacts no panel holds any more (a pseudonym may serve several panels)."""
        still = (
            set(
                self.connection.execute(
                    sa.select(identities.c.pseudonym).where(identities.c.pseudonym.in_(pseudonyms))
                ).scalars()
            )
            if pseudonyms
            else set()
        )
        owed = sorted(set(pseudonyms) - still)
        if owed:
            self.connection.execute(contact_removals.delete().where(contact_removals.c.pseudonym.in_(owed)))
            now = datetime.now(UTC)
            self.connection.execute(contact_removals.insert(), [{"pseudonym": p, "requested_at": now} for p in owed])

    def replace_all(self, panel_id: UUID, contacts: Mapping[str, Mapping[str, Any]]) -> None:
        """The register extract's contacts, replacing an earlier extract's."""
        self.forget(panel_id)
        if contacts:
            rows = [{"panel_id": panel_id, "pseudonym": p, "contact": dict(c)} for p, c in contacts.items()]
            self.connection.execute(identities.insert(), rows)

    def contact(self, panel_id: UUID, pseudonym: str) -> dict[str, Any] | None:
        row = self.connection.execute(
            sa.select(identities.c.contact).where(
                identities.c.panel_id == panel_id, identities.c.pseudonym == pseudonym
            )
        ).first()
        return dict(row.contact) if row else None


def _document(p: Panel) -> dict[str, Any]:
    return {
        "question": p.question,
        "theme": p.theme,
        "mandate": p.mandate.value,
        "size": p.size,
        "alternates": p.alternates,
        "household_rule": p.household_rule,
        "min_age": p.min_age,
        "open_registration": p.open_registration,
        "session_plan": list(p.session_plan),
        "sessions": [_session_doc(x) for x in p.sessions],
        "recommendations": [_recommendation_doc(r) for r in p.recommendations],
        "answer_due_at": p.answer_due_at.isoformat() if p.answer_due_at else None,
        "answer_overdue": p.answer_overdue,
        "deleted_stages": list(p.deleted_stages),
        "features": {f.name: {v: [q.min, q.max] for v, q in f.values.items()} for f in p.features},
        "lottery_size": p.lottery_size,
        "lottery_problem": p.lottery_problem,
        "commitment": p.commitment,
        "drawn_number": p.drawn_number,
        "public_input": p.public_input,
        "selected": list(p.selected),
        "alternate_members": list(p.alternate_members),
        "declined": list(p.declined),
        "accepted": list(p.accepted),
    }


def _panel(row: sa.Row[Any]) -> Panel:
    d = row.document
    return Panel(
        id=row.id,
        question=d["question"],
        theme=d["theme"],
        mandate=Mandate(d["mandate"]),
        size=d["size"],
        alternates=d["alternates"],
        household_rule=d["household_rule"],
        min_age=d["min_age"],
        open_registration=d["open_registration"],
        session_plan=tuple(d["session_plan"]),
        sessions=tuple(_session(x) for x in d["sessions"]),
        recommendations=tuple(_recommendation(r) for r in d["recommendations"]),
        answer_due_at=datetime.fromisoformat(d["answer_due_at"]) if d["answer_due_at"] else None,
        answer_overdue=d["answer_overdue"],
        deleted_stages=tuple(d["deleted_stages"]),
        features=tuple(
            Feature(name, {v: Quota(b[0], b[1]) for v, b in values.items()}) for name, values in d["features"].items()
        ),
        referred_challenge_id=row.referred_challenge_id,
        status=Status(row.status),
        lottery_size=d.get("lottery_size"),
        lottery_problem=d.get("lottery_problem"),
        commitment=d["commitment"],
        artefacts=Artefacts.from_document(row.artefacts) if row.artefacts else None,
        drawn_number=d["drawn_number"],
        public_input=d["public_input"],
        selected=tuple(d["selected"]),
        alternate_members=tuple(d["alternate_members"]),
        declined=tuple(d.get("declined", [])),
        accepted=tuple(d.get("accepted", [])),
        version=row.version,
    )


def _respondent(row: sa.Row[Any]) -> Respondent:
    registration = Registration(
        pseudonym=row.pseudonym,
        household=row.household,
        channel=Channel(row.channel),
        consent=row.consent,
        age=row.age,
        resident=bool(row.resident),
        strata=dict(row.strata),
        invitation=row.invitation,
    )
    return Respondent(
        row.panel_id,
        registration,
        row.registered_at,
        row.status,
        Refusal(row.refusal) if row.refusal else None,
        row.reason,
    )


class Register:
    """The pseudonymised register extract of one panel, and who was invited."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def replace(self, panel_id: UUID, entries: Sequence[Entry]) -> None:
        """A new extract replaces an earlier one that nobody was invited from yet."""
        self.connection.execute(register_entries.delete().where(register_entries.c.panel_id == panel_id))
        if entries:
            self.connection.execute(
                register_entries.insert(),
                [
                    {"panel_id": panel_id, "pseudonym": e.pseudonym, "household": e.household, "strata": dict(e.strata)}
                    for e in entries
                ],
            )

    def entries(self, panel_id: UUID, uninvited_only: bool = False) -> list[Entry]:
        query = sa.select(register_entries).where(register_entries.c.panel_id == panel_id)
        if uninvited_only:
            query = query.where(register_entries.c.invited_at.is_(None))
        return [Entry(r.pseudonym, r.household, dict(r.strata)) for r in self.connection.execute(query)]

    def any_invited(self, panel_id: UUID) -> bool:
        query = sa.select(register_entries.c.pseudonym).where(
            register_entries.c.panel_id == panel_id, register_entries.c.invited_at.is_not(None)
        )
        return self.connection.execute(query.limit(1)).first() is not None

    def was_invited(self, panel_id: UUID, pseudonym: str) -> bool:
        query = sa.select(register_entries.c.pseudonym).where(
            register_entries.c.panel_id == panel_id,
            register_entries.c.pseudonym == pseudonym,
            register_entries.c.invited_at.is_not(None),
        )
        return self.connection.execute(query).first() is not None

    def invited(self, panel_id: UUID) -> frozenset[str] | None:
        """Who got an invitation letter; None when no invitation lottery was held for this panel."""
        query = sa.select(register_entries.c.pseudonym).where(
            register_entries.c.panel_id == panel_id, register_entries.c.invited_at.is_not(None)
        )
        invited = frozenset(p for (p,) in self.connection.execute(query))
        return invited or None

    def forget_except(self, panel_id: UUID, keep: frozenset[str]) -> int:
        """Delete the register entries of everyone but `keep` (who registered)."""
        query = register_entries.delete().where(register_entries.c.panel_id == panel_id)
        if keep:
            query = query.where(register_entries.c.pseudonym.not_in(sorted(keep)))
        return int(self.connection.execute(query).rowcount)

    def mark_invited(self, panel_id: UUID, pseudonyms: Sequence[str], now: datetime) -> None:
        self.connection.execute(
            register_entries.update()
            .where(register_entries.c.panel_id == panel_id, register_entries.c.pseudonym.in_(list(pseudonyms)))
            .values(invited_at=now)
        )


def _session_doc(x: Session) -> dict[str, Any]:
    return {
        "number": x.number,
        "title": x.title,
        "starts_at": x.starts_at.isoformat(),
        "moderator": x.moderator,
        "experts": list(x.experts),
        "materials": list(x.materials),
        "contributions": dict(x.contributions),
    }


def _session(d: dict[str, Any]) -> Session:
    return Session(
        d["number"],
        d["title"],
        datetime.fromisoformat(d["starts_at"]),
        d["moderator"],
        tuple(d["experts"]),
        tuple(d["materials"]),
        dict(d["contributions"]),
    )


def _recommendation_doc(r: Recommendation) -> dict[str, Any]:
    answer = (
        {"verdict": r.answer.verdict.value, "reasons": r.answer.reasons, "at": r.answer.at.isoformat()}
        if r.answer
        else None
    )
    return {
        "number": r.number,
        "text": r.text,
        "support": r.support,
        "against": r.against,
        "abstain": r.abstain,
        "minority_positions": list(r.minority_positions),
        "answer": answer,
    }


def _recommendation(d: dict[str, Any]) -> Recommendation:
    a = d["answer"]
    answer = Answer(Verdict(a["verdict"]), a["reasons"], datetime.fromisoformat(a["at"])) if a else None
    return Recommendation(
        d["number"], d["text"], d["support"], d["against"], d["abstain"], tuple(d["minority_positions"]), answer
    )


class AuditLog:
    """Who did what on a panel: one row per official's step, never changed."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def add(
        self, panel_id: UUID, at: datetime, actor_id: UUID, role: str, action: str, details: Mapping[str, Any]
    ) -> None:
        self.connection.execute(
            audit.insert().values(
                panel_id=panel_id, at=at, actor_id=actor_id, role=role, action=action, details=dict(details)
            )
        )

    def of(self, panel_id: UUID) -> list[dict[str, Any]]:
        query = sa.select(audit).where(audit.c.panel_id == panel_id).order_by(audit.c.id)
        return [
            {"at": r.at, "actor": {"id": r.actor_id, "role": r.role}, "action": r.action, "details": dict(r.details)}
            for r in self.connection.execute(query)
        ]
