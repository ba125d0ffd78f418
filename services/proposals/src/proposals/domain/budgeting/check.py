"""Does a rule reproduce a published outcome? Compared pass by pass, as the `selected` column says.

`selected` = 1 is the main count; 2 is the top-up pass when the rule has one, otherwise an award
outside the count (Gdynia's turnout award, Katowice's unexplained 2s), which no count of the file can
give; 3 is the extra-funds pass, checkable only when the amount is supplied (the files do not give it).
A pass that cannot be checked is named in the verdict, never silently passed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from proposals.domain.budgeting.election import Election
from proposals.domain.budgeting.outcome import EXTRA_FUNDS_PASS, PASS_NAMES, TOP_UP_PASS, Outcome
from proposals.domain.budgeting.rules import RuleChoice

Status = Literal["reproduced", "differs", "cannot be checked"]


@dataclass(frozen=True)
class Verdict:
    source: str
    status: Status
    rule: str
    reason: str  # one sentence: what matched, or what differs, or why it cannot be checked
    only_by_rule: tuple[str, ...] = ()
    only_published: tuple[str, ...] = ()
    other_pass: tuple[tuple[str, int, int], ...] = ()  # (project, pass computed, pass published)
    unchecked: tuple[str, ...] = ()  # passes or projects left out of the comparison, with why
    irregularities: Mapping[str, int] = field(default_factory=dict)  # kind -> count

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check(
    election: Election,
    choice: RuleChoice | None = None,
    lot: Sequence[str] | None = None,
    source: str = "<pb>",
) -> Verdict:
    """Count `election` with `choice` (default: its META rule) and compare with its `selected` column."""
    irregular: dict[str, int] = {}
    for x in election.irregularities:
        irregular[x.kind] = irregular.get(x.kind, 0) + 1
    choice = choice or RuleChoice(election.meta.get("rule", ""))
    name = choice.canonical or "(none)"

    def cannot(reason: str) -> Verdict:
        return Verdict(source, "cannot be checked", name, reason, irregularities=irregular)

    if not any(p.selected is not None for p in election.projects.values()):
        return cannot("the file has no `selected` column: it publishes no outcome")
    try:
        outcome = choice.configure(election.meta)(election, lot)
    except ValueError as e:
        return cannot(str(e))
    return compare(election, outcome, choice, source, irregular)


def compare(
    election: Election, outcome: Outcome, choice: RuleChoice, source: str, irregular: Mapping[str, int]
) -> Verdict:
    has_top_up = bool(outcome.notes.get("reserve"))
    has_extra = bool(outcome.notes.get("extra_funds"))
    published: dict[str, int] = {}
    unchecked: list[str] = []
    outside = sorted(p.id for p in election.projects.values() if p.selected == TOP_UP_PASS and not has_top_up)
    later = sorted(p.id for p in election.projects.values() if p.selected == EXTRA_FUNDS_PASS and not has_extra)
    odd = sorted(p.id for p in election.projects.values() if (p.selected or 0) > EXTRA_FUNDS_PASS)
    if outside:
        unchecked.append(f"marked 2 without a top-up in the rule, so funded outside the count: {', '.join(outside)}")
    if later:
        unchecked.append(f"marked 3, funded from extra funds the file does not give: {', '.join(later)}")
    if odd:
        unchecked.append(f"marked with a pass this rule does not know: {', '.join(odd)}")
    skip = {*outside, *later, *odd}
    for p in election.projects.values():
        if p.selected and p.id not in skip:
            published[p.id] = int(p.selected)
    computed = {pid: n for pid, n in outcome.passes().items() if pid not in skip}
    only_rule = tuple(sorted(set(computed) - set(published)))
    only_pub = tuple(sorted(set(published) - set(computed)))
    other = tuple(
        sorted(
            (pid, computed[pid], published[pid])
            for pid in computed.keys() & published.keys()
            if computed[pid] != published[pid]
        )
    )
    passes = sorted({*published.values()})
    if not (only_rule or only_pub or other):
        named = ", ".join(f"{PASS_NAMES.get(n, n)} ({sum(v == n for v in published.values())})" for n in passes)
        reason = f"{outcome.rule} gives the published projects of every checked pass: {named or 'none funded'}"
        return Verdict(source, "reproduced", outcome.rule, reason, (), (), (), tuple(unchecked), irregular)
    parts = []
    if only_rule:
        parts.append(f"the rule also funds {', '.join(only_rule)}")
    if only_pub:
        parts.append(f"the city also funded {', '.join(only_pub)}")
    if other:
        parts.append("in another pass: " + ", ".join(f"{p} ({c} vs {s})" for p, c, s in other))
    reason = f"{outcome.rule}: " + "; ".join(parts)
    return Verdict(source, "differs", outcome.rule, reason, only_rule, only_pub, other, tuple(unchecked), irregular)
