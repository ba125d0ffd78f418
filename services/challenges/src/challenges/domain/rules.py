"""The rules a municipality publishes in advance: jurisdiction profiles and criteria sets.

They are data (``challenges/rules/*.json``), not code: a municipality adapts its own copy.
A profile carries the legal basis, the time limits (ISO-8601 durations), the closed or open
list of rejection grounds, the admissibility gates, who may represent a group and the criteria sets its
law allows (the first is the default); a criteria set carries its criteria with guidance for assessors and
says how they are judged: ``weighted`` (a score on a scale per criterion, weights and a pass mark, as a
Flemish or Dutch municipality publishes them) or ``considered`` (each consideration recorded in words, no
score: the Localism Act's procedure has none).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

AfterAcceptance = Literal["agreement", "procurement"]  # what follows an acceptance


@dataclass(frozen=True)
class Text:
    """A short text in the languages the municipality serves (nl, fr, en)."""

    nl: str
    en: str
    fr: str = ""

    def get(self, language: str) -> str:
        return getattr(self, language, "") or self.en

    @classmethod
    def of(cls, raw: dict[str, str]) -> Text:
        return cls(nl=raw.get("nl", raw["en"]), en=raw["en"], fr=raw.get("fr", ""))


@dataclass(frozen=True)
class RejectionGround:
    code: str
    label: Text
    legal_reference: str = ""


@dataclass(frozen=True)
class Gate:
    """A pass/fail admissibility condition; failing it refuses on `ground` (or declares out of scope)."""

    code: str
    label: Text
    ground: str
    automatic: bool
    outcome: str = "rejected"  # or "out_of_scope", or "repair" (the group may complete its submission)


@dataclass(frozen=True)
class Deadlines:
    """ISO-8601 durations, counted from the moment named in each field's comment."""

    acknowledgement: str  # from submission
    repair_period: str  # from the information request
    decision_term: str  # from submission, paused while information is awaited
    decision_extension: str  # the one extension the decision body may take, with a reason
    near_breach_before: str  # how long before a deadline the officials are warned
    modification_reply: str  # from the modification proposal
    objection_window: str  # from the decision notice
    review_period: str  # between periodic reviews during execution


@dataclass(frozen=True)
class RepresentativeRule:
    """Who may submit a challenge on a group's behalf, judged on the login's verified attributes.

    Of age, to commit the group to an agreement; and, where the regulation gives the right to the
    municipality's residents (Flanders, the Netherlands), living in the municipality. The UK's
    relevant bodies are represented by whoever they choose."""

    min_age: int = 18
    resident: bool = True

    def refusal(self, attributes: Mapping[str, Any]) -> str | None:
        """Why someone with these verified attributes may not represent a group (None: they may)."""
        age = attributes.get("age")
        if not isinstance(age, int) or isinstance(age, bool):
            return (
                "Your age is not known from your login; ask the municipality's desk to verify it, "
                "then open the challenge again."
            )
        if age < self.min_age:
            return (
                f"A group is represented by someone aged {self.min_age} or over, who can commit it to an "
                "agreement; ask an adult member of the group to open the challenge."
            )
        if self.resident:
            lives_here = attributes.get("resident")
            if not isinstance(lives_here, bool):
                return (
                    "Whether you live in the municipality is not known from your login; ask the "
                    "municipality's desk to verify your residence, then open the challenge again."
                )
            if not lives_here:
                return (
                    "Under this municipality's regulation a challenge is submitted by a resident of the "
                    "municipality, and your login says you live elsewhere; ask a member of the group who "
                    "lives here to open it."
                )
        return None


@dataclass(frozen=True)
class Profile:
    code: str
    name: Text
    jurisdiction: str
    legal_basis: str
    deadlines: Deadlines
    grounds: tuple[RejectionGround, ...]
    gates: tuple[Gate, ...]
    closed_list_of_grounds: bool
    after_acceptance: AfterAcceptance  # "agreement" or "procurement" (UK)
    criteria_sets: tuple[str, ...]  # the criteria sets this profile's law allows; the first is the default
    representative: RepresentativeRule = field(default_factory=RepresentativeRule)
    # what the law calls a challenge (the Localism Act: an expression of interest)
    submission_term: Text = field(default_factory=lambda: Text(nl="uitdaging", en="challenge", fr="défi"))
    language: str = "en"  # the case's language, the one its decision notice is published in (nl, fr, en)

    def ground(self, code: str) -> RejectionGround:
        for ground in self.grounds:
            if ground.code == code:
                return ground
        raise KeyError(f"{code!r} is not a rejection ground of profile {self.code}")

    def has_ground(self, code: str) -> bool:
        return any(g.code == code for g in self.grounds)


WEIGHTED, CONSIDERED = "weighted", "considered"


@dataclass(frozen=True)
class ScoredCriterion:
    """A criterion; under ``considered`` scoring it has no weight and no scale (both zero)."""

    code: str
    label: Text
    weight: float
    scale_min: int
    scale_max: int
    guidance: Text
    legal_reference: str = ""


@dataclass(frozen=True)
class CriteriaSet:
    code: str
    name: Text
    criteria: tuple[ScoredCriterion, ...]
    pass_mark: float | None  # weighted: the weighted average (0..1) needed to be proposed for acceptance
    scoring: str = WEIGHTED  # or CONSIDERED
    legal_basis: str = ""

    @property
    def weighted(self) -> bool:
        return self.scoring == WEIGHTED

    def criterion(self, code: str) -> ScoredCriterion:
        for criterion in self.criteria:
            if criterion.code == code:
                return criterion
        raise KeyError(f"{code!r} is not a criterion of set {self.code}")


def profile_from(raw: dict[str, Any]) -> Profile:
    if raw["after_acceptance"] not in get_args(AfterAcceptance):
        raise ValueError(f"profile {raw['code']}: after_acceptance is agreement or procurement")
    return Profile(
        code=raw["code"],
        name=Text.of(raw["name"]),
        jurisdiction=raw["jurisdiction"],
        legal_basis=raw["legal_basis"],
        deadlines=Deadlines(**raw["deadlines"]),
        grounds=tuple(
            RejectionGround(g["code"], Text.of(g["label"]), g.get("legal_reference", "")) for g in raw["grounds"]
        ),
        gates=tuple(
            Gate(g["code"], Text.of(g["label"]), g["ground"], g["automatic"], g.get("outcome", "rejected"))
            for g in raw["gates"]
        ),
        closed_list_of_grounds=raw["closed_list_of_grounds"],
        after_acceptance=raw["after_acceptance"],
        criteria_sets=tuple(raw["criteria_sets"]),
        representative=RepresentativeRule(**raw.get("representative", {})),
        **({"submission_term": Text.of(raw["submission_term"])} if "submission_term" in raw else {}),
        language=raw.get("language", "en"),
    )


def criteria_set_from(raw: dict[str, Any]) -> CriteriaSet:
    scoring = raw.get("scoring", WEIGHTED)
    if scoring not in (WEIGHTED, CONSIDERED):
        raise ValueError(f"criteria set {raw['code']}: scoring is weighted or considered, not {scoring}")
    weighted = scoring == WEIGHTED
    if weighted != (raw.get("pass_mark") is not None) or any(("weight" in c) != weighted for c in raw["criteria"]):
        raise ValueError(
            f"criteria set {raw['code']}: weights and a pass mark go with weighted scoring, and only with it"
        )
    return CriteriaSet(
        code=raw["code"],
        name=Text.of(raw["name"]),
        criteria=tuple(
            ScoredCriterion(
                c["code"],
                Text.of(c["label"]),
                float(c.get("weight", 0)),
                int(c.get("scale", (0, 0))[0]),
                int(c.get("scale", (0, 0))[1]),
                Text.of(c["guidance"]),
                c.get("legal_reference", ""),
            )
            for c in raw["criteria"]
        ),
        pass_mark=float(raw["pass_mark"]) if weighted else None,
        scoring=scoring,
        legal_basis=raw.get("legal_basis", ""),
    )
