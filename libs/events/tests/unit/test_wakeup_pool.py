"""The relay listens for outbox commits only when its pool can spare the listening connection."""

from __future__ import annotations

import sqlalchemy as sa

from meemaken_events.wakeup import Wakeup

URL = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # never connected: engines connect lazily


def test_a_pool_of_one_polls_instead_of_holding_its_only_connection_to_listen() -> None:
    for overflow in (0, 1, -1):  # SQLAlchemy keeps the overflow's limit private: the safe side
        assert Wakeup.for_engine(sa.create_engine(URL, pool_size=1, max_overflow=overflow)) is None


def test_a_pool_that_can_spare_a_connection_listens() -> None:
    assert isinstance(Wakeup.for_engine(sa.create_engine(URL, pool_size=2, max_overflow=0)), Wakeup)
    assert isinstance(Wakeup.for_engine(sa.create_engine(URL, pool_size=0)), Wakeup)  # SQLAlchemy: unbounded
    assert isinstance(Wakeup.for_engine(sa.create_engine(URL, poolclass=sa.pool.NullPool)), Wakeup)


def test_sqlite_has_no_wakeup() -> None:
    assert Wakeup.for_engine(sa.create_engine("sqlite://")) is None
