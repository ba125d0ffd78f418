"""The deadline alerts on the desk: /desk/alerts lists the cases near or past their deadline that are the
official's (and, for a supervisor, their department's), /desk/alerts/overview the breaches per department
and service for supervisors; the supervisor's department comes from their login, never the request."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from gateway_testing import ANNA, KAREL, VERA, login, rows

from gateway.adapters.desk_tables import official_roles
from gateway.casework import case_store
from gateway.casework.queue import change_for
from gateway.casework.store import apply
from gateway.casework.timeline import Assignment

NOW = datetime.now(UTC)


def challenge(conn, department: str, due_in: timedelta) -> str:
    cid = str(uuid.uuid4())
    data = {"challenge_id": cid, "task_id": str(uuid.uuid4()), "department": department, "profile": "nl"}
    data |= {"representative_id": str(uuid.uuid4()), "at": NOW.isoformat(), "from_status": "in_assessment"}
    data |= {"to_status": "decision_pending", "details": {"due_at": (NOW + due_in).isoformat()}}
    apply(conn, change_for("org.meemaken.challenges.challenge.decision_proposed.v1", data, NOW))
    return cid


def proposal(conn, title: str, due_in: timedelta) -> str:
    pid = str(uuid.uuid4())
    data = {"proposal_id": pid, "process_id": "p", "title": title, "supporters": 300, "threshold": 300}
    data |= {"answer_due_at": (NOW + due_in).isoformat()}
    apply(conn, change_for("org.meemaken.proposals.proposal.threshold_reached.v1", data, NOW))
    return pid


def person(app, index: int = -1) -> str:
    return str(rows(app.extensions["gateway"].engine, "sessions")[index]["person_id"])


def test_alerts_are_the_officials_own_cases_and_a_supervisors_departments(gateway_app):
    engine = gateway_app.extensions["gateway"].engine
    officer = gateway_app.test_client()
    login(officer, KAREL)
    karel = person(gateway_app)
    with engine.begin() as conn:
        late = challenge(conn, "mobility", -timedelta(hours=47))
        near = challenge(conn, "mobility", timedelta(days=1, hours=1))
        challenge(conn, "mobility", timedelta(days=30))  # far off: no alert
        elsewhere = challenge(conn, "culture", -timedelta(days=5))
        proposal(conn, "Safer school streets", -timedelta(days=1))
        case_store.assign(conn, Assignment(str(uuid.uuid4()), "challenges", late, karel, NOW, karel))

    mine = officer.get("/desk/alerts?lang=en").get_data(as_text=True)
    assert mine.count("<h1") == 1 and "1 case assigned to you" in mine and "2 days late" in mine
    assert late in mine and near not in mine and elsewhere not in mine  # a case officer sees their own only
    assert "Breaches by department" not in mine and officer.get("/desk/alerts/overview").status_code == 403

    head = gateway_app.test_client()
    login(head, VERA)
    vera = person(gateway_app)
    with engine.connect() as conn:  # her login kept her role and department for the worker's messages
        kept = conn.execute(official_roles.select().where(official_roles.c.person_id == vera)).mappings().all()
    assert [(r["role"], r["scope"]) for r in kept] == [("supervisor", "department:mobility")]
    page = head.get("/desk/alerts?lang=en").get_data(as_text=True)
    assert "In your departments: mobility" in page and near in page and late in page
    assert elsewhere not in page and "Safer school streets" not in page  # another department's, none's
    assert "1 day left" in page and "Deadline passed" in page

    overview = head.get("/desk/alerts/overview?lang=en")
    text = overview.get_data(as_text=True)
    assert overview.status_code == 200 and text.count("<h1") == 1 and "<caption" in text
    assert "mobility" in text and "culture" not in text and "1 case in all." in text
    assert "2 days late" in text and "/desk/queue?department=mobility&amp;overdue=1" in text
    assert head.get("/desk/queue?department=mobility&overdue=1").status_code == 200  # the head reads the queue
    assert head.get(f"/desk/cases/challenges/{late}").status_code == 200


def test_residents_and_nobody_are_refused(gateway_app):
    assert gateway_app.test_client().get("/desk/alerts").headers["Location"].startswith("/login?next=/desk/alerts")
    resident = gateway_app.test_client()
    login(resident, ANNA)
    assert resident.get("/desk/alerts").status_code == 403
    assert resident.get("/desk/alerts/overview").status_code == 403


def test_the_overview_speaks_dutch_first(gateway_app):
    engine = gateway_app.extensions["gateway"].engine
    with engine.begin() as conn:
        challenge(conn, "mobility", -timedelta(hours=47))
        challenge(conn, "culture", -timedelta(days=5))
        proposal(conn, "Safer school streets", -timedelta(days=1))
    head = gateway_app.test_client()
    login(head, VERA)
    nl = head.get("/desk/alerts/overview").get_data(as_text=True)
    assert "Termijnen verstreken per dienst" in nl and "1 dag te laat" not in nl and "2 dagen te laat" in nl
