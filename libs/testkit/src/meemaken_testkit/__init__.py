"""Real infrastructure for tests: a Kafka broker and a PostgreSQL server per test session."""

from meemaken_testkit.kafka import LocalKafka, create_topics
from meemaken_testkit.postgres import LocalPostgres

__all__ = ["LocalKafka", "LocalPostgres", "create_topics"]
