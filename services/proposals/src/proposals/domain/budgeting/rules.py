"""Rules by their Pabulib names, each one configuration of the greedy family or of Method of Equal
Shares, plus explicit parameters: a round's settings and `meemaken-pb --rule NAME --param key=value`
say the same things.

Every META `rule` value met in Pabulib has a configuration:

| name | configuration |
|---|---|
| `greedy` | skip what does not fit; cheapest first on ties |
| `greedy-no-skip` | stop at the first project that does not fit |
| `greedy-threshold` | `greedy` with META `min_project_score_threshold` (or `threshold`) |
| `greedy-custom` | Poznań: no skipping, 80 % top-up from the reserve, `extra_funds` if given |
| `greedy-exclusive` | Warsaw: `greedy` with `exclusive` groups (or the file's `exclusion_group` column) |
| `equalshares` | MES, no completion |
| `equalshares/add1` | MES with add1 (stop at the first exhaustive outcome) |
| `equalshares/add1+greedy` | ... then the utilitarian greedy completion |
| `equalshares/add1-comparison` | MES with add1, then the comparison with the greedy outcome |
| `equalshares/add1+greedy+comparison` | both |
| `unknown` | nothing can be recomputed until parameters say how the city counted |

Whatever the name, a META `min_project_score_threshold` applies to a greedy rule (Gdynia counts
`greedy-no-skip` with it), unless `threshold` says otherwise.

Greedy parameters: `skip` (bool), `tie_break` (`cost` or `order`), `threshold` (a score, or `none`),
`threshold_share` (share of voters), `top_up` (fraction), `reserve` (its name), `parts`
({`column`, `budgets`, `skip`, `leftover`}), `exclusive` (lists of project ids), `excluded`
({project: why} or a list), `counted_costs` ({cost: counted cost}), `paper_votes` ({project: votes
counted outside the file}), `extra_funds` (amount or list).
MES parameters: `add1` (bool), `stop` (`first_exhaustive` / `continue_while_fits`), `increment`,
`integral_start`, `completion` (`greedy` / `none`), `comparison` (`satisfaction`, `cost`, `exclusion`, `none`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

from proposals.domain.budgeting.election import Election, Number, as_number
from proposals.domain.budgeting.equal_shares import Add1, Comparison, EqualSharesParams, equal_shares
from proposals.domain.budgeting.greedy import GreedyRule, Leftover, PartBudgets, Threshold, TieBreak, TopUp, greedy
from proposals.domain.budgeting.outcome import Outcome

Rule = Callable[[Election, Sequence[str] | None], Outcome]

GREEDY_NAMES: dict[str, dict[str, Any]] = {
    "greedy": {},
    "greedy-no-skip": {"skip": False},
    "greedy-threshold": {},
    "greedy-custom": {"skip": False, "top_up": 0.8},
    "greedy-exclusive": {},
}
MES_NAMES: dict[str, dict[str, Any]] = {
    "equalshares": {"add1": False},
    "equalshares/add1": {},
    "equalshares/add1+greedy": {"completion": "greedy"},
    "equalshares/add1-comparison": {"comparison": "satisfaction"},
    "equalshares/add1+greedy+comparison": {"completion": "greedy", "comparison": "satisfaction"},
}
NEEDS_THRESHOLD = frozenset({"greedy-threshold"})
UNKNOWN = "unknown"
RULES = (*GREEDY_NAMES, *MES_NAMES)
ALIASES = {
    "greedy-noskip": "greedy-no-skip",
    "greedy-no_skip": "greedy-no-skip",
    "mes": "equalshares",
    "equal-shares": "equalshares",
    "equalshares-add1": "equalshares/add1",
    "mes/add1": "equalshares/add1",
    "equalshares/add1+comparison": "equalshares/add1-comparison",
}
GREEDY_KEYS = frozenset(
    {"skip", "tie_break", "threshold", "threshold_share", "top_up", "reserve", "parts", "exclusive", "excluded"}
    | {"counted_costs", "extra_funds", "paper_votes"}
)
MES_KEYS = frozenset({"add1", "stop", "increment", "integral_start", "completion", "comparison"})


class RuleError(ValueError):
    """A rule name or parameter that cannot be used; the message names it and what is accepted."""


@dataclass(frozen=True)
class RuleChoice:
    """A rule as a round or the command line asks for it: a name and explicit parameters."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def canonical(self) -> str:
        key = self.name.strip().lower()
        return ALIASES.get(key, key)

    def check(self) -> RuleChoice:
        """Raise `RuleError` unless the name is known, every parameter is understood and nothing is
        missing without a file's META (a greedy-threshold rule needs its threshold as a parameter)."""
        self.configure({})
        return self

    def configure(self, meta: Mapping[str, str]) -> Rule:
        name = self.canonical
        if not name:
            raise RuleError("no rule given and the file's META has no `rule`")
        if name in MES_NAMES:
            params = _mes(name, {**MES_NAMES[name], **self.params})
            return lambda e, lot: equal_shares(e, _with_lot(params, lot))
        if name in GREEDY_NAMES or (name == UNKNOWN and self.params):
            rule = _greedy(name, {**GREEDY_NAMES.get(name, {}), **self.params}, meta)
            return lambda e, lot: greedy(e, rule, lot=lot)
        if name == UNKNOWN:
            raise RuleError("the rule is 'unknown': say how the city counted (a rule name or parameters)")
        raise RuleError(f"unknown rule {self.name!r}; known: {', '.join(RULES)}")


def rule_named(name: str, params: Mapping[str, Any] | None = None, meta: Mapping[str, str] | None = None) -> Rule:
    return RuleChoice(name, params or {}).configure(meta or {})


def tally(
    election: Election,
    rule: str | None = None,
    lot: Sequence[str] | None = None,
    params: Mapping[str, Any] | None = None,
) -> Outcome:
    """Count the round with `rule` (default: the file's META `rule`) and `params`."""
    name = rule or election.meta.get("rule", "")
    if not name:
        raise RuleError("no rule given and the file's META has no `rule`")
    return RuleChoice(name, params or {}).configure(election.meta)(election, lot)


def _with_lot(params: EqualSharesParams, lot: Sequence[str] | None) -> EqualSharesParams:
    return replace(params, lot=lot)


def _unknown_keys(params: Mapping[str, Any], allowed: frozenset[str], family: str) -> None:
    extra = sorted(set(params) - allowed)
    if extra:
        raise RuleError(f"{family} rules take no parameter {', '.join(extra)}; they take {', '.join(sorted(allowed))}")


def _greedy(name: str, p: Mapping[str, Any], meta: Mapping[str, str]) -> GreedyRule:
    _unknown_keys(p, GREEDY_KEYS, "greedy")
    threshold = _threshold(p, meta)
    if name in NEEDS_THRESHOLD and threshold is None:
        raise RuleError(f"{name} needs a threshold: META min_project_score_threshold or the parameter threshold")
    top_up = None if p.get("top_up") is None or p.get("top_up") is False else TopUp(_fraction(p["top_up"], "top_up"))
    if "reserve" in p:
        if top_up is None:
            raise RuleError("reserve names where a top-up's money comes from: give top_up too")
        top_up = TopUp(top_up.fraction, str(p["reserve"]))
    skip = _bool(p.get("skip", True), "skip")
    parts = _parts(p["parts"], skip) if p.get("parts") else None
    if parts is not None and top_up is not None:
        raise RuleError("a top-up applies to the whole budget: it does not combine with part budgets")
    tie_break = str(p.get("tie_break", "cost"))
    if tie_break not in ("cost", "order"):
        raise RuleError("tie_break is 'cost' (cheapest first) or 'order' (the stated lot order)")
    return GreedyRule(
        name=name,
        skip=skip,
        tie_break=cast(TieBreak, tie_break),
        threshold=threshold,
        top_up=top_up,
        parts=parts,
        exclusive_groups=exclusive_groups(p.get("exclusive", ())),
        excluded=excluded_projects(p.get("excluded", {})),
        counted_costs=_costs(p.get("counted_costs", {})),
        paper_votes=_votes(p.get("paper_votes", {})),
        extra_funds=tuple(_amount(x, "extra_funds") for x in _listed(p.get("extra_funds", ()))),
    )


def _threshold(p: Mapping[str, Any], meta: Mapping[str, str]) -> Threshold | None:
    if "threshold_share" in p and "threshold" in p:
        raise RuleError("give threshold (a score) or threshold_share (a share of voters), not both")
    if "threshold_share" in p:
        return Threshold(share_of_voters=_fraction(p["threshold_share"], "threshold_share"))
    if "threshold" in p:
        value = p["threshold"]
        if value is None or value is False or value == "none":
            return None
        return Threshold(score=float(_amount(value, "threshold")))
    declared = meta.get("min_project_score_threshold", "").strip()
    return Threshold(score=float(_amount(declared, "META min_project_score_threshold"))) if declared else None


def _mes(name: str, p: Mapping[str, Any]) -> EqualSharesParams:
    _unknown_keys(p, MES_KEYS, "equal shares")
    add1 = None
    if _bool(p.get("add1", True), "add1"):
        stop = str(p.get("stop", "first_exhaustive"))
        if stop not in ("first_exhaustive", "continue_while_fits"):
            raise RuleError("stop is 'first_exhaustive' or 'continue_while_fits'")
        add1 = Add1(
            integral_start=_bool(p.get("integral_start", False), "integral_start"),
            increment=float(_amount(p.get("increment", 1), "increment")),
            stop=cast(Any, stop),
        )
    completion = str(p.get("completion", "none"))
    if completion not in ("none", "greedy"):
        raise RuleError("completion is 'greedy' or 'none'")
    comparison = p.get("comparison")
    if comparison in (None, "none"):
        comparison = None
    elif comparison not in ("satisfaction", "cost", "exclusion"):
        raise RuleError("comparison is 'satisfaction', 'cost', 'exclusion' or 'none'")
    return EqualSharesParams(
        add1=add1, greedy_completion=completion == "greedy", comparison=cast(Comparison | None, comparison)
    )


def _parts(value: Any, rule_skip: bool) -> PartBudgets:
    if not isinstance(value, Mapping) or not isinstance(value.get("budgets"), Mapping) or not value.get("column"):
        raise RuleError("parts is {column: a project column, budgets: {part: amount}, skip: bool, leftover}")
    leftover = str(value.get("leftover", "none"))
    if leftover not in ("none", "greedy"):
        raise RuleError("parts.leftover is 'none' (kept) or 'greedy' (spent across parts)")
    budgets = {str(k): _amount(v, f"the budget of part {k}") for k, v in value["budgets"].items()}
    skip = _bool(value.get("skip", rule_skip), "parts.skip")  # by default, as the rule counts
    return PartBudgets(str(value["column"]), budgets, skip, cast(Leftover, leftover))


def exclusive_groups(value: Any) -> tuple[tuple[str, ...], ...]:
    """Lists of project ids, or text: groups separated by `;`, their projects by `,` ("773,153;201,1932")."""
    listed = value.split(";") if isinstance(value, str) else _listed(value)
    groups = tuple(tuple(str(x) for x in _listed(g)) for g in listed if g)
    if any(len(g) < 2 for g in groups):
        raise RuleError("each exclusive group names at least two projects")
    return groups


def excluded_projects(value: Any) -> dict[str, str]:
    """The `excluded` parameter read as {project: why} (a list gives no reason)."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    return dict.fromkeys((str(x) for x in _listed(value)), "")


def _costs(value: Any) -> dict[Number, Number]:
    if not isinstance(value, Mapping):
        raise RuleError("counted_costs is {cost in the file: cost to count}")
    return {_amount(k, "counted_costs"): _amount(v, "counted_costs") for k, v in value.items()}


def _votes(value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise RuleError("paper_votes is {project: votes counted outside the file}")
    return {str(k): float(_amount(v, f"paper_votes of {k}")) for k, v in value.items()}


def _listed(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [x.strip() for x in value.split(",") if x.strip()]
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _amount(value: Any, what: str) -> Number:
    if isinstance(value, bool):
        raise RuleError(f"{what} is a number, not {value!r}")
    try:
        number = as_number(value)
    except (TypeError, ValueError):
        raise RuleError(f"{what} is a number, not {value!r}") from None
    if number < 0:
        raise RuleError(f"{what} cannot be negative")
    return number


def _fraction(value: Any, what: str) -> float:
    number = float(_amount(value, what))
    if not 0 < number <= 1:
        raise RuleError(f"{what} is a fraction between 0 and 1, e.g. 0.8")
    return number


def _bool(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
        return value.lower() in ("true", "yes")
    raise RuleError(f"{what} is true or false")
