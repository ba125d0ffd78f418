"""The challenges service is alive, ready, measured (for ops only), documented, and answers unknown routes
with a problem."""

from challenges.bootstrap import SERVICE
from meemaken_testkit.service_checks import operations_client
from meemaken_testkit.tokens import bearer


def test_the_service_answers_its_operations_endpoints(tmp_path):
    client = operations_client(SERVICE, tmp_path)
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ready"}
    assert client.get("/api/openapi.json").get_json()["info"]["title"].startswith("meemaken")
    missing = client.get("/no/such/thing")
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"


def test_metrics_are_for_an_administrator_only(tmp_path):
    client = operations_client(SERVICE, tmp_path)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"X-Meemaken-Role": "administrator"}).status_code == 401
    assert client.get("/metrics", headers=bearer("challenges", "decision_body")).status_code == 403
    measured = client.get("/metrics", headers=bearer("challenges", "administrator"))
    assert b"meemaken_http_requests_total" in measured.data
