"""The shortcuts of the equal-shares count (issue 18) change its work, never its outcome: a count given a
guess of each round's winner (the previous add1 count's) buys the same projects at the same prices as one
without, whether the guess is right, wrong, or names a project that ties with the real winner."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proposals.domain.budgeting import Election, Project, approval_ballot
from proposals.domain.budgeting.equal_shares import _Count


def _count(costs: dict[str, int], ballots: list[str], budget: int) -> _Count:
    projects = {pid: Project(pid, c) for pid, c in costs.items()}
    votes = tuple(approval_ballot(str(i), list(b)) for i, b in enumerate(ballots))
    return _Count(Election({}, projects, votes, budget), None)


def test_a_guess_that_ties_with_the_winner_does_not_take_its_place():
    # 2 voters with 5 each approve p (8) and q (10): both at rho .5, the cheaper p wins the tie. Guessing
    # q must not make q the winner: it is priced first, and p still beats it on the tie order.
    count = _count({"p": 8, "q": 10}, ["pq", "pq"], 10)
    q = count.ids.index("q")
    assert [count.ids[j] for j in count.run(5.0, hint=[q]).chosen] == ["p"]


def test_a_wrong_guess_changes_nothing():
    # a 20 by {v0,v1} (rho .5), b 30 by {v0,v1,v2} (rho 1/3), c 10 by {v3}: b then c. Guessing c, then a.
    count = _count({"a": 20, "b": 30, "c": 10}, ["ab", "ab", "b", "c"], 40)
    a, c = count.ids.index("a"), count.ids.index("c")
    plain, guessed = count.run(10.0), count.run(10.0, hint=[c, a])
    assert [count.ids[j] for j in guessed.chosen] == ["b", "c"]
    assert (guessed.chosen, guessed.rho, guessed.cost) == (plain.chosen, plain.rho, plain.cost)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([2, 3, 5, 8, 10, 20]), min_size=1, max_size=6), st.data())
def test_any_guess_gives_the_count_without_one(costs: list[int], data: st.DataObject):
    """Few distinct costs and small shares: ties and voters running out are common."""
    ids = "abcdef"[: len(costs)]
    ballots = data.draw(st.lists(st.text(ids, min_size=1, max_size=len(ids)), min_size=1, max_size=12))
    count = _count(dict(zip(ids, costs, strict=True)), ballots, 1)
    share = data.draw(st.sampled_from([0.5, 1.0, 2.5, 4.0, 7.0, 30.0]))
    hint = data.draw(st.lists(st.integers(0, len(count.ids) - 1), max_size=len(count.ids) + 1))
    plain, guessed = count.run(share), count.run(share, hint=hint)
    assert (guessed.chosen, guessed.rho, guessed.cost) == (plain.chosen, plain.rho, plain.cost)
