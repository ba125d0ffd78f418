"""The gateway service answers health, readiness, metrics and its OpenAPI document."""

from gateway.bootstrap import SERVICE, create_app
from meemaken_kit import Settings, make_engine, migrate


def client(tmp_path):
    url = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    migrate(SERVICE.migrations_dir, url)
    return create_app(Settings.from_env("gateway", {"DATABASE_URL": url}), make_engine(url)).test_client()


def test_the_service_is_alive_ready_measured_and_documented(tmp_path):
    c = client(tmp_path)
    assert c.get("/healthz").get_json() == {"status": "ok"}
    assert c.get("/readyz").get_json() == {"status": "ready"}
    assert b"meemaken_http_requests_total" in c.get("/metrics").data
    assert c.get("/api/openapi.json").get_json()["info"]["title"].startswith("meemaken")


def test_an_unknown_route_is_a_problem(tmp_path):
    missing = client(tmp_path).get("/no/such/thing")
    assert missing.status_code == 404
    assert missing.content_type == "application/problem+json"


def test_the_portal_speaks_dutch_by_default_and_english_on_request(tmp_path):
    c = client(tmp_path)
    dutch = c.get("/").get_data(as_text=True)
    assert '<html lang="nl">' in dutch and "Samen beleid" in dutch
    english = c.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Making municipal policy" in english
    assert '<html lang="nl">' in c.get("/?lang=xx").get_data(as_text=True)
