"""Prometheus metrics of the messaging machinery (exposed by each service's /metrics)."""

from prometheus_client import Counter, Gauge, Histogram

RELAY_PUBLISHED = Counter("meemaken_relay_published_total", "Outbox rows confirmed by Kafka and marked published")
RELAY_SEND_FAILURES = Counter("meemaken_relay_send_failures_total", "Sends that failed and will be retried")
CONSUMED = Counter("meemaken_events_consumed_total", "Events handled", ["consumer", "outcome"])
HANDLE_SECONDS = Histogram("meemaken_consumer_batch_seconds", "Time to handle one batch", ["consumer"])
DEAD_LETTERS_UNRESOLVED = Gauge(
    "meemaken_dead_letters_unresolved", "Dead letters neither replayed nor discarded (as last read)", ["consumer"]
)
HALTED = Gauge("meemaken_consumer_halted", "1 while a consumer is stopped by its dead-letter limit", ["consumer"])
CONSUMER_LAG = Gauge(
    "meemaken_consumer_lag",
    "Records not yet read by the consumer group, per partition this member holds (end offset - position)",
    ["consumer", "topic", "partition"],
)
LOOP_ROUNDS = Counter(
    "meemaken_loop_rounds_total",
    "Rounds of a worker loop: busy (found work), idle, paused (something it needs is away), failed",
    ["loop", "outcome"],
)
DB_RETRIES = Counter(
    "meemaken_db_retries_total",
    "Transactions run again after a failure a retry cures (a request's units of work, a consumer's batch), by why",
    ["reason"],
)
