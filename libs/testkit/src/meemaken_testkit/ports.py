"""Free local ports and whether a Docker engine can be used."""

import functools
import os
import socket


def free_port(avoid: tuple[int, ...] = ()) -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (and not one of `avoid`)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
        if port not in avoid:
            return port


@functools.cache
def docker_available() -> bool:
    """A reachable Docker engine, unless MEEMAKEN_USE_TESTCONTAINERS=0 forbids using it."""
    if os.environ.get("MEEMAKEN_USE_TESTCONTAINERS") == "0":
        return False
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False
