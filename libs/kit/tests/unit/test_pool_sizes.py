"""The database pool of one process is set by DATABASE_POOL_SIZE and DATABASE_MAX_OVERFLOW (the Helm chart's
postgresql.poolSize and maxOverflow), read with the settings; an engine made without them keeps 10 + 10."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from meemaken_kit.config import ConfigurationError, Settings
from meemaken_kit.db import make_engine

URL = "postgresql+psycopg://meemaken@127.0.0.1:1/none"  # never connected to: the pool is made lazily


def test_the_pool_is_ten_and_ten_unless_configured() -> None:
    assert Settings.from_env("kit", {}).pool_sizes == {"pool_size": 10, "max_overflow": 10}
    env = {"DATABASE_POOL_SIZE": "4", "DATABASE_MAX_OVERFLOW": "0"}
    assert Settings.from_env("kit", env).pool_sizes == {"pool_size": 4, "max_overflow": 0}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATABASE_POOL_SIZE": "ten"}, "DATABASE_POOL_SIZE"),
        ({"DATABASE_POOL_SIZE": "0"}, "DATABASE_POOL_SIZE"),
        ({"DATABASE_MAX_OVERFLOW": "-1"}, "DATABASE_MAX_OVERFLOW"),
    ],
)
def test_a_wrong_size_is_refused_by_name(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        Settings.from_env("kit", env)


def test_an_engine_takes_the_configured_sizes() -> None:
    sizes = Settings.from_env("kit", {"DATABASE_POOL_SIZE": "3", "DATABASE_MAX_OVERFLOW": "2"}).pool_sizes
    engine = make_engine(URL, **sizes)
    assert isinstance(engine.pool, sa.pool.QueuePool)
    assert (engine.pool.size(), engine.pool._max_overflow) == (3, 2)
    assert make_engine(URL).pool.size() == 10, "without settings: ten"
    assert isinstance(make_engine(URL, poolclass=sa.pool.NullPool).pool, sa.pool.NullPool)
    assert make_engine("sqlite://", **sizes).dialect.name == "sqlite", "SQLite keeps SQLAlchemy's own pool"
