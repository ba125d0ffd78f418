"""Participation processes and each municipality's ladder."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from meemaken_events import TransientError
from meemaken_kit import TrackingRepository
from proposals.adapters.documents import process_document, process_from
from proposals.adapters.tables import ballots, ladders, processes, proposals, rounds, supports
from proposals.domain.ladder import Ladder
from proposals.domain.process import ParticipationProcess


class ConcurrentProcessUpdate(TransientError):
    pass


class ProcessExists(Exception):
    pass


class ProcessRepository(TrackingRepository):
    """Every process it loads or adds, its unit of work publishes the events of."""

    def add(self, p: ParticipationProcess) -> None:
        if self.get(p.id) is not None:
            raise ProcessExists(f"there is already a process {p.id}")
        self.connection.execute(
            processes.insert().values(
                id=p.id, municipality=p.municipality, year=p.year, state=process_document(p), version=p.version
            )
        )
        self._saw(p)

    def get(self, process_id: str) -> ParticipationProcess | None:
        row = self.connection.execute(sa.select(processes).where(processes.c.id == process_id)).first()
        return self._saw(process_from(row.id, row.municipality, row.version, row.state) if row else None)

    def get_many(self, process_ids: Iterable[str]) -> dict[str, ParticipationProcess]:
        """The processes of these ids that exist, in one query."""
        rows = self.connection.execute(sa.select(processes).where(processes.c.id.in_(set(process_ids))))
        return {row.id: self._saw(process_from(row.id, row.municipality, row.version, row.state)) for row in rows}

    def save(self, p: ParticipationProcess) -> None:
        updated = self.connection.execute(
            processes.update()
            .where(processes.c.id == p.id, processes.c.version == p.version)
            .values(state=process_document(p), version=p.version + 1)
        ).rowcount
        if updated != 1:
            raise ConcurrentProcessUpdate(f"process {p.id} changed meanwhile")
        p.version += 1

    def of(self, municipality: str | None, year: int | None) -> list[ParticipationProcess]:
        query = sa.select(processes).order_by(processes.c.year, processes.c.id)
        if municipality:
            query = query.where(processes.c.municipality == municipality)
        if year:
            query = query.where(processes.c.year == year)
        return self._saw_all(
            process_from(r.id, r.municipality, r.version, r.state) for r in self.connection.execute(query)
        )

    def ladder(self, municipality: str) -> Ladder:
        row = self.connection.execute(sa.select(ladders.c.rungs).where(ladders.c.municipality == municipality)).first()
        return Ladder.of(row.rungs if row else None)

    def set_ladder(self, municipality: str, ladder: Ladder) -> None:
        self.connection.execute(ladders.delete().where(ladders.c.municipality == municipality))
        self.connection.execute(ladders.insert().values(municipality=municipality, rungs=list(ladder.order)))

    def participation(self, process_ids: list[str]) -> dict[str, dict[str, int]]:
        """Per process: proposals, supports and ballots, and how many different residents took part."""
        figures = {pid: {"proposals": 0, "supports": 0, "ballots": 0, "participants": 0} for pid in process_ids}
        if not process_ids:
            return figures
        authors = sa.select(proposals.c.process_id, proposals.c.author_id.label("who")).where(
            proposals.c.process_id.in_(process_ids)
        )
        supporters = (
            sa.select(proposals.c.process_id, supports.c.resident_id.label("who"))
            .join(proposals, proposals.c.id == supports.c.proposal_id)
            .where(proposals.c.process_id.in_(process_ids))
        )
        voters = (
            sa.select(rounds.c.process_id, ballots.c.voter_id.label("who"))
            .join(rounds, rounds.c.id == ballots.c.round_id)
            .where(rounds.c.process_id.in_(process_ids))
        )
        for name, part in (("proposals", authors), ("supports", supporters), ("ballots", voters)):
            sub = part.subquery()
            for row in self.connection.execute(sa.select(sub.c.process_id, sa.func.count()).group_by(sub.c.process_id)):
                figures[row[0]][name] = int(row[1])
        everyone = sa.union(authors, supporters, voters).subquery()
        query = sa.select(everyone.c.process_id, sa.func.count(sa.distinct(everyone.c.who))).group_by(
            everyone.c.process_id
        )
        for row in self.connection.execute(query):
            figures[row[0]]["participants"] = int(row[1])
        return figures
