import sys
from pathlib import Path

import pytest

from meemaken_kit import make_engine, migrate
from notifications.bootstrap import SERVICE

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'notifications.sqlite'}"
    return request.getfixturevalue("database_url")


@pytest.fixture
def engine(url):
    migrate(SERVICE.migrations_dir, url)
    engine = make_engine(url)
    yield engine
    engine.dispose()
