"""The decision notice: the reasons, assembled from the motivations, fit to publish (no personal data).

It names the task, the outcome, each ground with its legal reference, the assessment per
criterion with the assessors' motivations (not who wrote them), and the decision body's own
motivation. It does not name the group's members or anyone's identity.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from challenges.domain.clock import in_words

if TYPE_CHECKING:
    from challenges.domain.challenge import Challenge

OUTCOMES = {
    "accepted": "The challenge is accepted.",
    "accepted_with_modifications": "The challenge is accepted with the modifications the group agreed to.",
    "rejected": "The challenge is rejected.",
    "out_of_scope": "The challenge is outside the scope of the right to challenge.",
}


def decision_notice(
    challenge: Challenge,
    outcome: str,
    grounds: tuple[str, ...],
    motivation: str,
    decided_at: datetime,
    language: str = "en",
) -> str:
    profile, criteria = challenge.profile, challenge.criteria
    lines = [
        f"Decision of {decided_at.date().isoformat()} on challenge {challenge.id} (task {challenge.task_id}).",
        f"Legal basis: {profile.legal_basis}",
        OUTCOMES[outcome],
    ]
    if challenge.modification and challenge.modification_agreed:
        lines.append(f"Agreed modifications: {challenge.modification}")
    for code in grounds:
        if profile.has_ground(code):
            ground = profile.ground(code)
            reference = f" ({ground.legal_reference})" if ground.legal_reference else ""
            lines.append(f"Ground: {ground.label.get(language)}{reference}.")
        else:
            lines.append("Ground: the assessment did not reach the pass mark.")
    failed_gates = [g for g in challenge.gate_results if not g.passed]
    for gate in failed_gates:
        lines.append(f"Admissibility ({gate.code.replace('_', ' ')}): {gate.explanation}")
    if challenge.assessment.scores:
        score = challenge.assessment.weighted_score(criteria)
        lines.append(f"Assessment: weighted score {score:.0%} (pass mark {criteria.pass_mark:.0%}).")
        for criterion in criteria.criteria:
            reasons = " / ".join(challenge.assessment.motivations(criterion.code))
            average = challenge.assessment.average(criterion.code)
            lines.append(f"- {criterion.label.get(language)}: {average:.1f} of {criterion.scale_max}. {reasons}")
    lines.append(f"Motivation: {motivation}")
    window = in_words(profile.deadlines.objection_window, language)
    lines.append(f"An objection may be lodged within {window} of this decision.")
    return "\n".join(lines)
