"""Writes the Grafana dashboards in dashboards/: one per service and an overview (Grafana JSON model).

    python3 infra/monitoring/dashboards.py           # rewrite the JSON files
    python3 infra/monitoring/dashboards.py --check   # fail if a committed file differs (tests/images)

Generated because the five services' dashboards differ only in their service, and must not drift apart.
Every query filters on the `service` label that Prometheus gives from the pod's labels (prometheus.yaml);
the datasource is a variable, chosen when the dashboard is imported.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SERVICES = ("gateway", "proposals", "challenges", "panels", "notifications")
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
WIDTH = 24


def panel(title: str, unit: str, *targets: tuple[str, str], description: str = "") -> dict[str, Any]:
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "fieldConfig": {"defaults": {"unit": unit, "min": 0}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}},
        "targets": [
            {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": chr(ord("A") + i)}
            for i, (expr, legend) in enumerate(targets)
        ],
    }


def row(title: str) -> dict[str, Any]:
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


def laid_out(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows across the whole width; the panels after a row two by two, 8 units high."""
    y, x, placed = 0, 0, []
    for n, item in enumerate(items, start=1):
        if item["type"] == "row":
            y += 8 if x else 0
            item["gridPos"] = {"h": 1, "w": WIDTH, "x": 0, "y": y}
            y, x = y + 1, 0
        else:
            item["gridPos"] = {"h": 8, "w": WIDTH // 2, "x": x, "y": y}
            y, x = (y + 8, 0) if x else (y, WIDTH // 2)
        placed.append(item | {"id": n})
    return placed


def dashboard(uid: str, title: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "tags": ["meemaken"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "graphTooltip": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "annotations": {"list": []},
        "links": [{"title": "meemaken", "type": "dashboards", "tags": ["meemaken"], "asDropdown": True}],
        "templating": {
            "list": [{"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus"}]
        },
        "panels": laid_out(items),
    }


def service_dashboard(service: str) -> dict[str, Any]:
    s = f'service="{service}"'
    rate = f"rate(meemaken_http_requests_total{{{s}}}[5m])"
    status_class = f'label_replace({rate}, "class", "${{1}}xx", "status", "(.).*")'  # 503 -> 5xx
    latency = f"sum by (le, endpoint) (rate(meemaken_http_request_seconds_bucket{{{s}}}[5m]))"
    return dashboard(
        f"meemaken-{service}",
        f"meemaken / {service}",
        [
            row("API"),
            panel(
                "Requests per second, by route and status class",
                "reqps",
                (f"sum by (endpoint, class) ({status_class})", "{{endpoint}} {{class}}"),
            ),
            panel(
                "Share of 5xx answers",
                "percentunit",
                (
                    f'sum(rate(meemaken_http_requests_total{{{s}, status=~"5.."}}[5m]))'
                    f" / sum(rate(meemaken_http_requests_total{{{s}}}[5m]))",
                    "5xx",
                ),
                description="MeemakenHighServerErrorRate fires above 5 % for 5 minutes.",
            ),
            panel("Latency p99, by route", "s", (f"histogram_quantile(0.99, {latency})", "{{endpoint}}")),
            panel("Latency p50, by route", "s", (f"histogram_quantile(0.5, {latency})", "{{endpoint}}")),
            row("Outbox and relay"),
            panel(
                "Outbox backlog (rows not yet published)",
                "short",
                (f"max(meemaken_outbox_backlog{{{s}}})", "backlog"),
            ),
            panel(
                "Relay lag (age of the oldest unpublished row)",
                "s",
                (f"max(meemaken_relay_lag_seconds{{{s}}})", "lag"),
                description="MeemakenRelayStuck fires above 2 minutes for 5 minutes.",
            ),
            panel(
                "Events published per second, and failed sends",
                "ops",
                (f"sum(rate(meemaken_relay_published_total{{{s}}}[5m]))", "published"),
                (f"sum(rate(meemaken_relay_send_failures_total{{{s}}}[5m]))", "send failures"),
            ),
            row("Consumers"),
            panel(
                "Consumer lag, by consumer and partition",
                "short",
                (f"sum by (consumer, topic, partition) (meemaken_consumer_lag{{{s}}})", "{{consumer}} {{partition}}"),
            ),
            panel(
                "Events handled per second, by consumer and outcome",
                "ops",
                (
                    f"sum by (consumer, outcome) (rate(meemaken_events_consumed_total{{{s}}}[5m]))",
                    "{{consumer}} {{outcome}}",
                ),
            ),
            panel(
                "Batch handling time p99, by consumer",
                "s",
                (
                    "histogram_quantile(0.99, sum by (le, consumer) "
                    f"(rate(meemaken_consumer_batch_seconds_bucket{{{s}}}[5m])))",
                    "{{consumer}}",
                ),
            ),
            panel(
                "Dead letters unresolved, and halted consumers",
                "short",
                (f"max by (consumer) (meemaken_dead_letters_unresolved{{{s}}})", "{{consumer}} unresolved"),
                (f"max by (consumer) (meemaken_consumer_halted{{{s}}})", "{{consumer}} halted"),
            ),
            row("Timers and deadlines"),
            panel(
                "Timers due and not fired",
                "short",
                (f"max by (timer) (meemaken_timers_due{{{s}}})", "{{timer}}"),
            ),
            panel(
                "Open cases past their term",
                "short",
                (f"max by (timer) (meemaken_deadlines_breached{{{s}}})", "{{timer}}"),
            ),
        ],
    )


def overview() -> dict[str, Any]:
    errors = 'sum by (service) (rate(meemaken_http_requests_total{status=~"5.."}[5m]))'
    requests = "sum by (service) (rate(meemaken_http_requests_total[5m]))"
    return dashboard(
        "meemaken-overview",
        "meemaken / overview",
        [
            row("Every service"),
            panel("Requests per second", "reqps", (requests, "{{service}}")),
            panel("Share of 5xx answers", "percentunit", (f"{errors} / {requests}", "{{service}}")),
            panel(
                "Latency p99",
                "s",
                (
                    "histogram_quantile(0.99, sum by (le, service) (rate(meemaken_http_request_seconds_bucket[5m])))",
                    "{{service}}",
                ),
            ),
            panel(
                "Targets up",
                "short",
                ('sum by (service, component) (up{job=~"meemaken-.*"})', "{{service}} {{component}}"),
            ),
            row("Events"),
            panel("Relay lag", "s", ("max by (service) (meemaken_relay_lag_seconds)", "{{service}}")),
            panel("Outbox backlog", "short", ("max by (service) (meemaken_outbox_backlog)", "{{service}}")),
            panel("Consumer lag", "short", ("sum by (service, consumer) (meemaken_consumer_lag)", "{{consumer}}")),
            panel(
                "Dead letters unresolved",
                "short",
                ("max by (service, consumer) (meemaken_dead_letters_unresolved)", "{{consumer}}"),
            ),
            row("Deadlines"),
            panel(
                "Open cases past their term",
                "short",
                ("max by (service, timer) (meemaken_deadlines_breached)", "{{service}} {{timer}}"),
            ),
            panel(
                "Timers due and not fired",
                "short",
                ("max by (service, timer) (meemaken_timers_due)", "{{service}} {{timer}}"),
            ),
        ],
    )


def dashboards() -> dict[str, dict[str, Any]]:
    return {"overview.json": overview()} | {f"{s}.json": service_dashboard(s) for s in SERVICES}


def main(argv: list[str]) -> int:
    stale = []
    for name, content in dashboards().items():
        path = HERE / "dashboards" / name
        text = json.dumps(content, indent=2) + "\n"
        if "--check" in argv:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        print(f"out of date: {', '.join(stale)}; run python3 infra/monitoring/dashboards.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
