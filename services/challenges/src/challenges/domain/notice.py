"""The decision notice: the reasons, fit to publish, composed from codes and approved texts only.

It names the task, the outcome, each ground with its label and legal reference from the rule files,
each failed admissibility condition (with the service's own explanation for an automatic one), the
assessment per criterion as the criteria set's law has it (a weighted score and a pass mark where a
municipality published them; the considerations in words under the Localism Act, which has no
score), what follows an acceptance, and the objection window. Its free text is what an official
approved for publication, part by part (``Challenge.approve_notice_text``), and the modification the
group agreed to (what was accepted), each checked to name no one: assessors' motivations, gate
judgements and the decision body's working motivation are not copied into it. It names no member of
the group and nobody's identity.

This module chooses what goes in; the sentences are the template's (``templates/notice.txt``), translated
in ``challenges/translations`` (nl, fr, en), with dates, scores and terms in the language's own forms.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from meemaken_kit import deadlines, texts

if TYPE_CHECKING:
    from challenges.domain.challenge import Challenge

TEMPLATES = Path(__file__).parent.parent / "templates"
CATALOGUES = Path(__file__).parent.parent / "translations"


def decision_notice(
    challenge: Challenge, outcome: str, grounds: tuple[str, ...], decided_at: datetime, language: str = "en"
) -> str:
    profile = challenge.profile
    approved = {t.part: t.text for t in challenge.notice_texts}
    return texts.template(TEMPLATES, CATALOGUES, language, "notice.txt").render(
        decided_at=decided_at,
        challenge_id=challenge.id,
        task_id=challenge.task_id,
        legal_basis=profile.legal_basis,
        term=profile.submission_term.en,  # the sentences differ per term (a French one is feminine)
        outcome=outcome,
        # what was accepted: an official's text, checked
        modification=challenge.modification if challenge.modification and challenge.modification_agreed else "",
        grounds=[_ground(challenge, code, language) for code in grounds],
        failed_gates=_failed_gates(challenge, approved, language),
        assessment=_assessment(challenge, approved, language) if challenge.assessment.scores else None,
        reasons=approved.get("decision", ""),
        after_acceptance=profile.after_acceptance if outcome.startswith("accepted") else None,
        objection_window=_period(profile.deadlines.objection_window),
    )


def _ground(challenge: Challenge, code: str, language: str) -> dict[str, Any]:
    if not challenge.profile.has_ground(code):
        return {"label": None, "reference": ""}  # the pass mark not reached
    ground = challenge.profile.ground(code)
    return {"label": ground.label.get(language), "reference": ground.legal_reference}


def _failed_gates(challenge: Challenge, approved: dict[str, str], language: str) -> list[dict[str, Any]]:
    gates = {g.code: g for g in challenge.profile.gates}
    failed = []
    for result in challenge.gate_results:
        gate = gates.get(result.code)
        if result.passed or gate is None:
            continue
        said = [result.explanation] if gate.automatic else []  # the service's own, from the catalogue's data
        failed.append({"label": gate.label.get(language), "texts": said + _approved(approved, result.code)})
    return failed


def _assessment(challenge: Challenge, approved: dict[str, str], language: str) -> SimpleNamespace:
    criteria, assessment = challenge.criteria, challenge.assessment
    return SimpleNamespace(
        name=criteria.name.get(language),
        weighted=criteria.weighted,
        score=assessment.weighted_score(criteria) if criteria.weighted else None,
        pass_mark=criteria.pass_mark,
        criteria=[
            SimpleNamespace(
                label=criterion.label.get(language),
                reference=criterion.legal_reference,
                average=assessment.average(criterion.code) if criteria.weighted else None,
                scale_max=criterion.scale_max,
                texts=_approved(approved, criterion.code),
            )
            for criterion in criteria.criteria
        ],
    )


def _approved(approved: dict[str, str], part: str) -> list[str]:
    return [approved[part]] if part in approved else []


def _period(duration: str) -> SimpleNamespace:
    """An ISO-8601 duration in years, months and days (weeks in days; hours and less are not terms)."""
    term = deadlines.term(duration)
    return SimpleNamespace(years=term.years, months=term.months, days=term.days)
