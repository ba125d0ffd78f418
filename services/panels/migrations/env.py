from meemaken_kit import run_migrations_online

from panels.adapters.tables import metadata

run_migrations_online(metadata)
