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
