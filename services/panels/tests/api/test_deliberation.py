"""Deliberation and outcome: sessions, who spoke how often, recommendations, the answer and its deadline,
and the privacy schedule that deletes contact data stage by stage."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from panels.service_layer.handlers import run_schedule


def contacts(case, panel):
    with case.engine.connect() as conn:
        from panels.adapters.tables import identities

        rows = conn.execute(identities.select().where(identities.c.panel_id == UUID(panel))).all()
    return {r.pseudonym for r in rows}


def test_sessions_recommendations_and_the_municipalitys_answer(case):
    panel, drawn, _ = case.drawn()
    members = drawn["selected"]
    session = {
        "title": "What the square is used for today",
        "starts_at": (case.now + timedelta(days=14)).isoformat(),
        "moderator": "Stichting Gespreksleiding",
        "experts": ["Urban planner, city of Ghent", "Neighbourhood association De Statie"],
        "materials": ["Mobility study 2025", "Three design options"],
    }
    planned = case.post(f"/panels/{panel}/sessions", session, case.coordinator)
    assert planned.status_code == 201 and planned.get_json()["status"] == "deliberating"

    moderator = case.as_role("moderator")
    counts = {members[0]: 30, members[1]: 2, members[2]: 3, members[3]: 2, members[4]: 1, members[5]: 2}
    assert case.put(f"/panels/{panel}/sessions/1/contributions", {"counts": counts}, moderator).status_code == 200
    public = case.get(f"/panels/{panel}/contributions").get_json()
    assert public["dominated"] is True and public["top_fifth_share"] == round(30 / 40, 3)
    assert "per_member" not in public
    assert case.get(f"/panels/{panel}/contributions", case.coordinator).get_json()["per_member"][members[0]] == 30
    stranger = case.put(f"/panels/{panel}/sessions/1/contributions", {"counts": {"p_" + "0" * 32: 1}}, moderator)
    assert stranger.status_code == 422

    recommendations = [
        {"text": "Keep the square car-free on Sundays.", "support": 5, "against": 1},
        {
            "text": "Plant twenty trees.",
            "support": 4,
            "against": 1,
            "abstain": 1,
            "minority_positions": ["Trees block the view of the station; plant them along the side."],
        },
    ]
    delivered = case.post(
        f"/panels/{panel}/recommendations",
        {"recommendations": recommendations, "answer_within_days": 60},
        case.coordinator,
    ).get_json()
    assert delivered["status"] == "recommended"
    assert delivered["recommendations"][1]["minority_positions"]

    official = case.as_role("decision_body")
    no_reason = case.post(f"/panels/{panel}/recommendations/1/answer", {"verdict": "adopted", "reasons": " "}, official)
    assert no_reason.status_code == 422
    assert (
        case.post(
            f"/panels/{panel}/recommendations/1/answer",
            {"verdict": "adopted", "reasons": "From May onwards."},
            official,
        ).status_code
        == 200
    )
    as_coordinator = case.post(
        f"/panels/{panel}/recommendations/2/answer", {"verdict": "partly", "reasons": "Ten trees."}, case.coordinator
    )
    assert as_coordinator.status_code == 403
    done = case.post(
        f"/panels/{panel}/recommendations/2/answer",
        {"verdict": "partly", "reasons": "Ten trees, along the side."},
        official,
    ).get_json()
    assert done["status"] == "answered"
    assert [r["answer"]["verdict"] for r in done["recommendations"]] == ["adopted", "partly"]


def test_a_late_answer_is_an_event_once_even_when_checked_twice(case):
    panel, _, _ = case.drawn()
    session = {"title": "Kick-off", "starts_at": case.now.isoformat(), "moderator": "Extern bureau"}
    case.post(f"/panels/{panel}/sessions", session, case.coordinator)
    case.post(
        f"/panels/{panel}/recommendations",
        {"recommendations": [{"text": "Do it.", "support": 6, "against": 0}], "answer_within_days": 30},
        case.coordinator,
    )
    case.now += timedelta(days=29)
    run_schedule(case.uow)
    assert not any(e.type.endswith("answer_deadline_breached.v1") for e in case.outbox())
    case.now += timedelta(days=2)
    run_schedule(case.uow)
    run_schedule(case.uow)
    assert sum(e.type.endswith("answer_deadline_breached.v1") for e in case.outbox()) == 1
    assert case.get(f"/panels/{panel}").get_json()["answer_overdue"] is True


def test_contact_data_is_deleted_stage_by_stage_and_each_deletion_is_an_event(case):
    panel = case.set_up()
    for i in range(14):
        case.register(panel, i)
    case.run_eligibility()
    everyone = contacts(case, panel)
    assert len(everyone) == 14
    run_schedule(case.uow)  # still recruiting: nothing to delete yet
    assert contacts(case, panel) == everyone

    case.post(f"/panels/{panel}/close", headers=case.coordinator)
    case.lottery(panel, 20)
    members = case.post(f"/panels/{panel}/draw", {"number": 2}, case.coordinator).get_json()["selected"]
    case.post(
        f"/panels/{panel}/sessions",
        {"title": "One", "starts_at": case.now.isoformat(), "moderator": "M"},
        case.coordinator,
    )
    run_schedule(case.uow)
    assert contacts(case, panel) == set(members)

    case.post(
        f"/panels/{panel}/recommendations",
        {"recommendations": [{"text": "Do it.", "support": 6, "against": 0}]},
        case.coordinator,
    )
    case.post(
        f"/panels/{panel}/recommendations/1/answer",
        {"verdict": "not_adopted", "reasons": "No budget."},
        case.as_role("decision_body"),
    )
    run_schedule(case.uow)
    run_schedule(case.uow)
    assert contacts(case, panel) == set()
    deletions = [e.data["details"] for e in case.outbox() if e.type.endswith("personal_data_deleted.v1")]
    assert [d["stage"] for d in deletions] == ["non_respondents", "non_members", "members"]
    assert [d["records"] for d in deletions] == [0, 8, 6]


class Directory:
    """The notifications contact store as the share step sees it (its HTTP side runs in the e2e test)."""

    def __init__(self):
        self.contacts: dict[str, dict] = {}

    def put(self, pseudonym, contact):
        self.contacts[pseudonym] = dict(contact)

    def delete(self, pseudonym):
        self.contacts.pop(pseudonym, None)


def test_contacts_are_shared_for_letters_and_taken_back_as_the_privacy_schedule_deletes_them(case):
    from panels.service_layer.handlers import share_contacts

    directory = Directory()
    panel = case.set_up()
    for i in range(14):
        case.register(panel, i)
    case.run_eligibility()
    assert share_contacts(case.uow, directory) == 14 and share_contacts(case.uow, directory) == 0
    assert all(c["email"].endswith("@example.org") for c in directory.contacts.values())

    case.post(f"/panels/{panel}/close", headers=case.coordinator)
    case.lottery(panel, 20)
    members = case.post(f"/panels/{panel}/draw", {"number": 2}, case.coordinator).get_json()["selected"]
    case.post(
        f"/panels/{panel}/sessions",
        {"title": "One", "starts_at": case.now.isoformat(), "moderator": "M"},
        case.coordinator,
    )
    run_schedule(case.uow)  # the non-members' contact data goes
    share_contacts(case.uow, directory)
    assert set(directory.contacts) == set(members)
