"""The worker process of a service: its loops (meemaken_events.loop: the relay, the consumers, the timers),
each in its thread, stopped cleanly by SIGTERM."""

from __future__ import annotations

import json
import logging
import signal
import socketserver
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from meemaken_events.loop import Backoff, Loop, Periodic

log = logging.getLogger("meemaken.worker")
__all__ = ["Backoff", "Loop", "Periodic", "halted", "run_loops", "serve_metrics_and_health"]


def halted(loops: Sequence[Loop]) -> dict[str, str]:
    """The loops that stopped themselves (a consumer over its dead-letter limit) and why."""
    return {loop.name: reason for loop in loops if (reason := getattr(loop, "halted", None))}


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def serve_metrics_and_health(bind: str, loops: Sequence[Loop]) -> None:
    """The worker's own small web server (it has no API): Prometheus metrics on /metrics, and on
    /healthz 200 while every loop runs or 503 naming each halted one and why."""
    from prometheus_client import make_wsgi_app

    metrics = make_wsgi_app()

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") != "/healthz":
            return metrics(environ, start_response)
        stopped = halted(loops)
        body = json.dumps({"status": "halted" if stopped else "ok", "halted": stopped}).encode()
        status = "503 Service Unavailable" if stopped else "200 OK"
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    host, _, port = bind.rpartition(":")
    server = make_server(host.strip("[]") or "127.0.0.1", int(port), app, _ThreadingServer, _QuietHandler)
    threading.Thread(target=server.serve_forever, name="worker-metrics", daemon=True).start()


SWITCH_INTERVAL = 0.0005  # seconds


def run_loops(name: str, loops: Sequence[Loop], install_signals: bool = True, grace: float = 10.0) -> None:
    """Run every loop in its own thread until SIGTERM/SIGINT, then stop them and wait."""
    # The loops mostly wait on the database and the broker. With Python's default 5 ms switch
    # interval, a loop whose query has returned waits up to 5 ms for the interpreter lock while
    # another loop (or kafka-python's sender thread) computes: every round trip pays that convoy.
    sys.setswitchinterval(SWITCH_INTERVAL)
    stopping = threading.Event()

    def stop_all(*_args: Any) -> None:
        if not stopping.is_set():
            log.info("worker %s stopping", name)
        stopping.set()
        for loop in loops:
            loop.stop()

    if install_signals:
        signal.signal(signal.SIGTERM, stop_all)
        signal.signal(signal.SIGINT, stop_all)
    threads = [
        threading.Thread(target=_guarded(loop, stop_all), name=type(loop).__name__, daemon=True) for loop in loops
    ]
    for thread in threads:
        thread.start()
    log.info("worker %s running %d loops", name, len(loops))
    deadline: float | None = None
    while any(t.is_alive() for t in threads):
        for thread in threads:
            thread.join(timeout=0.5)
        if stopping.is_set() and deadline is None:
            deadline = time.monotonic() + grace
        if deadline is not None and time.monotonic() > deadline:
            # a loop still blocked connecting to a broker that never answered: it holds no uncommitted work
            log.warning("worker %s: loops still busy after %.0f s, leaving them", name, grace)
            break
    log.info("worker %s stopped", name)


def _guarded(loop: Loop, stop_all: Any) -> Any:
    def run() -> None:
        try:
            loop.run()
        except Exception:
            log.exception("loop %s crashed; stopping the worker so it restarts clean", type(loop).__name__)
            stop_all()

    return run
