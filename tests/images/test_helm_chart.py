"""infra/helm/meemaken: what the chart renders, with its default values and with the external Kafka
(SASL_SSL, a private CA) and PostgreSQL values of meemaken/ci/, runs every pod as the images expect and as ops
teams require, refers to secrets only by name, and sets only variables the code reads. `make helm-check` lints
the chart and validates every resource with kubeconform -strict; these tests read the rendered manifests (helm
template, with the binary infra/helm/check.py builds and caches)."""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

import meemaken_events.metrics  # noqa: F401  (registers the workers' metrics)

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "infra" / "helm" / "meemaken"
EXTERNAL = CHART / "ci" / "external-kafka-values.yaml"
SERVICES = {"gateway": 8100, "proposals": 8101, "challenges": 8102, "panels": 8103, "notifications": 8104}
SELECTOR = "app.kubernetes.io/name", "app.kubernetes.io/component"


@cache
def check() -> Any:
    spec = importlib.util.spec_from_file_location("helm_check", ROOT / "infra" / "helm" / "check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def rendered(*values: Path) -> tuple[dict[str, Any], ...]:
    try:
        text = check().template(list(values))
    except SystemExit as missing:  # no Go to build helm with
        pytest.skip(str(missing))
    return tuple(d for d in yaml.safe_load_all(text) if d)


def of_kind(kind: str, *values: Path) -> list[dict[str, Any]]:
    return [r for r in rendered(*values) if r["kind"] == kind]


def named(kind: str, name: str, *values: Path) -> dict[str, Any]:
    [found] = [r for r in of_kind(kind, *values) if r["metadata"]["name"] == name]
    return found


def pods(*values: Path) -> list[tuple[str, dict[str, Any]]]:
    workloads = of_kind("Deployment", *values) + of_kind("Job", *values)
    return [(r["metadata"]["name"], r["spec"]["template"]["spec"]) for r in workloads]


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}


VALUE_SETS = [(), (EXTERNAL,)]


def test_every_service_has_an_api_and_a_worker_a_migration_hook_and_autoscaling_and_only_the_gateway_an_ingress() -> (
    None
):
    names = {(r["kind"], r["metadata"]["name"]) for r in rendered()}
    for service, port in SERVICES.items():
        expected = {
            ("Deployment", f"{service}-api"),
            ("Deployment", f"{service}-worker"),
            ("Job", f"{service}-migrate"),
        }
        expected |= {("Service", service), ("ServiceAccount", service)}
        expected |= {
            (kind, f"{service}-{c}")
            for kind in ("PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy")
            for c in ("api", "worker")
        }
        assert expected <= names, expected - names
        assert named("Service", service)["spec"]["ports"][0]["port"] == port
        assert f"[{service}]={port}" in (ROOT / "infra" / "images.sh").read_text(), "the image is built for that port"
    for name, pod in pods():
        if name == "meemaken-topics":  # the release's, not a service's (below)
            continue
        [container] = pod["containers"]
        service, component = name.rsplit("-", 1)
        assert container["image"] == f"localhost/meemaken/{service}:dev"
        assert container["args"] == [component], "the image's entry point knows api, worker and migrate"
    [ingress] = of_kind("Ingress")
    [rule] = ingress["spec"]["rules"]
    assert [p["backend"]["service"] for p in rule["http"]["paths"]] == [{"name": "gateway", "port": {"name": "http"}}]
    assert ingress["spec"]["tls"] == [{"hosts": ["meemaken.example.org"], "secretName": "meemaken-tls"}]
    external = of_kind("Ingress", EXTERNAL)[0]["spec"]
    assert external["ingressClassName"] == "nginx" and external["tls"][0]["secretName"] == "meedoen-example-nl-tls"


def test_the_migrations_run_as_hooks_before_install_and_upgrade_with_what_migrate_reads() -> None:
    for job in of_kind("Job"):
        if job["metadata"]["name"] == "meemaken-topics":
            continue
        annotations = job["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation"
        pod = job["spec"]["template"]["spec"]
        assert pod["restartPolicy"] == "Never" and "serviceAccountName" not in pod, "hooks run before the release"
        [container] = pod["containers"]
        assert "envFrom" not in container, "the ConfigMap does not exist yet at pre-install"
        service = job["metadata"]["name"].removesuffix("-migrate")
        url = env_of(container)[f"{service.upper()}_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert url == {"name": f"meemaken-{service}", "key": "database-url"}


@pytest.mark.parametrize("values", VALUE_SETS, ids=["defaults", "external-kafka"])
def test_every_container_runs_non_root_on_a_read_only_root_with_requests_and_limits(values: tuple[Path, ...]) -> None:
    assert len(pods(*values)) == 3 * len(SERVICES) + 1, "an API, a worker and a migration per service; the topics"
    for name, pod in pods(*values):
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        for container in pod["containers"] + pod.get("initContainers", []):
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True and context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
            assert [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"], f"{name}: a writable /tmp"


def test_a_hook_creates_the_topics_before_the_migrations_with_the_charts_sizes_as_the_kafka_admin() -> None:
    job = named("Job", "meemaken-topics")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    migrations = {j["metadata"]["annotations"]["helm.sh/hook-weight"] for j in of_kind("Job")} - {"-5"}
    assert int(annotations["helm.sh/hook-weight"]) < min(map(int, migrations)), "before every migration"
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["topics"] and container["image"] == "localhost/meemaken/gateway:dev"
    env = {k: e.get("value") for k, e in env_of(container).items()}
    assert (env["KAFKA_TOPIC_PARTITIONS"], env["KAFKA_REPLICATION_FACTOR"], env["KAFKA_MIN_INSYNC_REPLICAS"]) == (
        "12",
        "3",
        "2",
    )
    assert not [k for k in env if k.startswith("KAFKA_SASL")], "PLAINTEXT: no credentials"

    job = named("Job", "meemaken-topics", EXTERNAL)
    pod = job["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["args"] == ["topics", "--acls"]
    env = env_of(container)
    assert env["KAFKA_TOPIC_PARTITIONS"]["value"] == "24"
    assert env["KAFKA_SASL_USERNAME"]["valueFrom"]["secretKeyRef"] == {"name": "kafka-admin", "key": "kafka-username"}
    assert env["KAFKA_SASL_PASSWORD_FILE"]["value"] == "/run/secrets/kafka-admin/kafka-password"
    for service in SERVICES:  # whose ACLs it grants and SCRAM users it makes: each service's own, from its Secret
        user = env[f"{service.upper()}_KAFKA_USERNAME"]["valueFrom"]["secretKeyRef"]
        assert user == {"name": f"meemaken-{service}", "key": "kafka-username"}
        password = f"/run/secrets/kafka-users/{service}/kafka-password"
        assert env[f"{service.upper()}_KAFKA_PASSWORD_FILE"]["value"] == password
    mounted = {v["name"]: v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
    users = {f"kafka-user-{s}": f"meemaken-{s}" for s in SERVICES}
    assert mounted == {"kafka-admin": "kafka-admin", "kafka-ca": "kafka-cluster-ca"} | users
    assert env["KAFKA_SSL_CAFILE"]["value"] == "/run/secrets/kafka-ca/ca.crt"


def test_the_image_creates_the_topics_with_the_same_code_and_files_as_make_run() -> None:
    dockerfile = (ROOT / "infra" / "images" / "service.Dockerfile").read_text()
    assert (
        "COPY infra/kafka/create_topics.py infra/kafka/topics.txt infra/kafka/consumers.txt /opt/meemaken/kafka/"
        in (dockerfile)
    )
    allowed = (ROOT / ".dockerignore").read_text().splitlines()
    assert {"!infra/kafka/create_topics.py", "!infra/kafka/topics.txt", "!infra/kafka/consumers.txt"} <= set(allowed)
    entry = (ROOT / "infra" / "images" / "meemaken").read_text()
    assert "/opt/meemaken/kafka/create_topics.py" in entry and "/opt/meemaken/kafka/topics.txt" in entry


def test_the_apis_are_probed_on_healthz_and_readyz_and_the_workers_on_their_metrics_server() -> None:
    for deployment in of_kind("Deployment"):
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        if deployment["metadata"]["name"].endswith("-api"):
            assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
            assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
            assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        else:
            # alive while the metrics server answers; not ready while a consumer halted (/healthz: 503)
            assert container["livenessProbe"]["httpGet"] == {"path": "/metrics", "port": "metrics"}
            assert container["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
            service = deployment["metadata"]["name"].removesuffix("-worker")
            assert env_of(container)[f"{service.upper()}_WORKER_METRICS_BIND"]["value"] == "0.0.0.0:9100"


@pytest.mark.parametrize("values", VALUE_SETS, ids=["defaults", "external-kafka"])
def test_secrets_are_referenced_by_name_and_no_secret_value_is_in_the_chart(values: tuple[Path, ...]) -> None:
    assert not of_kind("Secret", *values), "secrets are the operators' to create, never in the chart"
    secret_names = {f"meemaken-{s}" for s in SERVICES} | {"kafka-cluster-ca", "proposals-db-app", "kafka-admin"}
    config = of_kind("ConfigMap", *values)[0]["data"]
    assert not [k for k in config if re.search("PASSWORD|SECRET|KEY$|DATABASE_URL$", k)], "no secret in the ConfigMap"
    for name, pod in pods(*values):
        [container] = pod["containers"]
        mounted = {
            f"{m['mountPath']}/{item['path']}"
            for m in container["volumeMounts"]
            for v in pod["volumes"]
            if v["name"] == m["name"] and "secret" in v
            for item in v["secret"]["items"]
        }
        assert {v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v} <= secret_names, name
        for variable in container["env"]:
            if variable["name"].endswith("_FILE"):
                assert variable["value"] in mounted, f"{name}: {variable['name']} names no mounted key"
            elif re.search("PASSWORD|SECRET|DATABASE_URL|USERNAME", variable["name"]):
                assert "value" not in variable, f"{name}: {variable['name']} must come from a Secret"
                assert variable["valueFrom"]["secretKeyRef"]["name"] in secret_names, name
        if config.get("KAFKA_SSL_CAFILE"):
            assert config["KAFKA_SSL_CAFILE"] in mounted or name.endswith("-migrate"), f"{name}: the CA is mounted"


def test_external_kafka_takes_sasl_credentials_from_each_services_secret_and_the_ca_from_its_own() -> None:
    config = of_kind("ConfigMap", EXTERNAL)[0]["data"]
    assert config["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL" and config["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert config["KAFKA_BOOTSTRAP_SERVERS"].count(":9093") == 3
    assert config["KAFKA_SSL_CAFILE"] == "/run/secrets/kafka-ca/ca.crt"
    assert (config["DATABASE_POOL_SIZE"], config["DATABASE_MAX_OVERFLOW"]) == ("5", "5")
    assert config["MEEMAKEN_EVENT_SOURCE_PREFIX"] == "urn:meemaken:municipality:utrecht:system", "events say whose"
    for name, pod in pods(EXTERNAL):
        if name == "meemaken-topics":  # the admin's credentials (test_a_hook_creates_the_topics_...)
            continue
        dsn = env_of(pod["containers"][0])[f"{name.rsplit('-', 1)[0].upper()}_DATABASE_URL"]["valueFrom"]
        if name.startswith("proposals-"):
            assert dsn["secretKeyRef"] == {"name": "proposals-db-app", "key": "dsn"}, "a DSN Secret of its own"
        if name.endswith("-migrate"):
            continue
        [container] = pod["containers"]
        service = name.rsplit("-", 1)[0]
        env = env_of(container)
        username = {"name": f"meemaken-{service}", "key": "kafka-username"}
        assert env["KAFKA_SASL_USERNAME"]["valueFrom"]["secretKeyRef"] == username, name
        assert env["KAFKA_SASL_PASSWORD_FILE"]["value"] == "/run/secrets/meemaken/kafka-password", "mounted, not in env"
        assert "KAFKA_SASL_PASSWORD" not in env
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"]["value"].startswith("http://otel-collector")
        assert pod["imagePullSecrets"] == [{"name": "registry-example-org"}]
        assert container["image"] == f"registry.example.org/meemaken/{service}:1.0.0"
    defaults = of_kind("ConfigMap")[0]["data"]
    assert defaults["KAFKA_SECURITY_PROTOCOL"] == "PLAINTEXT" and "KAFKA_SASL_MECHANISM" not in defaults
    assert not [e for _, pod in pods() for e in pod["containers"][0]["env"] if e["name"].startswith("KAFKA_SASL")]


def test_every_variable_set_is_one_the_code_reads() -> None:
    code = "\n".join(p.read_text() for p in [*ROOT.glob("libs/*/src/**/*.py"), *ROOT.glob("services/*/src/**/*.py")])
    code += (ROOT / "infra" / "images" / "meemaken").read_text()
    code += (ROOT / "infra" / "kafka" / "create_topics.py").read_text()  # in every image: `meemaken topics`
    read = set(re.findall(r"\b[A-Z][A-Z0-9_]+\b", code))
    composed = re.compile(
        r"(GATEWAY|PROPOSALS|CHALLENGES|PANELS|NOTIFICATIONS)_(BASE_URL|DATABASE_URL|WORKER_METRICS_BIND|KAFKA_USERNAME)"
    )
    for values in VALUE_SETS:
        variables = set(of_kind("ConfigMap", *values)[0]["data"])
        for _, pod in pods(*values):
            variables |= set(env_of(pod["containers"][0]))
        for variable in variables - {"OTEL_EXPORTER_OTLP_ENDPOINT"}:  # read by the OpenTelemetry SDK
            known = variable in read or composed.fullmatch(variable) or variable.endswith("_FILE")
            assert known, f"{variable} is read by no code"


def test_only_the_gateway_reaches_the_service_apis_and_nothing_but_prometheus_the_workers() -> None:
    policies = {p["metadata"]["name"]: p["spec"] for p in of_kind("NetworkPolicy")}
    assert policies["default-deny-ingress"] == {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": []}

    def pods_of(service: str, component: str) -> dict[str, Any]:
        return {"podSelector": {"matchLabels": dict(zip(SELECTOR, (service, component), strict=True))}}

    monitoring = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    for service in SERVICES:
        api, scrape = policies[f"{service}-api"]["ingress"]
        if service == "gateway":
            assert "from" not in api, "the public door: from anywhere unless an ingress controller namespace is set"
        elif service == "notifications":
            assert api["from"] == [pods_of("gateway", "api"), pods_of("panels", "worker")], "panels' invitations"
        else:
            assert api["from"] == [pods_of("gateway", "api")]
        assert scrape == {"from": [monitoring], "ports": [{"protocol": "TCP", "port": "http"}]}
        assert policies[f"{service}-worker"]["ingress"] == [
            {"from": [monitoring], "ports": [{"protocol": "TCP", "port": "metrics"}]}
        ]
    gateway = {p["metadata"]["name"]: p["spec"] for p in of_kind("NetworkPolicy", EXTERNAL)}["gateway-api"]
    controller = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
    own_pods = {"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "meemaken"}}}
    assert gateway["ingress"][0]["from"] == [controller, own_pods]


def test_the_apis_scale_on_cpu_and_the_workers_on_the_consumer_lag_their_metrics_export() -> None:
    exported = {family.name for family in REGISTRY.collect()}
    for service in SERVICES:
        api = named("HorizontalPodAutoscaler", f"{service}-api")["spec"]
        assert api["metrics"][0]["resource"]["name"] == "cpu" and api["minReplicas"] >= 2
        worker = named("HorizontalPodAutoscaler", f"{service}-worker")["spec"]
        [metric] = worker["metrics"]
        assert metric["type"] == "External"
        assert metric["external"]["metric"] == {
            "name": "meemaken_consumer_lag",
            "selector": {"matchLabels": {"service": service}},
        }
        assert "meemaken_consumer_lag" in exported, "the workers' own metric, which prometheus-adapter serves"
        for component in ("api", "worker"):
            assert "replicas" not in named("Deployment", f"{service}-{component}")["spec"], "the autoscaler's to set"
            budget = named("PodDisruptionBudget", f"{service}-{component}")["spec"]
            assert budget["selector"]["matchLabels"] == dict(zip(SELECTOR, (service, component), strict=True))
    assert named("HorizontalPodAutoscaler", "proposals-worker", EXTERNAL)["spec"]["maxReplicas"] == 6


def test_every_api_and_worker_pod_tells_prometheus_where_its_metrics_are_and_rolls_on_a_new_configuration() -> None:
    for deployment in of_kind("Deployment"):
        template = deployment["spec"]["template"]
        annotations = template["metadata"]["annotations"]
        ports = {str(p["containerPort"]) for c in template["spec"]["containers"] for p in c.get("ports", [])}
        assert annotations["prometheus.io/scrape"] == "true", deployment["metadata"]["name"]
        assert annotations["prometheus.io/path"] == "/metrics"
        assert annotations["prometheus.io/port"] in ports, deployment["metadata"]["name"]
        assert template["metadata"]["labels"]["app.kubernetes.io/part-of"] == "meemaken"
    checksums = {d["spec"]["template"]["metadata"]["annotations"]["checksum/config"] for d in of_kind("Deployment")}
    changed = {
        d["spec"]["template"]["metadata"]["annotations"]["checksum/config"] for d in of_kind("Deployment", EXTERNAL)
    }
    assert len(checksums) == len(changed) == 1 and checksums != changed


def test_a_wrong_value_is_refused_by_its_name_before_anything_is_rendered(tmp_path: Path) -> None:
    rendered()  # helm is there
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("kafka:\n  securityProtocol: SASL\nservices:\n  proposals:\n    portt: 8101\n")
    with pytest.raises(RuntimeError) as refused:
        check().template([wrong])
    assert "/kafka/securityProtocol" in str(refused.value) and "'portt' not allowed" in str(refused.value)


def test_a_release_whose_pools_could_exceed_the_servers_connections_is_refused(tmp_path: Path) -> None:
    rendered(EXTERNAL)  # 1430 of 1500: proposals (20 x 2 + 6 + 1) x 10, the others (10 x 2 + 3 + 1) x 10 each
    tight = tmp_path / "tight.yaml"
    tight.write_text("postgresql:\n  maxConnections: 1400\n")
    with pytest.raises(RuntimeError) as refused:
        check().template([EXTERNAL, tight])
    message = str(refused.value)
    assert "may open 1430 connections" in message and "proposals 470" in message and "1400" in message
