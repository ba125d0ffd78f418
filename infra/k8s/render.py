"""Writes the Kubernetes manifests in this folder (plain YAML, applied with `kubectl apply -k infra/k8s`).

    python3 infra/k8s/render.py           # rewrite the YAML files from this description
    python3 infra/k8s/render.py --check   # fail if a committed file differs (tests/images/test_k8s_manifests.py)

The manifests are generated because the five services differ in little (port, secrets, extra variables)
and must not drift apart in what matters (probes, resources, securityContext). What each file holds:

- ``meemaken.yaml``: the shared ConfigMap, and the NetworkPolicies: nothing reaches a pod unless allowed;
  the gateway's API from anywhere (the ingress controller); every other API from the gateway only (and
  notifications' also from the panels worker, which asks it to invite); every metrics port from the
  ``monitoring`` namespace; no egress rules (the pods reach PostgreSQL, Kafka, the identity provider, SMTP).
- ``<service>.yaml``: its ServiceAccount (no API token mounted), the API Deployment and its Service, the worker
  Deployment, the migration Job, PodDisruptionBudgets, and HorizontalPodAutoscalers: the API on CPU, the
  worker on its consumer group's lag (an External metric: needs a metrics adapter such as prometheus-adapter
  serving ``kafka_consumergroup_lag``; without one the HPA only reports it cannot read the metric).

Secrets are referenced, never written here: ``meemaken-<service>`` (keys below), created by the operators
(e.g. from a vault) before applying. See infra/README.md, "Kubernetes".
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
IMAGE = "localhost/meemaken/{service}:dev"  # kustomization.yaml's `images:` sets the registry and tag
METRICS_PORT = 9100
SECRETS_DIR = "/run/secrets/meemaken"
UID = 10001
LABEL = "app.kubernetes.io/name"
COMPONENT = "app.kubernetes.io/component"
PART_OF = {"app.kubernetes.io/part-of": "meemaken"}


class Service:
    def __init__(
        self,
        name: str,
        port: int,
        files: dict[str, str],
        env: dict[str, str] | None = None,
        callers: tuple[tuple[str, str], ...] = (("gateway", "api"),),
        consumer_groups: int = 3,
    ) -> None:
        self.name, self.port, self.files, self.env = name, port, files, env or {}
        self.callers = callers  # (service, component) whose pods may reach this API
        self.max_workers = consumer_groups  # more consumers than partitions would idle


# Secret keys mounted as files (and named by <VARIABLE>_FILE), per service; every Secret also holds
# `database-url` (given as <SERVICE>_DATABASE_URL).
SERVICES = (
    Service(
        "gateway",
        8100,
        {
            "MEEMAKEN_SIGNING_KEYS_FILE": "signing-keys.json",
            "MEEMAKEN_PSEUDONYM_KEY_FILE": "pseudonym-key",
            "MEEMAKEN_GATEWAY_SECRET_KEY_FILE": "gateway-secret-key",
            "MEEMAKEN_OIDC_CLIENT_SECRET_FILE": "oidc-client-secret",
            "PANELS_CLIENT_SECRET_FILE": "panels-client-secret",
            "NOTIFICATIONS_CLIENT_SECRET_FILE": "notifications-client-secret",
        },
        {"MEEMAKEN_OIDC_PROFILE": "keycloak"},
        callers=(),
    ),
    Service("proposals", 8101, {}),
    Service("challenges", 8102, {}),
    Service(
        "panels",
        8103,
        {"PANELS_PSEUDONYM_KEY_FILE": "pseudonym-key", "PANELS_CLIENT_SECRET_FILE": "client-secret"},
    ),
    Service(
        "notifications",
        8104,
        {"NOTIFICATIONS_CLIENT_SECRET_FILE": "client-secret"},
        {"SMTP_SECURITY": "starttls"},
        callers=(("gateway", "api"), ("panels", "worker")),
    ),
)


def labels(service: str, component: str) -> dict[str, str]:
    return {LABEL: service, COMPONENT: component}


def config_map() -> dict[str, Any]:
    data = {
        "MEEMAKEN_ENV": "production",
        "MEEMAKEN_MUNICIPALITY": "demo",
        "KAFKA_BOOTSTRAP_SERVERS": "kafka-bootstrap.kafka.svc:9092",
        "MEEMAKEN_PUBLIC_URL": "https://meemaken.example.org",
        "MEEMAKEN_TOKEN_ISSUER": "https://meemaken.example.org",
        "MEEMAKEN_JWKS_URL": "http://gateway:8100/.well-known/jwks.json",
        "MEEMAKEN_TOKEN_URL": "http://gateway:8100/oauth/token",
        "MEEMAKEN_OIDC_ISSUER": "https://login.example.org/realms/meemaken",
        "MEEMAKEN_OIDC_CLIENT_ID": "meemaken-gateway",
        "MEEMAKEN_TRUSTED_PROXIES": "1",
        "SMTP_HOST": "smtp.example.org",
        "SMTP_PORT": "587",
        "SMTP_FROM": "meemaken@example.org",
        "WEB_CONCURRENCY": "2",
        "LOG_LEVEL": "INFO",
    }
    data |= {f"{s.name.upper()}_BASE_URL": f"http://{s.name}:{s.port}" for s in SERVICES}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "meemaken-config"}, "data": data}


def network_policies() -> list[dict[str, Any]]:
    def policy(name: str, selector: dict[str, Any], ingress: list[dict[str, Any]]) -> dict[str, Any]:
        spec = {"podSelector": selector, "policyTypes": ["Ingress"], "ingress": ingress}
        return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name}, "spec": spec}

    monitoring = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    policies = [policy("default-deny-ingress", {}, [])]
    for s in SERVICES:
        sources = (
            [{"podSelector": {"matchLabels": labels(name, component)}} for name, component in s.callers]
            if s.callers
            else []  # the gateway: from anywhere (its ingress controller, the load balancer)
        )
        rule: dict[str, Any] = {"ports": [{"protocol": "TCP", "port": "http"}]}
        if sources:
            rule["from"] = sources
        api = {"matchLabels": labels(s.name, "api")}
        scrape = {"from": [monitoring], "ports": [{"protocol": "TCP", "port": "http"}]}
        policies.append(policy(f"{s.name}-api", api, [rule, scrape]))
        worker = {"matchLabels": labels(s.name, "worker")}
        policies.append(
            policy(
                f"{s.name}-worker", worker, [{"from": [monitoring], "ports": [{"protocol": "TCP", "port": "metrics"}]}]
            )
        )
    return policies


def pod_spec(s: Service, component: str, args: list[str], container: dict[str, Any]) -> dict[str, Any]:
    env: list[dict[str, Any]] = [
        {
            "name": f"{s.name.upper()}_DATABASE_URL",
            "valueFrom": {"secretKeyRef": {"name": f"meemaken-{s.name}", "key": "database-url"}},
        }
    ]
    env += [{"name": variable, "value": f"{SECRETS_DIR}/{key}"} for variable, key in s.files.items()]
    env += [{"name": k, "value": v} for k, v in s.env.items()]
    if s.name == "notifications":
        optional = {"name": "meemaken-notifications", "key": "smtp-password", "optional": True}
        env.append({"name": "SMTP_PASSWORD", "valueFrom": {"secretKeyRef": optional}})
    mounts: list[dict[str, Any]] = [{"name": "tmp", "mountPath": "/tmp"}]  # noqa: S108 (the pod's own emptyDir)
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}]
    if s.files:
        mounts.append({"name": "secrets", "mountPath": SECRETS_DIR, "readOnly": True})
        items = [{"key": key, "path": key} for key in s.files.values()]
        secret = {"secretName": f"meemaken-{s.name}", "items": items, "defaultMode": 0o440}
        volumes.append({"name": "secrets", "secret": secret})
    main = {
        "name": component,
        "image": IMAGE.format(service=s.name),
        "imagePullPolicy": "IfNotPresent",
        "args": args,
        "envFrom": [{"configMapRef": {"name": "meemaken-config"}}],
        "env": env,
        **container,
        "volumeMounts": mounts,
        "securityContext": {
            "runAsNonRoot": True,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    return {
        "serviceAccountName": s.name,
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": UID,
            "runAsGroup": UID,
            "fsGroup": UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [main],
        "volumes": volumes,
    }


def deployment(s: Service, component: str, replicas: int, pod: dict[str, Any]) -> dict[str, Any]:
    spread = {
        "maxSkew": 1,
        "topologyKey": "kubernetes.io/hostname",
        "whenUnsatisfiable": "ScheduleAnyway",
        "labelSelector": {"matchLabels": labels(s.name, component)},
    }
    # Prometheus finds the pods by these (infra/monitoring/prometheus.yaml): the API's /metrics, the worker's port
    scrape = {"prometheus.io/scrape": "true", "prometheus.io/path": "/metrics"}
    scrape["prometheus.io/port"] = str(s.port if component == "api" else METRICS_PORT)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"{s.name}-{component}", "labels": labels(s.name, component)},
        "spec": {
            "replicas": replicas,
            "revisionHistoryLimit": 3,
            "selector": {"matchLabels": labels(s.name, component)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": labels(s.name, component), "annotations": scrape},
                "spec": pod | {"terminationGracePeriodSeconds": 40, "topologySpreadConstraints": [spread]},
            },
        },
    }


def http_probe(path: str, port: str, period: int, failures: int) -> dict[str, Any]:
    get = {"path": path, "port": port}
    return {"httpGet": get, "periodSeconds": period, "timeoutSeconds": 3, "failureThreshold": failures}


def manifests(s: Service) -> list[dict[str, Any]]:
    prefix = s.name.upper()
    api_container = {
        "ports": [{"name": "http", "containerPort": s.port, "protocol": "TCP"}],
        "startupProbe": http_probe("/healthz", "http", 2, 30),
        "livenessProbe": http_probe("/healthz", "http", 10, 3),
        "readinessProbe": http_probe("/readyz", "http", 5, 2),
        "resources": {"requests": {"cpu": "100m", "memory": "192Mi"}, "limits": {"memory": "512Mi"}},
    }
    worker_container = {
        "ports": [{"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"}],
        "livenessProbe": http_probe("/metrics", "metrics", 15, 4) | {"initialDelaySeconds": 10},
        "resources": {"requests": {"cpu": "50m", "memory": "160Mi"}, "limits": {"memory": "384Mi"}},
    }
    worker_pod = pod_spec(s, "worker", ["worker"], worker_container)
    worker_pod["containers"][0]["env"].append(
        {"name": f"{prefix}_WORKER_METRICS_BIND", "value": f"0.0.0.0:{METRICS_PORT}"}
    )
    migrate_container = {"resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "384Mi"}}}
    migrate_pod = pod_spec(s, "migrate", ["migrate"], migrate_container) | {"restartPolicy": "Never"}
    metadata = {"name": s.name, "labels": {LABEL: s.name}}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata, "automountServiceAccountToken": False},
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": f"{s.name}-migrate", "labels": labels(s.name, "migrate")},
            "spec": {
                "backoffLimit": 4,
                "activeDeadlineSeconds": 600,
                "template": {"metadata": {"labels": labels(s.name, "migrate")}, "spec": migrate_pod},
            },
        },
        deployment(s, "api", 2, pod_spec(s, "api", ["api"], api_container)),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": metadata,
            "spec": {
                "selector": labels(s.name, "api"),
                "ports": [{"name": "http", "port": s.port, "targetPort": "http", "protocol": "TCP"}],
            },
        },
        deployment(s, "worker", 1, worker_pod),
        pdb(s, "api", {"minAvailable": 1}),
        pdb(s, "worker", {"maxUnavailable": 1}),
        hpa(
            s,
            "api",
            2,
            10,
            [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                }
            ],
        ),
        hpa(
            s,
            "worker",
            1,
            s.max_workers,
            [
                {
                    "type": "External",
                    "external": {
                        "metric": {"name": "kafka_consumergroup_lag", "selector": {"matchLabels": {"service": s.name}}},
                        "target": {"type": "AverageValue", "averageValue": "500"},
                    },
                }
            ],
        ),
    ]


def pdb(s: Service, component: str, budget: dict[str, int]) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": f"{s.name}-{component}"},
        "spec": budget | {"selector": {"matchLabels": labels(s.name, component)}},
    }


def hpa(s: Service, component: str, least: int, most: int, metrics: list[dict[str, Any]]) -> dict[str, Any]:
    target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"{s.name}-{component}"}
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": f"{s.name}-{component}"},
        "spec": {"scaleTargetRef": target, "minReplicas": least, "maxReplicas": most, "metrics": metrics},
    }


def kustomization() -> dict[str, Any]:
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": "meemaken",
        "labels": [{"pairs": PART_OF, "includeSelectors": False}],
        "resources": ["meemaken.yaml", *(f"{s.name}.yaml" for s in SERVICES)],
        "images": [{"name": IMAGE.format(service=s.name).rsplit(":", 1)[0], "newTag": "dev"} for s in SERVICES],
    }


HEADER = "# Generated by infra/k8s/render.py: edit that, then run it.\n"


def files() -> dict[str, str]:
    def dump(documents: list[dict[str, Any]]) -> str:
        return HEADER + "---\n".join(yaml.safe_dump(d, sort_keys=False, width=120) for d in documents)

    out = {"meemaken.yaml": dump([config_map(), *network_policies()]), "kustomization.yaml": dump([kustomization()])}
    out |= {f"{s.name}.yaml": dump(manifests(s)) for s in SERVICES}
    return out


def main(argv: list[str]) -> int:
    stale = []
    for name, text in files().items():
        path = HERE / name
        if "--check" in argv:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        print(f"out of date: {', '.join(stale)}; run python3 infra/k8s/render.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
