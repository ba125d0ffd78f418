"""What the Schemathesis runs share (tests/contract/test_openapi_fuzz.py in-process, tests/e2e/test_gateway_fuzz.py
through the gateway): the checks, the bounds, what each service holds before fuzzing, who may call what
(docs/roles/<service>.md), the ids a run has seen, and the strategies that reach past validation.

``MEEMAKEN_FUZZ_EXAMPLES`` examples per operation, ``MEEMAKEN_FUZZ_WORKFLOWS`` workflows per service,
derandomized unless ``MEEMAKEN_FUZZ_SEED=random``."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.exceptions import HTTPException

from meemaken_kit.input_guard import INT_MAX, INT_MIN
from meemaken_kit.roles import ROLES

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("proposals", "challenges", "panels", "notifications", "gateway")
EXAMPLES = int(os.environ.get("MEEMAKEN_FUZZ_EXAMPLES", "15"))
WORKFLOWS = int(os.environ.get("MEEMAKEN_FUZZ_WORKFLOWS", "8"))
DERANDOMIZE = os.environ.get("MEEMAKEN_FUZZ_SEED") != "random"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
ROW = re.compile(r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*(\S+)\s*\|\s*([^|]+?)\s*\|\s*$")
ID_KEY = re.compile(r"(^|_)id$")

Seed = tuple[str, str, str, dict[str, Any]]  # method, path, caller, body


def seeds() -> dict[str, list[Seed]]:
    """What each service holds before the fuzzing starts: (method, path, caller, body), in order; a path
    may name the id an earlier seed got (``{0}``: the first seed's). Their ids become path parameters."""
    now = datetime.now(UTC)
    year = {"starts_at": (now - timedelta(days=30)).isoformat(), "ends_at": (now + timedelta(days=335)).isoformat()}
    call = {"municipality": "demo", "title": "Proposals call", "kind": "proposals_call"}
    budget = {"municipality": "demo", "title": "Citizen budget", "kind": "budget_round"}
    task = {
        "title": "Public library De Linde",
        "description": "Running the neighbourhood library.",
        "department": "culture",
        "current_yearly_cost_cents": 12_000_000,
        "budget_cents": 11_000_000,
        "profile": "flanders",
        "eligible_legal_forms": ["vzw", "stichting", "charity"],
        "min_members": 5,
        "windows": [{"opens_at": year["starts_at"], "closes_at": year["ends_at"]}],
    }
    submission = {
        "why_better": "We already run the community centre next door and can open the library on Sundays.",
        "capacity_and_finances": "Twelve volunteers, two part-time staff, a reserve of 40 000 euro.",
        "local_support": "412 signatures and the minutes of two neighbourhood meetings.",
        "cost_estimate_cents": 9_500_000,
        "quality_guarantees": "Opening hours at least as today; yearly survey of users.",
        "continuity_and_exit": "Six months' notice; staff and keys return to the municipality.",
        "support_asked": "Use of the building free of rent.",
    }
    group = {"name": "Buurtwerking De Linde", "legal_form": "vzw", "members_count": 35, "co_initiator_ids": []}
    panel = {
        "question": "How should the old station square be used?",
        "theme": "public space",
        "mandate": "adviseren",
        "size": 6,
        "alternates": 2,
        "features": {"gender": {"female": {"min": 3, "max": 3}, "male": {"min": 3, "max": 3}}},
        "household_rule": True,
        "min_age": 16,
        "open_registration": True,
    }
    return {
        "proposals": [
            (
                "POST",
                "/api/v1/processes",
                "case_officer",
                call | {"id": "fuzz-call", "phases": [{"name": "proposals", "rung_promised": "adviseren", **year}]},
            ),
            (
                "POST",
                "/api/v1/processes",
                "case_officer",
                budget | {"id": "fuzz-budget", "phases": [{"name": "round", "rung_promised": "meebeslissen", **year}]},
            ),
            (
                "POST",
                "/api/v1/proposals",
                "resident",
                {
                    "process_id": "fuzz-call",
                    "title": "Safer school streets",
                    "text": "Close the street in front of the school for cars at the start and end of the day.",
                },
            ),
            (
                "POST",
                "/api/v1/rounds",
                "case_officer",
                {
                    "process_id": "fuzz-budget",
                    "title": "Citizen budget",
                    "budget": 100_000,
                    "rule": "greedy",
                    "form": {"kind": "approval"},
                },
            ),
            ("POST", "/api/v1/rounds/{3}/projects", "resident", {"title": "Benches", "cost": 60_000}),
        ],
        "challenges": [
            ("POST", "/api/v1/tasks", "case_officer", task),
            (
                "POST",
                "/api/v1/challenges",
                "group_representative",
                {"task_id": "{0}", "group": group, "submission": submission},
            ),
        ],
        "panels": [("POST", "/api/v1/panels", "panel_coordinator", panel)],
    }


def matrix(service: str) -> dict[tuple[str, str], set[str]]:
    """(method, path) -> who (role names, ``service:<scope>``, or ``public``) from docs/roles/<service>.md."""
    found = {}
    for line in (ROOT / "docs" / "roles" / f"{service}.md").read_text().splitlines():
        if match := ROW.match(line):
            method, path, who = match.groups()
            found[(method, path)] = {entry.split(" ")[0] for entry in (w.strip() for w in who.split(",")) if entry}
    return found


def document(service: str) -> dict[str, Any]:
    """The service's committed OpenAPI document."""
    found: dict[str, Any] = json.loads((ROOT / "services" / service / "openapi.json").read_text())
    return found


def operations(services: tuple[str, ...] = SERVICES) -> Iterator[Any]:
    """(service, method, path) of every operation of the services' documents, as pytest parameters."""
    for service in services:
        for path, item in sorted(document(service)["paths"].items()):
            for method in sorted(m for m in item if m in ("get", "post", "put", "patch", "delete")):
                yield pytest.param(service, method.upper(), path, id=f"{service} {method.upper()} {path}")


@dataclass
class Fuzzed:
    """What a run knows of one service: its document as Schemathesis loaded it, who may call what, and the
    ids its answers named (to send as path parameters, so requests reach resources that exist)."""

    name: str
    schema: Any
    matrix: dict[tuple[str, str], set[str]]
    ids: dict[str, set[str]] = field(default_factory=dict)  # ids seen in answers, by the key that held them

    def allowed(self, method: str, path: str) -> set[str]:
        """Who may call the operation (``public`` among them when anyone may)."""
        return self.matrix.get((method, path), {"public"})

    def callers(self, method: str, path: str) -> list[str | None]:
        """Nobody, every role the matrix allows, and one role it refuses."""
        allowed = self.allowed(method, path) - {"public"}
        refused = [role for role in ROLES if role not in allowed]
        # Hypothesis leans to the first choices: the allowed roles, so most examples reach the handler.
        return [*sorted(allowed), *refused[:1], None] if allowed else ["resident", None]

    def remember(self, body: Any, path: str = "") -> None:
        """Keep the ids an answer names, to use them as path parameters later: ``<thing>_id`` under its
        name, and the ``id`` of what ``path`` lists or makes under the parameter of that resource's
        own path (``/api/v1/rounds`` answers a round: ``round_id`` of ``/api/v1/rounds/{round_id}``)."""
        if isinstance(body, list):
            for item in body[:20]:
                self.remember(item, path)
        elif isinstance(body, dict):
            for key, value in body.items():
                if isinstance(value, str) and ID_KEY.search(key) and len(value) < 100:
                    name = self.item_parameter(path) if key == "id" else key
                    self.ids.setdefault(name or key, set()).add(value)
                elif isinstance(value, dict | list):
                    self.remember(value)

    def item_parameter(self, path: str) -> str | None:
        """The parameter naming one of what ``path`` lists: ``round_id`` for ``/api/v1/rounds``."""
        for template in self.schema.raw_schema["paths"]:
            if match := re.fullmatch(re.escape(path) + r"/\{(\w+)\}", template):
                return match.group(1)
        return None

    def known_ids(self, parameter: str) -> list[str]:
        """Ids the run has seen that may fit a path parameter: under its own name, else any."""
        return sorted(self.ids.get(parameter) or set().union(*self.ids.values()))

    def use_known_ids(self, case: Any, data: st.DataObject) -> None:
        """Most of a valid case's path parameters become ids the run has seen (a negative one keeps what it tests)."""
        for parameter in list(case.path_parameters or {}) if path_is_valid(case) else []:
            known = self.known_ids(parameter)
            # One draw whose bounds never change as the pool grows (Hypothesis replays examples).
            pick = data.draw(st.integers(-(2**16), 2**16), label=f"known {parameter}")
            if known and pick >= 0:
                case.path_parameters[parameter] = known[pick % len(known)]

    def cases(self, operation: Any, method: str, path: str) -> st.SearchStrategy[Any]:
        """Cases that fit the document, cases that break it, and a seeded body with one field made odd (past
        validation, into the domain)."""
        strategies = [
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        ]
        seed = next((b for m, p, _, b in seeds().get(self.name, []) if (m, p) == (method, path)), None)
        if seed is not None:
            strategies.append(
                one_field_odd(seed).map(lambda body: operation.Case(body=body, media_type="application/json"))
            )
        return st.one_of(*strategies)


def fuzz_settings(examples: int) -> settings:
    """Hypothesis's settings for one operation's run: bounded, repeatable, no health checks (slow services)."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=DERANDOMIZE,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def workflow_settings(workflows: int, steps: int) -> settings:
    """Hypothesis's settings for a service's workflows: ``workflows`` runs of up to ``steps`` calls, repeatable."""
    return settings(
        max_examples=workflows,
        stateful_step_count=steps,
        deadline=None,
        derandomize=DERANDOMIZE,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


@dataclass
class Failures:
    """The failing examples of one operation's run, kept so that the run goes on and reports them all."""

    found: list[str] = field(default_factory=list)

    def add(self, case: Any, caller: str | None, status: int, why: str) -> None:
        method = case.method.upper()
        self.found.append(f"{method} {case.path} as {caller or 'nobody'} -> {status}: {why}\n{case.as_curl_command()}")

    def documented(self, case: Any, response: Any, caller: str | None) -> bool:
        """Is the answer one the document promises (the checks)? A failure is kept."""
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as error:  # a FailureGroup: keep it and go on
            self.add(case, caller, response.status_code, str(error))
            return False
        return True

    def none(self) -> None:
        assert not self.found, f"{len(self.found)} failing examples; the first:\n" + "\n\n".join(self.found[:3])


def routed(app: Any, method: str, path: str) -> bool:
    """Does the path reach the operation's view? One whose parameters fit no route is a 404 for anyone."""
    try:
        app.url_map.bind("localhost").match(path, method)
    except HTTPException:
        return False
    return True


def filled(path: str, body: dict[str, Any], got: list[str]) -> tuple[str, dict[str, Any]]:
    """A seed's path and body with the ids earlier seeds got (``{0}``, ``{3}``)."""
    return path.format(*got), json.loads(json.dumps(body).replace('"{0}"', json.dumps(got[0] if got else "")))


ODD_TEXT = st.one_of(
    st.from_regex(r"[0-9]{9,12}", fullmatch=True),  # reads as a national number or a phone number
    st.text(max_size=20),
    st.sampled_from(["", " ", "-", "0", "a" * 10_001, "\u200b", "\uff33afer school streets", "mobility-2027"]),
)
ODD_NUMBERS = st.one_of(
    st.sampled_from([0, -1, 1, 2**31, 2**53 + 1, INT_MAX, INT_MIN, 1e308, -0.0, 0.5]),
    st.integers(-(2**70), 2**70),
)


def odd_like(value: Any) -> st.SearchStrategy[Any]:
    """Values a field that holds ``value`` might get from a careless or hostile client."""
    if isinstance(value, dict):
        return (
            one_field_odd(value) if value else st.dictionaries(st.text(max_size=5), ODD_TEXT, max_size=2)
        ) | st.none()
    if isinstance(value, list):
        item = odd_like(value[0]) | st.just(value[0]) if value else ODD_TEXT
        return st.lists(item, max_size=4) | st.none() | ODD_TEXT
    if isinstance(value, bool):
        return st.sampled_from([not value, None, "true", 0])
    if isinstance(value, int | float):
        return ODD_NUMBERS | st.none() | ODD_TEXT
    return ODD_TEXT | st.none() | ODD_NUMBERS


def one_field_odd(body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(sorted(body)).flatmap(lambda key: odd_like(body[key]).map(lambda odd: {**body, key: odd}))


def path_is_valid(case: Any) -> bool:
    """Only a path generated valid may become a known resource's: a negative one keeps what it tests."""
    meta = case.meta
    component = meta.components.get(ParameterLocation.PATH) if meta is not None else None
    return component is None or component.mode == GenerationMode.POSITIVE
