"""The gateway's test helpers and fixtures (imported by conftest.py): an in-process OpenID provider
(oidc-provider-mock) with demo people,
the gateway's app on a fresh SQLite database, and a login helper that goes through the provider."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa
import werkzeug.serving

from gateway.bootstrap import SERVICE, create_app
from gateway.settings import GatewaySettings
from meemaken_kit import Settings, make_engine, migrate

oidc_provider_mock = pytest.importorskip("oidc_provider_mock", reason="pip install oidc-provider-mock")


def national_number(birth: str, serial: int) -> str:
    """A valid Belgian national register number for a birth date (YYMMDD) and a serial."""
    body = f"{birth}{serial:03d}"
    prefix = "2" if birth[:2] < "25" and int(birth[:2]) < 25 else ""
    return body + f"{97 - int(prefix + body) % 97:02d}"


# The demo people (their names, e-mail addresses and national numbers must never leave the gateway).
ANNA = "anna"  # a resident of the demo municipality, 35, in centrum
KAREL = "karel"  # a case officer in the mobility department
LOTTE = "lotte"  # a case officer in the mobility department, for the process mobility-2027
INES = "ines"  # the decision body (the council), municipality-wide
MINOR = "minor"
VISITOR = "visitor"  # lives elsewhere
DAAN = "daan"  # a resident of the demo municipality who represents a group (Right to Challenge)
ROSA = "rosa"  # a panel coordinator, municipality-wide
OTTO = "otto"  # an assessor of Right to Challenge cases
VERA = "vera"  # the mobility department's supervisor (its head)
TESS = "tess"  # a mentor (a municipal coach of residents' groups)
NOBODY_KNOWN = "unknown-birth"  # the provider knows neither birth date nor address
PEOPLE: dict[str, dict[str, Any]] = {
    ANNA: {
        "given_name": "Anna",
        "family_name": "Janssens",
        "name": "Anna Janssens",
        "email": "anna.janssens@example.org",
        "birthdate": "1990-04-02",
        "national_number": national_number("900402", 123),
        "municipality": "demo",
        "district": "centrum",
        "roles": ["resident"],
        "groups": [],
    },
    KAREL: {
        "given_name": "Bram",
        "family_name": "Peeters",
        "name": "Bram Peeters",
        "email": "bram.peeters@example.org",
        "birthdate": "1980-01-15",
        "national_number": national_number("800115", 201),
        "municipality": "demo",
        "district": "noord",
        "roles": ["case_officer", "resident", "service", "wizard"],
        "groups": ["/departments/mobility"],
    },
    LOTTE: {
        "name": "Lotte Wouters",
        "municipality": "demo",
        "roles": ["case_officer"],
        "groups": ["/departments/mobility", "/processes/mobility-2027"],
    },
    INES: {"name": "Ines Claes", "municipality": "demo", "roles": ["decision_body"], "groups": []},
    MINOR: {
        "name": "Emma Maes",
        "birthdate": "2012-06-01",
        "national_number": national_number("120601", 44),
        "municipality": "demo",
        "district": "zuid",
        "roles": ["resident"],
    },
    DAAN: {
        "name": "Daan Maes",
        "birthdate": "1981-02-27",
        "municipality": "demo",
        "district": "centrum",
        "roles": ["resident", "group_representative"],
    },
    ROSA: {"name": "Rosa De Smet", "municipality": "demo", "roles": ["panel_coordinator"], "groups": []},
    OTTO: {"name": "Otto Vermeulen", "municipality": "demo", "roles": ["assessor"], "groups": []},
    VERA: {"name": "Vera Lambrechts", "roles": ["supervisor"], "groups": ["/departments/mobility"]},
    TESS: {"name": "Tess Vermeulen", "municipality": "demo", "roles": ["mentor"], "groups": []},
    VISITOR: {"name": "Sam Jacobs", "birthdate": "1975-03-03", "municipality": "elsewhere", "roles": ["resident"]},
    NOBODY_KNOWN: {"name": "Tess Goossens", "roles": ["resident"]},
}


@pytest.fixture(scope="session")
def provider() -> Iterator[str]:
    """The provider's issuer URL; access tokens live 1 hour (tests that need expiry use ``short_provider``)."""
    with _provider(timedelta(hours=1)) as issuer:
        yield issuer


class _provider:
    def __init__(self, lifetime: timedelta) -> None:
        users = [oidc_provider_mock.User(sub=sub, claims=claims) for sub, claims in PEOPLE.items()]
        app = oidc_provider_mock.app(user_claims=users, access_token_max_age=lifetime)
        app.wsgi_app = app.wsgi_app.app  # the mock wraps itself in werkzeug's debugger: not in tests
        logging.getLogger("oidc_provider_mock").setLevel(logging.ERROR)  # its own logs print the claims
        self.server = werkzeug.serving.make_server("localhost", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://localhost:{self.server.server_port}"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(2)


def gateway_env(issuer: str | None, **extra: str) -> dict[str, str]:
    env = {
        "MEEMAKEN_ENV": "development",
        "MEEMAKEN_PSEUDONYM_KEY": "test-pseudonym-key-of-at-least-32-characters",
        "MEEMAKEN_GATEWAY_SECRET_KEY": "test-secret-key",
        "MEEMAKEN_PUBLIC_URL": "http://localhost",
        "MEEMAKEN_OIDC_CLIENT_SECRET": "gateway-secret-for-tests",
        "MEEMAKEN_MUNICIPALITY": "demo",
        "NOTIFICATIONS_CLIENT_SECRET": "notifications-secret-for-tests",
        "PANELS_CLIENT_SECRET": "panels-secret-for-tests",
    }
    if issuer:
        env["MEEMAKEN_OIDC_ISSUER"] = issuer
    env.update(extra)
    return env


@pytest.fixture()
def make_gateway(tmp_path: Path) -> Callable[..., Any]:
    """``make_gateway(issuer, **env)`` -> the gateway's Flask app on a fresh, migrated SQLite database."""

    def make(issuer: str | None, **extra: str) -> Any:
        url = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
        migrate(SERVICE.migrations_dir, url)
        engine = make_engine(url)
        settings = Settings.from_env("gateway", {"DATABASE_URL": url})
        app = create_app(settings, engine, GatewaySettings.from_env(gateway_env(issuer, **extra)))
        app.testing = True
        return app

    return make


@pytest.fixture()
def gateway_app(make_gateway: Callable[..., Any], provider: str) -> Any:
    return make_gateway(provider)


def login(client: Any, who: str, next_path: str = "/account") -> Any:
    """Log ``who`` in through the provider: /login -> the provider's form -> /auth/callback."""
    start = client.get(f"/login?next={next_path}")
    assert start.status_code == 302, start.get_data(as_text=True)
    chosen = requests.post(start.headers["Location"], data={"sub": who}, allow_redirects=False, timeout=10)
    assert chosen.status_code == 302, chosen.text
    back = urlsplit(chosen.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def csrf_token(client: Any) -> str:
    """The CSRF token the logged-in page carries (``<meta name="csrf-token">``)."""
    page = client.get("/account").get_data(as_text=True)
    return page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


def sent_twice(client: Any, url: str, data: Mapping[str, Any]) -> Any:
    """A desk confirmation sent twice (a double click, a resend after a time-out): the second answer is the
    first's (the same status and next page, never a 409); the answer."""
    first = client.post(url, data=data)
    again = client.post(url, data=data)
    assert again.status_code == first.status_code, again.get_data(as_text=True)
    assert again.headers.get("Location") == first.headers.get("Location")
    return again


def rows(engine: sa.Engine, table: str) -> list[Mapping[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(f"SELECT * FROM {table}")).mappings()]


class Upstream:
    """A tiny service built with the kit (audience ``proposals``) on a local port: what did it receive?"""

    def __init__(self) -> None:
        from flask import jsonify, request

        from meemaken_kit import create_service_app
        from meemaken_kit.auth import principal, public

        self.received: list[dict[str, Any]] = []
        engine = make_engine("sqlite://")

        def record(**_: Any) -> Any:
            who = principal()
            self.received.append(
                {
                    "method": request.method,
                    "path": request.full_path,
                    "headers": dict(request.headers),
                    "body": request.get_data(as_text=True),
                    "who": None
                    if who is None
                    else {"sub": who.subject, "roles": sorted(who.roles), "attrs": dict(who.attributes)},
                }
            )
            return jsonify(self.received[-1]["who"] or {}), 201 if request.method == "POST" else 200

        def configure(app: Any) -> None:
            app.add_url_rule("/api/v1/public", "public_echo", public(lambda: record()), methods=["GET"])
            app.add_url_rule("/api/v1/proposals", "proposals", record, methods=["GET", "POST"])
            app.add_url_rule("/api/v1/proposals/<pid>/support", "support", record, methods=["POST"])

        settings = Settings.from_env("proposals", {"DATABASE_URL": "sqlite://"})
        app = create_service_app(settings, "upstream", [], engine, configure=configure)
        self.server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> Upstream:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(2)


@pytest.fixture()
def upstream() -> Iterator[Upstream]:
    """A running ``Upstream`` (audience ``proposals``) for the pass-through's tests."""
    with Upstream() as running:
        yield running
