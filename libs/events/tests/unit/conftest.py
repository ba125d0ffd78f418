import pytest
import sqlalchemy as sa

from meemaken_events import messaging_tables
from meemaken_kit import make_engine


@pytest.fixture
def tables(tmp_path):
    """An SQLite database with the messaging tables: (engine, outbox, inbox, lease)."""
    metadata = sa.MetaData()
    outbox, inbox, lease = messaging_tables(metadata)
    engine = make_engine(f"sqlite:///{tmp_path / 'events.sqlite'}")
    metadata.create_all(engine)
    return engine, outbox, inbox, lease
