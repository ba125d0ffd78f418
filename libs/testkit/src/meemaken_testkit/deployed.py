"""A service run as deployed: migrated, its API (Granian) and its worker, as processes.

End-to-end tests and benchmarks use it the same way, so both exercise what ops run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from meemaken_kit.serve import api_command
from meemaken_testkit.ports import free_port
from meemaken_testkit.waiting import scaled

ROOT = Path(__file__).resolve().parents[4]


def service_process(service: str, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`python <args>` in services/<service>, with `env` on top of this process's, output to `log`."""
    from meemaken_testkit.privacy import SCAN

    full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    SCAN.log_files.append(log)
    handle = log.open("ab")
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT / "services" / service, env=full_env, stdout=handle, stderr=subprocess.STDOUT
    )


@dataclass
class Deployed:
    service: str
    url: str  # http://127.0.0.1:<port>
    logs: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def stop(self) -> list[int]:
        """SIGTERM to API and worker; their exit codes (0 when they stopped cleanly)."""
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        return [process.wait(timeout=30) for process in self.processes]


def deploy(
    service: str,
    database_url: str,
    kafka_bootstrap: str,
    logs: Path,
    extra_env: dict[str, str] | None = None,
    workers: Sequence[Sequence[str]] = ((),),
    port: int | None = None,
    ready_within: float = 60,
) -> Deployed:
    """Migrate, then start the API and one worker process per entry of `workers`, each with those extra
    arguments (e.g. `("--only", "relay")`); replicas share the consumer groups and the relay lease. The API
    must answer ``/readyz`` within `ready_within` seconds (times MEEMAKEN_TEST_TIME_FACTOR)."""
    port = port or free_port()
    env = {
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        f"{service.upper()}_BIND": f"127.0.0.1:{port}",
        **(extra_env or {}),
    }
    migrate = service_process(service, ["-m", service, "migrate"], env, logs / f"{service}-migrate.log")
    if migrate.wait(timeout=120) != 0:
        raise RuntimeError(f"{service}: migrations failed, see {logs}")
    deployed = Deployed(service, f"http://127.0.0.1:{port}", logs)
    deployed.processes.append(service_process(service, api_command(service), env, logs / f"{service}-api.log"))
    for replica, extra in enumerate(workers):
        log = logs / f"{service}-worker{'' if replica == 0 else replica + 1}.log"
        deployed.processes.append(service_process(service, ["-m", service, "worker", *extra], env, log))
    deadline = time.monotonic() + scaled(ready_within)
    while not _ready(deployed.url):
        if time.monotonic() > deadline or any(p.poll() is not None for p in deployed.processes):
            deployed.stop()
            raise RuntimeError(f"{service} did not become ready, see {logs}")
        time.sleep(0.2)
    return deployed


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:  # noqa: S310 (loopback only)
            return bool(response.status == 200)
    except OSError:
        return False
