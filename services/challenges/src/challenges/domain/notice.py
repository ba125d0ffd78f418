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
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from challenges.domain.clock import in_words

if TYPE_CHECKING:
    from challenges.domain.challenge import Challenge

OUTCOMES = {  # {what}: what the profile's law calls a challenge
    "accepted": "The {what} is accepted.",
    "accepted_with_modifications": "The {what} is accepted with the modifications the group agreed to.",
    "rejected": "The {what} is rejected.",
    "out_of_scope": "The {what} is outside the scope of the right to challenge.",
}
AFTER_ACCEPTANCE = {
    "agreement": "Next: an agreement with the group on the tasks, the result, the budget and the duration.",
    "procurement": "Next: the authority carries out a procurement exercise for the service, as the law requires "
    "after it accepts an expression of interest.",
}
UNSCORED = "considered by the assessors; no reasons were approved for publication"


def decision_notice(
    challenge: Challenge, outcome: str, grounds: tuple[str, ...], decided_at: datetime, language: str = "en"
) -> str:
    profile = challenge.profile
    approved = {t.part: t.text for t in challenge.notice_texts}
    lines = [
        f"Decision of {decided_at.date().isoformat()} on challenge {challenge.id} (task {challenge.task_id}).",
        f"Legal basis: {profile.legal_basis}",
        OUTCOMES[outcome].format(what=profile.submission_term.get("en")),  # the notice's sentences are English
    ]
    if challenge.modification and challenge.modification_agreed:  # what was accepted: an official's text, checked
        lines.append(f"Agreed modifications: {challenge.modification}")
    for code in grounds:
        if profile.has_ground(code):
            ground = profile.ground(code)
            reference = f" ({ground.legal_reference})" if ground.legal_reference else ""
            lines.append(f"Ground: {ground.label.get(language)}{reference}.")
        else:
            lines.append("Ground: the assessment did not reach the pass mark.")
    gates = {g.code: g for g in profile.gates}
    for result in challenge.gate_results:
        gate = gates.get(result.code)
        if result.passed or gate is None:
            continue
        line = f"Admissibility condition not met: {gate.label.get(language)}."
        if gate.automatic:  # the service's own explanation, from the catalogue's data
            line += f" {result.explanation}"
        if result.code in approved:
            line += f" {approved[result.code]}"
        lines.append(line)
    if challenge.assessment.scores:
        lines += _assessment(challenge, approved, language)
    if "decision" in approved:
        lines.append(f"Reasons: {approved['decision']}")
    if outcome.startswith("accepted"):
        lines.append(AFTER_ACCEPTANCE[profile.after_acceptance])
    window = in_words(profile.deadlines.objection_window, language)
    lines.append(f"An objection may be lodged within {window} of this decision.")
    return "\n".join(lines)


def _assessment(challenge: Challenge, approved: dict[str, str], language: str) -> list[str]:
    criteria, assessment = challenge.criteria, challenge.assessment
    lines = []
    if criteria.weighted:
        score = assessment.weighted_score(criteria)
        pass_mark = f" (pass mark {criteria.pass_mark:.0%})" if criteria.pass_mark is not None else ""
        lines.append(f"Assessment ({criteria.name.get(language)}): weighted score {score:.0%}{pass_mark}.")
        for criterion in criteria.criteria:
            average = assessment.average(criterion.code)
            reasons = f" {approved[criterion.code]}" if criterion.code in approved else ""
            lines.append(f"- {criterion.label.get(language)}: {average:.1f} of {criterion.scale_max}.{reasons}")
    else:
        lines.append(f"Considerations ({criteria.name.get(language)}):")
        for criterion in criteria.criteria:
            reference = f" ({criterion.legal_reference})" if criterion.legal_reference else ""
            lines.append(f"- {criterion.label.get(language)}{reference}: {approved.get(criterion.code, UNSCORED)}")
    return lines
