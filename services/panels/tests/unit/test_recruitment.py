"""The register extract and the invitation lottery with positive discrimination."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

import pytest

from panels.domain.recruitment import Entry, ExtractError, invitation_lottery, read_extract

KEY = b"test-key"
TODAY = date(2026, 11, 28)


def extract(*rows: str) -> str:
    return "\n".join(["register_id,name,address,birth_year,age_band,district", *rows]) + "\n"


def test_good_rows_are_pseudonymised_and_bad_rows_reported_with_their_line() -> None:
    result = read_extract(
        extract(
            "85.01.01-001.01,An Peeters,Kerkstraat 1,1985,40-64,north",
            "85.01.01-001.01,An Peeters,Kerkstraat 1,1985,40-64,north",  # line 3: the same person again
            "12.01.01-001.02,Jo Maes,Kerkstraat 2,2012,16-24,north",  # line 4: 14 years old
            "90.01.01-001.03,,Kerkstraat 3,1990,25-39,south",  # line 5: no name
            "90.01.01-001.04,Lies Claes,Kerkstraat 4,19x0,25-39,south",  # line 6: not a year
            "70.01.01-001.05,Piet Wouters,Kerkstraat 1,1970,40-64,north",
        ),
        KEY,
        ["age_band", "district"],
        TODAY,
        16,
    )
    assert [(r.row, r.problem) for r in result.rejected] == [
        (3, "this register number appears twice"),
        (4, "younger than 16"),
        (5, "name is empty"),
        (6, "birth_year '19x0' is not a year"),
    ]
    assert len(result.entries) == 2
    first, second = result.entries
    assert first.pseudonym.startswith("p_") and "Peeters" not in repr(first)
    assert first.household == second.household, "same address, same household pseudonym"
    assert first.strata == {"age_band": "40-64", "district": "north"}
    assert result.contacts[0].name == "An Peeters"


def test_an_extract_without_the_needed_columns_is_refused_whole() -> None:
    with pytest.raises(ExtractError, match="lacks the column"):
        read_extract("id,name\n1,An\n", KEY, ["district"], TODAY, 16)


def pool(n: int) -> list[Entry]:
    return [Entry(f"p_{i:032x}", f"h{i}", {"district": "south" if i % 4 == 0 else "north"}) for i in range(n)]


def test_a_higher_ratio_invites_a_group_more_often() -> None:
    """A quarter of the register lives south; with ratio 3 for south, the expected share of south among the
    invited is 3·(1/4) / (3·(1/4) + 3/4) = 1/2 (for small samples without replacement)."""
    invited = Counter()
    for seed in range(200):
        for entry in invitation_lottery(pool(400), 20, {"district": {"south": 3.0}}, random.Random(seed)):
            invited[entry.strata["district"]] += 1
    share = invited["south"] / sum(invited.values())
    assert 0.45 < share < 0.55


def test_the_same_seed_invites_the_same_people_and_one_per_household() -> None:
    entries = [*pool(50), Entry("p_" + "f" * 32, "h1", {"district": "north"})]  # h1's second resident
    first = invitation_lottery(entries, 30, {}, random.Random(7))
    assert first == invitation_lottery(list(reversed(entries)), 30, {}, random.Random(7))
    households = [e.household for e in first]
    assert len(households) == len(set(households))
