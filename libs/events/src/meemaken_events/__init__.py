"""meemaken's one way to publish and consume domain events."""

from meemaken_events.catalogue import Catalogue, EventType, catalogue
from meemaken_events.consumer import ConsumerLoop, Handler, dead_letter_topic
from meemaken_events.correlation import (
    accept_correlation_id,
    correlated,
    current_correlation_id,
    new_correlation_id,
)
from meemaken_events.definitions import EventDefinition, fields_read, reads
from meemaken_events.envelope import Envelope, EventFactory, check_subject, from_kafka, subject_problem
from meemaken_events.errors import InvalidEvent, PoisonMessage, TransientError, UnknownEventType
from meemaken_events.inbox import Inbox
from meemaken_events.outbox import Outbox
from meemaken_events.relay import Lease, Relay
from meemaken_events.tables import (
    UtcDateTime,
    create_inbox_handled_index,
    create_messaging_tables,
    drop_messaging_tables,
    messaging_tables,
)

__all__ = [
    "Catalogue",
    "ConsumerLoop",
    "Envelope",
    "EventDefinition",
    "EventFactory",
    "EventType",
    "Handler",
    "Inbox",
    "InvalidEvent",
    "Lease",
    "Outbox",
    "PoisonMessage",
    "Relay",
    "TransientError",
    "UnknownEventType",
    "UtcDateTime",
    "accept_correlation_id",
    "catalogue",
    "check_subject",
    "correlated",
    "create_inbox_handled_index",
    "create_messaging_tables",
    "current_correlation_id",
    "dead_letter_topic",
    "drop_messaging_tables",
    "fields_read",
    "from_kafka",
    "messaging_tables",
    "new_correlation_id",
    "reads",
    "subject_problem",
]
