"""A participatory budget round: ideas, feasibility, voting, results and implementation tracking."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from proposals.domain.admissibility import PERSONAL_DATA
from proposals.domain.audit import ActedBy
from proposals.domain.ballots import BallotForm, BallotKind, Eligibility

# `exclusive_groups` and `excluded_projects` read those parameters exactly as the count will (lists or
# text): the projects they name are checked against the ballot when voting opens.
from proposals.domain.budgeting.rules import (
    GREEDY_NAMES,
    UNKNOWN,
    RuleChoice,
    RuleError,
    excluded_projects,
    exclusive_groups,
)
from proposals.domain.events import (
    Closed,
    FeasibilityStarted,
    Funded,
    Opened,
    ProjectAdded,
    ProjectAssessed,
    ProjectTracked,
    ResultsPublished,
    RoundIds,
    VotingOpened,
    signed,
)


class Phase(StrEnum):
    IDEAS = "ideas"
    FEASIBILITY = "feasibility"
    VOTING = "voting"
    CLOSED = "closed"  # no more ballots; the tally runs
    RESULTS = "results"
    IMPLEMENTATION = "implementation"


class Feasibility(StrEnum):
    PENDING = "pending"
    FEASIBLE = "feasible"
    NOT_FEASIBLE = "not_feasible"


class Stage(StrEnum):
    """Where a funded project stands, for the accountability page."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class WrongPhase(Exception):
    """The round is not in the phase that allows this."""


class InvalidRound(ValueError):
    """What came with the step does not fit the round."""


# Rule parameters that say what a round says otherwise, so a round does not take them.
NOT_FOR_ROUNDS = {
    "parts": "its parts are its district and theme budgets",
    "paper_votes": "its paper ballots are entered one by one, each by a case officer",
}

THEME = "theme:"  # a part of the budget for a theme is named "theme:<theme>"; every voter may choose in it


def part_name(district: str | None, theme: str | None) -> str | None:
    """The part of the budget a project draws on: its district's, its theme's, or the city-wide rest (None)."""
    return district if district else (THEME + theme if theme else None)


@dataclass(frozen=True)
class BudgetProject:
    id: str  # short and public, as on the ballot paper and in the Pabulib export: "p1", "p2", ...
    title: str
    district: str | None
    cost: int  # cents; the residents' estimate until officials set theirs
    proposal_id: UUID | None = None
    feasibility: Feasibility = Feasibility.PENDING
    legal_check: str = ""
    reason: str = ""
    jury_score: float | None = None
    stage: Stage | None = None
    stage_note: str = ""
    theme: str | None = None  # a project draws on its district's budget, a theme's, or the city-wide rest
    description: str = ""  # what it is, for whom, where: public, as on the ballot

    @property
    def part(self) -> str | None:
        return part_name(self.district, self.theme)


@dataclass(frozen=True)
class Results:
    rule: str
    selected: tuple[str, ...]
    explanation: tuple[Mapping[str, object], ...]
    voters: int
    paper_ballots: int
    spent: int


@dataclass(frozen=True)
class RoundEvent:
    """Every step of a round, named; `data` is the event's data (``proposals.domain.events``): what the step
    is about (never who voted what) and, for an official's step, the official as ``actor`` for the audit."""

    name: str
    round_id: UUID
    process_id: str
    data: RoundIds


@dataclass
class BudgetRound:
    id: UUID
    process_id: str
    title: str
    budget: int  # cents
    district_budgets: Mapping[str, int]  # the rest of `budget` (after the themes') is city-wide
    form: BallotForm
    eligibility: Eligibility
    rule: str
    jury_weight: float | None = None  # hybrid: the jury's share (Ghent: 0.3), None for the public vote alone
    theme_budgets: Mapping[str, int] = field(default_factory=dict)
    # the rule's explicit parameters, as `meemaken-pb --param` takes them (see budgeting/rules.py)
    rule_parameters: Mapping[str, Any] = field(default_factory=dict)
    phase: Phase = Phase.IDEAS
    projects: tuple[BudgetProject, ...] = ()
    lot_order: tuple[str, ...] = ()  # published when voting opens; breaks the last ties
    closed_at: datetime | None = None
    results: Results | None = None
    version: int = 1
    events: list[RoundEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def open(
        cls,
        round_id: UUID,
        process_id: str,
        title: str,
        budget: int,
        district_budgets: Mapping[str, int],
        form: BallotForm,
        eligibility: Eligibility,
        rule: str,
        jury_weight: float | None = None,
        theme_budgets: Mapping[str, int] | None = None,
        rule_parameters: Mapping[str, Any] | None = None,
        by: ActedBy | None = None,
    ) -> BudgetRound:
        """A round in its ideas phase. `rule` is a winner rule by its Pabulib name (or an alias) and
        `rule_parameters` its explicit parameters; the projects they name (`exclusive`, `excluded`) are
        checked against the ballot when voting opens, as the ids exist only then."""
        themes = dict(theme_budgets or {})
        if budget < 1:
            raise InvalidRound("the budget is a positive amount in cents")
        parts = [*district_budgets.values(), *themes.values()]
        if any(v < 1 for v in parts) or sum(parts) > budget:
            raise InvalidRound("district and theme budgets are positive and together at most the total budget")
        if any(d.startswith(THEME) for d in district_budgets):
            raise InvalidRound(f"a district's name does not start with {THEME!r}")
        params = _json_object(rule_parameters)
        choice = RuleChoice(rule, params)
        try:
            choice.check()
        except RuleError as exc:
            raise InvalidRound(str(exc)) from None
        greedy_rule = choice.canonical in GREEDY_NAMES or choice.canonical == UNKNOWN  # unknown + parameters
        if jury_weight is not None and not 0 < jury_weight < 1:
            raise InvalidRound("the jury's weight lies strictly between 0 and 1")
        if jury_weight is not None and not greedy_rule:
            raise InvalidRound("a jury weighting combines with a greedy rule only")
        if jury_weight is not None and params:
            raise InvalidRound("a jury-weighted round is counted by greedy on the combined scores: no rule parameters")
        if form.kind is BallotKind.RANKING and not greedy_rule:
            raise InvalidRound("ranking ballots are counted with a greedy rule (Borda points)")
        refused = sorted(NOT_FOR_ROUNDS.keys() & params.keys())
        if refused:
            raise InvalidRound(f"a round takes no parameter {refused[0]}: {NOT_FOR_ROUNDS[refused[0]]}")
        r = cls(round_id, process_id, title, budget, dict(district_budgets), form, eligibility, rule, jury_weight)
        r.theme_budgets = themes
        if "extra_funds" in params and len(r.budgets) > 1:
            raise InvalidRound("extra_funds applies to a round without district or theme budgets (one part)")
        r.rule_parameters = params
        opened = Opened(
            **r._ids(),
            budget=budget,
            district_budgets=dict(district_budgets),
            theme_budgets=dict(themes),
            rule=rule,
            rule_parameters=params,
            ballot=form.kind,
        )
        r._note("opened", signed(opened, by))
        return r

    @property
    def budgets(self) -> dict[str | None, int]:
        """Money per part of the round: each district's, each theme's, and what is left city-wide (None)."""
        parts: dict[str | None, int] = {d: b for d, b in self.district_budgets.items()}
        parts |= {THEME + t: b for t, b in self.theme_budgets.items()}
        citywide = self.budget - sum(self.district_budgets.values()) - sum(self.theme_budgets.values())
        if citywide > 0:
            parts[None] = citywide
        return parts

    def project(self, project_id: str) -> BudgetProject:
        for p in self.projects:
            if p.id == project_id:
                return p
        raise InvalidRound(f"the round has no project {project_id!r}")

    @property
    def on_ballot(self) -> tuple[BudgetProject, ...]:
        return tuple(p for p in self.projects if p.feasibility is Feasibility.FEASIBLE)

    def rule_parameters_for(self, projects: Collection[str]) -> dict[str, Any]:
        """The rule's parameters for counting one part of the budget, whose projects are `projects`: the
        exclusion groups of the other parts left out (each group lies within one part, see `open_voting`)."""
        params = dict(self.rule_parameters)
        if "exclusive" in params:
            ids = set(projects)
            params["exclusive"] = [list(g) for g in exclusive_groups(params["exclusive"]) if set(g) <= ids]
        return params

    def add_project(
        self,
        title: str,
        district: str | None,
        cost: int,
        proposal_id: UUID | None = None,
        theme: str | None = None,
        by: ActedBy | None = None,
        description: str = "",
    ) -> str:
        self._require(Phase.IDEAS, "add a project")
        if PERSONAL_DATA.search(description):
            raise InvalidRound("a project's description is public: remove e-mail addresses, phone or identity numbers")
        if district and theme:
            raise InvalidRound("a project draws on its district's budget or on a theme's, not both")
        if not title.strip():
            raise InvalidRound("a project has a title")
        if cost < 1:
            raise InvalidRound("a project's cost is a positive amount in cents")
        if part_name(district, theme) not in self.budgets:
            what = f"district {district!r}" if district else (f"theme {theme!r}" if theme else "the city as a whole")
            raise InvalidRound(f"the round has no budget for {what}")
        project = BudgetProject(
            f"p{len(self.projects) + 1}",
            title.strip(),
            district,
            cost,
            proposal_id,
            theme=theme,
            description=description.strip(),
        )
        self.projects = (*self.projects, project)
        added = ProjectAdded(
            **self._ids(), project_id=project.id, title=project.title, district=district, theme=theme, cost=cost
        )
        self._note("project_added", signed(added, by))
        return project.id

    def start_feasibility(self, by: ActedBy | None = None) -> None:
        self._move(Phase.IDEAS, Phase.FEASIBILITY, "feasibility_started", signed(FeasibilityStarted(**self._ids()), by))

    def assess(
        self,
        project_id: str,
        feasible: bool,
        cost: int,
        legal_check: str,
        reason: str,
        jury_score: float | None,
        by: ActedBy | None = None,
    ) -> None:
        """Officials' feasibility check: their cost estimate, the legal check and, if not feasible, why."""
        self._require(Phase.FEASIBILITY, "assess a project")
        if cost < 1:
            raise InvalidRound("the cost estimate is a positive amount in cents")
        if not legal_check.strip():
            raise InvalidRound("say what the legal check found")
        if not feasible and not reason.strip():
            raise InvalidRound("a project found not feasible needs the reason")
        if self.jury_weight is not None and feasible and jury_score is None:
            raise InvalidRound("this round weighs a jury: give the project's jury score")
        p = self.project(project_id)
        verdict = Feasibility.FEASIBLE if feasible else Feasibility.NOT_FEASIBLE
        if feasible and cost > self.budgets[p.part]:
            raise InvalidRound(f"at {cost} the project costs more than its part of the budget")
        changed = replace(
            p,
            feasibility=verdict,
            cost=cost,
            legal_check=legal_check.strip(),
            reason=reason.strip(),
            jury_score=jury_score,
        )
        self.projects = tuple(changed if x.id == project_id else x for x in self.projects)
        assessed = ProjectAssessed(
            **self._ids(),
            project_id=project_id,
            feasibility="feasible" if feasible else "not_feasible",
            cost=cost,
            reason=reason.strip(),
        )
        self._note("project_assessed", signed(assessed, by))

    def open_voting(self, lot_order: Sequence[str], by: ActedBy | None = None) -> None:
        """Voting opens with the projects found feasible and the published lot order for last ties."""
        self._require(Phase.FEASIBILITY, "open voting")
        pending = [p.id for p in self.projects if p.feasibility is Feasibility.PENDING]
        if pending:
            raise InvalidRound(f"assess every project first: {', '.join(pending)}")
        if not self.on_ballot:
            raise InvalidRound("no project was found feasible: there is nothing to vote on")
        ids = [p.id for p in self.on_ballot]
        if sorted(lot_order) != sorted(ids):
            raise InvalidRound("the lot order lists exactly the projects on the ballot")
        self._check_named_projects()
        self.lot_order = tuple(lot_order)
        opened = VotingOpened(**self._ids(), projects=ids, lot_order=list(self.lot_order))
        self._move(Phase.FEASIBILITY, Phase.VOTING, "voting_opened", signed(opened, by))

    def close(self, now: datetime, by: ActedBy | None = None) -> None:
        self.closed_at = now
        self._move(Phase.VOTING, Phase.CLOSED, "closed", signed(Closed(**self._ids(), closed_at=now.isoformat()), by))

    def record_results(self, results: Results) -> None:
        self._require(Phase.CLOSED, "record results")
        self.results = results
        titles = {p.id: p.title for p in self.projects}
        published = ResultsPublished(
            **self._ids(),
            rule=results.rule,
            selected=[Funded(project_id=pid, title=titles[pid]) for pid in results.selected],
            voters=results.voters,
            paper_ballots=results.paper_ballots,
            spent=results.spent,
        )
        self._move(Phase.CLOSED, Phase.RESULTS, "results_published", published)

    def track(self, project_id: str, stage: Stage, note: str, by: ActedBy | None = None) -> None:
        """Implementation tracking of a funded project; the first report starts the implementation phase."""
        if self.phase not in (Phase.RESULTS, Phase.IMPLEMENTATION):
            raise WrongPhase(f"projects are tracked after the results, the round is in {self.phase.value}")
        if self.results is None or project_id not in self.results.selected:
            raise InvalidRound(f"project {project_id!r} was not funded")
        if not note.strip():
            raise InvalidRound("say what was done")
        p = self.project(project_id)
        self.projects = tuple(
            replace(p, stage=stage, stage_note=note.strip()) if x.id == project_id else x for x in self.projects
        )
        if self.phase is Phase.RESULTS:
            self.phase = Phase.IMPLEMENTATION
        tracked = ProjectTracked(**self._ids(), project_id=project_id, stage=stage.value, note=note.strip())
        self._note("project_tracked", signed(tracked, by))

    def _check_named_projects(self) -> None:
        """The projects the rule's parameters name are on the ballot, and each exclusion group lies within
        one part of the budget (the parts are counted apart): refused now rather than when the count runs."""
        part = {p.id: p.part for p in self.on_ballot}
        groups = exclusive_groups(self.rule_parameters.get("exclusive", ()))
        named = {
            "exclusive": [pid for g in groups for pid in g],
            "excluded": list(excluded_projects(self.rule_parameters.get("excluded", {}))),
        }
        for parameter, ids in named.items():
            missing = [pid for pid in dict.fromkeys(ids) if pid not in part]
            if missing:
                raise InvalidRound(
                    f"the rule parameter {parameter} names {', '.join(missing)}, not on the ballot "
                    f"(on the ballot: {', '.join(part)})"
                )
        for g in groups:
            if len({part[pid] for pid in g}) > 1:
                raise InvalidRound(
                    f"the exclusion group {', '.join(g)} spans parts of the budget, which are counted apart"
                )

    def _require(self, phase: Phase, action: str) -> None:
        if self.phase is not phase:
            raise WrongPhase(f"cannot {action}: the round is in the {self.phase.value} phase, not {phase.value}")

    def _move(self, src: Phase, dst: Phase, event: str, data: RoundIds) -> None:
        self._require(src, f"move to {dst.value}")
        self.phase = dst
        self._note(event, data)

    def _ids(self) -> RoundIds:
        return RoundIds(round_id=str(self.id), process_id=self.process_id)

    def _note(self, name: str, data: RoundIds) -> None:
        self.events.append(RoundEvent(name, self.id, self.process_id, data))


def _json_object(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The parameters as they are stored and published: a JSON object."""
    try:
        value = json.loads(json.dumps(dict(params or {}), allow_nan=False))
    except (TypeError, ValueError):
        raise InvalidRound(
            "the rule parameters are JSON values: numbers, text, true/false, lists and objects"
        ) from None
    return dict(value)
