"""Why each project won or lost, in numbers a resident can check.

Each explanation carries the pass that funded the project (1 main count, 2 top-up, 3 extra funds; 0
when not funded) and its reason as a code with the numbers and projects it names, so a portal words
it in the resident's language; `reason` is the same in English. The codes:

funded, top_up, extra_funds, equal_shares, completion: funded (by the main count, the top-up from the
reserve, extra funds, equal shares, the greedy completion); did_not_fit (`left`, `cost`), stopped (`at`:
counting stopped there, no skipping), below_threshold (`threshold`, `score`), excluded_by (`by`: a
project of its exclusion group ranked higher), excluded (`why`: taken out by the municipality),
withdrawn, no_votes, not_affordable (`money_left`, `cost`: equal shares).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from proposals.domain.budgeting.election import POINT_TYPES, Election, Number
from proposals.domain.budgeting.outcome import Outcome


@dataclass(frozen=True)
class ProjectExplanation:
    project_id: str
    name: str
    cost: Number
    votes: int
    points: float | None  # cumulative/scoring ballots only
    selected: bool
    stage: str
    reason: str
    paid_total: float | None
    paid_per_supporter_max: float | None
    paid_per_supporter_mean: float | None
    funded_in: int = 0  # the pass: 1 main count, 2 top-up, 3 extra funds; 0 when not funded
    code: str = ""
    detail: Mapping[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"detail": dict(self.detail)}

    def line(self) -> str:
        mark = {0: "-", 1: "+", 2: "+2", 3: "+3"}.get(self.funded_in, "+")
        pts = f", {self.points:,.0f} points" if self.points is not None else ""
        paid = ""
        if self.paid_total is not None:
            paid = (
                f"; supporters paid {self.paid_total:,.2f} in all, at most {self.paid_per_supporter_max:,.2f} "
                f"and on average {self.paid_per_supporter_mean:,.2f} each"
            )
        return f"{mark} {self.project_id} cost {self.cost:,}, {self.votes:,} votes{pts}: {self.reason}{paid}"


def explain(election: Election, outcome: Outcome) -> list[ProjectExplanation]:
    """One explanation per project: the selected ones in the order they were picked, then the rest
    by votes."""
    votes = election.votes()
    scores = election.scores() if election.vote_type in POINT_TYPES else None
    rest = sorted((pid for pid in election.projects if pid not in outcome.selected_set), key=lambda p: -votes[p])
    out: list[ProjectExplanation] = []
    for pid in [*outcome.selected, *rest]:
        p = election.projects[pid]
        r = outcome.results.get(pid)
        out.append(
            ProjectExplanation(
                project_id=pid,
                name=p.name,
                cost=p.cost,
                votes=votes[pid],
                points=None if scores is None else scores[pid],
                selected=pid in outcome.selected_set,
                stage=r.stage if r else "",
                reason=r.reason if r else "not considered",
                paid_total=r.paid_total if r else None,
                paid_per_supporter_max=r.paid_max if r else None,
                paid_per_supporter_mean=r.paid_mean if r else None,
                funded_in=r.funded_in if r else 0,
                code=r.code if r else "",
                detail=dict(r.detail) if r else {},
            )
        )
    return out
