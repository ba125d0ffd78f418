"""The gateway service is alive, ready, measured (for an administrator), documented, and answers unknown
routes with a problem."""

from gateway.bootstrap import SERVICE
from meemaken_testkit.service_checks import operations_client
from meemaken_testkit.tokens import bearer


def test_the_service_answers_its_operations_endpoints(tmp_path):
    client = operations_client(SERVICE, tmp_path)
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ready"}
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=bearer("gateway", "resident")).status_code == 403
    assert b"meemaken_http_requests_total" in client.get("/metrics", headers=bearer("gateway", "administrator")).data
    spec = client.get("/api/openapi.json").get_json()
    assert spec["info"]["title"] == "meemaken gateway" and "/oauth/token" in spec["paths"]
    missing = client.get("/no/such/thing")
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"
