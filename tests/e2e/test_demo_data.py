"""`make run`'s demo data (infra/demo_data.py) seeded twice into the services as deployed, on real Kafka and
PostgreSQL: everything is there once, the automatic check and the count came through the broker, and the
portal's home (the gateway's app, calling the real proposals service) shows the open processes and what the
municipality did with earlier proposals."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from meemaken_kit import Settings, make_engine, migrate
from meemaken_testkit.deployed import deploy
from meemaken_testkit.postgres import create_database

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]


def load_demo_data():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("demo_data", ROOT / "infra" / "demo_data.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["demo_data"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


demo_data = load_demo_data()


@pytest.fixture(scope="module")
def services(postgres_server_url, kafka_bootstrap, tmp_path_factory):
    def start(name, workers=((),)):
        database = create_database(postgres_server_url, f"e2e_demo_{name}_{uuid.uuid4().hex[:8]}")
        extra = {"WEB_CONCURRENCY": "1", "PANELS_PSEUDONYM_KEY": "e2e-secret"}
        return deploy(name, database, kafka_bootstrap, tmp_path_factory.mktemp(name), extra, workers=workers)

    # Only proposals needs its worker here: the automatic check and the count come through Kafka.
    with ThreadPoolExecutor(3) as pool:  # side by side: most of a deploy is waiting for migrations and the APIs
        started = [
            pool.submit(start, "proposals"),
            pool.submit(start, "challenges", ()),
            pool.submit(start, "panels", ()),
        ]
        deployed = [future.result() for future in started]
    yield {f"{d.service.upper()}_BASE_URL": d.url for d in deployed}
    for d in deployed:
        assert set(d.stop()) == {0}


def test_seeding_twice_makes_the_demo_once_and_the_portal_home_shows_it(services, tmp_path):
    first = demo_data.seeder(services).run()
    second = demo_data.seeder(services).run()
    assert "added processes" in first and "ballots and the count" in first
    assert "nothing added" in second, second

    proposals = f"{services['PROPOSALS_BASE_URL']}/api/v1"
    processes = requests.get(f"{proposals}/processes", params={"municipality": "demo"}, timeout=10).json()
    assert sorted(p["id"] for p in processes) == sorted(p["id"] for p in demo_data.PROCESSES)
    rungs = {phase["rung_promised"] for p in processes for phase in p["phases"]}
    assert {"raadplegen", "adviseren", "meebeslissen"} <= rungs

    seeded = []
    for process in (demo_data.FIETSPLAN, demo_data.BUURT):
        seeded += requests.get(
            f"{proposals}/proposals", params={"process_id": process, "limit": 100}, timeout=10
        ).json()
    assert Counter(p["title"] for p in seeded) == Counter(p.title for p in demo_data.PROPOSALS)  # each once
    states = Counter(p["status"] for p in seeded)
    assert states == {"admitted": 6, "answered": 5, "declined": 1}, states
    stalls = next(p for p in seeded if p["title"] == "Overdekte fietsenstalling aan het station")
    assert stalls["position"] == "adopted" and stalls["supporters"] == 3
    assert [s["what"] for s in stalls["history"]].count("follow_up_in_progress") == 1

    rounds = {r["title"]: r for r in requests.get(f"{proposals}/rounds", timeout=10).json()}
    assert set(rounds) == {"Burgerbudget 2027", "Burgerbudget 2026"}
    voting, counted = rounds["Burgerbudget 2027"], rounds["Burgerbudget 2026"]
    assert voting["phase"] == "voting" and len(voting["projects"]) == 8
    assert {p["district"] for p in voting["projects"]} == {"centrum", "noord", "zuid"}
    assert counted["phase"] == "implementation" and counted["results"]["voters"] == demo_data.CLOSED_ROUND.voters
    assert counted["results"]["selected"] and all(
        p["stage"] == "in_progress" for p in counted["projects"] if p["id"] in counted["results"]["selected"]
    )

    tasks = requests.get(f"{services['CHALLENGES_BASE_URL']}/api/v1/tasks", timeout=10).json()
    assert [t["title"] for t in tasks] == [demo_data.TASK["title"]]
    panels = requests.get(f"{services['PANELS_BASE_URL']}/api/v1/panels", timeout=10).json()
    assert [(p["question"], p["status"]) for p in panels] == [(demo_data.PANEL["question"], "recruiting")]

    home = portal(tmp_path, services["PROPOSALS_BASE_URL"]).get("/").get_data(as_text=True)
    for title in ("Fietsplan 2027: waar wil jij veiliger fietsen?", "Ideeën voor je buurt", "Burgerbudget 2027"):
        assert title in home
    assert "Raadplegen." in home and "Adviseren." in home and "Meebeslissen." in home
    assert "Jullie zeiden, wij deden" in home
    assert any(p.title in home for p in demo_data.PROPOSALS if p.answer)


def portal(tmp_path: Path, proposals_url: str):  # type: ignore[no-untyped-def]
    """The gateway's app (no identity provider needed for the public home), calling the real proposals."""
    from gateway.bootstrap import SERVICE, create_app
    from gateway.settings import GatewaySettings

    url = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    migrate(SERVICE.migrations_dir, url)
    env = {
        "MEEMAKEN_ENV": "development",
        "MEEMAKEN_PSEUDONYM_KEY": "test-pseudonym-key-of-at-least-32-characters",
        "MEEMAKEN_GATEWAY_SECRET_KEY": "test-secret-key",
        "MEEMAKEN_PUBLIC_URL": "http://localhost",
        "MEEMAKEN_MUNICIPALITY": "demo",
        "NOTIFICATIONS_CLIENT_SECRET": "notifications-secret-for-tests",
        "PANELS_CLIENT_SECRET": "panels-secret-for-tests",
        "PROPOSALS_BASE_URL": proposals_url,
    }
    app = create_app(
        Settings.from_env("gateway", {"DATABASE_URL": url}), make_engine(url), GatewaySettings.from_env(env)
    )
    app.testing = True
    return app.test_client()
