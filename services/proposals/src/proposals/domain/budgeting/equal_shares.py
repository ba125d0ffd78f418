"""The Method of Equal Shares (Peters, Pierczyński, Skowron, NeurIPS 2021; equalshares.net).

Every voter starts with an equal share of the budget and may spend it only on projects they voted
for. Repeatedly, among the projects whose supporters can still afford them, the one with the lowest
price rho per unit of utility is bought: supporter i pays min(remaining_i, rho * u_i). Utilities are
the project's cost for approval ballots ("cost utilities": every supporter values it at what it
costs) and the points given for cumulative/scoring ballots. Ties: lowest cost, most votes, lot order.

Completions, as used by the cities:
* add1: raise the per-voter share step by step (`Add1.increment`, from B/n or floor(B/n)) and re-run;
  `stop="first_exhaustive"` stops at an exhaustive outcome or when the next no longer fits (the
  equalshares.net procedure); `stop="continue_while_fits"` keeps raising while the next still
  fits and takes the last one that fits.
* then greedy by votes on what money is left, skipping what does not fit;
* optionally the comparison step (Wieliczka, Świecie): each voter compares the outcome with the plain
  greedy one; if strictly more voters prefer greedy than prefer equal shares, greedy is taken.

The count runs on the multiprofile (each distinct ballot once, weighted) with numpy, and is lazy: a
project's rho never falls during a run, so projects are re-priced in order of their last rho and the
search stops as soon as no cheaper one can remain. Each add1 count first prices the project that won
the same round of the previous count (most rounds are won by the same project at the next share), so
that its rivals need only a bound against it; the guess is checked like any other project.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from proposals.domain.budgeting.election import APPROVAL, CHOOSE_1, POINT_TYPES, Election, Multiprofile
from proposals.domain.budgeting.greedy import greedy
from proposals.domain.budgeting.outcome import Outcome, ProjectResult, tie_order

EQUAL_SHARES, EQUAL_SHARES_ADD1 = "equalshares", "equalshares/add1"
_TIE = 1e-10  # relative: rhos closer than this are tied (float noise, not a real difference)
_AFFORD = 1e-9  # relative slack when checking that supporters' money covers a cost
_SURE = 1e-12  # relative margin of a test that a price is above a bound (float noise, not a difference)

Comparison = Literal["satisfaction", "cost", "exclusion"]


@dataclass(frozen=True)
class Add1:
    """The declared, pinned parameters of the add1 completion."""

    integral_start: bool = False  # start from floor(B/n) per voter instead of exactly B/n
    increment: float = 1.0  # per voter, per step (one currency unit)
    stop: Literal["first_exhaustive", "continue_while_fits"] = "first_exhaustive"
    max_steps: int = 1_000_000


@dataclass(frozen=True)
class EqualSharesParams:
    add1: Add1 | None = field(default_factory=Add1)  # None: plain MES
    greedy_completion: bool = False
    comparison: Comparison | None = None
    lot: Sequence[str] | None = None
    deduplicate: bool = True  # count over distinct ballots; False: one group per voter (same result, slower)


@dataclass
class _Run:
    share: float
    chosen: list[int]
    rho: dict[int, float]
    paid_total: dict[int, float]
    paid_max: dict[int, float]
    last_rho: npt.NDArray[np.float64]  # last finite rho seen per project (lower bound), inf if never affordable
    money_left: npt.NDArray[np.float64]  # supporters' money at the end, per project
    cost: float


class _Count:
    """The election in arrays, ready for repeated fixed-budget runs."""

    def __init__(self, election: Election, lot: Sequence[str] | None, deduplicate: bool = True) -> None:
        mp = (
            election.multiprofile
            if deduplicate
            else Multiprofile.from_ballots(election.lot_order, election.ballots, election.vote_type, deduplicate=False)
        )
        self.election = election
        self.ids = mp.project_ids
        self.weights = mp.weights
        self.n = float(mp.weights.sum())
        self.costs = np.array([float(election.projects[pid].cost) for pid in self.ids])
        if election.vote_type in POINT_TYPES:
            utils = [pts.astype(np.float64) for pts in mp.points]
        elif election.vote_type in (APPROVAL, CHOOSE_1):
            utils = [np.full(len(s), self.costs[j]) for j, s in enumerate(mp.supporters)]
        else:
            raise ValueError(f"equal shares is not defined here for {election.vote_type} ballots")
        keep = [u > 0 for u in utils]
        self.sup = [s[k] for s, k in zip(mp.supporters, keep, strict=True)]
        self.u = [u[k] for u, k in zip(utils, keep, strict=True)]
        self.w = [self.weights[s] for s in self.sup]
        self.wu = [w * u for w, u in zip(self.w, self.u, strict=True)]
        self.wu_total = np.array([float(x.sum()) for x in self.wu])
        with np.errstate(divide="ignore", invalid="ignore"):
            self.rho0 = self.costs / self.wu_total  # the price while nobody runs out
        self.u_max = np.array([float(x.max(initial=0.0)) for x in self.u])
        self.weight = np.array([float(x.sum()) for x in self.w])  # voters per project
        ties = tie_order(election, lot)
        self.rank = np.array([ties[pid] for pid in self.ids], dtype=np.int64)
        self.candidates = [j for j in range(len(self.ids)) if len(self.sup[j]) > 0]

    def _price(self, j: int, budgets: npt.NDArray[np.float64]) -> float:
        """Smallest rho with sum_i w_i min(b_i, rho u_i) = cost, or inf if the supporters cannot pay."""
        cost = self.costs[j]
        if cost <= 0:
            return 0.0
        b = budgets[self.sup[j]]
        ratio = b / self.u[j]
        rho = self.rho0[j]
        if ratio.min() >= rho:  # nobody runs out: everyone pays rho0 * u_i
            return float(rho)
        wb = self.w[j] * b
        if wb.sum() < cost * (1 - _AFFORD):
            return math.inf
        # The supporters who cannot pay rho * u_i pay all they have; the others share the rest. Start from
        # rho0 and raise rho as more supporters run out (Newton's method on the concave, piecewise linear
        # sum), until no more do: a few masked sums instead of sorting the supporters. Those who run out
        # only ever grow in number, so counting them tells whether any more did.
        wu = self.wu[j]
        out = ratio < rho
        running_out = int(np.count_nonzero(out))
        while True:
            rest = float(wu[~out].sum())
            if rest <= 0:  # everyone pays all they have, which covers the cost (within _AFFORD, checked above)
                return float(ratio.max())
            rho = (cost - float(wb[out].sum())) / rest
            out |= ratio < rho / (1 + 1e-12)
            now = int(np.count_nonzero(out))
            if now == running_out:
                return float(max(rho, 0.0))
            running_out = now

    def _above(self, j: int, budgets: npt.NDArray[np.float64], bound: float) -> float | None:
        """A lower bound on project j's price above `bound` if there surely is one, else `bound` (None: its
        supporters cannot pay at all). What they would pay at rho = bound falls short of the cost: then one
        Newton step from there (the sum is concave in rho) bounds the price from below."""
        cost = self.costs[j]
        wb = self.w[j] * budgets[self.sup[j]]
        if wb.sum() < cost * (1 - _AFFORD):
            return None
        wu = self.wu[j]
        at = bound * wu
        short = cost - float(np.minimum(wb, at).sum())
        slope = float(wu[wb > at].sum())  # of those who would still have money left at rho = bound
        if short <= cost * _SURE or slope <= 0:
            return bound
        return max(bound, (bound + short / slope) * (1 - _SURE))  # a little below: float noise stays below

    def _first_prices(self, share: float) -> dict[int, float]:
        """Every candidate's price while each voter still has `share`: rho0 when the supporter with the
        largest utility can pay it (so all can), inf when all of them together cannot pay the cost (by a clear
        margin, else priced), the others priced one by one."""
        cand = np.asarray(self.candidates, dtype=np.int64)
        free = self.costs[cand] <= 0
        easy = cand[(share / self.u_max[cand] >= self.rho0[cand]) & ~free]
        poor = cand[share * self.weight[cand] < self.costs[cand] * (1 - _AFFORD) * (1 - _SURE)]
        prices = dict.fromkeys(poor.tolist(), math.inf)
        prices |= dict.fromkeys(cand[free].tolist(), 0.0)
        prices |= dict(zip(easy.tolist(), self.rho0[easy].tolist(), strict=True))
        budgets = np.full(len(self.weights), share)
        for j in self.candidates:
            if j not in prices:
                prices[j] = self._price(j, budgets)
        return prices

    def run(self, share: float, *, with_details: bool = False, hint: Sequence[int] = ()) -> _Run:
        """One count with `share` per voter. Only the winner of a round needs its exact price: a rival is
        first tested against the best so far (the exact price then only when it might win), except in the
        detailed run, whose last prices explain the projects left out. `hint`: a guess of each round's
        winner (the previous add1 count's), priced first so that the others are only tested against it;
        a guess is never trusted, so a wrong one costs an exact price and changes nothing."""
        budgets = np.full(len(self.weights), share)
        m = len(self.ids)
        last = np.zeros(m)
        alive = np.zeros(m, dtype=bool)
        alive[self.candidates] = True
        known = self._first_prices(share)
        chosen: list[int] = []
        rho_at: dict[int, float] = {}
        paid_total: dict[int, float] = {}
        paid_max: dict[int, float] = {}
        spent = 0.0
        while alive.any():
            cand = np.flatnonzero(alive)
            order = cand[np.lexsort((self.rank[cand], last[cand]))].tolist()
            if not with_details and len(chosen) < len(hint) and alive[guess := hint[len(chosen)]]:
                order.remove(guess)
                order.insert(0, guess)
            best, best_rho = -1, math.inf
            for j in order:
                if last[j] > best_rho * (1 + _TIE):
                    break
                if j in known:
                    rho = known.pop(j)
                elif best >= 0 and not with_details:
                    bound = self._above(j, budgets, best_rho * (1 + _TIE))
                    if bound is None:
                        alive[j] = False
                        continue
                    if bound > best_rho * (1 + _TIE):
                        last[j] = bound  # a lower bound: the price is above it, so j cannot win this round
                        continue
                    rho = self._price(j, budgets)
                else:
                    rho = self._price(j, budgets)
                if rho == math.inf:
                    alive[j] = False
                    continue
                last[j] = rho
                if (
                    best < 0
                    or rho < best_rho * (1 - _TIE)
                    or (rho <= best_rho * (1 + _TIE) and self.rank[j] < self.rank[best])
                ):
                    best, best_rho = j, rho
            known.clear()
            if best < 0:
                break
            alive[best] = False
            idx = self.sup[best]
            b = budgets[idx]
            pay = np.minimum(b, best_rho * self.u[best])
            budgets[idx] = np.maximum(b - pay, 0.0)
            chosen.append(best)
            rho_at[best] = best_rho
            spent += self.costs[best]
            if with_details:
                paid_total[best] = float((self.w[best] * pay).sum())
                paid_max[best] = float(pay.max())
        money_left = np.zeros(m)
        if with_details:
            for j in self.candidates:
                money_left[j] = float((self.w[j] * budgets[self.sup[j]]).sum())
        return _Run(share, chosen, rho_at, paid_total, paid_max, last, money_left, spent)


def _exhaustive(count: _Count, chosen: Sequence[int], budget: float) -> bool:
    """No project that someone voted for still fits (a project nobody voted for can never be bought by
    equal shares, so it does not keep add1 raising the voters' budgets; as pabutools decides)."""
    left = budget - float(sum(count.costs[j] for j in chosen))
    taken = set(chosen)
    return not any(count.costs[j] <= left for j in count.candidates if j not in taken)


def _fmt(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".") if not float(x).is_integer() else f"{x:,.0f}"


def equal_shares(election: Election, params: EqualSharesParams | None = None) -> Outcome:
    """The Method of Equal Shares with the completions in `params` (default: add1, then greedy)."""
    p = params or EqualSharesParams()
    count = _Count(election, p.lot, p.deduplicate)
    budget = float(election.budget)
    n = max(count.n, 1.0)
    share = budget / n
    if p.add1 is not None and p.add1.integral_start:
        share = math.floor(share)
    current = count.run(share)
    steps = 0
    if p.add1 is not None:
        ceiling = float(count.costs.sum()) + p.add1.increment  # beyond this every voter alone buys all they want
        while steps < p.add1.max_steps and current.share <= ceiling:
            if p.add1.stop == "first_exhaustive" and _exhaustive(count, current.chosen, budget):
                break
            nxt = count.run(current.share + p.add1.increment, hint=current.chosen)
            if nxt.cost > budget:
                break
            current, steps = nxt, steps + 1
    final = count.run(current.share, with_details=True)
    rule = EQUAL_SHARES_ADD1 if p.add1 is not None else EQUAL_SHARES
    results: dict[str, ProjectResult] = {}
    last_rho = max(final.rho.values(), default=0.0)
    for j, pid in enumerate(count.ids):
        if j in final.rho:
            n_sup = float(count.w[j].sum())
            results[pid] = ProjectResult(
                pid,
                True,
                "equal-shares",
                f"bought at rho={final.rho[j]:.6g}: its {n_sup:,.0f} supporters paid {_fmt(final.paid_total[j])}",
                final.paid_total[j],
                final.paid_max[j],
                final.paid_total[j] / n_sup if n_sup else None,
                final.rho[j],
                code="equal_shares",
                detail={"supporters": float(n_sup), "paid": float(final.paid_total[j])},
            )
        elif len(count.sup[j]) == 0:
            results[pid] = ProjectResult(pid, False, "", "nobody voted for it", code="no_votes")
        else:
            seen = final.last_rho[j]
            at = f" (last priced at rho={seen:.6g})" if seen > 0 else ""
            results[pid] = ProjectResult(
                pid,
                False,
                "",
                f"not affordable by its supporters{at}: they had {_fmt(final.money_left[j])} left of "
                f"{_fmt(count.costs[j])} after the last purchase at rho={last_rho:.6g}",
                rho=float(seen) if seen > 0 else None,
                code="not_affordable",
                detail={"money_left": float(final.money_left[j]), "cost": float(count.costs[j])},
            )
    selected = [count.ids[j] for j in final.chosen]
    notes: dict[str, object] = {"share": final.share, "initial_share": share, "add1_steps": steps}
    outcome = Outcome(rule, election.budget, tuple(selected), results, notes)
    if p.greedy_completion:
        outcome = _complete(election, outcome, p.lot)
    if p.comparison is not None:
        outcome = _compare(election, outcome, p.comparison, p.lot)
    return outcome


def _complete(election: Election, mes: Outcome, lot: Sequence[str] | None) -> Outcome:
    votes = {pid: float(v) for pid, v in election.votes().items()}
    filled = greedy(election, scores=votes, lot=lot, already=mes.selected, name=mes.rule, stage="completion")
    results = dict(mes.results)
    for pid, res in filled.results.items():
        if res.selected:
            why = f"added by the greedy completion: {res.reason}"
            results[pid] = ProjectResult(pid, True, "completion", why, code="completion", detail=res.detail)
        elif not mes.results[pid].selected and res.reason.startswith("did not fit"):
            results[pid] = ProjectResult(
                pid,
                False,
                "",
                f"{mes.results[pid].reason}; then {res.reason}",
                rho=mes.results[pid].rho,
                code="did_not_fit",
                detail=res.detail,
            )
    return Outcome(mes.rule, mes.budget, filled.selected, results, {**mes.notes, "left": filled.notes["left"]})


def _utility(election: Election, how: Comparison) -> dict[str, dict[str, float]]:
    """Per voter (ballot index), the value of each named project under the comparison measure."""
    per: dict[str, dict[str, float]] = {}
    for i, b in enumerate(election.ballots):
        if how == "cost" and b.points is not None and election.vote_type in POINT_TYPES:
            per[str(i)] = {pid: float(x) for pid, x in zip(b.projects, b.points, strict=True)}
        elif how == "cost":
            per[str(i)] = {pid: float(election.projects[pid].cost) for pid in b.projects}
        else:
            per[str(i)] = dict.fromkeys(b.projects, 1.0)
    return per


def _compare(election: Election, mes: Outcome, how: Comparison, lot: Sequence[str] | None) -> Outcome:
    """The comparison step: voter by voter, which outcome gives them more (`satisfaction`: more funded
    projects they voted for; `cost`: more money on them (points for cumulative ballots); `exclusion`:
    at least one of them vs none). Greedy wins only with strictly more voters preferring it."""
    plain = greedy(election, lot=lot)
    a, g = set(mes.selected), set(plain.selected)
    prefer_mes = prefer_greedy = 0
    if a != g:
        for values in _utility(election, how).values():
            ua = sum(v for pid, v in values.items() if pid in a)
            ug = sum(v for pid, v in values.items() if pid in g)
            if how == "exclusion":
                ua, ug = float(ua > 0), float(ug > 0)
            prefer_mes += ua > ug
            prefer_greedy += ug > ua
    notes = {**mes.notes, "comparison": how, "prefer_equal_shares": prefer_mes, "prefer_greedy": prefer_greedy}
    if prefer_greedy <= prefer_mes:
        return Outcome(mes.rule, mes.budget, mes.selected, mes.results, notes)
    results = dict(plain.results)
    for pid, res in results.items():
        why = f"{prefer_greedy} voters preferred the greedy outcome to {prefer_mes} preferring equal shares"
        results[pid] = ProjectResult(
            pid,
            res.selected,
            "comparison" if res.selected else "",
            f"{res.reason} ({why})",
            code=res.code,
            detail={**res.detail, "prefer_greedy": prefer_greedy, "prefer_equal_shares": prefer_mes},
        )
    return Outcome(mes.rule, mes.budget, plain.selected, results, {**notes, "taken": "greedy"})
