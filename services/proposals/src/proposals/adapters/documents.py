"""Processes and budget rounds as JSON documents (their rows keep what queries filter on)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from proposals.domain.ballots import BallotForm, BallotKind, Eligibility
from proposals.domain.budget_round import BudgetProject, BudgetRound, Feasibility, Phase, Results, Stage
from proposals.domain.process import ParticipationProcess, ProcessKind
from proposals.domain.process import Phase as ProcessPhase


def process_document(p: ParticipationProcess) -> dict[str, Any]:
    return {
        "title": p.title,
        "kind": p.kind.value,
        "support_threshold": p.support_threshold,
        "answer_days": p.answer_days,
        "districts": list(p.districts),
        "themes": list(p.themes),
        "phases": [
            {
                "name": x.name,
                "starts_at": x.starts_at.isoformat(),
                "ends_at": x.ends_at.isoformat(),
                "rung_promised": x.rung_promised,
                "rung_realised": x.rung_realised,
            }
            for x in p.phases
        ],
    }


def process_from(process_id: str, municipality: str, version: int, d: dict[str, Any]) -> ParticipationProcess:
    phases = tuple(
        ProcessPhase(
            x["name"],
            datetime.fromisoformat(x["starts_at"]),
            datetime.fromisoformat(x["ends_at"]),
            x["rung_promised"],
            x["rung_realised"],
        )
        for x in d["phases"]
    )
    return ParticipationProcess(
        process_id,
        municipality,
        d["title"],
        ProcessKind(d["kind"]),
        phases,
        d["support_threshold"],
        d["answer_days"],
        tuple(d.get("districts", ())),
        tuple(d.get("themes", ())),
        version,
    )


def round_document(r: BudgetRound) -> dict[str, Any]:
    return {
        "process_id": r.process_id,
        "title": r.title,
        "budget": r.budget,
        "district_budgets": dict(r.district_budgets),
        "theme_budgets": dict(r.theme_budgets),
        "form": {"kind": r.form.kind.value, "k": r.form.k, "points": r.form.points},
        "eligibility": {
            "min_age": r.eligibility.min_age,
            "residents_only": r.eligibility.residents_only,
            "districts": list(r.eligibility.districts),
            "unverified": r.eligibility.unverified,
        },
        "rule": r.rule,
        "rule_parameters": dict(r.rule_parameters),
        "jury_weight": r.jury_weight,
        "projects": [
            {
                "id": p.id,
                "title": p.title,
                "district": p.district,
                "theme": p.theme,
                "description": p.description,
                "cost": p.cost,
                "proposal_id": str(p.proposal_id) if p.proposal_id else None,
                "feasibility": p.feasibility.value,
                "legal_check": p.legal_check,
                "reason": p.reason,
                "jury_score": p.jury_score,
                "stage": p.stage.value if p.stage else None,
                "stage_note": p.stage_note,
            }
            for p in r.projects
        ],
        "lot_order": list(r.lot_order),
        "closed_at": r.closed_at.isoformat() if r.closed_at else None,
        "results": None
        if r.results is None
        else {
            "rule": r.results.rule,
            "selected": list(r.results.selected),
            "explanation": list(r.results.explanation),
            "voters": r.results.voters,
            "paper_ballots": r.results.paper_ballots,
            "spent": r.results.spent,
        },
    }


def round_from(round_id: UUID, phase: str, version: int, d: dict[str, Any]) -> BudgetRound:
    res = d["results"]
    return BudgetRound(
        id=round_id,
        process_id=d["process_id"],
        title=d["title"],
        budget=d["budget"],
        district_budgets=d["district_budgets"],
        form=BallotForm(BallotKind(d["form"]["kind"]), d["form"]["k"], d["form"]["points"]),
        eligibility=Eligibility(
            d["eligibility"]["min_age"],
            d["eligibility"]["residents_only"],
            tuple(d["eligibility"]["districts"]),
            d["eligibility"].get("unverified", "desk"),
        ),
        rule=d["rule"],
        jury_weight=d["jury_weight"],
        theme_budgets=d.get("theme_budgets", {}),
        rule_parameters=d.get("rule_parameters", {}),  # none before rounds took parameters
        phase=Phase(phase),
        projects=tuple(
            BudgetProject(
                p["id"],
                p["title"],
                p["district"],
                p["cost"],
                UUID(p["proposal_id"]) if p["proposal_id"] else None,
                Feasibility(p["feasibility"]),
                p["legal_check"],
                p["reason"],
                p["jury_score"],
                Stage(p["stage"]) if p["stage"] else None,
                p["stage_note"],
                p.get("theme"),
                p.get("description", ""),
            )
            for p in d["projects"]
        ),
        lot_order=tuple(d["lot_order"]),
        closed_at=datetime.fromisoformat(d["closed_at"]) if d["closed_at"] else None,
        results=None
        if res is None
        else Results(
            res["rule"],
            tuple(res["selected"]),
            tuple(res["explanation"]),
            res["voters"],
            res["paper_ballots"],
            res["spent"],
        ),
        version=version,
    )
