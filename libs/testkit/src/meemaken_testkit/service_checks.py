"""Checks every service must pass, whatever it owns: health, readiness, metrics, OpenAPI, problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def operations_client(service: Any, folder: Path) -> Any:
    """A test client of the service's app on a fresh, migrated SQLite database in `folder`."""
    from meemaken_kit import Settings, make_engine, migrate

    url = f"sqlite:///{folder / (service.name + '.sqlite')}"
    migrate(service.migrations_dir, url)
    settings = Settings.from_env(service.name, {"DATABASE_URL": url})
    return service.create_app(settings, make_engine(url)).test_client()


def assert_operations(service: Any, folder: Path) -> None:
    client = operations_client(service, folder)
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ready"}
    from meemaken_testkit.tokens import bearer, token

    assert client.get("/metrics").status_code == 401  # not for anyone
    assert client.get("/metrics", headers=bearer(service.name, "resident")).status_code == 403
    assert b"meemaken_http_requests_total" in client.get("/metrics", headers=bearer(service.name, "administrator")).data
    scraper = token(service.name, "service", sub="service:scraper", scope=["metrics:read"])
    assert client.get("/metrics", headers={"Authorization": f"Bearer {scraper}"}).status_code == 200
    assert client.get("/api/openapi.json").get_json()["info"]["title"].startswith("meemaken")
    missing = client.get("/no/such/thing")
    assert missing.status_code == 404
    assert missing.content_type == "application/problem+json"


def refused_settings(service: Any, env: dict[str, str]) -> str:
    """The one line with which the service's start refuses the configuration ``env`` (its settings class)."""
    import pytest

    from meemaken_kit.config import ConfigurationError

    with pytest.raises(ConfigurationError) as refused:
        service.settings(env)
    line = str(refused.value)
    assert line.startswith(f"{service.name}: configuration refused: ") and "\n" not in line
    assert isinstance(refused.value, SystemExit), "uncaught, it ends the process with this line, no traceback"
    return line
