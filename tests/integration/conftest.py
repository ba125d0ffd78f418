import pytest

from meemaken_kit import Settings, make_engine, migrate
from meemaken_testkit.plugin import session_env
from proposals.bootstrap import SERVICE


@pytest.fixture
def service(database_url, kafka_bootstrap):
    """The proposals service's settings and engine on a fresh migrated database, and its environment."""
    migrate(SERVICE.migrations_dir, database_url)
    engine = make_engine(database_url)
    env = session_env() | {"DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap}
    yield Settings.from_env("proposals", env), engine, env
    engine.dispose()
