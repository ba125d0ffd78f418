"""infra/compose.yaml agrees with the images and the code it runs (no container engine needed).

The compose file cannot be brought up on a machine without a registry (PostgreSQL, Kafka, Keycloak and
the mail catcher are upstream images), so what can be checked offline is checked here: every service
runs as API and worker from its own image with the commands the image's entry point knows, every
variable it sets is one the code reads, every secret file it names is mounted and made by
compose/make_secrets.py, every ${...} has a default or is written to infra/.env, and only the gateway,
Keycloak and the mail catcher's page are published, on 127.0.0.1 only.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "infra" / "compose.yaml"
ENTRYPOINT = ROOT / "infra" / "images" / "meemaken"
SERVICES = {"gateway": 8100, "proposals": 8101, "challenges": 8102, "panels": 8103, "notifications": 8104}
PUBLISHED = {"gateway": "127.0.0.1:8100:8100", "keycloak": "127.0.0.1:8180:8180", "mail": "127.0.0.1:8025:8025"}


@cache
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


@cache
def code_text() -> str:
    """Every source file the images run: a variable the compose file sets must be read somewhere here."""
    files = [*ROOT.glob("libs/*/src/**/*.py"), *ROOT.glob("services/*/src/**/*.py"), *ROOT.glob("services/*/*.py")]
    return "\n".join(path.read_text() for path in files) + ENTRYPOINT.read_text()


def secrets_module() -> Any:
    spec = importlib.util.spec_from_file_location("compose_secrets", ROOT / "infra" / "compose" / "make_secrets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dockerfile() -> str:
    return (ROOT / "infra" / "images" / "service.Dockerfile").read_text()


def test_every_service_runs_as_api_and_worker_from_its_own_image() -> None:
    services = compose()["services"]
    for name, port in SERVICES.items():
        api, worker = services[name], services[f"{name}-worker"]
        image = f"${{MEEMAKEN_IMAGE_PREFIX:-localhost/meemaken}}/{name}:${{MEEMAKEN_IMAGE_TAG:-dev}}"
        assert api["image"] == worker["image"] == image
        assert api["build"]["dockerfile"] == "infra/images/service.Dockerfile"
        assert api["build"]["args"] == {"SERVICE": name, "PORT": str(port)}
        assert (COMPOSE.parent / api["build"]["context"] / api["build"]["dockerfile"]).is_file()
        assert (api["command"], worker["command"]) == (["api"], ["worker"])
        assert worker["depends_on"] == {name: {"condition": "service_healthy"}}, "the worker waits for the schema"
        assert api["environment"]["MEEMAKEN_MIGRATE_ON_START"] == "1"
        assert worker["environment"]["MEEMAKEN_MIGRATE_ON_START"] == "0"
        assert "MEEMAKEN_PORT=${PORT}" in dockerfile() and "EXPOSE ${PORT}" in dockerfile()
        assert f"[{name}]={port}" in (ROOT / "infra" / "images.sh").read_text(), "images.sh builds it on that port"
        assert services["gateway"]["environment"][f"{name.upper()}_BASE_URL"] == f"http://{name}:{port}"


def test_each_service_has_its_own_database_role_and_none_another_s() -> None:
    for name, service in compose()["services"].items():
        urls = {k: v for k, v in service.get("environment", {}).items() if k.endswith("DATABASE_URL")}
        if name.removesuffix("-worker") not in SERVICES:
            assert not urls, name
            continue
        owner = name.removesuffix("-worker")
        assert set(urls) == {f"{owner.upper()}_DATABASE_URL"}, name
        assert re.fullmatch(
            rf"postgresql\+psycopg://{owner}:\$\{{{owner.upper()}_DB_PASSWORD:\?\}}@postgres:5432/{owner}",
            urls[f"{owner.upper()}_DATABASE_URL"],
        )
    init = (ROOT / "infra" / "compose" / "postgres-init.sh").read_text()
    assert all(name in init for name in SERVICES)
    postgres = compose()["services"]["postgres"]["environment"]
    assert {f"{name.upper()}_DB_PASSWORD" for name in SERVICES} <= set(postgres)


def test_the_meemaken_containers_are_locked_down_and_checked_by_the_image_s_healthcheck() -> None:
    for name, service in compose()["services"].items():
        if name.removesuffix("-worker") not in SERVICES:
            continue
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert any(t.startswith("/tmp") for t in service["tmpfs"]), f"{name}: the API's metrics need a /tmp"
        assert service["healthcheck"]["test"] == ["CMD", "meemaken", "healthcheck"], name
    assert "healthcheck)" in ENTRYPOINT.read_text()
    text = dockerfile()
    healthcheck = "HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD "
    healthcheck += '["meemaken", "healthcheck"]'
    assert healthcheck in text
    assert "USER 10001:10001" in text and 'ENTRYPOINT ["meemaken"]' in text


def test_every_variable_the_compose_file_sets_is_one_the_code_reads() -> None:
    infrastructure = {"postgres", "kafka", "keycloak", "mail", "topics"}
    for name, service in compose()["services"].items():
        if name in infrastructure:
            continue
        for variable in service["environment"]:
            assert re.search(rf"\b{re.escape(variable)}\b", code_text()) or _read_by_pattern(variable), (
                f"{name}: {variable} is read by no code"
            )


def _read_by_pattern(variable: str) -> bool:
    """Variables the code reads by a composed name: <SERVICE>_BIND, <SERVICE>_DATABASE_URL, <NAME>_FILE."""
    if variable.endswith("_FILE"):
        return True  # configured_secret(name) reads <name>_FILE; the names are checked in the secrets test
    return any(
        variable == f"{s.upper()}_{suffix}"
        for s in SERVICES
        for suffix in ("BIND", "DATABASE_URL", "BASE_URL", "WORKER_METRICS_BIND")
    )


def test_every_secret_file_named_is_mounted_and_made_by_secrets_py() -> None:
    made = set(secrets_module().RANDOM_FILES) | {"signing-keys.json"}
    declared = compose()["secrets"]
    for secret in declared.values():
        assert Path(secret["file"]).name in made, secret
    for name, service in compose()["services"].items():
        for variable, value in service.get("environment", {}).items():
            if variable.endswith("_FILE") and str(value).startswith("/run/secrets/"):
                secret = value.removeprefix("/run/secrets/")
                assert secret in declared, f"{name}: {variable} names an undeclared secret"
                assert secret in service.get("secrets", []), f"{name}: {variable} names a secret it does not mount"


def test_every_required_variable_is_written_to_the_env_file_by_secrets_py() -> None:
    required = set(re.findall(r"\$\{([A-Z_]+):\?", COMPOSE.read_text()))
    assert required == set(secrets_module().ENV_NAMES)


def test_only_the_gateway_keycloak_and_the_mail_page_are_published_on_loopback() -> None:
    services = compose()["services"]
    published = {name: service["ports"] for name, service in services.items() if service.get("ports")}
    assert published == {name: [port] for name, port in PUBLISHED.items()}
    assert compose()["networks"]["backend"]["internal"] is True
    assert all("frontend" not in service["networks"] for name, service in services.items() if name not in PUBLISHED)


COMPOSE_GO = "github.com/compose-spec/compose-go/v2@v2.16.2"  # its schema/compose-spec.json: the Compose Specification


def test_the_compose_file_is_valid_against_the_compose_specification_schema() -> None:
    """The schema docker compose and podman-compose follow, from the compose-go module (Go module proxy,
    cached in Go's module cache); skipped where Go or the proxy cannot be had."""
    if shutil.which("go") is None:
        pytest.skip("Go is not installed: the Compose Specification's schema comes from the compose-go module")
    done = subprocess.run(["go", "mod", "download", "-json", COMPOSE_GO], capture_output=True, text=True, timeout=300)
    found = json.loads(done.stdout or "{}").get("Dir")
    if not found:
        pytest.skip(f"{COMPOSE_GO} could not be downloaded: {done.stdout[-300:]}{done.stderr[-300:]}")
    schema = json.loads((Path(found) / "schema" / "compose-spec.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(compose())]
    assert not errors, "\n".join(errors)
