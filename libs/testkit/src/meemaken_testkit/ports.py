import socket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def docker_available() -> bool:
    """A reachable Docker engine, unless MEEMAKEN_USE_TESTCONTAINERS=0 forbids using it."""
    import os

    if os.environ.get("MEEMAKEN_USE_TESTCONTAINERS") == "0":
        return False
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False
