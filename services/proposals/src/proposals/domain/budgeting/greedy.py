"""The greedy family, as Pabulib names it: projects in order of votes (or points), funded while
money remains.

* `greedy`: a project that no longer fits is skipped and the next is tried;
* `greedy-no-skip`: counting stops at the first project that does not fit;
* `greedy-threshold`: like `greedy`, but projects scoring below `min_project_score_threshold`
  are not eligible.

Ties: lowest cost, then most votes, then the published lot order (see `outcome.tie_order`).
A hybrid round (public vote and expert jury, e.g. Ghent 70/30) passes combined `scores`
(`hybrid_scores`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from proposals.domain.budgeting.election import Election, Number
from proposals.domain.budgeting.outcome import Outcome, ProjectResult, tie_order

GREEDY, GREEDY_NO_SKIP, GREEDY_THRESHOLD = "greedy", "greedy-no-skip", "greedy-threshold"


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def greedy(
    election: Election,
    *,
    skip: bool = True,
    threshold: float | None = None,
    scores: Mapping[str, float] | None = None,
    lot: Sequence[str] | None = None,
    budget: Number | None = None,
    already: Iterable[str] = (),
    rule: str | None = None,
    stage: str = "greedy",
) -> Outcome:
    """Fund projects by descending score while they fit. `already` are funded beforehand (their cost
    is taken from `budget`); `scores` defaults to the votes (approval) or points (cumulative)."""
    total = election.budget if budget is None else budget
    score = dict(election.scores() if scores is None else scores)
    votes = election.votes()
    ties = tie_order(election, lot)
    done = list(already)
    left = total - sum(election.projects[pid].cost for pid in done)
    results: dict[str, ProjectResult] = {}
    picked: list[str] = []
    stopped_at: str | None = None
    order = sorted(
        (p for p in election.projects.values() if p.id not in set(done)),
        key=lambda p: (-score.get(p.id, 0.0), ties[p.id]),
    )
    for p in order:
        s = score.get(p.id, 0.0)
        if threshold is not None and s < threshold:
            why = f"below the threshold of {_fmt(threshold)} (scored {_fmt(s)})"
            results[p.id] = ProjectResult(p.id, False, "", why)
            continue
        if s <= 0 and votes.get(p.id, 0) == 0:
            results[p.id] = ProjectResult(p.id, False, "", "nobody voted for it")
            continue
        if stopped_at is not None:
            results[p.id] = ProjectResult(
                p.id, False, "", f"counting stopped at project {stopped_at}, which did not fit (no skipping)"
            )
            continue
        if p.cost <= left:
            left -= p.cost
            picked.append(p.id)
            results[p.id] = ProjectResult(p.id, True, stage, f"funded by score {_fmt(s)}; {_fmt(left)} left after it")
        else:
            results[p.id] = ProjectResult(p.id, False, "", f"did not fit the remaining budget {_fmt(left)}")
            if not skip:
                stopped_at = p.id
    name = rule or (GREEDY_THRESHOLD if threshold is not None else GREEDY if skip else GREEDY_NO_SKIP)
    return Outcome(name, total, (*done, *picked), results, {"left": left})


def greedy_no_skip(election: Election, **kwargs: object) -> Outcome:
    return greedy(election, skip=False, **kwargs)  # type: ignore[arg-type]


def greedy_threshold(election: Election, threshold: float | None = None, **kwargs: object) -> Outcome:
    """`threshold` defaults to the META key `min_project_score_threshold`."""
    if threshold is None:
        value = election.meta_number("min_project_score_threshold")
        if value is None:
            raise ValueError("greedy-threshold needs a threshold: META min_project_score_threshold is missing")
        threshold = float(value)
    return greedy(election, threshold=threshold, **kwargs)  # type: ignore[arg-type]


def hybrid_scores(
    public: Mapping[str, float], jury: Mapping[str, float], public_weight: float = 0.7
) -> dict[str, float]:
    """Public vote and jury combined: each normalised by its maximum (the best project scores 1), then
    weighted, e.g. 0.7 * public + 0.3 * jury (Ghent). A project missing from one side scores 0 there."""
    if not 0.0 <= public_weight <= 1.0:
        raise ValueError("public_weight must be between 0 and 1")
    top_public = max(public.values(), default=0.0) or 1.0
    top_jury = max(jury.values(), default=0.0) or 1.0
    ids = dict.fromkeys([*public, *jury])
    return {
        pid: public_weight * public.get(pid, 0.0) / top_public + (1 - public_weight) * jury.get(pid, 0.0) / top_jury
        for pid in ids
    }
