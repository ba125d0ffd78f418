"""Use cases of participation processes: defining them, their realised rung, the yearly report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from meemaken_kit.roles import Role
from proposals.domain.ladder import Ladder
from proposals.domain.process import ParticipationProcess, Phase, ProcessKind
from proposals.service_layer.actors import Actor, NotFound, process_scope
from proposals.service_layer.unit_of_work import ProposalsUnitOfWork


def define_process(
    uow: ProposalsUnitOfWork,
    actor: Actor,
    process_id: str,
    municipality: str,
    title: str,
    kind: ProcessKind,
    phases: Sequence[Phase],
    support_threshold: int | None,
    answer_days: int,
    districts: Sequence[str] = (),
    themes: Sequence[str] = (),
) -> ParticipationProcess:
    """A case officer defines a process (a scoped one only a process their scopes name)."""
    by = actor.acting(Role.CASE_OFFICER, within=process_scope(process_id))
    with uow:
        process = ParticipationProcess.define(
            process_id,
            municipality,
            title,
            kind,
            tuple(phases),
            support_threshold,
            answer_days,
            by,
            tuple(districts),
            tuple(themes),
        )
        uow.processes.add(process)
        uow.commit()
    return process


def realise_rung(
    uow: ProposalsUnitOfWork, actor: Actor, process_id: str, phase: str, rung: str, why: str
) -> ParticipationProcess:
    by = actor.acting(Role.CASE_OFFICER, within=process_scope(process_id))
    with uow:
        process = get_process(uow, process_id)
        process.realise(phase, rung, why, by)
        uow.processes.save(process)
        uow.commit()
    return process


def get_process(uow: ProposalsUnitOfWork, process_id: str) -> ParticipationProcess:
    process = uow.processes.get(process_id)
    if process is None:
        raise NotFound(f"there is no process {process_id}")
    return process


def set_ladder(uow: ProposalsUnitOfWork, actor: Actor, municipality: str, order: Sequence[str]) -> Ladder:
    """The municipality's own order of the rungs (authors order the middle ones differently): a case officer
    who holds the role municipality-wide, as the ladder belongs to no single process."""
    actor.municipality_wide(Role.CASE_OFFICER)
    ladder = Ladder.of(order)
    with uow:
        uow.processes.set_ladder(municipality, ladder)
        uow.commit()
    return ladder


def yearly_report(uow: ProposalsUnitOfWork, municipality: str, year: int) -> dict[str, Any]:
    """Every process of the year with its rungs (promised and realised, ranked on the municipality's
    ladder) and participation figures: public, no personal data."""
    with uow:
        ladder = uow.processes.ladder(municipality)
        processes = uow.processes.of(municipality, year)
        figures = uow.processes.participation([p.id for p in processes])
    rows: list[dict[str, Any]] = []
    below = 0
    for p in processes:
        phases = [
            {
                "name": x.name,
                "starts_at": x.starts_at,
                "ends_at": x.ends_at,
                "rung_promised": x.rung_promised,
                "rank_promised": ladder.rank(x.rung_promised),
                "rung_realised": x.rung_realised,
                "rank_realised": ladder.rank(x.rung_realised) if x.rung_realised else None,
            }
            for x in p.phases
        ]
        below += sum(
            1 for x in p.phases if x.rung_realised and ladder.rank(x.rung_realised) < ladder.rank(x.rung_promised)
        )
        rows.append({"process_id": p.id, "title": p.title, "kind": p.kind.value, "phases": phases, **figures[p.id]})
    return {
        "municipality": municipality,
        "year": year,
        "ladder": list(ladder.order),
        "processes": rows,
        "phases_below_promise": below,
    }
