"""The greedy family: projects in order of votes (or points), funded while money remains, configured
by one `GreedyRule` rather than by special cases.

What a rule can say (each a field of `GreedyRule`, each the way a real city counts):

* `skip`: a project that no longer fits is skipped and the next is tried (Pabulib `greedy`); or
  counting stops at the first project that does not fit (`greedy-no-skip`, "strict greedy").
* `tie_break`: equal scores go to the cheapest project, then the most votes, then the stated order
  (`"cost"`); or straight to the stated order (`"order"`: the lot order, by default the file's).
* `threshold`: projects scoring below it are not eligible (an absolute score, or a share of voters).
* `top_up`: at the first project that does not fit, if the money left covers at least `fraction` of
  its cost, it is funded anyway, the rest coming from a named reserve (Poznań, 80 %): pass 2.
* `parts`: budgets per category or neighbourhood (any project column), each counted on its own, and
  what happens to what they leave (`"none"`: kept; `"greedy"`: spent by plain greedy across parts).
* `exclusive_groups`: projects that cannot be built together (same site); the eligible project of a
  group that ranks highest wins, the others are passed over even when they fit (Warsaw § 46 ust. 5).
  A `.pb` file may declare them in a PROJECTS column `exclusion_group`.
* `excluded`: projects the municipality took out after the vote (withdrawn, not feasible), with why.
* `counted_costs`: costs as the count reads them (Veszprém's cost bands: 40 M counted as 50 M).
* `paper_votes`: votes counted outside the file (paper ballots), added to each project's score.
* `extra_funds`: supplementary passes after the main count: money given later funds the next
  projects in the same order (Poznań, pass 3).

A hybrid round (public vote and expert jury, e.g. Ghent 70/30) passes combined `scores` (`hybrid_scores`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from proposals.domain.budgeting.election import Election, Number, Project
from proposals.domain.budgeting.outcome import (
    EXTRA_FUNDS_PASS,
    MAIN_PASS,
    TOP_UP_PASS,
    Outcome,
    ProjectResult,
    lot_positions,
    tie_order,
)

GREEDY, GREEDY_NO_SKIP, GREEDY_THRESHOLD = "greedy", "greedy-no-skip", "greedy-threshold"
EXCLUSION_COLUMN = "exclusion_group"
TieBreak = Literal["cost", "order"]
Leftover = Literal["none", "greedy"]


@dataclass(frozen=True)
class Threshold:
    """The least score a project needs: absolute (`score`) or a share of the voters (`share_of_voters`)."""

    score: float | None = None
    share_of_voters: float | None = None

    def __post_init__(self) -> None:
        if (self.score is None) == (self.share_of_voters is None):
            raise ValueError("a threshold is either a score or a share of voters")
        if self.share_of_voters is not None and not 0 < self.share_of_voters <= 1:
            raise ValueError("a threshold's share of voters lies between 0 and 1")

    def value(self, voters: int) -> float:
        return float(self.score) if self.score is not None else float(self.share_of_voters or 0) * voters


@dataclass(frozen=True)
class TopUp:
    fraction: float  # of the project's cost that the money left must cover, e.g. 0.8
    reserve: str = "reserve"  # where the rest comes from, named in the result

    def __post_init__(self) -> None:
        if not 0 < self.fraction <= 1:
            raise ValueError("a top-up fraction lies between 0 and 1")


@dataclass(frozen=True)
class PartBudgets:
    column: str  # "category", "district" or any other project column (e.g. "neighborhood")
    budgets: Mapping[str, Number]
    skip: bool = True  # inside each part
    leftover: Leftover = "none"


@dataclass(frozen=True)
class GreedyRule:
    name: str = GREEDY
    skip: bool = True
    tie_break: TieBreak = "cost"
    threshold: Threshold | None = None
    top_up: TopUp | None = None
    parts: PartBudgets | None = None
    exclusive_groups: tuple[tuple[str, ...], ...] = ()
    excluded: Mapping[str, str] = field(default_factory=dict)  # project -> why it is out of the count
    counted_costs: Mapping[Number, Number] = field(default_factory=dict)
    paper_votes: Mapping[str, float] = field(default_factory=dict)
    extra_funds: tuple[Number, ...] = ()

    def __post_init__(self) -> None:
        if self.parts is not None and self.top_up is not None:
            raise ValueError("a top-up applies to the whole budget: it does not combine with part budgets")


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def greedy(
    election: Election,
    rule: GreedyRule | None = None,
    *,
    scores: Mapping[str, float] | None = None,
    lot: Sequence[str] | None = None,
    budget: Number | None = None,
    already: Iterable[str] = (),
    name: str | None = None,
    stage: str = "greedy",
) -> Outcome:
    """Count `election` by `rule` (plain greedy by default). `already` are funded beforehand (their cost
    is taken from `budget`); `scores` defaults to the votes (approval) or points (cumulative)."""
    return _Count(election, rule or GreedyRule(), scores, lot, budget, tuple(already), stage).run(name)


def greedy_no_skip(election: Election, **kwargs: object) -> Outcome:
    return greedy(election, GreedyRule(GREEDY_NO_SKIP, skip=False), **kwargs)  # type: ignore[arg-type]


def greedy_threshold(election: Election, threshold: float | None = None, **kwargs: object) -> Outcome:
    """`threshold` defaults to the META key `min_project_score_threshold`."""
    if threshold is None:
        value = election.meta_number("min_project_score_threshold")
        if value is None:
            raise ValueError("greedy-threshold needs a threshold: META min_project_score_threshold is missing")
        threshold = float(value)
    return greedy(election, GreedyRule(GREEDY_THRESHOLD, threshold=Threshold(threshold)), **kwargs)  # type: ignore[arg-type]


class _Count:
    def __init__(
        self,
        election: Election,
        rule: GreedyRule,
        scores: Mapping[str, float] | None,
        lot: Sequence[str] | None,
        budget: Number | None,
        already: tuple[str, ...],
        stage: str,
    ) -> None:
        self.e, self.rule, self.stage, self.already = election, rule, stage, already
        self.total = election.budget if budget is None else budget
        self.score = dict(election.scores() if scores is None else scores)
        for pid, added in rule.paper_votes.items():
            if pid not in election.projects:
                raise ValueError(f"paper votes for unknown project {pid}")
            self.score[pid] = self.score.get(pid, 0.0) + added
        self.votes = election.votes()
        ties = tie_order(election, lot) if rule.tie_break == "cost" else lot_positions(election, lot)
        self.order = sorted(
            (p for p in election.projects.values() if p.id not in set(already)),
            key=lambda p: (-self.score.get(p.id, 0.0), ties[p.id]),
        )
        self.results: dict[str, ProjectResult] = {}
        self.picked: list[str] = []
        self.funded = set(already)
        self.reserve_used: Number = 0
        self.rivals = _rivals(election, rule.exclusive_groups)
        self.threshold = None if rule.threshold is None else rule.threshold.value(election.multiprofile.voters)
        self.eligible = [p for p in self.order if self._eligible(p)]
        self.rank = {p.id: i for i, p in enumerate(self.eligible)}  # for exclusion groups: who ranks higher

    def cost(self, p: Project) -> Number:
        return self.rule.counted_costs.get(p.cost, p.cost)

    def run(self, name: str | None) -> Outcome:
        eligible = self.eligible
        spent_before = sum(self.cost(self.e.projects[pid]) for pid in self.already)
        if self.rule.parts is None:
            left = self._pass(eligible, self.total - spent_before, self.rule.skip, MAIN_PASS, self.stage, top_up=True)
        else:
            left = self._parts(eligible, self.rule.parts)
        notes: dict[str, object] = {"left": left, "tie_break": self.rule.tie_break}
        for amount in self.rule.extra_funds:
            left = self._pass(eligible, max(left, 0) + amount, self.rule.skip, EXTRA_FUNDS_PASS, "extra-funds")
            notes["left"] = left
        if self.rule.top_up is not None:
            notes |= {"reserve": self.rule.top_up.reserve, "reserve_used": self.reserve_used}
        if self.rule.extra_funds:
            notes["extra_funds"] = sum(self.rule.extra_funds)
        return Outcome(name or self.rule.name, self.total, (*self.already, *self.picked), self.results, notes)

    def _eligible(self, p: Project) -> bool:
        s = self.score.get(p.id, 0.0)
        if p.id in self.rule.excluded:
            why = self.rule.excluded[p.id] or "taken out of the count by the municipality"
            return self._lost(p, "excluded", f"out of the count: {why}", why=why)
        if p.withdrawn:
            return self._lost(p, "withdrawn", "withdrawn after the vote")
        if self.threshold is not None and s < self.threshold:
            why = f"below the threshold of {_fmt(self.threshold)} (scored {_fmt(s)})"
            return self._lost(p, "below_threshold", why, threshold=self.threshold, score=s)
        if s <= 0 and self.votes.get(p.id, 0) == 0:
            return self._lost(p, "no_votes", "nobody voted for it")
        return True

    def _lost(self, p: Project, code: str, reason: str, **detail: object) -> bool:
        self.results[p.id] = ProjectResult(p.id, False, "", reason, code=code, detail=detail)
        return False

    def _pass(
        self, candidates: Sequence[Project], money: Number, skip: bool, pass_no: int, stage: str, top_up: bool = False
    ) -> Number:
        """One pass down the list with `money`; what is left after it."""
        stopped: str | None = None
        tried_top_up = not (top_up and self.rule.top_up is not None)
        for p in candidates:
            if p.id in self.funded:
                continue
            winner = self._group_winner(p)
            if winner is not None:
                self._lost(p, "excluded_by", f"cannot be built together with {winner}, which ranks higher", by=winner)
                continue
            if stopped is not None:
                self._lost(p, "stopped", f"counting stopped at project {stopped} (no skipping)", at=stopped)
                continue
            cost = self.cost(p)
            if cost <= money:
                money -= cost
                self._fund(p, pass_no, stage, f"funded by score {_fmt(self.score.get(p.id, 0.0))}; {_fmt(money)} left")
                continue
            if not tried_top_up:
                tried_top_up = True
                assert self.rule.top_up is not None
                if money >= self.rule.top_up.fraction * cost:
                    share = money / cost if cost else 1.0
                    self.reserve_used += cost - money
                    why = (
                        f"did not fit with {_fmt(money)} left, which covers {share:.1%} of it (at least "
                        f"{self.rule.top_up.fraction:.0%}): the {self.rule.top_up.reserve} paid {_fmt(cost - money)}"
                    )
                    self._fund(p, TOP_UP_PASS, "top-up", why, left=money, share=share)
                    money = 0
                    if not skip:
                        stopped = p.id
                    continue
            self._lost(p, "did_not_fit", f"did not fit with {_fmt(money)} left", left=money, cost=cost)
            if not skip:
                stopped = p.id
        return money

    def _group_winner(self, p: Project) -> str | None:
        """The rival of an exclusion group that wins over `p`: funded already, or eligible and ranked higher."""
        mine = self.rank[p.id]
        return next((r for r in self.rivals.get(p.id, ()) if r in self.funded or self.rank.get(r, mine) < mine), None)

    def _fund(self, p: Project, pass_no: int, stage: str, reason: str, **detail: object) -> None:
        self.funded.add(p.id)
        self.picked.append(p.id)
        code = {MAIN_PASS: "funded", TOP_UP_PASS: "top_up", EXTRA_FUNDS_PASS: "extra_funds"}[pass_no]
        self.results[p.id] = ProjectResult(p.id, True, stage, reason, pass_no=pass_no, code=code, detail=detail)

    def _parts(self, eligible: Sequence[Project], parts: PartBudgets) -> Number:
        if sum(parts.budgets.values()) > self.total:
            raise ValueError("the part budgets add up to more than the budget")
        part_of = {p.id: _part(p, parts.column) for p in self.e.projects.values()}
        missing = sorted({part_of[p.id] for p in eligible} - set(parts.budgets))
        if missing:
            named = ", ".join(
                f"{part!r} ({', '.join(p.id for p in eligible if part_of[p.id] == part)})" for part in missing
            )
            raise ValueError(f"no budget for {parts.column} {named}")
        for part, amount in parts.budgets.items():
            mine = [p for p in eligible if part_of[p.id] == part]
            self._pass(mine, amount, parts.skip, MAIN_PASS, f"{self.stage}:{part}")
        spent = sum(self.cost(self.e.projects[pid]) for pid in self.funded)
        if parts.leftover == "greedy":
            self._pass(eligible, self.total - spent, True, MAIN_PASS, "leftover")
            spent = sum(self.cost(self.e.projects[pid]) for pid in self.funded)
        return self.total - spent


def _part(p: Project, column: str) -> str:
    if column == "category":
        return p.category[0] if p.category else ""
    if column == "district":
        return p.district or ""
    return p.fields.get(column, "")


def _rivals(election: Election, groups: Iterable[Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Every project's rivals: the others of each exclusion group it belongs to (configured, or named
    in the file's `exclusion_group` column)."""
    declared: dict[str, list[str]] = {}
    for p in election.projects.values():
        for label in filter(None, (x.strip() for x in p.fields.get(EXCLUSION_COLUMN, "").split(","))):
            declared.setdefault(label, []).append(p.id)
    rivals: dict[str, set[str]] = {}
    for group in [*groups, *declared.values()]:
        unknown = [pid for pid in group if pid not in election.projects]
        if unknown:
            raise ValueError(f"exclusion group names unknown project(s) {', '.join(unknown)}")
        for pid in group:
            rivals.setdefault(pid, set()).update(x for x in group if x != pid)
    return {pid: tuple(sorted(xs)) for pid, xs in rivals.items()}


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
