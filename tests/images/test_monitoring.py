"""infra/monitoring: the alerting rules are valid and behave as their unit tests say (promtool), the
Prometheus configuration is valid, the dashboards are what dashboards.py writes, and every dashboard and
alert expression names only metrics that the code registers (a renamed metric cannot leave a blank panel
or an alert that never fires)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

import meemaken_events.metrics  # noqa: F401  (registers the messaging metrics)
import meemaken_kit.app  # noqa: F401  (registers the HTTP metrics)
from meemaken_kit.metrics import STATE_METRICS

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "infra" / "monitoring"
SERVICES = ("gateway", "proposals", "challenges", "panels", "notifications")
METRIC = re.compile(r"\bmeemaken_[a-z0-9_]+")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.skip("promtool is not installed (Debian's `prometheus` package; infra/system-deps.sh installs it)")
    return found


def run(*args: str, cwd: Path = MONITORING) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool(), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@cache
def dashboards() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text()) for p in sorted((MONITORING / "dashboards").glob("*.json"))}


def dashboard_expressions() -> list[str]:
    return [t["expr"] for d in dashboards().values() for p in d["panels"] for t in p.get("targets", [])]


def alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load((MONITORING / "alerts.yaml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def registered_metrics() -> set[str]:
    names = {name for family in REGISTRY.collect() for name in _sample_names(family.name, family.type)}
    return names | set(STATE_METRICS)


def _sample_names(name: str, kind: str) -> list[str]:
    return [name + suffix for suffix in SUFFIXES.get(kind, ("",))]


def test_the_alerting_rules_are_valid() -> None:
    checked = run("check", "rules", "alerts.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_alerts_fire_as_their_unit_tests_say() -> None:
    tested = run("test", "rules", "alerts.test.yaml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    tests = yaml.safe_load((MONITORING / "alerts.test.yaml").read_text())["tests"]
    exercised = {case["alertname"] for test in tests for case in test["alert_rule_test"] if case.get("exp_alerts")}
    assert exercised == {rule["alert"] for rule in alert_rules()}, "every alert has a test in which it fires"


def test_the_prometheus_configuration_is_valid(tmp_path: Path) -> None:
    # Debian's promtool is built without Kubernetes discovery: the same jobs, with static targets.
    text = (MONITORING / "prometheus.yaml").read_text()
    static = "  static_configs:\n  - targets: ['127.0.0.1:9100']\n"
    discovery = "  kubernetes_sd_configs:\n  - role: pod\n    namespaces:\n      names:\n      - meemaken\n"
    text = text.replace(discovery, static)
    assert "kubernetes_sd_configs" not in text
    (tmp_path / "prometheus.yaml").write_text(text)
    shutil.copy(MONITORING / "alerts.yaml", tmp_path / "alerts.yaml")
    checked = run("check", "config", "prometheus.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_dashboard_expression_is_valid_promql(tmp_path: Path) -> None:
    rules = [{"record": f"meemaken:dashboard_check:{n}", "expr": e} for n, e in enumerate(dashboard_expressions())]
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    checked = run("check", "rules", "rules.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_committed_dashboards_are_what_dashboards_py_writes() -> None:
    spec = importlib.util.spec_from_file_location("monitoring_dashboards", MONITORING / "dashboards.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, "run python3 infra/monitoring/dashboards.py"


def test_one_dashboard_per_service_and_an_overview_each_a_grafana_model() -> None:
    assert set(dashboards()) == {"overview.json", *(f"{s}.json" for s in SERVICES)}
    assert len({d["uid"] for d in dashboards().values()}) == len(dashboards())
    for name, board in dashboards().items():
        assert board["schemaVersion"] >= 36 and board["title"] and board["panels"], name
        assert len({p["id"] for p in board["panels"]}) == len(board["panels"]), name
        for item in board["panels"]:
            assert set(item["gridPos"]) == {"h", "w", "x", "y"} and item["gridPos"]["x"] + item["gridPos"]["w"] <= 24
            for target in item.get("targets", []):
                assert target["datasource"]["uid"] == "${datasource}" and target["refId"], (name, item["title"])
        if name != "overview.json":
            service = name.removesuffix(".json")
            assert all(f'service="{service}"' in t for t in dashboard_expressions_of(board)), name


def dashboard_expressions_of(board: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in board["panels"] for t in p.get("targets", [])]


def test_every_expression_names_metrics_that_the_code_registers() -> None:
    known = registered_metrics()
    assert {"meemaken_http_requests_total", "meemaken_consumer_lag", "meemaken_relay_lag_seconds"} <= known
    used = {name for expr in dashboard_expressions() for name in METRIC.findall(expr)}
    used |= {name for rule in alert_rules() for name in METRIC.findall(rule["expr"])}
    tested = (MONITORING / "alerts.test.yaml").read_text()
    used |= set(METRIC.findall(tested))
    assert used - known == set()
    # and what the alerts and dashboards watch covers what the issue asks for
    for needed in ("meemaken_outbox_backlog", "meemaken_timers_due", "meemaken_deadlines_breached"):
        assert needed in used
