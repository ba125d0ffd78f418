"""Traces as deployed: the proposals and notifications APIs (Granian) and workers as processes, configured only
by OTEL_* variables, export their spans by OTLP over HTTP to a receiver in this test; one submission's trace
holds both services' spans, through Kafka, to the e-mail (sent to a real SMTP server process)."""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from helpers import ROOT, wait_for
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from proposals_kit import TEXT, official, process_body, resident

from meemaken_testkit.deployed import deploy
from meemaken_testkit.ports import free_port
from meemaken_testkit.postgres import create_database
from meemaken_testkit.tokens import bearer

sys.path.insert(0, str(ROOT / "services" / "notifications" / "tests"))
from smtp_server import SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]

TRACE_ID = uuid.uuid4().hex
CALLER_SPAN = uuid.uuid4().hex[:16]  # the gateway's span, as the proposals API receives it


@dataclass(frozen=True)
class Span:
    service: str
    name: str
    kind: str
    trace_id: str
    span_id: str
    parent: str
    attributes: dict[str, str]


class Receiver(ThreadingHTTPServer):
    """An OTLP/HTTP trace endpoint (protobuf), keeping every span it is sent."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", free_port()), _Handler)
        self.spans: list[Span] = []
        self.lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        request = ExportTraceServiceRequest.FromString(self.rfile.read(int(self.headers["Content-Length"])))
        spans = []
        for resource_spans in request.resource_spans:
            resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope in resource_spans.scope_spans:
                for s in scope.spans:
                    attributes = {a.key: str(a.value.string_value or a.value.int_value) for a in s.attributes}
                    kind = type(s).SpanKind.Name(s.kind).removeprefix("SPAN_KIND_")
                    ids = (s.trace_id.hex(), s.span_id.hex(), s.parent_span_id.hex())
                    spans.append(Span(resource["service.name"], s.name, kind, *ids, attributes))
        with self.server.lock:
            self.server.spans.extend(spans)
        body = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture
def system(postgres_server_url, kafka_bootstrap, tmp_path, receiver):
    smtp = SmtpServer(tmp_path)
    otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200"}
    env = {"WEB_CONCURRENCY": "1", **otel, **smtp.env}
    deployed = [
        deploy(
            s, create_database(postgres_server_url, f"e2e_{s}_{uuid.uuid4().hex[:8]}"), kafka_bootstrap, tmp_path, env
        )
        for s in ("proposals", "notifications")
    ]
    yield {d.service: d.url for d in deployed}, smtp
    assert [code for d in deployed for code in d.stop()] == [0] * 4, "every process stops cleanly on SIGTERM"
    smtp.stop()


def test_one_submission_is_one_trace_across_both_services_to_the_email(system, receiver):
    urls, smtp = system
    author = uuid.uuid4()
    told = requests.put(
        f"{urls['notifications']}/api/v1/people/{author}/contact",
        json={"email": "anna@example.org", "language": "en"},
        headers=bearer("notifications", "resident", sub=author),
        timeout=5,
    )
    assert told.status_code == 200, told.text
    defined = requests.post(
        f"{urls['proposals']}/api/v1/processes", json=process_body("trace-2027"), headers=official(), timeout=5
    )
    assert defined.status_code == 201, defined.text
    traceparent = f"00-{TRACE_ID}-{CALLER_SPAN}-01"
    body = {"process_id": "trace-2027", "title": "Safer school streets", "text": TEXT}
    headers = {"traceparent": traceparent} | resident(author)
    created = requests.post(f"{urls['proposals']}/api/v1/proposals", json=body, headers=headers, timeout=5)
    assert created.status_code == 201, created.text
    wait_for(lambda: smtp.received(), timeout=60)

    def trace() -> list[Span]:
        with receiver.lock:
            return [s for s in receiver.spans if s.trace_id == TRACE_ID]

    def relayed() -> list[Span]:
        return [s for s in trace() if s.name == "send meemaken.proposals.proposal"]

    # each process exports its spans on its own schedule (every 200 ms): the relay's send of the admitted event
    # may reach the receiver after the e-mail's span, though it happened before
    wait_for(lambda: any(s.name == "send e-mail" for s in trace()) and len(relayed()) >= 2, timeout=30)
    spans = trace()
    by_id = {s.span_id: s for s in spans}
    [email] = [s for s in spans if s.name == "send e-mail"]
    chain, span = [], email
    while span is not None:
        chain.append(f"{span.service}: {span.kind} {span.name}")
        span = by_id.get(span.parent)
    assert list(reversed(chain)) == [
        "proposals: SERVER POST /api/v1/proposals",  # its parent: the caller's span (the gateway's)
        "proposals: PRODUCER create meemaken.proposals.proposal",
        "proposals: CONSUMER process meemaken.proposals.proposal",  # the admissibility check (proposals worker)
        "proposals: PRODUCER create meemaken.proposals.proposal",  # admitted
        "notifications: CONSUMER process meemaken.proposals.proposal",  # notifications worker
        "notifications: CLIENT send e-mail",
    ]
    [server] = [s for s in spans if s.kind == "SERVER"]
    assert server.parent == CALLER_SPAN
    sent = relayed()
    assert {s.service for s in sent} == {"proposals"} and len(sent) == 2
    assert str(author) not in repr(spans) and "anna" not in repr(spans) and "Safer" not in repr(spans)
