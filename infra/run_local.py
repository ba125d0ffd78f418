"""`make run`: the whole of meemaken on one machine, stopped cleanly by Ctrl-C.

Starts a local Apache Kafka broker (MEEMAKEN_KAFKA_BROKERS=3: a cluster of three; unless KAFKA_BOOTSTRAP_SERVERS
names brokers) and a local Keycloak
with the demo realm (unless MEEMAKEN_OIDC_ISSUER names an OIDC provider), creates the declared
topics, migrates every service's SQLite database under .run/data (or the database each
<SERVICE>_DATABASE_URL names), then runs every service's API (`python -m <service> serve`) and its worker (relay +
consumers), seeds the demo municipality's data through their APIs (infra/demo_data.py; not with
MEEMAKEN_DEMO_DATA=0 or MEEMAKEN_ENV=production), prints where to log in with the demo accounts and waits.
With MEEMAKEN_DATABASE=postgres the services keep their data in a local PostgreSQL cluster instead
(infra/postgres/pg.sh, Debian's binaries, in .run/postgres on 127.0.0.1:MEEMAKEN_POSTGRES_PORT, default 5433):
one role and one database per service, as in production; Ctrl-C (or `make stop`) stops it, the data stays.
With MEEMAKEN_TRACING=zipkin it also starts a local Zipkin server (infra/zipkin/zipkin.sh) and every API and
worker sends it their spans (meemaken_kit.tracing), unless OTEL_* variables already say where traces go.
If any process dies, everything stops with a message saying which, so nothing keeps running half-broken.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg

from meemaken_kit.serve import api_command

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {"gateway": 8100, "proposals": 8101, "challenges": 8102, "panels": 8103, "notifications": 8104}
KAFKA = ["bash", str(ROOT / "infra" / "kafka" / "kafka.sh")]
KEYCLOAK = ["bash", str(ROOT / "infra" / "keycloak" / "keycloak.sh")]
ZIPKIN = ["bash", str(ROOT / "infra" / "zipkin" / "zipkin.sh")]
PG = ["bash", str(ROOT / "infra" / "postgres" / "pg.sh")]
PG_DIR = ROOT / ".run" / "postgres"
DEMO_USERS = ROOT / "infra" / "keycloak" / "demo-users.md"
CLIENTS = ("panels", "notifications", "scraper")  # services' own credentials at the gateway's token endpoint


def identity_env(env: dict[str, str]) -> bool:
    """The OIDC provider (a local Keycloak unless MEEMAKEN_OIDC_ISSUER names one), the gateway's JWKS for
    every service and each service's own client secret; True when a local Keycloak was started."""
    own_provider = "MEEMAKEN_OIDC_ISSUER" not in os.environ
    print("Identity: " + ("starting a local Keycloak (demo realm)" if own_provider else env["MEEMAKEN_OIDC_ISSUER"]))
    if own_provider:
        subprocess.run([*KEYCLOAK, "up"], env=env, check=True)
        printed = subprocess.run([*KEYCLOAK, "env"], env=env, check=True, capture_output=True, text=True).stdout
        for line in printed.splitlines():
            key, sep, value = line.partition("=")
            if sep and key.startswith("MEEMAKEN_OIDC_"):
                env.setdefault(key, value)
    # Everyone who logs in acts as a resident; whether they may vote or support is up to their verified
    # attributes (the demo's non-resident is told why, rather than refused for want of a role).
    env.setdefault("MEEMAKEN_OIDC_DEFAULT_ROLES", "resident")
    for client in CLIENTS:  # fresh for each run unless configured: never in the repository
        env.setdefault(f"{client.upper()}_CLIENT_SECRET", secrets.token_urlsafe(32))
    gateway = env["GATEWAY_BASE_URL"]
    env.setdefault("MEEMAKEN_PUBLIC_URL", gateway)
    env.setdefault("MEEMAKEN_TOKEN_URL", f"{gateway}/oauth/token")
    return own_provider


def tracing_env(env: dict[str, str]) -> str | None:
    """MEEMAKEN_TRACING=zipkin: a local Zipkin and the OTEL_* variables that send every process's spans to it;
    its URL, or None when tracing is off (nothing exported) or configured by the caller's own OTEL_* variables."""
    choice = env.get("MEEMAKEN_TRACING", "").strip().lower()
    if choice in ("", "0", "off", "none"):
        return None
    if choice != "zipkin":
        raise SystemExit(f"MEEMAKEN_TRACING={choice!r}: use zipkin (a local trace viewer), or leave it unset")
    print("Tracing: starting a local Zipkin")
    url = subprocess.run([*ZIPKIN, "up"], env=env, check=True, capture_output=True, text=True).stdout.strip()
    printed = subprocess.run([*ZIPKIN, "env"], env=env, check=True, capture_output=True, text=True).stdout
    for line in printed.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            env.setdefault(key, value)
    return url


def database_env(env: dict[str, str]) -> str | None:
    """MEEMAKEN_DATABASE=postgres: a local PostgreSQL cluster with one role and one database per service, and
    each service's <SERVICE>_DATABASE_URL pointing at its own; the server's address, or None (SQLite files)."""
    choice = env.get("MEEMAKEN_DATABASE", "").strip().lower()
    if choice in ("", "sqlite"):
        return None
    if choice not in ("postgres", "postgresql"):
        raise SystemExit(f"MEEMAKEN_DATABASE={choice!r}: use postgres (a local cluster), or leave it unset (SQLite)")
    port = env.get("MEEMAKEN_POSTGRES_PORT", "5433")
    print(f"Database: starting a local PostgreSQL cluster on 127.0.0.1:{port}")
    subprocess.run([*PG, "start", str(PG_DIR), port], env=_without_database_url(env), check=True)
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as conn:
        for name in SERVICES:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone() is None:
                conn.execute(f'CREATE ROLE "{name}" LOGIN')
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}" OWNER "{name}"')
                conn.execute(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC')
            env.setdefault(f"{name.upper()}_DATABASE_URL", f"postgresql+psycopg://{name}@127.0.0.1:{port}/{name}")
    return f"127.0.0.1:{port}"


def _without_database_url(env: dict[str, str]) -> dict[str, str]:
    """pg.sh starts nothing when DATABASE_URL is set; this cluster is asked for explicitly."""
    return {k: v for k, v in env.items() if k != "DATABASE_URL"}


def service_env(name: str, env: dict[str, str]) -> dict[str, str]:
    """The gateway signs with its own keys; the services verify against its published JWKS."""
    if name == "gateway":
        return env
    return {"MEEMAKEN_JWKS_URL": f"{env['GATEWAY_BASE_URL']}/.well-known/jwks.json", **env}


def demo_users() -> list[str]:
    """`user  password  roles` of the demo realm, from infra/keycloak/demo-users.md."""
    rows = []
    for line in DEMO_USERS.read_text().splitlines() if DEMO_USERS.exists() else []:
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) > 3 and re.fullmatch(r"[a-z]+", cells[0]):
            rows.append(f"{cells[0]:<8} {cells[1]:<16} {cells[3]}")
    return rows


def main() -> int:
    env = dict(os.environ)
    env.setdefault("MEEMAKEN_DATA_DIR", str(ROOT / ".run" / "data"))
    env.setdefault("PYTHONUNBUFFERED", "1")
    for name, port in SERVICES.items():
        env.setdefault(f"{name.upper()}_BIND", f"127.0.0.1:{port}")
        env.setdefault(f"{name.upper()}_BASE_URL", f"http://127.0.0.1:{port}")
        env.setdefault(f"{name.upper()}_WORKER_METRICS_BIND", f"127.0.0.1:{port + 100}")
    own_broker = "KAFKA_BOOTSTRAP_SERVERS" not in os.environ
    env["KAFKA_BROKERS"] = env.get("MEEMAKEN_KAFKA_BROKERS", env.get("KAFKA_BROKERS", "1"))
    local = "a local broker" if env["KAFKA_BROKERS"] == "1" else f"a local cluster of {env['KAFKA_BROKERS']} brokers"
    print("Kafka: " + (f"starting {local}" if own_broker else "using " + os.environ["KAFKA_BOOTSTRAP_SERVERS"]))
    subprocess.run([*KAFKA, "up"], env={**env, "PYTHON": sys.executable}, check=True)
    if own_broker:
        env["KAFKA_BOOTSTRAP_SERVERS"] = subprocess.run(
            [*KAFKA, "bootstrap"], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
    own_provider = identity_env(env)
    zipkin = tracing_env(env)
    postgres = database_env(env)

    for name in SERVICES:
        subprocess.run([sys.executable, "-m", name, "migrate"], cwd=ROOT / "services" / name, env=env, check=True)

    processes: dict[str, subprocess.Popen[bytes]] = {}
    log_dir = ROOT / ".run" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    if "SMTP_HOST" not in os.environ:  # a local mail sink: every e-mail the system sends ends up in smtp.log
        env["SMTP_HOST"], env["SMTP_PORT"] = "127.0.0.1", env.get("SMTP_PORT", "8025")
        sink = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{env['SMTP_PORT']}"]
        processes["smtp"] = _start(sink, ROOT, env, log_dir / "smtp.log")
    for name in SERVICES:
        cwd = ROOT / "services" / name
        api = [sys.executable, *api_command(name)]
        processes[f"{name}-api"] = _start(api, cwd, service_env(name, env), log_dir / f"{name}-api.log")
        worker = [sys.executable, "-m", name, "worker"]
        processes[f"{name}-worker"] = _start(worker, cwd, service_env(name, env), log_dir / f"{name}-worker.log")

    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    _wait_healthy(env, processes)
    if not stopping and all(p.poll() is None for p in processes.values()):
        _seed_demo_data(env)
    print("\nmeemaken is running:")
    print(f"  citizens' portal      {env['GATEWAY_BASE_URL']}/")
    print(f"  log in                {env['GATEWAY_BASE_URL']}/login")
    for name in SERVICES:
        if name != "gateway":
            print(f"  {name + ' API':<20}  {env['GATEWAY_BASE_URL']}/api/{name}/openapi.json")
    print(f"  identity provider     {env['MEEMAKEN_OIDC_ISSUER']}")
    if postgres:
        print(f"  PostgreSQL            {postgres}, a database and a role per service (data in {PG_DIR / 'data'})")
    else:
        print(f"  databases             SQLite files in {env['MEEMAKEN_DATA_DIR']}")
    if own_provider:
        print("  demo accounts (demo only; all in infra/keycloak/demo-users.md):")
        for row in demo_users():
            print(f"    {row}")
    print("  worker metrics        http://127.0.0.1:8200/metrics ... 8204")
    if "smtp" in processes:
        print(f"  e-mails sent          {log_dir / 'smtp.log'} (a local SMTP sink on port {env['SMTP_PORT']})")
    if zipkin:
        print(f"  traces (Zipkin)       {zipkin}/zipkin/ (each API's and worker's spans)")
    print(f"  logs                  {log_dir}")
    print("Press Ctrl-C to stop everything.\n")
    failed = ""
    while not stopping:
        for label, process in processes.items():
            if process.poll() is not None:
                failed = f"{label} exited with code {process.returncode}; see {log_dir / (label + '.log')}"
                stopping = True
        time.sleep(0.5)
    print("\nStopping" + (f" because {failed}" if failed else "") + " ...")
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for process in processes.values():
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    if own_broker:
        env.pop("KAFKA_BOOTSTRAP_SERVERS")
        subprocess.run([*KAFKA, "stop"], env=env, check=False)
    if own_provider:
        env.pop("MEEMAKEN_OIDC_ISSUER", None)
        subprocess.run([*KEYCLOAK, "stop"], env=env, check=False)
    if zipkin:
        subprocess.run([*ZIPKIN, "stop"], env=env, check=False)
    if postgres:
        subprocess.run([*PG, "stop", str(PG_DIR)], env=_without_database_url(env), check=False)
    print("Stopped.")
    return 1 if failed else 0


def _start(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT)


def _seed_demo_data(env: dict[str, str]) -> None:
    """The demo municipality's processes, proposals, budget rounds, task and panel (infra/demo_data.py), through
    the services' APIs; it says what it seeded, or why not (MEEMAKEN_DEMO_DATA=0, MEEMAKEN_ENV=production).
    A failure is reported, not fatal: the system runs without (part of) its demo data."""
    seeding = subprocess.run([sys.executable, str(ROOT / "infra" / "demo_data.py")], cwd=ROOT, env=env, check=False)
    if seeding.returncode != 0:
        print("warning: the demo data is not complete (see above); the next `make run` completes it")


def _wait_healthy(env: dict[str, str], processes: dict[str, subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 60
    pending = set(SERVICES)
    while pending and time.monotonic() < deadline:
        for name in list(pending):
            try:
                with urllib.request.urlopen(env[name.upper() + "_BASE_URL"] + "/readyz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        pending.discard(name)
            except OSError:
                pass
        if any(p.poll() is not None for p in processes.values()):
            return
        time.sleep(0.3)
    if pending:
        print(f"warning: not ready after 60 s: {', '.join(sorted(pending))}")


if __name__ == "__main__":
    raise SystemExit(main())
