"""Budget rounds and their ballot box."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from meemaken_events import TransientError
from meemaken_kit import TrackingRepository
from proposals.adapters.documents import round_document, round_from
from proposals.adapters.tables import ballots, processes, rounds
from proposals.domain.audit import ActedBy
from proposals.domain.ballots import Choice
from proposals.domain.budget_round import BudgetRound, Phase
from proposals.domain.tally import CountedBallot


class ConcurrentRoundUpdate(TransientError):
    """Someone else changed the round since it was read; nothing was written."""


class OtherChannel(Exception):
    """The voter already voted through the other channel (paper or online); nothing was written."""


class RoundChanged(Exception):
    """The round is no longer at the version the ballot was checked against (it closed, most likely)."""


# Rounds open for voting as this process last read them. A ballot is checked against this copy and stored
# only if the round is still at that version (one statement), so a stale copy never lets a ballot through.
_VOTING: dict[UUID, BudgetRound] = {}
# The municipality of each round's process (fixed when the process is defined), so that a ballot's
# eligibility check asks the database nothing more.
_MUNICIPALITY: dict[UUID, str] = {}


class RoundRepository(TrackingRepository):
    """Every round it loads (`get`, `list`) or adds, its unit of work publishes the events of; `voting` is
    the shared read-only copy a ballot is checked against, changed by no one, so it is not tracked."""

    def add(self, r: BudgetRound) -> None:
        self.connection.execute(
            rounds.insert().values(
                id=r.id, process_id=r.process_id, phase=r.phase.value, state=round_document(r), version=r.version
            )
        )
        self._saw(r)

    def get(self, round_id: UUID, lock: bool = False) -> BudgetRound | None:
        """The round; with `lock`, after every ballot being cast has been stored (the closing waits for them)."""
        query = sa.select(rounds).where(rounds.c.id == round_id)
        if lock and self.connection.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.connection.execute(query).first()
        if row is None:
            return None
        r = round_from(row.id, row.phase, row.version, row.state)
        if r.phase is Phase.VOTING:
            _VOTING[r.id] = r
        else:
            _VOTING.pop(r.id, None)
        return self._saw(r)

    def voting(self, round_id: UUID) -> BudgetRound | None:
        """The round as last read while voting was open, without asking the database; None if unknown."""
        return _VOTING.get(round_id)

    def forget(self, round_id: UUID) -> None:
        _VOTING.pop(round_id, None)

    def municipality(self, r: BudgetRound) -> str:
        """The municipality of the round's process: whose residents it is for."""
        if r.id not in _MUNICIPALITY:
            query = sa.select(processes.c.municipality).where(processes.c.id == r.process_id)
            _MUNICIPALITY[r.id] = self.connection.execute(query).scalar_one()
        return _MUNICIPALITY[r.id]

    def save(self, r: BudgetRound) -> None:
        updated = self.connection.execute(
            rounds.update()
            .where(rounds.c.id == r.id, rounds.c.version == r.version)
            .values(phase=r.phase.value, state=round_document(r), version=r.version + 1)
        ).rowcount
        if updated != 1:
            raise ConcurrentRoundUpdate(f"round {r.id} changed meanwhile")
        r.version += 1

    def list(self, process_id: str | None) -> list[BudgetRound]:
        query = sa.select(rounds).order_by(rounds.c.process_id, rounds.c.id)
        if process_id:
            query = query.where(rounds.c.process_id == process_id)
        return self._saw_all(round_from(r.id, r.phase, r.version, r.state) for r in self.connection.execute(query))


class BallotBox:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def cast(
        self,
        voting: BudgetRound,
        voter_id: UUID,
        choice: Choice,
        entered_by: ActedBy | None,
        now: datetime,
    ) -> int:
        """Store the voter's ballot, replacing their earlier one: how many times it was replaced. A paper
        ballot records the official who entered it and the role they acted in.

        One statement: insert (or update the voter's existing row) only while the round is still open at
        the version the ballot was checked against, holding off its closing meanwhile. Concurrent ballots
        of the same voter leave one row whatever the interleaving."""
        values = {
            "round_id": voting.id,
            "voter_id": voter_id,
            "projects": list(choice.projects),
            "points": None if choice.points is None else list(choice.points),
            "paper": entered_by is not None,
            "entered_by": entered_by.id if entered_by else None,
            "entered_by_role": entered_by.role if entered_by else None,
            "cast_at": now,
            "replaced": 0,
            "version": voting.version,
        }
        statement = _cast_statement(self.connection.dialect.name)
        replaced = self.connection.execute(statement, values).scalar()
        if replaced is None:
            now_at = self.connection.execute(sa.select(rounds.c.version).where(rounds.c.id == voting.id)).scalar()
            if now_at != voting.version:
                raise RoundChanged(f"round {voting.id} changed since the ballot was checked")
            other = "online" if entered_by else "on paper"
            raise OtherChannel(f"this voter already voted {other}; a ballot is replaced through the same channel")
        return int(replaced)

    def of(self, round_id: UUID, voter_id: UUID) -> Any:
        """The voter's ballot as the box holds it (projects, points, paper, cast_at, replaced), or None."""
        query = sa.select(
            ballots.c.projects, ballots.c.points, ballots.c.paper, ballots.c.cast_at, ballots.c.replaced
        ).where(ballots.c.round_id == round_id, ballots.c.voter_id == voter_id)
        return self.connection.execute(query).first()

    def has_voted(self, round_id: UUID, voter_id: UUID) -> bool:
        query = sa.select(ballots.c.voter_id).where(ballots.c.round_id == round_id, ballots.c.voter_id == voter_id)
        return self.connection.execute(query).first() is not None

    def count(self, round_id: UUID) -> tuple[int, int]:
        """Ballots and paper ballots in the box."""
        query = sa.select(sa.func.count(), sa.func.count().filter(ballots.c.paper)).where(
            ballots.c.round_id == round_id
        )
        total, paper = self.connection.execute(query).one()
        return int(total), int(paper)

    def counted(self, round_id: UUID) -> list[CountedBallot]:
        """The ballots without who cast them, in no meaningful order."""
        query = sa.select(ballots.c.projects, ballots.c.points, ballots.c.paper).where(ballots.c.round_id == round_id)
        return [
            CountedBallot(tuple(r.projects), None if r.points is None else tuple(r.points), r.paper)
            for r in self.connection.execute(query)
        ]

    def voters(self, round_id: UUID, limit: int, after: UUID | None) -> list[UUID]:
        """A page of who voted, in id order after `after` (keyset paging: each page costs the same)."""
        query = sa.select(ballots.c.voter_id).where(ballots.c.round_id == round_id)
        if after is not None:
            query = query.where(ballots.c.voter_id > after)
        return list(self.connection.execute(query.order_by(ballots.c.voter_id).limit(limit)).scalars())


_CAST: dict[str, sa.Executable] = {}
_COLUMNS = (
    "round_id",
    "voter_id",
    "projects",
    "points",
    "paper",
    "entered_by",
    "entered_by_role",
    "cast_at",
    "replaced",
)


def _cast_statement(dialect: str) -> sa.Executable:
    """The ballot's one statement, built once per dialect (building it per ballot costs more than running it)."""
    if dialect not in _CAST:
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ballots)
        source = (
            sa.select(*(sa.bindparam(c, type_=ballots.c[c].type) for c in _COLUMNS))
            .select_from(rounds)
            .where(
                rounds.c.id == sa.bindparam("round_id"),
                rounds.c.version == sa.bindparam("version"),
                rounds.c.phase == Phase.VOTING.value,
            )
        )
        if dialect == "postgresql":
            source = source.with_for_update(read=True)
        _CAST[dialect] = (
            insert.from_select(list(_COLUMNS), source)
            .on_conflict_do_update(
                index_elements=[ballots.c.round_id, ballots.c.voter_id],
                set_={
                    "projects": insert.excluded.projects,
                    "points": insert.excluded.points,
                    "entered_by": insert.excluded.entered_by,
                    "entered_by_role": insert.excluded.entered_by_role,
                    "cast_at": insert.excluded.cast_at,
                    "replaced": ballots.c.replaced + 1,
                },
                where=ballots.c.paper == insert.excluded.paper,
            )
            .returning(ballots.c.replaced)
        )
    return _CAST[dialect]
