"""What every service's gunicorn.conf.py shares: JSON logs, and metrics summed over workers.

gunicorn forks several workers; each counts its own requests. Prometheus' multiprocess mode
adds them up through ``PROMETHEUS_MULTIPROC_DIR``, which the configuration file sets before it
imports this module (prometheus_client reads it once, at import); ``child_exit`` tells the
collector when a worker is gone.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import multiprocess

from meemaken_kit.logs import gunicorn_logconfig


def json_logconfig(service: str) -> dict[str, Any]:
    return gunicorn_logconfig(service)


def child_exit(_server: Any, worker: Any) -> None:
    multiprocess.mark_process_dead(worker.pid)
