"""One active relay per service: the lease row decides who publishes."""

import sqlalchemy as sa

from meemaken_events import Lease, messaging_tables
from meemaken_kit import make_engine


def leases(folder, ttl):
    folder.mkdir(exist_ok=True)
    metadata = sa.MetaData()
    _outbox, _inbox, lease_table = messaging_tables(metadata)
    engine = make_engine(f"sqlite:///{folder / 'lease.sqlite'}")
    metadata.create_all(engine)
    return Lease(engine, lease_table, "proposals-relay", ttl), Lease(engine, lease_table, "proposals-relay", ttl)


def test_only_one_replica_holds_the_lease_while_it_renews_it(tmp_path):
    first, second = leases(tmp_path, ttl=30)
    assert first.acquire()
    assert not second.acquire()
    assert first.acquire()  # renewal
    assert not second.acquire()


def test_a_released_or_expired_lease_passes_to_another_replica(tmp_path):
    first, second = leases(tmp_path, ttl=30)
    assert first.acquire()
    first.release()
    assert second.acquire()
    assert not first.acquire()

    crashed, successor = leases(tmp_path / "crashed", ttl=-1)  # a holder that died: its lease is already past
    assert crashed.acquire()
    assert successor.acquire()


def test_published_rows_are_forgotten_after_the_retention_and_unpublished_ones_never(tmp_path):
    from datetime import UTC, datetime, timedelta

    from meemaken_events import Relay

    metadata = sa.MetaData()
    outbox, _inbox, lease_table = messaging_tables(metadata)
    engine = make_engine(f"sqlite:///{tmp_path / 'prune.sqlite'}")
    metadata.create_all(engine)
    now = datetime.now(UTC)
    row = {"topic": "t", "key": "k", "type": "x", "envelope": "{}", "created_at": now}
    with engine.begin() as conn:
        conn.execute(
            outbox.insert(),
            [
                {**row, "event_id": "old", "published_at": now - timedelta(days=8)},
                {**row, "event_id": "recent", "published_at": now - timedelta(hours=1)},
                {**row, "event_id": "pending", "published_at": None},
            ],
        )
    relay = Relay(engine, outbox, Lease(engine, lease_table, "r"), producer=None)  # type: ignore[arg-type]
    assert relay.prune() == 1
    with engine.connect() as conn:
        assert sorted(conn.execute(sa.select(outbox.c.event_id)).scalars()) == ["pending", "recent"]
