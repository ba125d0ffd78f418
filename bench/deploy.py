"""What the gateway benchmarks (portal_render, gateway_ballots, work_queue) deploy: an in-process OpenID
provider (oidc-provider-mock) with the benchmark's users, then, each with a database of its own on
`--server-url` and the real broker at `--bootstrap`, proposals (as deployed: Granian + worker; it verifies
the tokens the gateway mints against the gateway's JWKS) when the benchmark needs it, and the gateway in front
of it (Granian + worker) on a free port, each ready (`/readyz`) before `stack` yields; all stopped after.

    with stack("portal", args, ["voter-0"], CLAIMS, env) as deployed:
        ... deployed.gateway_url, deployed.proposals.url, deployed.proposals_database ...
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import werkzeug.serving

from meemaken_testkit.deployed import Deployed, deploy
from meemaken_testkit.ports import free_port
from meemaken_testkit.postgres import create_database


def provider(subjects: list[str], claims: Mapping[str, Any]) -> tuple[str, Any]:
    """An OpenID provider in this process whose users (`subjects`) all carry `claims`: its issuer URL and server."""
    import oidc_provider_mock

    users = [oidc_provider_mock.User(sub=sub, claims=dict(claims)) for sub in subjects]
    app = oidc_provider_mock.app(user_claims=users)
    app.wsgi_app = app.wsgi_app.app  # without the debugger the mock wraps itself in
    logging.getLogger("oidc_provider_mock").setLevel(logging.ERROR)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = werkzeug.serving.make_server("localhost", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://localhost:{server.server_port}", server


def gateway_env(issuer: str, public_url: str, proposals_url: str | None, municipality: str = "bench") -> dict[str, str]:
    """A benchmark's gateway: logins through the mock provider at `issuer`, the API to `proposals_url`."""
    env = {
        "MEEMAKEN_OIDC_ISSUER": issuer,
        "MEEMAKEN_OIDC_CLIENT_SECRET": "bench-client-secret",
        "MEEMAKEN_PUBLIC_URL": public_url,
        "MEEMAKEN_MUNICIPALITY": municipality,
        # the limiter stays in the path: each user's own limits as configured by default, and
        # the per-address ones raised, since every user comes from this one address
        "MEEMAKEN_RATELIMIT_LOGIN": "1000000/minute",
        "MEEMAKEN_RATELIMIT_SUBMISSIONS_ADDRESS": "1000000/minute",
    }
    return env | ({"PROPOSALS_BASE_URL": proposals_url} if proposals_url else {})


@dataclass(frozen=True)
class Stack:
    """The deployed services of one benchmark run."""

    logs: Path
    gateway_url: str
    gateway: Deployed
    gateway_database: str
    proposals: Deployed | None
    proposals_database: str | None


@contextmanager
def stack(
    name: str,
    args: argparse.Namespace,
    subjects: list[str],
    claims: Mapping[str, Any],
    env: Mapping[str, str],
    gateway_extra: Mapping[str, str] | None = None,
    with_proposals: bool = True,
    municipality: str = "bench",
) -> Iterator[Stack]:
    """The provider, proposals (unless not `with_proposals`) and the gateway, each service with `env` (the
    gateway also with `gateway_extra`), databases named `bench_<name>_<service>_<random>`; stopped on leaving."""
    logs = Path(tempfile.mkdtemp(prefix=f"meemaken-{name}-bench-"))
    port = free_port()
    gateway_url = f"http://127.0.0.1:{port}"
    issuer, server = provider(subjects, claims)
    started: list[Deployed] = []
    try:
        proposals = proposals_database = None
        if with_proposals:
            proposals_database = create_database(args.server_url, f"bench_{name}_proposals_{uuid.uuid4().hex[:8]}")
            keys = {"MEEMAKEN_JWKS_URL": f"{gateway_url}/.well-known/jwks.json"}
            proposals = deploy("proposals", proposals_database, args.bootstrap, logs, {**env, **keys})
            started.append(proposals)
        gateway_database = create_database(args.server_url, f"bench_{name}_gateway_{uuid.uuid4().hex[:8]}")
        login = gateway_env(issuer, gateway_url, proposals.url if proposals else None, municipality)
        gateway = deploy(
            "gateway", gateway_database, args.bootstrap, logs, {**env, **login, **(gateway_extra or {})}, port=port
        )
        started.append(gateway)
        yield Stack(logs, gateway_url, gateway, gateway_database, proposals, proposals_database)
    finally:
        for deployed in reversed(started):
            deployed.stop()
        server.shutdown()
