"""Rules by their Pabulib names, so a file's META `rule` can be recomputed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from proposals.domain.budgeting.election import Election
from proposals.domain.budgeting.equal_shares import Add1, EqualSharesParams, equal_shares
from proposals.domain.budgeting.greedy import greedy, greedy_threshold
from proposals.domain.budgeting.outcome import Outcome

Rule = Callable[[Election, Sequence[str] | None], Outcome]

RULES: dict[str, Rule] = {
    "greedy": lambda e, lot: greedy(e, lot=lot),
    "greedy-no-skip": lambda e, lot: greedy(e, skip=False, lot=lot, rule="greedy-no-skip"),
    "greedy-threshold": lambda e, lot: greedy_threshold(e, lot=lot),
    # plain MES, no completion
    "equalshares": lambda e, lot: equal_shares(e, EqualSharesParams(add1=None, lot=lot)),
    # as Assen 2024 and Świecie 2023 published it: add1 from B/n in steps of 1, nothing after
    "equalshares/add1": lambda e, lot: equal_shares(e, EqualSharesParams(add1=Add1(), lot=lot)),
    "equalshares/add1+greedy": lambda e, lot: equal_shares(
        e, EqualSharesParams(add1=Add1(), greedy_completion=True, lot=lot)
    ),
    "equalshares/add1+greedy+comparison": lambda e, lot: equal_shares(
        e, EqualSharesParams(add1=Add1(), greedy_completion=True, comparison="satisfaction", lot=lot)
    ),
}
ALIASES = {
    "greedy-noskip": "greedy-no-skip",
    "greedy-no_skip": "greedy-no-skip",
    "mes": "equalshares",
    "equal-shares": "equalshares",
    "equalshares-add1": "equalshares/add1",
    "mes/add1": "equalshares/add1",
}


def rule_named(name: str) -> Rule:
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in RULES:
        raise ValueError(f"unknown rule {name!r}; known: {', '.join(RULES)}")
    return RULES[key]


def tally(election: Election, rule: str | None = None, lot: Sequence[str] | None = None) -> Outcome:
    """Count the round with `rule` (default: the file's META `rule`)."""
    name = rule or election.meta.get("rule", "")
    if not name:
        raise ValueError("no rule given and the file's META has no `rule`")
    return rule_named(name)(election, lot)
