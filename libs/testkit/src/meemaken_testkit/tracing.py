"""The spans a test's code recorded, with the OpenTelemetry SDK's in-memory exporter.

The tracer provider is process-wide and can be set once: the first test that asks sets it up; every
later one gets the same exporter, emptied. From then on the process records spans (as a service with
tracing configured does), so what a test asserts about traces holds with tracing on.
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

_exporter: InMemorySpanExporter | None = None


def recorded_spans() -> InMemorySpanExporter:
    """The in-memory exporter every span of this process goes to, emptied for the calling test."""
    global _exporter
    if _exporter is None:
        provider = TracerProvider()
        exporter = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        if trace.get_tracer_provider() is not provider:
            raise RuntimeError("another tracer provider was set in this test process before the in-memory one")
        _exporter = exporter
    _exporter.clear()
    return _exporter
