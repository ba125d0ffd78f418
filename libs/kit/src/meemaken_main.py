"""``python -m <service>``: every service's ``__main__`` is ``run("<service>")`` (the commands: meemaken_kit.service).

A module of its own, outside the ``meemaken_kit`` package, for one ordering: ``serve`` sets
``PROMETHEUS_MULTIPROC_DIR`` before prometheus_client is imported (it reads the folder once, at import), and
``meemaken_kit``, as the service's package, imports it. So the metrics of the API's worker processes, which
Granian forks from this one, count into the folder and ``/metrics`` sums them all (meemaken_kit.serve); had the
import come first, each worker would count in its own memory.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from typing import NoReturn


def metrics_folder(service: str) -> None:
    """``PROMETHEUS_MULTIPROC_DIR``: a fresh folder unless one is given."""
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix=f"meemaken-{service}-metrics-"))


def run(service: str) -> NoReturn:
    """The service's command line (``<service>.bootstrap.SERVICE``), the metrics' folder set first for ``serve``."""
    if sys.argv[1:2] == ["serve"]:
        metrics_folder(service)
    from meemaken_kit import main

    definition = importlib.import_module(f"{service}.bootstrap").SERVICE
    raise SystemExit(main(definition))
