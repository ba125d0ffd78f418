"""The whole system from its container images, as an ops team runs it (issue 17, item 1).

infra/images.sh builds the five images (buildah; cached layers make a rebuild take seconds); each
service's `migrate` runs as a one-off container, then its `api` and its `worker` as two containers of
the same image, in production mode, as uid 10001 on a read-only root filesystem (a tmpfs on /tmp), all
capabilities dropped, with the signing keys and other secrets as read-only mounted files. PostgreSQL,
Kafka and Keycloak (the identity provider, with the demo realm) are the test session's own, on the host's
loopback: the containers share the host's network (`--network host`) and listen on 127.0.0.1 only.
What is proven:

1. Every image's HEALTHCHECK passes, for the API and for the worker; nothing runs as root and nothing
   can write to the image's files; numpy and highspy are in the proposals and panels images only.
2. A demo resident logs in through the gateway's container with Keycloak (code flow, production cookies)
   and reaches her account page.
3. One workflow end to end through the gateway only: a case officer opens a proposals call, a resident
   submits a proposal, the proposals worker admits it (outbox -> Kafka -> consumer), the notifications
   worker tells the resident, who reads the message in their inbox, all through /api/<service>/ with
   bearer tokens for the gateway; the challenges and panels APIs answer through it too.
4. Every container stops cleanly on SIGTERM (exit code 0).
5. `meemaken topics` from a built image creates declared topics on the session's broker with the partitions,
   replication factor and configs its environment asks for.

Where podman and buildah cannot run (not installed, not root, no usable runtime), the test is skipped
and says why.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest
import requests

from meemaken_kit.tokens import SigningKey, SigningKeys, TokenIssuer
from meemaken_testkit.kafka import declared_topics
from meemaken_testkit.keycloak import Keycloak, LoopbackCookiePolicy
from meemaken_testkit.ports import free_port
from meemaken_testkit.postgres import create_database
from meemaken_testkit.privacy import SCAN

pytestmark = [pytest.mark.images, pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
IMAGES_SH = ROOT / "infra" / "images.sh"
PODMAN_ENV = {**os.environ, "CONTAINERS_CONF": str(ROOT / "infra" / "images" / "containers.conf")}
PREFIX = os.environ.get("IMAGE_PREFIX", "localhost/meemaken")
TAG = os.environ.get("IMAGE_TAG", "dev")
SERVICES = ("gateway", "proposals", "challenges", "panels", "notifications")
APP_UID = "10001"
SECRETS = "/run/secrets/meemaken"  # where the containers see the mounted secret files
MUNICIPALITY = "gent"
SOLVERS = ("highspy", "numpy")  # proposals' MES and panels' LEXIMIN only: the other images go without
NEEDS_SOLVERS = {"proposals": ["numpy"], "panels": ["highspy", "numpy"]}
TEXT = "Close the street in front of the school for cars at the start and end of the day."


def podman(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["podman", *args], env=PODMAN_ENV, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"podman {' '.join(args[:3])} ... failed ({done.returncode}): {done.stderr[-2000:]}")
    return done


@pytest.fixture(scope="session")
def images() -> dict[str, str]:
    """The five images, built (or found up to date in the layer cache) by infra/images.sh."""
    check = subprocess.run(["bash", str(IMAGES_SH), "check"], capture_output=True, text=True, timeout=120)
    if check.returncode != 0:
        pytest.skip(f"container images cannot be built or run here: {check.stderr.strip()}")
    started = time.monotonic()
    build = subprocess.run(["bash", str(IMAGES_SH), "build"], capture_output=True, text=True, timeout=3600)
    assert build.returncode == 0, f"infra/images.sh build failed:\n{build.stderr[-4000:]}"
    print(f"images built in {time.monotonic() - started:.0f} s:\n{build.stderr}")
    return {service: f"{PREFIX}/{service}:{TAG}" for service in SERVICES}


@dataclass
class System:
    gateway: str  # http://127.0.0.1:<port>
    issuer: TokenIssuer  # signs as the gateway does: its bearer tokens for aud=gateway are what scripts send
    keycloak: Keycloak
    containers: dict[str, str] = field(default_factory=dict)  # name -> container id
    logs: Path = Path()

    def bearer(self, *roles: str, sub: uuid.UUID | None = None, attrs: dict[str, Any] | None = None) -> dict[str, str]:
        token = self.issuer.issue(str(sub or uuid.uuid4()), "gateway", roles, attrs)
        return {"Authorization": f"Bearer {token}"}


def _secret_file(folder: Path, name: str, content: str) -> Path:
    """A secret the containers' user (and only it) can read; mounted read-only."""
    path = folder / name
    path.write_text(content)
    path.chmod(0o400)
    os.chown(path, int(APP_UID), int(APP_UID))
    return path


def _environment(
    ports: dict[str, int], metrics: dict[str, int], databases: dict[str, str], kafka: str
) -> dict[str, str]:
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    env = {
        "MEEMAKEN_ENV": "production",
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "MEEMAKEN_TOKEN_ISSUER": gateway,
        "MEEMAKEN_JWKS_URL": f"{gateway}/.well-known/jwks.json",
        "MEEMAKEN_TOKEN_URL": f"{gateway}/oauth/token",
        "MEEMAKEN_PUBLIC_URL": gateway,
        "MEEMAKEN_MUNICIPALITY": MUNICIPALITY,
        "MEEMAKEN_SIGNING_KEYS_FILE": f"{SECRETS}/signing-keys.json",
        "MEEMAKEN_PSEUDONYM_KEY_FILE": f"{SECRETS}/pseudonym-key",
        "PANELS_PSEUDONYM_KEY_FILE": f"{SECRETS}/panels-pseudonym-key",
        "MEEMAKEN_GATEWAY_SECRET_KEY_FILE": f"{SECRETS}/gateway-secret-key",
        "PANELS_CLIENT_SECRET_FILE": f"{SECRETS}/panels-client-secret",
        "NOTIFICATIONS_CLIENT_SECRET_FILE": f"{SECRETS}/notifications-client-secret",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(free_port()),  # nothing listens: e-mails wait and retry; the inbox is what is read
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "INFO",
    }
    for service in SERVICES:
        prefix = service.upper()
        env[f"{prefix}_BIND"] = f"127.0.0.1:{ports[service]}"
        env[f"{prefix}_BASE_URL"] = f"http://127.0.0.1:{ports[service]}"
        env[f"{prefix}_WORKER_METRICS_BIND"] = f"127.0.0.1:{metrics[service]}"
        env[f"{prefix}_DATABASE_URL"] = databases[service]
    return env


def _run(name: str, image: str, command: list[str], env: dict[str, str], secrets: Path, detach: bool) -> str:
    """`podman run` as production would: non-root, read-only root, no privileges, host loopback only."""
    args = ["run", "--name", name, "--network", "host", "--read-only", "--tmpfs", "/tmp:rw,size=64m,mode=1777"]
    args += ["--cap-drop", "all", "--security-opt", "no-new-privileges", "--volume", f"{secrets}:{SECRETS}:ro"]
    args += [arg for key, value in env.items() for arg in ("--env", f"{key}={value}")]
    args += ["--detach"] if detach else ["--rm"]
    done = podman(*args, image, *command, timeout=180, check=False)
    assert done.returncode == 0, f"{name}: {done.stderr[-3000:]}{done.stdout[-3000:]}"
    return done.stdout.strip().splitlines()[-1] if detach else ""


def _wait_for(url: str, timeout: float = 90) -> bool:
    deadline = time.monotonic() + timeout
    while not _answers(url):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def system(
    images: dict[str, str], keycloak: Keycloak, postgres_server_url: str, kafka_bootstrap: str, tmp_path: Path
) -> Iterator[System]:
    run_id = uuid.uuid4().hex[:8]
    taken: list[int] = []
    for _ in range(2 * len(SERVICES)):
        taken.append(free_port(avoid=tuple(taken)))
    ports = dict(zip(SERVICES, taken[: len(SERVICES)], strict=True))
    metrics = dict(zip(SERVICES, taken[len(SERVICES) :], strict=True))
    databases = {s: create_database(postgres_server_url, f"images_{s}_{run_id}") for s in SERVICES}
    key = SigningKey.generate(kid=f"smoke-{run_id}")
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    secrets.chmod(0o755)
    _secret_file(secrets, "signing-keys.json", json.dumps({"keys": [key.private_jwk()]}))
    for name in ("pseudonym-key", "panels-pseudonym-key", "gateway-secret-key"):
        _secret_file(secrets, name, uuid.uuid4().hex + uuid.uuid4().hex)
    for name in ("panels-client-secret", "notifications-client-secret"):
        _secret_file(secrets, name, uuid.uuid4().hex)
    _secret_file(secrets, "oidc-client-secret", keycloak.client_secret)
    env = _environment(ports, metrics, databases, kafka_bootstrap)
    env |= {
        "MEEMAKEN_OIDC_ISSUER": keycloak.issuer,
        "MEEMAKEN_OIDC_CLIENT_ID": keycloak.client_id,
        "MEEMAKEN_OIDC_CLIENT_SECRET_FILE": f"{SECRETS}/oidc-client-secret",
        "MEEMAKEN_OIDC_PROFILE": "keycloak",
        "MEEMAKEN_OIDC_DEFAULT_ROLES": "resident",
    }
    gateway = env["GATEWAY_BASE_URL"]
    system = System(gateway, TokenIssuer(SigningKeys((key,)), gateway), keycloak, logs=tmp_path)
    try:
        for service in SERVICES:
            _run(f"meemaken-{run_id}-{service}-migrate", images[service], ["migrate"], env, secrets, detach=False)
        for service in SERVICES:
            for role in ("api", "worker"):
                name = f"meemaken-{run_id}-{service}-{role}"
                system.containers[name] = _run(name, images[service], [role], env, secrets, detach=True)
        for service in SERVICES:
            for url in (f"{env[service.upper() + '_BASE_URL']}/readyz", f"http://127.0.0.1:{metrics[service]}/healthz"):
                if not _wait_for(url):
                    tails = [podman("logs", "--tail", "15", n, check=False) for n in system.containers if service in n]
                    pytest.fail(f"{url}: no answer after 90 s\n" + "\n".join(t.stdout + t.stderr for t in tails))
        yield system
    finally:
        for name in system.containers:
            log = tmp_path / f"{name}.log"
            logs = podman("logs", name, check=False)
            log.write_text(logs.stdout + logs.stderr)
            SCAN.log_files.append(log)  # the session's privacy scan reads them, as it reads the processes' logs
        for name in system.containers:
            podman("rm", "--force", "--time", "5", name, check=False)


def _stop_cleanly(system: System) -> dict[str, int]:
    """SIGTERM to every container (podman stop, 30 s before SIGKILL); their exit codes."""
    podman("stop", "--time", "30", *system.containers, timeout=120)
    return {
        name: int(podman("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip())
        for name in system.containers
    }


def _messages(system: System, resident: uuid.UUID) -> list[dict[str, Any]]:
    url = f"{system.gateway}/api/notifications/v1/residents/{resident}/messages"
    answer = requests.get(url, headers=system.bearer("resident", sub=resident), timeout=5)
    assert answer.status_code == 200, answer.text
    messages: list[dict[str, Any]] = answer.json()
    return messages


def _log_in(system: System, username: str) -> tuple[int, str, str]:
    """A demo user logs in as a browser would: the gateway's /login, Keycloak's login form, the callback;
    (status, URL, page) where it ends. urllib, not requests: a requests Session copies its cookie jar into
    one with the default policy for each request, and would not send the Secure cookies back to 127.0.0.1."""
    jar = CookieJar(LoopbackCookiePolicy())
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with browser.open(f"{system.gateway}/login?next=/account", timeout=30) as page:
        form = re.search(r'<form[^>]*\bid="kc-form-login"[^>]*\baction="([^"]+)"', page.read().decode())
        assert form, f"no Keycloak login form at {page.geturl()}"
    password = system.keycloak.users[username]
    credentials = urllib.parse.urlencode({"username": username, "password": password, "credentialId": ""})
    try:
        with browser.open(html.unescape(form.group(1)), credentials.encode(), timeout=30) as landed:
            return landed.status, landed.geturl(), landed.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.geturl(), error.read().decode(errors="replace")


def test_the_images_run_the_whole_system_and_a_proposal_reaches_its_author_through_the_gateway(system: System) -> None:
    for name in system.containers:
        health = podman("healthcheck", "run", name, check=False)
        assert health.returncode == 0, f"{name} is not healthy: {health.stdout}{health.stderr}"
        assert podman("exec", name, "id", "-u").stdout.strip() == APP_UID, f"{name} runs as root"
        refused = podman("exec", name, "touch", "/app/written", check=False)
        assert refused.returncode != 0 and "Read-only file system" in refused.stderr, refused.stderr
    for service in SERVICES:  # each image its own service's requirements: the solvers' only where they run
        api = next(name for name in system.containers if name.endswith(f"-{service}-api"))
        found = podman(
            "exec", api, "python", "-c", f"import importlib.util as u; print(*filter(u.find_spec, {SOLVERS}))"
        )
        assert found.stdout.split() == NEEDS_SOLVERS.get(service, []), f"{service}'s image holds {found.stdout}"

    status, landed, page = _log_in(system, "anna")
    assert (status, landed) == (200, f"{system.gateway}/account"), f"{status} {landed}: {page[:500]}"
    assert "Anna" not in page, "her name stays with the identity provider and the gateway's session"

    for public in ("/api/challenges/v1/tasks", "/api/panels/v1/panels"):
        answer = requests.get(system.gateway + public, timeout=5)
        assert answer.status_code == 200, f"{public}: {answer.status_code} {answer.text[:300]}"

    now = time.time()
    process: dict[str, Any] = {
        "id": f"images-{uuid.uuid4().hex[:6]}",
        "municipality": MUNICIPALITY,
        "title": "Proposals call",
        "kind": "proposals_call",
        "phases": [
            {
                "name": "proposals",
                "rung_promised": "adviseren",
                "starts_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 86400)),
                "ends_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now + 86400 * 30)),
            }
        ],
    }
    api = f"{system.gateway}/api/proposals/v1"
    defined = requests.post(f"{api}/processes", json=process, headers=system.bearer("case_officer"), timeout=10)
    assert defined.status_code == 201, defined.text

    author = uuid.uuid4()
    verified = {"age": 34, "municipality": MUNICIPALITY, "resident": True, "district": "centrum"}
    body: dict[str, Any] = {"process_id": process["id"], "title": "Safer school streets", "text": TEXT}
    created = requests.post(
        f"{api}/proposals", json=body, headers=system.bearer("resident", sub=author, attrs=verified), timeout=10
    )
    assert created.status_code == 201, created.text
    assert created.json()["author_id"] == str(author)

    deadline = time.monotonic() + 60
    while not (messages := _messages(system, author)):
        assert time.monotonic() < deadline, "the author was not told within 60 s"
        time.sleep(0.5)
    [message] = messages
    assert message["kind"] == "proposal_admitted" and "Safer school streets" in message["subject"], message
    admitted = requests.get(f"{api}/proposals/{created.json()['id']}", timeout=5)
    assert admitted.status_code == 200 and admitted.json()["status"] == "admitted", admitted.text
    someone_else = requests.get(
        f"{system.gateway}/api/notifications/v1/residents/{author}/messages",
        headers=system.bearer("resident", sub=uuid.uuid4()),
        timeout=5,
    )
    assert someone_else.status_code == 403, "a resident reads only their own inbox"

    assert _stop_cleanly(system) == dict.fromkeys(system.containers, 0), "every container stops cleanly on SIGTERM"


def test_the_images_topics_command_creates_the_declared_topics_as_configured(
    images: dict[str, str], kafka_bootstrap: str, tmp_path: Path
) -> None:
    """`meemaken topics` (the chart's hook Job) from a built image against the session's broker: the declared
    topics, under a prefix of this run's (their list mounted over the image's), get the partitions, replication
    factor and configs the environment asks for; dead-letter topics keep one partition and every record."""
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    prefix = f"smoke{uuid.uuid4().hex[:6]}."
    wanted = {prefix + name: 1 if name.endswith(".dlq") else 4 for name, _ in declared_topics()}
    listing = tmp_path / "topics.txt"
    listing.write_text("".join(f"{name} 1\n" for name in wanted))
    listing.chmod(0o444)
    env = {"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "KAFKA_TOPIC_PARTITIONS": "4", "KAFKA_REPLICATION_FACTOR": "1"}
    args = ["run", "--rm", "--network", "host", "--read-only", "--tmpfs", "/tmp:rw,size=16m,mode=1777"]
    args += ["--cap-drop", "all", "--security-opt", "no-new-privileges"]
    args += ["--volume", f"{listing}:/opt/meemaken/kafka/topics.txt:ro"]
    args += [arg for key, value in env.items() for arg in ("--env", f"{key}={value}")]
    done = podman(*args, images["proposals"], "topics", timeout=180)
    assert f"topics ready on {kafka_bootstrap}" in done.stdout, done.stdout + done.stderr

    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap.split(","), request_timeout_ms=10000)
    try:
        shapes = {
            t["name"]: (len(t["partitions"]), {len(p["replica_nodes"]) for p in t["partitions"]})
            for t in admin.describe_topics(list(wanted))
        }
        assert shapes == {name: (partitions, {1}) for name, partitions in wanted.items()}
        dead_letters = next(name for name in wanted if name.endswith(".dlq"))
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, dead_letters)])
        assert configs["topic"][dead_letters]["retention.ms"]["value"] == "-1", configs
    finally:
        admin.delete_topics(list(wanted))
        admin.close()
