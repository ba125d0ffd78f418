"""The database pool of one process is set by DATABASE_POOL_SIZE and DATABASE_MAX_OVERFLOW (the Helm chart's
postgresql.poolSize and maxOverflow); an engine made without them keeps 10 + 10."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from meemaken_kit.db import make_engine, pool_sizes

URL = "postgresql+psycopg://meemaken@127.0.0.1:1/none"  # never connected to: the pool is made lazily


def test_the_pool_is_ten_and_ten_unless_configured() -> None:
    assert pool_sizes({}) == {"pool_size": 10, "max_overflow": 10}
    assert pool_sizes({"DATABASE_POOL_SIZE": "4", "DATABASE_MAX_OVERFLOW": "0"}) == {"pool_size": 4, "max_overflow": 0}


@pytest.mark.parametrize(
    "env", [{"DATABASE_POOL_SIZE": "ten"}, {"DATABASE_POOL_SIZE": "0"}, {"DATABASE_MAX_OVERFLOW": "-1"}]
)
def test_a_wrong_size_is_refused_by_name(env: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="DATABASE_"):
        pool_sizes(env)


def test_an_engine_takes_the_configured_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_POOL_SIZE", "3")
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "2")
    engine = make_engine(URL)
    assert isinstance(engine.pool, sa.pool.QueuePool)
    assert (engine.pool.size(), engine.pool._max_overflow) == (3, 2)
    assert make_engine(URL, pool_size=7).pool.size() == 7, "an explicit size still wins"
    assert isinstance(make_engine(URL, poolclass=sa.pool.NullPool).pool, sa.pool.NullPool)
