"""Participation processes: what a municipality asks of residents, when, and how much say they get."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from proposals.domain.audit import ActedBy
from proposals.domain.ladder import Rung, require_rung

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{2,99}$")


class ProcessKind(StrEnum):
    CONSULTATION = "consultation"
    PROPOSALS_CALL = "proposals_call"
    BUDGET_ROUND = "budget_round"
    PANEL = "panel"
    CHALLENGE_WINDOW = "challenge_window"


class InvalidProcess(ValueError):
    pass


@dataclass(frozen=True)
class Phase:
    name: str
    starts_at: datetime
    ends_at: datetime
    rung_promised: str
    rung_realised: str | None = None


@dataclass(frozen=True)
class ProcessDefined:
    process_id: str
    municipality: str
    kind: ProcessKind
    title: str
    phases: tuple[Phase, ...]
    by: ActedBy | None = None


@dataclass(frozen=True)
class RungRealised:
    process_id: str
    municipality: str
    phase: str
    rung_promised: Rung
    rung_realised: Rung
    explanation: str
    by: ActedBy | None = None


ProcessEvent = ProcessDefined | RungRealised


@dataclass
class ParticipationProcess:
    id: str
    municipality: str
    title: str
    kind: ProcessKind
    phases: tuple[Phase, ...]
    support_threshold: int | None = None  # supporters that oblige the municipality to answer a proposal
    answer_days: int = 90  # the answer term once the threshold is reached
    districts: tuple[str, ...] = ()  # where a proposal may be about; none: the whole municipality only
    themes: tuple[str, ...] = ()  # what a proposal may be about; none: no themes to choose
    version: int = 1
    events: list[ProcessEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def define(
        cls,
        process_id: str,
        municipality: str,
        title: str,
        kind: ProcessKind,
        phases: tuple[Phase, ...],
        support_threshold: int | None = None,
        answer_days: int = 90,
        by: ActedBy | None = None,
        districts: tuple[str, ...] = (),
        themes: tuple[str, ...] = (),
    ) -> ParticipationProcess:
        if not SLUG.match(process_id):
            raise InvalidProcess("the process id is 3-100 lower-case letters, digits and dashes, e.g. mobility-2027")
        if not phases:
            raise InvalidProcess("a process has at least one phase")
        names = [p.name for p in phases]
        if len(set(names)) != len(names):
            raise InvalidProcess("phase names must be unique within a process")
        for phase in phases:
            require_rung(phase.rung_promised)
            if phase.ends_at <= phase.starts_at:
                raise InvalidProcess(f"phase {phase.name!r} must end after it starts")
        if support_threshold is not None and support_threshold < 1:
            raise InvalidProcess("a support threshold is at least 1")
        if answer_days < 1:
            raise InvalidProcess("the answer term is at least one day")
        for name, values in (("districts", districts), ("themes", themes)):
            if len(set(values)) != len(values) or any(not v.strip() for v in values):
                raise InvalidProcess(f"the process's {name} must be different, non-blank names")
        ordered = tuple(sorted(phases, key=lambda p: p.starts_at))
        process = cls(process_id, municipality, title, kind, ordered, support_threshold, answer_days, districts, themes)
        process.events.append(ProcessDefined(process_id, municipality, kind, title, ordered, by))
        return process

    def phase_at(self, moment: datetime) -> Phase | None:
        return next((p for p in self.phases if p.starts_at <= moment < p.ends_at), None)

    @property
    def year(self) -> int:
        return self.phases[0].starts_at.year

    def place(self, district: str | None, theme: str | None) -> None:
        """A proposal's district and theme must be among the ones this process offers."""
        for name, value, offered in (("district", district, self.districts), ("theme", theme, self.themes)):
            if value is not None and value not in offered:
                choices = ", ".join(offered) if offered else f"none: this process has no {name}s"
                raise InvalidProcess(f"unknown {name} {value!r}; the {name}s of this process are {choices}")

    def realise(self, phase_name: str, rung: str, explanation: str, by: ActedBy | None = None) -> None:
        """Record the rung a phase actually reached, with why it differs (or not) from the promise."""
        require_rung(rung)
        if not explanation.strip():
            raise InvalidProcess("say how the realised rung was judged")
        for i, phase in enumerate(self.phases):
            if phase.name == phase_name:
                self.phases = (*self.phases[:i], replace(phase, rung_realised=rung), *self.phases[i + 1 :])
                self.events.append(
                    RungRealised(
                        self.id,
                        self.municipality,
                        phase_name,
                        require_rung(phase.rung_promised),
                        require_rung(rung),
                        explanation.strip(),
                        by,
                    )
                )
                return
        raise InvalidProcess(f"the process has no phase {phase_name!r}")
