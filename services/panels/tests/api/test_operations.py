"""The panels service is alive, ready, measured (for ops only), documented, and answers unknown routes with a
problem."""

from meemaken_testkit.service_checks import operations_client
from meemaken_testkit.tokens import bearer, service_bearer
from panels.bootstrap import SERVICE


def test_the_service_answers_its_operations_endpoints(tmp_path):
    client = operations_client(SERVICE, tmp_path)
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ready"}
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=bearer("panels", "resident")).status_code == 403
    assert b"meemaken_http_requests_total" in client.get("/metrics", headers=bearer("panels", "administrator")).data
    scraper = service_bearer("scraper", "panels", "metrics:read")
    assert b"meemaken_http_requests_total" in client.get("/metrics", headers=scraper).data
    assert client.get("/api/openapi.json").get_json()["info"]["title"].startswith("meemaken")
    missing = client.get("/no/such/thing")
    assert missing.status_code == 404
    assert missing.content_type == "application/problem+json"
