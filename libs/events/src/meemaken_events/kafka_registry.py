"""kafka-python 3.0.12's response registry, kept to the primary response classes.

kafka-python reads every response with the class its registry holds for the request's API key
(`kafka.protocol.api_header.ResponseClassRegistry`: a weak proxy per key). A versioned response class
(`FetchResponse[12]`, made on first use, in the I/O thread of the client that needs it) registers itself
too: its metaclass drops the `init=False` meant to keep it out, so it takes its primary class's place. Two
clients' I/O threads making the same version at once (a worker has a consumer, a producer and an admin
client) keep one of the two classes and may leave the registry holding the other, which nothing else
references. The garbage collector frees it, and the next response of that API kills the connection's I/O
task with `ReferenceError: weakly-referenced object no longer exists`; the client's requests then time
out. CI met it twice (tests/e2e/test_tracing_exported.py, tests/e2e/test_scale_out.py).

`keep_primary_response_classes()` makes the registry ignore versioned classes: each names the API key of
its primary class, which stays registered and gives the versioned class on lookup, as it always did. It
runs once per process, when `meemaken_events.brokers` (every client's options) is imported, before any
client is made. Reported nowhere upstream at the time of writing; drop this module when kafka-python
fixes its metaclass.
"""

from __future__ import annotations

import weakref
from typing import Any

from kafka.protocol.api_header import ResponseClassRegistry

_KEPT = "_meemaken_primary_only"


def keep_primary_response_classes() -> None:
    """Make versioned response classes leave the registry alone (see the module's text); idempotent."""
    registry: Any = ResponseClassRegistry
    if getattr(registry, _KEPT, False):
        return
    register = registry.register_response_class.__func__

    def primary_only(cls: Any, response_class: Any) -> None:
        if getattr(response_class, "_class_version", None) is None:
            register(cls, response_class)

    registry.register_response_class = classmethod(primary_only)
    setattr(registry, _KEPT, True)
    for key, held in list(registry._response_class_registry.items()):  # a version made before this call
        try:
            response_class = held.__mro__[0]
        except ReferenceError:
            continue
        if getattr(response_class, "_class_version", None) is not None:
            registry._response_class_registry[key] = weakref.proxy(response_class.__mro__[1])
