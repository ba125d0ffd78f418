"""A proposal is about a district and a theme the process offers; the list filters on them; support counts
per district (as the supporters' logins verified it) for "N residents of your district support this"."""

import uuid
from datetime import UTC, datetime

import pytest
from proposals_tokens import official, resident

from meemaken_kit import Settings, make_engine, migrate
from proposals.bootstrap import SERVICE, create_app, unit_of_work_factory
from proposals.service_layer import handlers

TEXT = "Close the street in front of the school for cars at the start and end of the day."
PHASE = {
    "name": "ideas",
    "starts_at": "2027-01-01T00:00:00+00:00",
    "ends_at": "2027-03-01T00:00:00+00:00",
    "rung_promised": "adviseren",
}
PROCESS = {
    "id": "mobility-2027",
    "municipality": "gent",
    "title": "Mobility plan 2027",
    "kind": "proposals_call",
    "phases": [PHASE],
    "districts": ["Noord", "Zuid"],
    "themes": ["mobility", "green"],
}


@pytest.fixture
def case(tmp_path):
    url = f"sqlite:///{tmp_path / 'proposals.sqlite'}"
    migrate(SERVICE.migrations_dir, url)
    engine = make_engine(url)
    settings = Settings.from_env("proposals", {"DATABASE_URL": url})
    clock = lambda: datetime(2027, 1, 10, tzinfo=UTC)  # noqa: E731
    client = create_app(settings, engine, clock).test_client()
    assert client.post("/api/v1/processes", json=PROCESS, headers=official()).status_code == 201
    yield client, unit_of_work_factory(settings, engine, clock)
    engine.dispose()


def submit(client, title, **place):
    body = {"process_id": "mobility-2027", "title": title, "text": f"{title}: {TEXT}", **place}
    return client.post("/api/v1/proposals", json=body, headers=resident())


def titles(client, query):
    answer = client.get(f"/api/v1/proposals?process_id=mobility-2027&{query}")
    assert answer.status_code == 200, answer.get_json()
    return sorted(p["title"] for p in answer.get_json())


def test_the_process_offers_its_districts_and_themes(case):
    client, _ = case
    process = client.get("/api/v1/processes/mobility-2027").get_json()
    assert (process["districts"], process["themes"]) == (["Noord", "Zuid"], ["mobility", "green"])


def test_proposals_are_placed_in_a_district_and_theme_and_found_by_them(case):
    client, _ = case
    placed = submit(client, "Safer school streets", district="Noord", theme="mobility")
    assert placed.status_code == 201
    assert (placed.get_json()["district"], placed.get_json()["theme"]) == ("Noord", "mobility")
    assert submit(client, "More trees", district="Zuid", theme="green").status_code == 201
    assert submit(client, "A city-wide bike plan", theme="mobility").get_json()["district"] is None
    assert titles(client, "district=Noord") == ["Safer school streets"]
    assert titles(client, "theme=mobility") == ["A city-wide bike plan", "Safer school streets"]
    assert titles(client, "district=Zuid&theme=mobility") == []


@pytest.mark.parametrize(
    ("place", "says"),
    [
        ({"district": "Oost"}, "unknown district 'Oost'"),
        ({"theme": "culture"}, "unknown theme 'culture'"),
        ({"district": ""}, "district"),
    ],
)
def test_a_district_or_theme_the_process_does_not_offer_is_refused_and_nothing_stored(case, place, says):
    client, _ = case
    refused = submit(client, "Safer school streets", **place)
    assert refused.status_code == 422 and refused.content_type == "application/problem+json"
    assert says in str(refused.get_json())
    assert titles(client, "") == []


def test_a_process_without_districts_takes_no_district(case):
    client, _ = case
    plain = PROCESS | {"id": "plain-2027", "districts": [], "themes": []}
    assert client.post("/api/v1/processes", json=plain, headers=official()).status_code == 201
    body = {"process_id": "plain-2027", "title": "Benches", "text": f"Benches: {TEXT}", "district": "Noord"}
    refused = client.post("/api/v1/proposals", json=body, headers=resident())
    assert refused.status_code == 422 and "this process has no districts" in refused.get_json()["detail"]


def test_a_process_with_the_same_district_twice_is_refused(case):
    client, _ = case
    twice = PROCESS | {"id": "twice-2027", "districts": ["Noord", "Noord"]}
    assert client.post("/api/v1/processes", json=twice, headers=official()).status_code == 422


def test_support_counts_per_verified_district_and_never_says_who(case):
    client, uow = case
    pid = submit(client, "Safer school streets", district="Noord").get_json()["id"]
    handlers.check_admissibility(uuid.UUID(pid), uow())
    for district in ("Noord", "Noord", "Zuid", None):
        supported = client.post(f"/api/v1/proposals/{pid}/support", headers=resident(district=district))
        assert supported.status_code == 200, supported.get_json()
    counts = client.get(f"/api/v1/proposals/{pid}/supporters")
    assert counts.status_code == 200
    assert counts.get_json() == {"total": 4, "by_district": {"Noord": 2, "Zuid": 1}}
    assert client.get(f"/api/v1/proposals/{uuid.uuid4()}/supporters").status_code == 404
