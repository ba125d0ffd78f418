"""Processes, support and answers through the API on PostgreSQL: each step an event, bad input changes nothing."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from meemaken_kit import Settings, make_engine, migrate
from proposals.adapters.tables import outbox, processes, proposals, supports
from proposals.bootstrap import SERVICE, create_app, unit_of_work_factory
from proposals.service_layer import handlers

pytestmark = pytest.mark.postgres
START = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
TEXT = "Close the street in front of the school for cars at the start and end of the day."


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def case(database_url):
    migrate(SERVICE.migrations_dir, database_url)
    engine = make_engine(database_url)
    clock = Clock()
    settings = Settings.from_env("proposals", {"DATABASE_URL": database_url})
    yield (
        create_app(settings, engine, clock).test_client(),
        engine,
        clock,
        unit_of_work_factory(settings, engine, clock),
    )
    engine.dispose()


def role(name, who=None):
    return {"X-Meemaken-Role": name, "X-Meemaken-Actor": str(who or uuid.uuid4())}


OFFICIAL = role("official")


def process_body(**changes):
    body = {
        "id": "mobility-2027",
        "municipality": "gent",
        "title": "Mobility plan 2027",
        "kind": "proposals_call",
        "support_threshold": 2,
        "answer_days": 60,
        "phases": [
            {
                "name": "ideas",
                "starts_at": "2027-01-01T00:00:00+00:00",
                "ends_at": "2027-03-01T00:00:00+00:00",
                "rung_promised": "adviseren",
            },
            {
                "name": "decision",
                "starts_at": "2027-03-01T00:00:00+00:00",
                "ends_at": "2027-06-01T00:00:00+00:00",
                "rung_promised": "meebeslissen",
            },
        ],
    }
    return body | changes


def events(engine):
    with engine.connect() as conn:
        return [t.split(".")[-2] for t in conn.execute(sa.select(outbox.c.type).order_by(outbox.c.id)).scalars()]


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def admitted(client, uow, author=None, title="Safer school streets"):
    text = f"{title}: {TEXT}"
    body = {"process_id": "mobility-2027", "author_id": str(author or uuid.uuid4()), "title": title, "text": text}
    created = client.post("/api/v1/proposals", json=body)
    assert created.status_code == 201, created.get_json()
    proposal = handlers.check_admissibility(uuid.UUID(created.get_json()["id"]), uow())
    assert proposal.status.value == "admitted", proposal.reasons
    return str(proposal.id)


def test_a_process_carries_its_rungs_and_the_yearly_report_ranks_them_on_the_municipalitys_ladder(case):
    client, engine, _clock, uow = case
    assert client.post("/api/v1/processes", json=process_body(), headers=OFFICIAL).status_code == 201
    pid = admitted(client, uow)
    client.post(f"/api/v1/proposals/{pid}/support", headers=role("resident"))
    order = ["informeren", "raadplegen", "coproduceren", "adviseren", "meebeslissen", "zelfbeheer"]
    assert client.put("/api/v1/ladders/gent", json={"rungs": order}, headers=OFFICIAL).status_code == 200
    realised = client.post(
        "/api/v1/processes/mobility-2027/phases/decision/realised",
        json={"rung": "adviseren", "explanation": "The council kept the final say."},
        headers=OFFICIAL,
    )
    assert realised.status_code == 200
    report = client.get("/api/v1/reports/participation?municipality=gent&year=2027").get_json()
    [row] = report["processes"]
    assert (row["proposals"], row["supports"], row["participants"]) == (1, 1, 2)
    decision = row["phases"][1]
    assert (decision["rank_promised"], decision["rank_realised"]) == (5, 4)
    assert report["phases_below_promise"] == 1
    assert events(engine) == ["defined", "submitted", "admitted", "rung_realised"]


@pytest.mark.parametrize(
    ("headers", "body", "status", "says"),
    [
        ({}, process_body(), 403, "official"),
        (OFFICIAL, process_body(id="Mobility 2027"), 422, "process id"),
        (OFFICIAL, process_body(kind="party"), 422, "kind"),
        (OFFICIAL, process_body(phases=[]), 422, "phases"),
        (OFFICIAL, process_body(phases=[{**process_body()["phases"][0], "rung_promised": "shouting"}]), 422, "rung"),
        (
            OFFICIAL,
            process_body(phases=[{**process_body()["phases"][0], "ends_at": "2026-01-01T00:00:00+00:00"}]),
            422,
            "must end after it starts",
        ),
    ],
)
def test_a_bad_process_is_refused_with_a_clear_problem_and_nothing_stored(case, headers, body, status, says):
    client, engine, _clock, _uow = case
    response = client.post("/api/v1/processes", json=body, headers=headers)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    assert says in str(response.get_json())
    assert count(engine, processes) == 0 and count(engine, outbox) == 0


def test_support_past_the_threshold_starts_the_answer_term_and_a_late_answer_is_marked(case):
    client, engine, clock, uow = case
    client.post("/api/v1/processes", json=process_body(), headers=OFFICIAL)
    author = uuid.uuid4()
    pid = admitted(client, uow, author)
    resident = role("resident")
    assert client.post(f"/api/v1/proposals/{pid}/support", headers=resident).get_json()["supporters"] == 1
    again = client.post(f"/api/v1/proposals/{pid}/support", headers=resident)
    own = client.post(f"/api/v1/proposals/{pid}/support", headers=role("resident", author))
    assert (again.status_code, own.status_code) == (409, 409)
    reached = client.post(f"/api/v1/proposals/{pid}/support", headers=role("resident")).get_json()
    assert reached["supporters"] == 2
    assert reached["answer_due_at"].startswith((START + timedelta(days=60)).date().isoformat())

    clock.now = START + timedelta(days=59)
    assert handlers.check_answer_deadlines(uow) == 0
    clock.now = START + timedelta(days=61)
    assert handlers.check_answer_deadlines(uow) == 1
    assert handlers.check_answer_deadlines(uow) == 0  # fires once
    answered = client.post(
        f"/api/v1/proposals/{pid}/answer",
        json={"position": "partly", "reasons": "Two of the three streets close from September."},
        headers=OFFICIAL,
    ).get_json()
    assert answered["status"] == "answered" and "(late)" in answered["history"][-1]["detail"]
    follow = client.post(
        f"/api/v1/proposals/{pid}/follow-ups", json={"stage": "in_progress", "note": "Signs ordered."}, headers=OFFICIAL
    )
    assert follow.status_code == 200
    assert events(engine)[-5:] == ["admitted", "threshold_reached", "answer_overdue", "answered", "followed_up"]
    assert count(engine, supports) == 2


def test_officials_decline_merge_and_split_with_history_and_supporters_kept(case):
    client, _engine, _clock, uow = case
    client.post("/api/v1/processes", json=process_body(support_threshold=None), headers=OFFICIAL)
    a, b, c = (admitted(client, uow, title=t) for t in ("Safer school streets", "Slow traffic zone", "Bike lanes"))
    client.post(f"/api/v1/proposals/{a}/support", headers=role("resident"))
    merged = client.post(
        f"/api/v1/proposals/{a}/merge", json={"into_id": b, "reasons": "Both ask for slower traffic."}, headers=OFFICIAL
    )
    assert merged.status_code == 200 and merged.get_json()["supporters"] == 1
    assert client.get(f"/api/v1/proposals/{a}").get_json()["status"] == "merged"
    parts = [{"title": "Bike lanes north", "text": TEXT}, {"title": "Bike lanes south", "text": TEXT}]
    split = client.post(
        f"/api/v1/proposals/{c}/split", json={"parts": parts, "reasons": "Two districts."}, headers=OFFICIAL
    )
    assert split.status_code == 201 and [p["status"] for p in split.get_json()] == ["admitted", "admitted"]
    declined = client.post(
        f"/api/v1/proposals/{b}/decline",
        json={"reasons": [{"code": "not_competent", "detail": "Regional roads are the region's."}]},
        headers=OFFICIAL,
    )
    assert declined.get_json()["status"] == "declined"
    assert [h["what"] for h in declined.get_json()["history"]] == ["submitted", "admitted", "merged_from", "declined"]


def test_bad_steps_on_a_proposal_change_nothing(case):
    client, engine, _clock, uow = case
    client.post("/api/v1/processes", json=process_body(), headers=OFFICIAL)
    pid = admitted(client, uow)
    before = (events(engine), count(engine, proposals))
    cases = [
        (f"/api/v1/proposals/{pid}/decline", {"reasons": [{"code": "ugly", "detail": "x"}]}, OFFICIAL, 422),
        (f"/api/v1/proposals/{pid}/decline", {"reasons": [{"code": "unlawful", "detail": " "}]}, OFFICIAL, 422),
        (f"/api/v1/proposals/{pid}/answer", {"position": "maybe", "reasons": "x"}, OFFICIAL, 422),
        (f"/api/v1/proposals/{pid}/answer", {"position": "adopted", "reasons": "Yes."}, role("resident"), 403),
        (f"/api/v1/proposals/{pid}/merge", {"into_id": pid, "reasons": "Same."}, OFFICIAL, 422),
        (f"/api/v1/proposals/{pid}/follow-ups", {"stage": "done", "note": "Done."}, OFFICIAL, 409),
        (f"/api/v1/proposals/{uuid.uuid4()}/support", None, role("resident"), 404),
        (f"/api/v1/proposals/{pid}/support", None, {"X-Meemaken-Role": "king"}, 400),
    ]
    for path, body, headers, status in cases:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == status, (path, response.get_json())
        assert response.content_type == "application/problem+json"
    assert (events(engine), count(engine, proposals)) == before


def test_a_proposal_to_an_unknown_or_closed_process_is_rejected_with_a_coded_reason(case):
    client, _engine, clock, uow = case
    client.post("/api/v1/processes", json=process_body(), headers=OFFICIAL)
    body = {
        "process_id": "unknown-process",
        "author_id": str(uuid.uuid4()),
        "title": "Safer school streets",
        "text": TEXT,
    }
    unknown = client.post("/api/v1/proposals", json=body).get_json()
    assert handlers.check_admissibility(uuid.UUID(unknown["id"]), uow()).reasons[0].code == "unknown_process"
    clock.now = datetime(2027, 7, 1, tzinfo=UTC)
    late = client.post("/api/v1/proposals", json=body | {"process_id": "mobility-2027"}).get_json()
    assert handlers.check_admissibility(uuid.UUID(late["id"]), uow()).reasons[0].code == "process_closed"
