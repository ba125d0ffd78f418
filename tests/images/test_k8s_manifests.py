"""infra/k8s: the committed manifests are what render.py writes, every resource is valid for Kubernetes
(strictly: no unknown field) and every pod runs as the images expect and as ops teams require."""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "infra" / "k8s"
KUBERNETES_VERSION = "1.31.0"  # the oldest minor version still supported upstream when this was written
SERVICES = {"gateway": 8100, "proposals": 8101, "challenges": 8102, "panels": 8103, "notifications": 8104}


@cache
def render() -> Any:
    spec = importlib.util.spec_from_file_location("k8s_render", K8S / "render.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def resources() -> list[dict[str, Any]]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        found += [d for d in yaml.safe_load_all(path.read_text()) if d and d["kind"] != "Kustomization"]
    return found


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [r for r in resources() if r["kind"] == kind]


def pods() -> list[tuple[str, dict[str, Any]]]:
    return [(r["metadata"]["name"], r["spec"]["template"]["spec"]) for r in of_kind("Deployment") + of_kind("Job")]


def test_the_committed_manifests_are_what_render_py_writes() -> None:
    assert render().main(["--check"]) == 0, "run python3 infra/k8s/render.py"
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(
        p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml"
    )


def test_every_resource_is_valid_for_kubernetes_with_no_unknown_field() -> None:
    validate = pytest.importorskip("kubernetes_validate", reason="kubernetes-validate (requirements-dev.txt)")
    assert len(resources()) > 40
    for resource in resources():
        try:
            validate.validate(resource, KUBERNETES_VERSION, strict=True)
        except validate.ValidationError as error:
            pytest.fail(f"{resource['kind']} {resource['metadata']['name']}: {error.message} at {list(error.path)}")


def test_every_service_has_an_api_and_a_worker_deployment_a_migration_job_and_autoscaling() -> None:
    names = {(r["kind"], r["metadata"]["name"]) for r in resources()}
    for service, port in SERVICES.items():
        expected = {
            ("Deployment", f"{service}-api"),
            ("Deployment", f"{service}-worker"),
            ("Job", f"{service}-migrate"),
        }
        expected |= {("Service", service), ("ServiceAccount", service)}
        expected |= {
            (kind, f"{service}-{c}")
            for kind in ("PodDisruptionBudget", "HorizontalPodAutoscaler")
            for c in ("api", "worker")
        }
        assert expected <= names, expected - names
        [svc] = [r for r in of_kind("Service") if r["metadata"]["name"] == service]
        assert svc["spec"]["ports"][0]["port"] == port
        assert f"[{service}]={port}" in (ROOT / "infra" / "images.sh").read_text(), "the image is built for that port"
    for name, pod in pods():
        [container] = pod["containers"]
        service, component = name.rsplit("-", 1)
        assert container["image"] == f"localhost/meemaken/{service}:dev"
        assert container["args"] == [component], "the image's entry point knows api, worker and migrate"


def test_every_pod_runs_non_root_on_a_read_only_root_with_requests_and_a_memory_limit() -> None:
    for name, pod in pods():
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001, name
        assert pod["automountServiceAccountToken"] is False, name
        [container] = pod["containers"]
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True and context["allowPrivilegeEscalation"] is False, name
        assert context["capabilities"] == {"drop": ["ALL"]}, name
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
        assert "memory" in container["resources"]["limits"], name
        tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
        assert tmp, f"{name}: gunicorn and the metrics need a writable /tmp"


def test_the_apis_are_probed_on_healthz_and_readyz_and_the_workers_on_their_metrics() -> None:
    for deployment in of_kind("Deployment"):
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        if deployment["metadata"]["name"].endswith("-api"):
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        else:
            assert container["livenessProbe"]["httpGet"] == {"path": "/metrics", "port": "metrics"}
            service = deployment["metadata"]["name"].removesuffix("-worker")
            bind = {e["name"]: e.get("value") for e in container["env"]}[f"{service.upper()}_WORKER_METRICS_BIND"]
            assert bind == "0.0.0.0:9100"


def test_secrets_are_referenced_and_every_file_variable_names_a_mounted_key() -> None:
    assert not of_kind("Secret"), "secrets are the operators' to create, never in the repository"
    for name, pod in pods():
        [container] = pod["containers"]
        mounted = {
            f"{m['mountPath']}/{item['path']}"
            for m in container["volumeMounts"]
            for v in pod["volumes"]
            if v["name"] == m["name"] and "secret" in v
            for item in v["secret"]["items"]
        }
        for variable in container["env"]:
            if variable["name"].endswith("_FILE"):
                assert variable["value"] in mounted, f"{name}: {variable['name']} names no mounted key"
            if "valueFrom" in variable:
                assert variable["valueFrom"]["secretKeyRef"]["name"].startswith("meemaken-"), name


def test_every_variable_set_is_one_the_code_reads() -> None:
    code = "\n".join(p.read_text() for p in [*ROOT.glob("libs/*/src/**/*.py"), *ROOT.glob("services/*/src/**/*.py")])
    code += (ROOT / "infra" / "images" / "meemaken").read_text()
    composed = re.compile(
        r"(GATEWAY|PROPOSALS|CHALLENGES|PANELS|NOTIFICATIONS)_(BASE_URL|DATABASE_URL|WORKER_METRICS_BIND)"
    )
    [config] = of_kind("ConfigMap")
    variables = set(config["data"])
    for _, pod in pods():
        variables |= {e["name"] for e in pod["containers"][0]["env"]}
    for variable in variables:
        known = re.search(rf"\b{variable}\b", code) or composed.fullmatch(variable) or variable.endswith("_FILE")
        assert known, f"{variable} is read by no code"


def test_only_the_gateway_reaches_the_service_apis() -> None:
    policies = {p["metadata"]["name"]: p["spec"] for p in of_kind("NetworkPolicy")}
    assert policies["default-deny-ingress"] == {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": []}
    gateway_api = {
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway", "app.kubernetes.io/component": "api"}}
    }
    panels_worker = {
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "panels", "app.kubernetes.io/component": "worker"}}
    }
    for service in SERVICES:
        api, monitoring = policies[f"{service}-api"]["ingress"]
        if service == "gateway":
            assert "from" not in api, "the public door: from anywhere"
        elif service == "notifications":
            assert api["from"] == [gateway_api, panels_worker], "the panels worker asks notifications to invite"
        else:
            assert api["from"] == [gateway_api]
        assert monitoring["from"][0]["namespaceSelector"]["matchLabels"] == {
            "kubernetes.io/metadata.name": "monitoring"
        }
        [worker] = policies[f"{service}-worker"]["ingress"]
        assert worker["ports"] == [{"protocol": "TCP", "port": "metrics"}]
