"""kafka-python's response registry keeps the primary response classes (meemaken_events.kafka_registry): a
versioned class made in a client's I/O thread and then freed no longer leaves a dead entry behind."""

from __future__ import annotations

import gc
from types import SimpleNamespace

from kafka.protocol.api_header import ResponseClassRegistry
from kafka.protocol.consumer.fetch import FetchResponse

import meemaken_events.brokers  # noqa: F401  (every client's options: importing it keeps the registry)


def registered(api_key: int) -> type:
    return ResponseClassRegistry._response_class_registry[api_key].__mro__[0]


def test_a_version_made_on_first_use_leaves_the_primary_class_registered():
    version = FetchResponse.max_version
    FetchResponse._VERSIONS.pop(version, None)  # made again, as on a client's first fetch
    made = FetchResponse[version]
    assert made is not FetchResponse and made._class_version == version
    assert registered(FetchResponse.API_KEY) is FetchResponse


def test_a_version_made_twice_at_once_and_freed_does_not_break_reading_responses():
    """What two I/O threads making the same version at once leave: a versioned class that only the registry
    would have referenced. Reading a response of that API afterwards still finds its class."""
    version = FetchResponse.max_version
    lost = type(f"FetchResponse_v{version}", tuple(FetchResponse.mro()), {"_class_version": version}, init=False)
    del lost
    gc.collect()
    header = SimpleNamespace(request_api_key=FetchResponse.API_KEY, request_api_version=version)
    response_class = ResponseClassRegistry.get_response_class(header)
    assert response_class._class_version == version and response_class.__mro__[1] is FetchResponse
