"""Processes, support and answers through the API on PostgreSQL: each step an event, bad input changes nothing;
who acts is who the token says, in the role the one role model gives them."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from proposals_tokens import FORGED, official, resident

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
    body = {"process_id": "mobility-2027", "title": title, "text": text}
    created = client.post("/api/v1/proposals", json=body, headers=resident(author))
    assert created.status_code == 201, created.get_json()
    proposal = handlers.check_admissibility(uuid.UUID(created.get_json()["id"]), uow())
    assert proposal.status.value == "admitted", proposal.reasons
    return str(proposal.id)


def test_a_process_carries_its_rungs_and_the_yearly_report_ranks_them_on_the_municipalitys_ladder(case):
    client, engine, _clock, uow = case
    assert client.post("/api/v1/processes", json=process_body(), headers=official()).status_code == 201
    pid = admitted(client, uow)
    client.post(f"/api/v1/proposals/{pid}/support", headers=resident())
    order = ["informeren", "raadplegen", "coproduceren", "adviseren", "meebeslissen", "zelfbeheer"]
    assert client.put("/api/v1/ladders/gent", json={"rungs": order}, headers=official()).status_code == 200
    realised = client.post(
        "/api/v1/processes/mobility-2027/phases/decision/realised",
        json={"rung": "adviseren", "explanation": "The council kept the final say."},
        headers=official(),
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
        ("anonymous", process_body(), 401, "log in"),
        ("resident", process_body(), 403, "case_officer"),
        ("decision_body", process_body(), 403, "case_officer"),
        ("scoped", process_body(), 403, "process:mobility-2027"),
        ("official", process_body(id="Mobility 2027"), 422, "process id"),
        ("official", process_body(id="123456789"), 422, "national identification number"),
        ("official", process_body(id="tel-0471-12-34-56"), 422, "national identification number"),
        ("official", process_body(kind="party"), 422, "kind"),
        ("official", process_body(phases=[]), 422, "phases"),
        ("official", process_body(phases=[{**process_body()["phases"][0], "rung_promised": "shouting"}]), 422, "rung"),
        (
            "official",
            process_body(phases=[{**process_body()["phases"][0], "ends_at": "2026-01-01T00:00:00+00:00"}]),
            422,
            "must end after it starts",
        ),
    ],
)
def test_a_bad_process_is_refused_with_a_clear_problem_and_nothing_stored(case, headers, body, status, says):
    client, engine, _clock, _uow = case
    who = {
        "anonymous": {},
        "resident": resident(),
        "decision_body": official("decision_body"),
        "scoped": official("case_officer", "process:another-process"),
        "official": official(),
    }
    response = client.post("/api/v1/processes", json=body, headers=who[headers])
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    assert says in str(response.get_json())
    assert count(engine, processes) == 0 and count(engine, outbox) == 0


@pytest.mark.parametrize("process_id", ["123456789", "budget-85-07-30-033-28", "call-2027-000000001"])
def test_a_process_id_that_reads_as_a_national_number_is_refused_at_its_field_not_a_server_error(case, process_id):
    """The id names the process in its events, which refuse anything like a national number: the
    request is refused naming /id (it was a 500 when the event was built)."""
    client, engine, _clock, _uow = case
    response = client.post("/api/v1/processes", json=process_body(id=process_id), headers=official())
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert [e["pointer"] for e in response.get_json()["errors"]] == ["/id"]
    assert count(engine, processes) == 0 and count(engine, outbox) == 0


def test_support_past_the_threshold_starts_the_answer_term_and_a_late_answer_is_marked(case):
    client, engine, clock, uow = case
    client.post("/api/v1/processes", json=process_body(), headers=official())
    author = uuid.uuid4()
    pid = admitted(client, uow, author)
    me = uuid.uuid4()
    assert client.post(f"/api/v1/proposals/{pid}/support", headers=resident(me)).get_json()["supporters"] == 1
    again = client.post(f"/api/v1/proposals/{pid}/support", headers=resident(me))
    own = client.post(f"/api/v1/proposals/{pid}/support", headers=resident(author))
    assert (again.status_code, own.status_code) == (409, 409)
    reached = client.post(f"/api/v1/proposals/{pid}/support", headers=resident()).get_json()
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
        headers=official(),
    ).get_json()
    assert answered["status"] == "answered" and "(late)" in answered["history"][-1]["detail"]
    follow = client.post(
        f"/api/v1/proposals/{pid}/follow-ups",
        json={"stage": "in_progress", "note": "Signs ordered."},
        headers=official(),
    )
    assert follow.status_code == 200
    assert events(engine)[-5:] == ["admitted", "threshold_reached", "answer_overdue", "answered", "followed_up"]
    assert count(engine, supports) == 2


def test_officials_decline_merge_and_split_with_history_and_supporters_kept(case):
    client, _engine, _clock, uow = case
    client.post("/api/v1/processes", json=process_body(support_threshold=None), headers=official())
    a, b, c = (admitted(client, uow, title=t) for t in ("Safer school streets", "Slow traffic zone", "Bike lanes"))
    client.post(f"/api/v1/proposals/{a}/support", headers=resident())
    merged = client.post(
        f"/api/v1/proposals/{a}/merge",
        json={"into_id": b, "reasons": "Both ask for slower traffic."},
        headers=official(),
    )
    assert merged.status_code == 200 and merged.get_json()["supporters"] == 1
    assert client.get(f"/api/v1/proposals/{a}").get_json()["status"] == "merged"
    parts = [{"title": "Bike lanes north", "text": TEXT}, {"title": "Bike lanes south", "text": TEXT}]
    split = client.post(
        f"/api/v1/proposals/{c}/split", json={"parts": parts, "reasons": "Two districts."}, headers=official()
    )
    assert split.status_code == 201 and [p["status"] for p in split.get_json()] == ["admitted", "admitted"]
    declined = client.post(
        f"/api/v1/proposals/{b}/decline",
        json={"reasons": [{"code": "not_competent", "detail": "Regional roads are the region's."}]},
        headers=official(),
    )
    assert declined.get_json()["status"] == "declined"
    assert [h["what"] for h in declined.get_json()["history"]] == ["submitted", "admitted", "merged_from", "declined"]


def test_bad_steps_on_a_proposal_change_nothing(case):
    client, engine, _clock, uow = case
    client.post("/api/v1/processes", json=process_body(), headers=official())
    pid = admitted(client, uow)
    before = (events(engine), count(engine, proposals))
    cases = [
        (f"/api/v1/proposals/{pid}/decline", {"reasons": [{"code": "ugly", "detail": "x"}]}, official(), 422),
        (f"/api/v1/proposals/{pid}/decline", {"reasons": [{"code": "unlawful", "detail": " "}]}, official(), 422),
        (f"/api/v1/proposals/{pid}/answer", {"position": "maybe", "reasons": "x"}, official(), 422),
        (f"/api/v1/proposals/{pid}/answer", {"position": "adopted", "reasons": "Yes."}, resident(), 403),
        (f"/api/v1/proposals/{pid}/answer", {"position": "adopted", "reasons": "Yes."}, official("assessor"), 403),
        (
            f"/api/v1/proposals/{pid}/decline",
            {"reasons": [{"code": "unlawful", "detail": "x"}]},
            official("decision_body"),
            403,
        ),
        (f"/api/v1/proposals/{pid}/merge", {"into_id": pid, "reasons": "Same."}, official(), 422),
        (f"/api/v1/proposals/{pid}/follow-ups", {"stage": "done", "note": "Done."}, official(), 409),
        (f"/api/v1/proposals/{uuid.uuid4()}/support", None, resident(), 404),
        (f"/api/v1/proposals/{pid}/support", None, {"X-Meemaken-Role": "king"}, 401),
        (f"/api/v1/proposals/{pid}/support", None, official(), 403),
        *[(f"/api/v1/proposals/{pid}/answer", {"position": "adopted", "reasons": "Yes."}, h, 401) for h in FORGED],
    ]
    for path, body, headers, status in cases:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == status, (path, response.get_json())
        assert response.content_type == "application/problem+json"
    assert (events(engine), count(engine, proposals)) == before


def test_a_proposal_to_an_unknown_or_closed_process_is_rejected_with_a_coded_reason(case):
    client, _engine, clock, uow = case
    client.post("/api/v1/processes", json=process_body(), headers=official())
    body = {"process_id": "unknown-process", "title": "Safer school streets", "text": TEXT}
    unknown = client.post("/api/v1/proposals", json=body, headers=resident()).get_json()
    assert handlers.check_admissibility(uuid.UUID(unknown["id"]), uow()).reasons[0].code == "unknown_process"
    clock.now = datetime(2027, 7, 1, tzinfo=UTC)
    late = client.post("/api/v1/proposals", json=body | {"process_id": "mobility-2027"}, headers=resident()).get_json()
    assert handlers.check_admissibility(uuid.UUID(late["id"]), uow()).reasons[0].code == "process_closed"


def outbox_data(engine, kind):
    with engine.connect() as conn:
        rows = conn.execute(sa.select(outbox.c.envelope).where(outbox.c.type.like(f"%.{kind}.v%"))).scalars()
        return [json.loads(row)["data"] for row in rows]


def test_support_is_for_verified_residents_of_the_process_municipality_and_says_why_not(case):
    client, engine, _clock, uow = case
    client.post("/api/v1/processes", json=process_body(), headers=official())
    pid = admitted(client, uow)
    before = (events(engine), count(engine, supports))
    for headers, says in [
        (resident(municipality="brugge"), "you live elsewhere"),
        (resident(resident=False), "you live elsewhere"),
        (resident(municipality=None), "does not say whether you live in gent"),
        (resident(resident=None), "does not say whether you live in gent"),
    ]:
        refused = client.post(f"/api/v1/proposals/{pid}/support", headers=headers)
        assert refused.status_code == 403 and says in refused.get_json()["detail"], refused.get_json()
        assert refused.content_type == "application/problem+json"
    assert (
        "desk"
        in client.post(f"/api/v1/proposals/{pid}/support", headers=resident(age=None, municipality=None)).get_json()[
            "detail"
        ]
    )
    assert (events(engine), count(engine, supports)) == before


def test_fifteen_supports_by_one_person_under_made_up_ids_count_once(case):
    client, engine, _clock, uow = case
    client.post("/api/v1/processes", json=process_body(support_threshold=3), headers=official())
    pid = admitted(client, uow)
    me = uuid.uuid4()
    codes = [
        client.post(
            f"/api/v1/proposals/{pid}/support",
            json={"resident_id": str(uuid.uuid4()), "actor": str(uuid.uuid4())},
            headers=resident(me) | {"X-Meemaken-Actor": str(uuid.uuid4())},
        ).status_code
        for _ in range(15)
    ]
    assert codes == [200] + [409] * 14
    proposal = client.get(f"/api/v1/proposals/{pid}").get_json()
    assert proposal["supporters"] == 1 and proposal["answer_due_at"] is None
    assert count(engine, supports) == 1 and "threshold_reached" not in events(engine)


def test_officials_act_in_their_role_within_their_process_and_every_step_names_them(case):
    client, engine, _clock, uow = case
    officer, council = uuid.uuid4(), uuid.uuid4()
    client.post("/api/v1/processes", json=process_body(support_threshold=None), headers=official(who=officer))
    a, b, c, d = (
        admitted(client, uow, title=t)
        for t in ("Safer school streets", "Slow traffic zone", "Bike lanes everywhere", "More street trees")
    )
    elsewhere = official("case_officer", "process:another-process")
    refused = client.post(f"/api/v1/proposals/{a}/merge", json={"into_id": b, "reasons": "Same."}, headers=elsewhere)
    assert refused.status_code == 403 and "process:mobility-2027" in refused.get_json()["detail"]
    mine = official("case_officer", "process:mobility-2027", who=officer)
    assert (
        client.post(f"/api/v1/proposals/{a}/merge", json={"into_id": b, "reasons": "Same."}, headers=mine).status_code
        == 200
    )
    parts = [{"title": "Bike lanes north", "text": TEXT}, {"title": "Bike lanes south", "text": TEXT}]
    assert (
        client.post(f"/api/v1/proposals/{c}/split", json={"parts": parts, "reasons": "Two."}, headers=mine).status_code
        == 201
    )
    grounds = {"reasons": [{"code": "not_competent", "detail": "Regional roads."}]}
    assert client.post(f"/api/v1/proposals/{b}/decline", json=grounds, headers=mine).status_code == 200
    answer = {"position": "adopted", "reasons": "We plant them this autumn."}
    answered = client.post(f"/api/v1/proposals/{d}/answer", json=answer, headers=official("decision_body", who=council))
    assert answered.status_code == 200
    follow = {"stage": "planned", "note": "Order placed."}
    assert client.post(f"/api/v1/proposals/{d}/follow-ups", json=follow, headers=mine).status_code == 200

    case_officer = {"id": str(officer), "role": "case_officer"}
    assert [e["actor"] for e in outbox_data(engine, "defined")] == [case_officer]
    for kind in ("merged", "split", "declined", "followed_up"):
        assert [e["actor"] for e in outbox_data(engine, kind)] == [case_officer], kind
    assert [e["actor"] for e in outbox_data(engine, "answered")] == [{"id": str(council), "role": "decision_body"}]
    public = client.get(f"/api/v1/proposals/{d}").get_json()
    assert str(council) not in str(public), "the public history names no official"


def test_an_administrator_reads_who_did_what_on_a_proposal_and_no_one_else_does(case):
    client, _engine, _clock, uow = case
    author, council = uuid.uuid4(), uuid.uuid4()
    client.post("/api/v1/processes", json=process_body(), headers=official())
    pid = admitted(client, uow, author)
    answer = {"position": "partly", "reasons": "Two of the three streets."}
    client.post(f"/api/v1/proposals/{pid}/answer", json=answer, headers=official("decision_body", who=council))
    audit = client.get(f"/api/v1/proposals/{pid}/audit", headers=official("administrator"))
    assert audit.status_code == 200
    entries = [(e["action"], e["by"]) for e in audit.get_json()["entries"]]
    assert entries == [
        ("submitted", {"id": str(author), "role": "resident"}),
        ("admitted", None),  # the automatic check
        ("answered", {"id": str(council), "role": "decision_body"}),
    ]
    for headers, status in [
        ({}, 401),
        (*FORGED[2:3], 401),
        (resident(author), 403),
        (official(), 403),
        (official("decision_body", who=council), 403),
    ]:
        assert client.get(f"/api/v1/proposals/{pid}/audit", headers=headers).status_code == status
    assert client.get(f"/api/v1/proposals/{uuid.uuid4()}/audit", headers=official("administrator")).status_code == 404


def test_the_ladder_is_set_by_a_case_officer_who_holds_the_role_municipality_wide(case):
    client, _engine, _clock, _uow = case
    order = {"rungs": ["informeren", "raadplegen", "coproduceren", "adviseren", "meebeslissen", "zelfbeheer"]}
    scoped = client.put("/api/v1/ladders/gent", json=order, headers=official("case_officer", "process:mobility-2027"))
    assert scoped.status_code == 403 and "municipality-wide" in scoped.get_json()["detail"]
    assert client.put("/api/v1/ladders/gent", json=order, headers=resident()).status_code == 403
    assert client.put("/api/v1/ladders/gent", json=order, headers=official()).status_code == 200
