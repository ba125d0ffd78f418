"""Traces across the outbox and Kafka: the CloudEvents distributed-tracing extension.

An event built inside a traced request or consumer (``EventFactory.create``) gets a short PRODUCER
span, ``create <type>``, and that span's W3C ``traceparent`` (and ``tracestate``, if any) in the
envelope: stored with the event in the outbox, published by the relay as ``ce_traceparent``. The
relay's send is a PRODUCER span ``send <topic>`` and each consumer's handling a CONSUMER span
``process <topic>``, both children of the event's ``traceparent``; whatever the handler sends next
is a child of that, so one trace runs from the resident's request through every consumer. Work a
consumer queues in its own tables (an e-mail to send) keeps ``trace_headers()`` with it and is done
in a span ``continued`` from there.

Only the OpenTelemetry API is used here: without a configured SDK (``meemaken_kit.tracing``) every
span is a no-op and no event carries a ``traceparent``. Span attributes name topics, event types,
event ids and consumer groups, never the event's data or subject.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from meemaken_events.envelope import Envelope

TRACER = "meemaken.events"
_PROPAGATOR = TraceContextTextMapPropagator()
_HEADERS = frozenset({"traceparent", "tracestate"})


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER)


def off() -> bool:
    """No SDK set up in this process: spans would be no-ops, so none are started at all."""
    return isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


def trace_headers(context: Context | None = None) -> dict[str, str]:
    """``traceparent`` (and ``tracestate``) of the current span, for a call to another service; empty
    outside a traced span."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, context)
    return carrier


def incoming(headers: Mapping[str, str]) -> Context:
    """The trace context a caller sent (``traceparent``, ``tracestate``; baggage is not taken), or an
    empty one: then a new trace starts here."""
    return _PROPAGATOR.extract({name: value for name, value in headers.items() if name in _HEADERS}, Context())


def created(event_type: str, topic: str) -> tuple[str | None, str | None]:
    """(traceparent, tracestate) of a new event's ``create`` span, or (None, None) outside a traced span."""
    if not trace.get_current_span().get_span_context().is_valid:
        return None, None
    span = tracer().start_span(f"create {topic}", kind=trace.SpanKind.PRODUCER, attributes=_event(event_type, topic))
    carrier = trace_headers(trace.set_span_in_context(span))
    span.end()
    return carrier.get("traceparent"), carrier.get("tracestate")


def parent_of(envelope: Envelope) -> Context | None:
    """The context an event was created in, or None (an event from before tracing, or untraced)."""
    return _stored(envelope.traceparent, envelope.tracestate)


def _stored(traceparent: str | None, tracestate: str | None) -> Context | None:
    return incoming({"traceparent": traceparent, "tracestate": tracestate or ""}) if traceparent else None


def sending(envelope: Envelope, topic: str) -> trace.Span:
    """The relay's PRODUCER span for one event, a child of the event's creation; the relay ends it
    when the broker has confirmed the event (or the send failed)."""
    if off():
        return trace.INVALID_SPAN
    attributes = _event(envelope.type, topic) | {
        "messaging.operation.type": "send",
        "messaging.message.id": envelope.id,
    }
    return tracer().start_span(f"send {topic}", parent_of(envelope), trace.SpanKind.PRODUCER, attributes)


@contextmanager
def processing(envelope: Envelope, topic: str, consumer: str) -> Iterator[trace.Span]:
    """A consumer's CONSUMER span around one event's handler, a child of the event's creation (a new
    trace for an event without ``traceparent``); events the handler creates are its children."""
    if off():
        yield trace.INVALID_SPAN
        return
    attributes = _event(envelope.type, topic) | {
        "messaging.operation.type": "process",
        "messaging.message.id": envelope.id,
        "messaging.consumer.group.name": consumer,
    }
    kind = trace.SpanKind.CONSUMER
    with continued(f"process {topic}", envelope.traceparent, envelope.tracestate, attributes, kind) as span:
        yield span


@contextmanager
def continued(
    name: str,
    traceparent: str | None,
    tracestate: str | None,
    attributes: Mapping[str, str],
    kind: trace.SpanKind = trace.SpanKind.CLIENT,
) -> Iterator[trace.Span]:
    """A span in a trace context stored earlier (an event's, or a row's that work was queued in); in the
    current context when there is none. A failure is told by the exception's type only: its message may
    quote personal data."""
    if off():
        yield trace.INVALID_SPAN
        return
    with tracer().start_as_current_span(
        name,
        context=_stored(traceparent, tracestate),
        kind=kind,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            yield span
        except BaseException as exc:
            span.set_status(trace.StatusCode.ERROR, type(exc).__name__)
            raise


def _event(event_type: str, topic: str) -> dict[str, str]:
    return {
        "messaging.system": "kafka",
        "messaging.operation.type": "create",
        "messaging.destination.name": topic,
        "cloudevents.event_type": event_type,
    }
