"""Proposals in and out of the database, with an optimistic version check on every save."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from meemaken_events import TransientError, UtcDateTime
from meemaken_kit import TrackingRepository
from proposals.adapters.tables import attachment_contents, proposals, supports
from proposals.domain.admissibility import text_key, title_key
from proposals.domain.audit import ActedBy
from proposals.domain.model import (
    Attachment,
    CoAuthorInvitation,
    Position,
    Proposal,
    ProposalStatus,
    RejectionReason,
    Step,
)

_SAVE_DECIDED = sa.text(
    "UPDATE proposals SET status = d.status, reasons = d.reasons, history = d.history, version = d.version + 1"
    " FROM unnest(CAST(:ids AS uuid[]), CAST(:versions AS integer[]), CAST(:statuses AS varchar[]),"
    " CAST(:reasons AS json[]), CAST(:histories AS json[])) AS d(id, version, status, reasons, history)"
    " WHERE proposals.id = d.id AND proposals.version = d.version"
)


class ConcurrentUpdate(TransientError):
    """Someone else changed the proposal since it was read; nothing was written.

    Over HTTP the caller gets a 409 and may retry; in a consumer the loop retries the event."""


class ProposalRepository(TrackingRepository):
    """Every proposal it loads or adds, its unit of work publishes the events of."""

    def add(self, proposal: Proposal) -> None:
        # the row as the statement's parameters, not as `.values(...)`: one statement text whatever the row, so its
        # cache key is the plain insert's; with the values in the statement SQLAlchemy coerced each of the 23 and
        # built their cache key on every submission (a fifth of the POST's CPU in a profile of the API)
        self.connection.execute(proposals.insert(), _row(proposal))
        self._saw(proposal)

    def get(self, proposal_id: UUID) -> Proposal | None:
        row = self.connection.execute(sa.select(proposals).where(proposals.c.id == proposal_id)).first()
        return self._saw(_proposal(row) if row else None)

    def get_many(self, proposal_ids: Iterable[UUID]) -> dict[UUID, Proposal]:
        """The proposals of these ids that exist, in one query, shown to the unit of work in the ids' order."""
        wanted = list(dict.fromkeys(proposal_ids))
        rows = self.connection.execute(sa.select(proposals).where(proposals.c.id.in_(wanted)))
        found = {proposal.id: proposal for proposal in map(_proposal, rows)}
        return {proposal_id: self._saw(found[proposal_id]) for proposal_id in wanted if proposal_id in found}

    def add_attachment_content(self, proposal_id: UUID, attachment_id: UUID, content: bytes) -> None:
        self.connection.execute(
            attachment_contents.insert().values(id=attachment_id, proposal_id=proposal_id, content=content)
        )

    def attachment_content(self, proposal_id: UUID, attachment_id: UUID) -> bytes | None:
        query = sa.select(attachment_contents.c.content).where(
            attachment_contents.c.proposal_id == proposal_id, attachment_contents.c.id == attachment_id
        )
        found = self.connection.execute(query).scalar_one_or_none()
        return bytes(found) if found is not None else None

    def add_support(
        self, proposal_id: UUID, resident_id: UUID, now: datetime, district: str | None = None
    ) -> int | None:
        """Count the resident's support once: the new number of supporters, or None if they supported before."""
        insert = (postgresql.insert if self.connection.dialect.name == "postgresql" else sqlite.insert)(supports)
        added = self.connection.execute(
            insert.values(proposal_id=proposal_id, resident_id=resident_id, supported_at=now, district=district)
            .on_conflict_do_nothing()
            .returning(supports.c.resident_id)
        ).first()
        if added is None:
            return None
        return self.supporters(proposal_id)

    def supporters(self, proposal_id: UUID) -> int:
        query = sa.select(sa.func.count()).select_from(supports).where(supports.c.proposal_id == proposal_id)
        return int(self.connection.execute(query).scalar_one())

    def supporters_by_district(self, proposal_id: UUID) -> dict[str, int]:
        """How many supporters live in each district (as their logins verified it); unknown ones are left out."""
        query = (
            sa.select(supports.c.district, sa.func.count())
            .where(supports.c.proposal_id == proposal_id, supports.c.district.is_not(None))
            .group_by(supports.c.district)
        )
        return {str(district): int(count) for district, count in self.connection.execute(query)}

    def supported_by(self, resident_id: UUID, limit: int, offset: int) -> list[tuple[Proposal, datetime]]:
        """The proposals one resident supports, with when: the latest support first."""
        query = (
            sa.select(proposals, supports.c.supported_at)
            .join(supports, supports.c.proposal_id == proposals.c.id)
            .where(supports.c.resident_id == resident_id)
            .order_by(supports.c.supported_at.desc(), proposals.c.id)
            .limit(limit)
            .offset(offset)
        )
        return [(self._saw(_proposal(row)), row.supported_at) for row in self.connection.execute(query)]

    def carry_support(self, from_id: UUID, to_id: UUID, now: datetime) -> int:
        """A merge or split: the supporters of one proposal support the other (once each); the new count.
        One INSERT ... SELECT, however many supporters there are."""
        insert = (postgresql.insert if self.connection.dialect.name == "postgresql" else sqlite.insert)(supports)
        source = sa.select(
            sa.literal(to_id, sa.Uuid()), supports.c.resident_id, sa.literal(now, UtcDateTime()), supports.c.district
        ).where(supports.c.proposal_id == from_id)
        columns = ["proposal_id", "resident_id", "supported_at", "district"]
        self.connection.execute(insert.from_select(columns, source).on_conflict_do_nothing())
        return self.supporters(to_id)

    def due_answers(self, now: datetime, limit: int) -> list[UUID]:
        """Admitted proposals whose answer term passed unnoticed; locked rows of another worker are skipped."""
        query = (
            sa.select(proposals.c.id)
            .where(
                proposals.c.answer_due_at <= now,
                proposals.c.answer_overdue.is_(False),
                proposals.c.status == ProposalStatus.ADMITTED.value,
            )
            .order_by(proposals.c.answer_due_at)
            .limit(limit)
        )
        if self.connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(self.connection.execute(query).scalars())

    def save(self, proposal: Proposal) -> None:
        values = _row(proposal)
        values["version"] = proposal.version + 1
        updated = self.connection.execute(
            proposals.update()
            .where(proposals.c.id == proposal.id, proposals.c.version == proposal.version)
            .values(**values)
        ).rowcount
        if updated != 1:
            raise ConcurrentUpdate(f"proposal {proposal.id} changed meanwhile")
        proposal.version += 1

    def earlier_copies(self, proposal: Proposal) -> list[tuple[str, str]]:
        """(title, text) of proposals in the same process, submitted before this one and not rejected,
        with the same title or text once normalised (an indexed look-up, however many there are)."""
        query = sa.select(proposals.c.title, proposals.c.text).where(
            proposals.c.process_id == proposal.process_id,
            sa.or_(
                proposals.c.title_key == title_key(proposal.title)[:200],
                proposals.c.text_key == text_key(proposal.text),
            ),
            proposals.c.status != ProposalStatus.REJECTED.value,
            proposals.c.id != proposal.id,
            sa.or_(
                proposals.c.submitted_at < proposal.submitted_at,
                sa.and_(proposals.c.submitted_at == proposal.submitted_at, proposals.c.id < proposal.id),
            ),
        )
        return [(row.title, row.text) for row in self.connection.execute(query)]

    def earlier_copies_among(self, batch: Iterable[Proposal]) -> Callable[[Proposal], list[tuple[str, str]]]:
        """``earlier_copies`` of each proposal of `batch`, from one indexed query for them all (the same rule, the
        ordering by (submitted_at, id) done here): the batch's own proposals as they stand when asked (one
        rejected earlier in the batch no longer counts)."""
        mine = {proposal.id: proposal for proposal in batch}
        keys = {proposal.id: (title_key(proposal.title)[:200], text_key(proposal.text)) for proposal in mine.values()}
        query = sa.select(
            proposals.c.id,
            proposals.c.process_id,
            proposals.c.title,
            proposals.c.text,
            proposals.c.title_key,
            proposals.c.text_key,
            proposals.c.status,
            proposals.c.submitted_at,
        ).where(
            proposals.c.process_id.in_({proposal.process_id for proposal in mine.values()}),
            sa.or_(
                proposals.c.title_key.in_({title for title, _ in keys.values()}),
                proposals.c.text_key.in_({text for _, text in keys.values()}),
            ),
            proposals.c.status != ProposalStatus.REJECTED.value,
        )
        by_key: dict[tuple[str, str], list[sa.Row]] = {}
        for row in self.connection.execute(query):
            by_key.setdefault((row.process_id, row.title_key), []).append(row)
            if row.text_key != row.title_key:
                by_key.setdefault((row.process_id, row.text_key), []).append(row)

        def earlier(proposal: Proposal) -> list[tuple[str, str]]:
            title, text = keys[proposal.id]
            found = {row.id: row for key in (title, text) for row in by_key.get((proposal.process_id, key), ())}
            return [
                (row.title, row.text)
                for row in found.values()
                if (row.title_key == title or row.text_key == text)
                and (mine[row.id].status.value if row.id in mine else row.status) != ProposalStatus.REJECTED.value
                and (row.submitted_at, row.id) < (proposal.submitted_at, proposal.id)
            ]

        return earlier

    def save_decided(self, decided: list[Proposal]) -> None:
        """``save`` of each proposal an admissibility check decided (its status, reasons and history), in one
        statement on PostgreSQL with the same version check: a proposal changed meanwhile fails them all."""
        if self.connection.dialect.name != "postgresql" or len(decided) < 2:
            for proposal in decided:
                self.save(proposal)
            return
        rows = [_row(proposal) for proposal in decided]
        updated = self.connection.execute(
            _SAVE_DECIDED,
            {
                "ids": [proposal.id for proposal in decided],
                "versions": [proposal.version for proposal in decided],
                "statuses": [row["status"] for row in rows],
                "reasons": [json.dumps(row["reasons"]) for row in rows],
                "histories": [json.dumps(row["history"]) for row in rows],
            },
        ).rowcount
        if updated != len(decided):
            raise ConcurrentUpdate(f"{len(decided) - updated} of {len(decided)} proposals changed meanwhile")
        for proposal in decided:
            proposal.version += 1

    def list(
        self,
        process_id: str | None,
        author_id: UUID | None,
        limit: int,
        offset: int,
        status: str | None = None,
        words: str | None = None,
        district: str | None = None,
        theme: str | None = None,
    ) -> list[Proposal]:
        newest_first = (proposals.c.submitted_at.desc(), proposals.c.id)
        query = sa.select(proposals).order_by(*newest_first).limit(limit).offset(offset)
        if process_id is not None:
            query = query.where(proposals.c.process_id == process_id)
        if author_id is not None:
            query = query.where(proposals.c.author_id == author_id)
        if status is not None:
            query = query.where(proposals.c.status == status)
        if district is not None:
            query = query.where(proposals.c.district == district)
        if theme is not None:
            query = query.where(proposals.c.theme == theme)
        for word in (words or "").split()[:10]:
            pattern = "%" + word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(
                sa.or_(
                    sa.func.lower(proposals.c.title).like(pattern, escape="\\"),
                    sa.func.lower(proposals.c.text).like(pattern, escape="\\"),
                )
            )
        return self._saw_all(_proposal(row) for row in self.connection.execute(query))


def _row(p: Proposal) -> dict[str, object]:
    return {
        "id": p.id,
        "process_id": p.process_id,
        "author_id": p.author_id,
        "title": p.title,
        "title_key": title_key(p.title)[:200],
        "text_key": text_key(p.text),
        "text": p.text,
        "status": p.status.value,
        "reasons": [{"code": r.code, "detail": r.detail} for r in p.reasons],
        "submitted_at": p.submitted_at,
        "supporters": p.supporters,
        "answer_due_at": p.answer_due_at,
        "answer_overdue": p.answer_overdue,
        "position": p.position.value if p.position else None,
        "answer": p.answer,
        "related": [str(r) for r in p.related],
        "district": p.district,
        "theme": p.theme,
        "co_authors": [str(c) for c in p.co_authors],
        "co_author_invitation": (
            {"code_hash": i.code_hash, "expires_at": i.expires_at.isoformat()}
            if (i := p.co_author_invitation)
            else None
        ),
        "attachments": [asdict(a) | {"id": str(a.id)} for a in p.attachments],
        "history": [_step_row(s) for s in p.history],
        "version": p.version,
    }


def _proposal(row: sa.Row) -> Proposal:
    return Proposal(
        id=row.id,
        process_id=row.process_id,
        author_id=row.author_id,
        title=row.title,
        text=row.text,
        submitted_at=row.submitted_at,
        status=ProposalStatus(row.status),
        reasons=tuple(RejectionReason(r["code"], r["detail"]) for r in row.reasons),
        supporters=row.supporters,
        answer_due_at=row.answer_due_at,
        answer_overdue=row.answer_overdue,
        position=Position(row.position) if row.position else None,
        answer=row.answer,
        related=tuple(UUID(r) for r in row.related),
        district=row.district,
        theme=row.theme,
        co_authors=tuple(UUID(c) for c in row.co_authors),
        co_author_invitation=_invitation(row.co_author_invitation),
        attachments=tuple(
            Attachment(UUID(a["id"]), a["filename"], a["content_type"], a["size"], a["sha256"]) for a in row.attachments
        ),
        history=tuple(_step(s) for s in row.history),
        version=row.version,
    )


def _invitation(value: dict[str, str] | None) -> CoAuthorInvitation | None:
    return CoAuthorInvitation(value["code_hash"], datetime.fromisoformat(value["expires_at"])) if value else None


def _step_row(s: Step) -> dict[str, object]:
    row: dict[str, object] = {"at": s.at.isoformat(), "what": s.what, "detail": s.detail}
    if s.by is not None:
        row["by"] = s.by.as_data()
    return row


def _step(s: dict[str, str]) -> Step:
    """A step of the history; those written before the audit existed name no one."""
    by = s.get("by")
    acted = ActedBy(UUID(by["id"]), by["role"]) if isinstance(by, dict) else None
    return Step(datetime.fromisoformat(s["at"]), s["what"], s["detail"], acted)


__all__ = ["ConcurrentUpdate", "ProposalRepository"]
