"""/metrics of challenges, panels and notifications as deployed (Granian, meemaken_kit.serve): the API's two
worker processes count into one PROMETHEUS_MULTIPROC_DIR and /metrics sums them (proposals' own check is in
test_proposals_chain.py)."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from meemaken_testkit.deployed import deploy
from meemaken_testkit.postgres import create_database
from meemaken_testkit.tokens import bearer

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]
COUNTED = re.compile(r'^meemaken_http_requests_total\{endpoint="/healthz",method="GET",status="200"\} (\S+)$', re.M)


@pytest.mark.parametrize("service", ["challenges", "panels", "notifications"])
def test_the_apis_metrics_count_every_request_whichever_of_its_two_processes_answered(
    service, postgres_server_url, kafka_bootstrap, tmp_path_factory
):
    deployed = deploy(
        service,
        create_database(postgres_server_url, f"e2e_{service}_metrics_{uuid.uuid4().hex[:8]}"),
        kafka_bootstrap,
        tmp_path_factory.mktemp(service),
        {"WEB_CONCURRENCY": "2", "PANELS_PSEUDONYM_KEY": "e2e-secret"},
    )
    try:

        def healthz_answered() -> float:
            metrics = requests.get(f"{deployed.url}/metrics", headers=bearer(service, "administrator"), timeout=10)
            assert metrics.status_code == 200, metrics.text
            found = COUNTED.search(metrics.text)
            return float(found[1]) if found else 0.0

        before = healthz_answered()
        for _ in range(20):  # a new connection each: the processes take turns
            assert requests.get(f"{deployed.url}/healthz", headers={"Connection": "close"}, timeout=10).ok
        assert healthz_answered() == before + 20
    finally:
        assert deployed.stop() == [0, 0], "API and worker stop cleanly on SIGTERM"
