"""The Pabulib files live outside the repository (/work/shared/data/pabulib); tests that need them skip
when they are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from proposals.domain.budgeting import Election
from proposals.domain.budgeting.pabulib import load

# .../services/proposals/tests/unit/budgeting -> up to the directory holding the checkout, then shared/data/pabulib
DATA = Path(__file__).resolve().parents[6] / "shared" / "data" / "pabulib"

FILES = {
    "Netherlands_Assen_2024.pb": "equalshares/add1",
    "Poland_Swiecie_2023.pb": "equalshares/add1",
    "Poland_Warszawa_2022_Praga-Poludnie.pb": "greedy",
    "Poland_Czestochowa_2024_Polnoc.pb": "greedy",
    "Poland_Czestochowa_2024_Tysiaclecie.pb": "greedy",
    "Poland_Lodz_2023.pb": "greedy-threshold",
}

_cache: dict[str, Election] = {}


def pb_path(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"Pabulib data not available: {path} (see /work/shared/data/pabulib/README.md)")
    return path


def election_of(name: str) -> Election:
    if name not in _cache:
        _cache[name] = load(pb_path(name))
    return _cache[name]


@pytest.fixture(params=sorted(FILES))
def pb_file(request: pytest.FixtureRequest) -> tuple[str, str, Election]:
    """(file name, the rule its README names, the election) for every Pabulib file."""
    return request.param, FILES[request.param], election_of(request.param)


@pytest.fixture
def pb() -> object:
    """Load a Pabulib data file by name (cached), skipping when the data is absent."""
    return election_of


@pytest.fixture
def pb_file_path() -> object:
    return pb_path
