"""Under Granian, as deployed (`python -m gateway serve`): the Server header names no software and no
version, on pages and on the API pass-through's fast lane alike."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from gateway.bootstrap import SERVICE
from meemaken_kit.serve import api_command
from meemaken_testkit.ports import free_port

pytestmark = pytest.mark.e2e


def test_the_server_sends_no_banner(tmp_path: Path):
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.sqlite'}",
        "GATEWAY_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    root = Path(SERVICE.root)
    subprocess.run([sys.executable, "-m", "gateway", "migrate"], cwd=root, env=env, check=True, capture_output=True)
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen([sys.executable, *api_command("gateway")], cwd=root, env=env, stdout=log, stderr=log)
    try:
        answer = None
        for _ in range(300):
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/", headers={"Connection": "close"}, timeout=(1, 30))
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert answer is not None and answer.status_code == 200
        assert answer.headers["Server"] == "meemaken"
        assert "gunicorn" not in str(answer.headers).lower() and "granian" not in str(answer.headers).lower()
        assert answer.headers["X-Frame-Options"] == "DENY"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
