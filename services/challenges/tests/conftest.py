import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def case(database_url):
    """The challenges service on a fresh PostgreSQL database, with a clock the test moves."""
    from challenges_api import Case

    case = Case(database_url)
    yield case
    case.engine.dispose()
