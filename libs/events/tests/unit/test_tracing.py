"""The CloudEvents tracing extension through outbox, relay and consumer, with the SDK's in-memory exporter
(the broker is a fake here; tests/integration/test_tracing.py runs the same on Kafka)."""

import json
import uuid
from types import SimpleNamespace

import pytest
from opentelemetry import trace

from meemaken_events import ConsumerLoop, Envelope, EventFactory, Lease, Outbox, Relay, from_kafka
from meemaken_events.settings import EventSettings
from meemaken_testkit.tracing import recorded_spans

BROKERS = EventSettings(kafka_bootstrap_servers="127.0.0.1:1")  # never reached in these tests

SOURCE = "urn:meemaken:municipality:demo:system:proposals"
SUBMITTED = "org.meemaken.proposals.proposal.submitted.v1"
ADMITTED = "org.meemaken.proposals.proposal.admitted.v1"
TOPIC = "meemaken.proposals.proposal"
AUTHOR = str(uuid.uuid4())


@pytest.fixture
def spans():
    return recorded_spans()


class Producer:
    """Kafka's producer as the relay uses it: what it was sent, every send confirmed."""

    def __init__(self):
        self.sent = []

    def send(self, topic, key, value, headers):
        self.sent.append(
            SimpleNamespace(topic=topic, partition=0, offset=len(self.sent), key=key, value=value, headers=headers)
        )
        return SimpleNamespace(get=lambda timeout: None)

    def flush(self, timeout):
        pass


def submitted(proposal_id):
    data = {"proposal_id": proposal_id, "process_id": "p", "author_id": AUTHOR, "title": "Safer school streets"}
    return EventFactory(SOURCE).create(SUBMITTED, proposal_id, data | {"submitted_at": "2026-11-28T10:00:00+00:00"})


def test_one_trace_runs_from_the_request_through_outbox_relay_and_consumer_to_the_next_event(spans, tables):
    engine, outbox, inbox, lease = tables
    proposal_id = str(uuid.uuid4())
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("POST /api/v1/proposals", kind=trace.SpanKind.SERVER) as request:
        event = submitted(proposal_id)
        with engine.begin() as conn:
            Outbox(outbox).add(conn, [event])
    assert (
        event.traceparent is not None
        and event.traceparent.split("-")[1] == f"{request.get_span_context().trace_id:032x}"
    )

    producer = Producer()
    relay = Relay(engine, outbox, Lease(engine, lease, "proposals-relay"), producer)
    assert relay.publish_once() == 1
    [sent] = producer.sent
    assert dict(sent.headers)["ce_traceparent"] == event.traceparent.encode(), "published as stored"

    followed = []

    def admit(conn, envelope):
        data = {"proposal_id": envelope.key, "process_id": "p", "author_id": AUTHOR, "title": "t"}
        followed.append(EventFactory(SOURCE).create(ADMITTED, envelope.key, data))

    consumer = ConsumerLoop("proposals.admissibility", [TOPIC], {SUBMITTED: admit}, engine, inbox, BROKERS)
    assert consumer._handle([sent]).dead == []

    finished = spans.get_finished_spans()
    [server] = [s for s in finished if s.name == "POST /api/v1/proposals"]
    [send] = [s for s in finished if s.name == f"send {TOPIC}"]
    [process] = [s for s in finished if s.name == f"process {TOPIC}"]
    first, second = [s for s in finished if s.name == f"create {TOPIC}"]
    assert {s.context.trace_id for s in finished} == {server.context.trace_id}, "one trace"
    assert first.parent.span_id == server.context.span_id and first.kind == trace.SpanKind.PRODUCER
    assert first.attributes["cloudevents.event_type"] == SUBMITTED
    assert send.parent.span_id == first.context.span_id and send.kind == trace.SpanKind.PRODUCER
    assert process.parent.span_id == first.context.span_id and process.kind == trace.SpanKind.CONSUMER
    assert process.attributes["messaging.consumer.group.name"] == "proposals.admissibility"
    assert second.parent.span_id == process.context.span_id, "the next event is born in the consumer's span"
    [admitted] = followed
    assert admitted.traceparent.split("-")[2] == f"{second.context.span_id:016x}"
    everything = json.dumps([dict(s.attributes) for s in spans.get_finished_spans()])
    assert AUTHOR not in everything and proposal_id not in everything, "no data or subject in span attributes"


def test_an_event_without_traceparent_still_reads_and_is_handled_in_a_trace_of_its_own(spans, tables):
    engine, _outbox, inbox, _lease = tables
    proposal_id = str(uuid.uuid4())
    event = submitted(proposal_id)  # outside any span: untraced
    assert event.traceparent is None
    stored = json.loads(event.to_json())
    assert "traceparent" not in stored and "tracestate" not in stored, "the stored form is as before tracing"
    assert Envelope.from_json(event.to_json()) == event
    key, value, headers = event.to_kafka()
    assert not any(name.startswith("ce_trace") for name, _ in headers)
    assert from_kafka(key, value, headers).traceparent is None

    handled = []
    consumer = ConsumerLoop("c", [TOPIC], {SUBMITTED: lambda conn, env: handled.append(env.id)}, engine, inbox, BROKERS)
    record = SimpleNamespace(topic=TOPIC, partition=0, offset=0, key=key, value=value, headers=headers)
    assert consumer._handle([record]).dead == [] and handled == [event.id]
    [process] = spans.get_finished_spans()
    assert process.name == f"process {TOPIC}" and process.parent is None


def test_a_stored_event_keeps_its_trace_context_through_json_and_kafka():
    traced = Envelope.from_json(submitted(str(uuid.uuid4())).to_json())
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    traced = Envelope(**{**traced.__dict__, "traceparent": parent, "tracestate": "meemaken=1"})
    assert Envelope.from_json(traced.to_json()) == traced
    assert from_kafka(*traced.to_kafka()) == traced


UNTRACED = """
import uuid
from opentelemetry import trace
from meemaken_events import EventFactory, tracing
from meemaken_kit.config import Settings
from meemaken_kit.tracing import configure_tracing
assert not configure_tracing(Settings.from_env("proposals", {"OTEL_SERVICE_NAME": "proposals"}))
proposal_id = str(uuid.uuid4())
data = {"proposal_id": proposal_id, "process_id": "p", "author_id": proposal_id, "title": "t"}
with trace.get_tracer("test").start_as_current_span("request"):
    event = EventFactory("urn:meemaken:municipality:demo:system:proposals").create(
        "org.meemaken.proposals.proposal.admitted.v1", proposal_id, data
    )
assert event.traceparent is None and "traceparent" not in event.to_json()
with tracing.processing(event, "t", "c") as span:
    assert span is trace.INVALID_SPAN
assert tracing.sending(event, "t") is trace.INVALID_SPAN
print("untraced")
"""


def test_a_process_without_otel_variables_traces_nothing_and_its_events_carry_no_traceparent():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", UNTRACED], capture_output=True, text=True, timeout=60, env={})
    assert done.stdout.strip() == "untraced", done.stderr
