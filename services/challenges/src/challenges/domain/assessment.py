"""The assessment: each assessor judges each criterion with a motivation; the officer consolidates.

Under a ``weighted`` criteria set each judgement is a score on the criterion's scale; under a
``considered`` one (the Localism Act's procedure) it is the motivation alone, with no number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from challenges.domain.rules import CriteriaSet


@dataclass(frozen=True)
class Score:
    assessor_id: UUID
    criterion: str
    value: int | None  # None under considered criteria: no score, the motivation says it
    motivation: str


@dataclass(frozen=True)
class Assessment:
    assessors: tuple[UUID, ...] = ()
    scores: tuple[Score, ...] = field(default=())

    def assign(self, assessor_id: UUID) -> Assessment:
        if assessor_id in self.assessors:
            return self
        return Assessment((*self.assessors, assessor_id), self.scores)

    def score(
        self, criteria: CriteriaSet, assessor_id: UUID, criterion: str, value: int | None, motivation: str
    ) -> Assessment:
        if assessor_id not in self.assessors:
            raise ValueError("only an assigned assessor can score this challenge")
        try:
            spec = criteria.criterion(criterion)
        except KeyError as exc:
            raise ValueError(str(exc)) from exc
        if not criteria.weighted and value is not None:
            raise ValueError(
                f"the criteria {criteria.code} are considered, not scored: give {criterion} a motivation and no value"
            )
        if criteria.weighted and (value is None or not spec.scale_min <= value <= spec.scale_max):
            raise ValueError(f"{criterion} is scored from {spec.scale_min} to {spec.scale_max}, not {value}")
        if not motivation.strip():
            raise ValueError(f"a score for {criterion} needs a motivation")
        kept = tuple(s for s in self.scores if not (s.assessor_id == assessor_id and s.criterion == criterion))
        return Assessment(self.assessors, (*kept, Score(assessor_id, criterion, value, motivation.strip())))

    def missing(self, criteria: CriteriaSet) -> list[str]:
        if not self.assessors:
            return ["no assessor is assigned"]
        done = {(s.assessor_id, s.criterion) for s in self.scores}
        gaps = []
        for number, assessor in enumerate(self.assessors, 1):
            left = [c.code for c in criteria.criteria if (assessor, c.code) not in done]
            if left:
                gaps.append(f"assessor {number} has not scored {', '.join(left)}")
        return gaps

    def average(self, criterion: str) -> float:
        values = [s.value for s in self.scores if s.criterion == criterion and s.value is not None]
        return sum(values) / len(values) if values else 0.0

    def weighted_score(self, criteria: CriteriaSet) -> float:
        """The weighted mean of the criteria's average scores, each scaled to 0..1 (weighted sets only)."""
        if not criteria.weighted:
            raise ValueError(f"the criteria {criteria.code} are considered, not scored")
        total_weight = sum(c.weight for c in criteria.criteria)
        weighted = sum(
            c.weight * (self.average(c.code) - c.scale_min) / (c.scale_max - c.scale_min) for c in criteria.criteria
        )
        return weighted / total_weight if total_weight else 0.0

    def motivations(self, criterion: str) -> list[str]:
        return [s.motivation for s in self.scores if s.criterion == criterion]
