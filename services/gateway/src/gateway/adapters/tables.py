"""The gateway service's tables: for now only its outbox, inbox and relay lease."""

import sqlalchemy as sa

from meemaken_events import messaging_tables

metadata = sa.MetaData()

outbox, inbox, relay_lease = messaging_tables(metadata)
