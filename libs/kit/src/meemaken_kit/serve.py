"""``python -m <service> serve``: every service's API as deployed, under Granian (WSGI).

Granian's HTTP handling is in Rust: per request it costs a fraction of gunicorn's threaded worker, which the
services ran under before, which matters where the Python work per request is small, as in the gateway's
pass-through (issue 12's benchmark: gateway CPU per ballot 2.2 ms under gunicorn, 1.3 ms under Granian) and a
ballot in proposals (issue 18, bench/ballot_intake.py at 600/s: API CPU per ballot 2.6 ms under gunicorn, 1.9 ms
under Granian).

Configuration from the service's settings: ``<SERVICE>_BIND`` (host:port, default the service's loopback port)
and ``<SERVICE>_THREADS`` (threads per Granian worker for the app, default 16, proposals 8); and
``WEB_CONCURRENCY`` (worker processes: 1 for the gateway, 2 for the others unless it says otherwise). One gateway
process with 16 threads suits a host of two cores (``make run``): its threads mostly wait on the services, and
each worker process learns each login session and signs its token once (bench/README.md, the gateway); the
services' requests spend their time in Python and PostgreSQL, one process a core. Production advice in
infra/README.md. A request's headers must arrive within 30 s (Granian's ``header_read_timeout``); on SIGTERM a
worker finishes its requests for up to 20 s. Metrics of all workers are summed through
``PROMETHEUS_MULTIPROC_DIR`` (a fresh folder unless one is given); the app answers ``Server: meemaken``.
"""

from __future__ import annotations

import multiprocessing
import os
import sys

from meemaken_kit.config import Settings
from meemaken_kit.logs import server_logconfig
from meemaken_main import metrics_folder

# Worker processes when WEB_CONCURRENCY is unset.
GRANIAN_WORKERS = {"gateway": "1", "proposals": "2", "challenges": "2", "panels": "2", "notifications": "2"}
GRANIAN_THREADS = str(Settings.model_fields["threads"].default)  # <SERVICE>_THREADS unset


def api_command(service: str) -> list[str]:
    """The arguments after ``python`` that start a service's API as it is deployed (the one way: make run,
    the deployed tests and the images all use it)."""
    return ["-m", service, "serve"]


def bind(settings: Settings, default_port: int | None) -> tuple[str, int]:
    """``<SERVICE>_BIND`` as (host, port); loopback unless told otherwise."""
    configured = settings.bind or (f"127.0.0.1:{default_port}" if default_port else "")
    host, _, port = configured.rpartition(":")
    if not port.isdigit():
        raise SystemExit(f"set {settings.service.upper()}_BIND to host:port (now {configured!r})")
    return host or "127.0.0.1", int(port)


def counts_in_folder() -> bool:
    """Whether metrics created in this process (and in processes forked from it) count in PROMETHEUS_MULTIPROC_DIR:
    prometheus_client not imported yet, or imported with the folder set."""
    values = sys.modules.get("prometheus_client.values")
    return values is None or getattr(values, "ValueClass", None) is not getattr(values, "MutexValue", None)


def serve(settings: Settings, default_port: int | None) -> None:
    """The service's API under Granian, from its package's ``entrypoints/wsgi.py``."""
    service = settings.service
    # prometheus_client reads the folder once, at import. `python -m <service> serve` sets it before it imports the
    # service's package (meemaken_main), so the workers are forked from this process and count into the folder. Had
    # this process imported prometheus_client without the folder, forked workers would count in memory, each its
    # own, and /metrics would sum the folder's nothing: spawned, each worker imports it afresh (and the app, slower).
    metrics_folder(service)
    if not counts_in_folder():
        multiprocessing.set_start_method("spawn", force=True)
    from granian import Granian
    from granian.constants import Interfaces

    host, port = bind(settings, default_port)
    Granian(
        f"{service}.entrypoints.wsgi:app",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=int(os.environ.get("WEB_CONCURRENCY", GRANIAN_WORKERS.get(service, "2"))),
        blocking_threads=settings.threads,
        websockets=False,
        log_dictconfig=server_logconfig(service, "_granian", "granian.access"),
        log_access=False,
        respawn_failed_workers=True,
        workers_kill_timeout=20,
    ).serve()
