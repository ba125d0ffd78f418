"""Mentors on the desk: a case officer assigns a mentor (by reference code, who logged in as mentor) to the
group of a proposal or challenge; the mentor sees their groups with their deadlines and leaves guidance for
one of them; wrong input is a 400 with an error summary that stores nothing; others are refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from gateway_testing import ANNA, KAREL, TESS, csrf_token, login, rows

from gateway.casework.queue import change_for
from gateway.casework.store import apply
from gateway.identity.pseudonyms import display_reference

NOW = datetime.now(UTC)


def proposal(app, title: str, due_in: timedelta) -> str:
    pid = str(uuid.uuid4())
    data = {"proposal_id": pid, "process_id": "p", "title": title, "supporters": 300, "threshold": 300}
    data |= {"answer_due_at": (NOW + due_in).isoformat()}
    with app.extensions["gateway"].engine.begin() as conn:
        apply(conn, change_for("org.meemaken.proposals.proposal.threshold_reached.v1", data, NOW))
    return pid


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_case_officer_assigns_a_mentor_who_sees_the_group_and_leaves_guidance(gateway_app):
    engine = gateway_app.extensions["gateway"].engine
    mentor = gateway_app.test_client()
    login(mentor, TESS)  # a mentor is found by the code of their account page, once they logged in
    tess = rows(engine, "people")[-1]
    code = display_reference(tess["reference"])
    pid = proposal(gateway_app, "Safer school streets", timedelta(days=2, hours=1))
    other = proposal(gateway_app, "More benches", timedelta(days=20))

    officer = gateway_app.test_client()
    login(officer, KAREL)
    path = f"/desk/cases/proposals/{pid}/mentors"
    case = text(officer.get(f"/desk/cases/proposals/{pid}?lang=en"))
    assert f'href="{path}"' in case  # the case page links to its group's mentors
    shown = text(officer.get(path + "?lang=en"))
    assert shown.count("<h1") == 1 and "No mentor coaches this group yet." in shown
    wrong = officer.post(path + "?lang=en", data={"csrf_token": csrf_token(officer), "reference": "AAAA-BBBB-CC"})
    assert wrong.status_code == 400 and "There is a problem" in text(wrong) and 'href="#reference"' in text(wrong)
    assert (
        "No mentor with this reference code has logged in." in text(wrong) and rows(engine, "mentor_assignments") == []
    )
    karel_code = display_reference(rows(engine, "people")[-1]["reference"])  # an official, but no mentor
    assert officer.post(path, data={"csrf_token": csrf_token(officer), "reference": karel_code}).status_code == 400
    done = officer.post(path, data={"csrf_token": csrf_token(officer), "reference": code.lower()})
    assert done.status_code == 303 and rows(engine, "mentor_assignments")[0]["mentor_id"] == tess["person_id"]
    page = text(officer.get(path + "?lang=en"))
    assert "The mentor now coaches the group." in page and code in page
    again = officer.post(path + "?lang=en", data={"csrf_token": csrf_token(officer), "reference": code})
    assert (
        again.status_code == 400 and "already coaches" in text(again) and len(rows(engine, "mentor_assignments")) == 1
    )

    groups = text(mentor.get("/desk/mentoring?lang=en"))
    assert groups.count("<h1") == 1 and "Safer school streets" in groups and "2 days left" in groups
    assert "More benches" not in groups and 'href="/desk/mentoring"' in groups  # their menu's link
    mine = f"/desk/mentoring/proposals/{pid}"
    assert "No guidance yet." in text(mentor.get(mine + "?lang=en"))
    empty = mentor.post(mine + "?lang=en", data={"csrf_token": csrf_token(mentor), "text": "  "})
    assert empty.status_code == 400 and "Write your guidance." in text(empty) and rows(engine, "mentor_guidance") == []
    named = {"csrf_token": csrf_token(mentor), "text": "Call me on 0470 12 34 56 or mail tess@example.org."}
    refused = mentor.post(mine + "?lang=en", data=named)
    assert refused.status_code == 400 and "Leave out names, e-mail addresses" in text(refused)
    assert rows(engine, "mentor_guidance") == []
    saved = mentor.post(mine, data={"csrf_token": csrf_token(mentor), "text": "Ask the school board to co-sign."})
    assert saved.status_code == 303
    assert "Ask the school board to co-sign." in text(mentor.get(mine + "?lang=en"))
    assert mentor.get(f"/desk/mentoring/proposals/{other}").status_code == 404  # not their group
    refused = mentor.post(f"/desk/mentoring/proposals/{other}", data={"csrf_token": csrf_token(mentor), "text": "x"})
    assert refused.status_code == 404 and len(rows(engine, "mentor_guidance")) == 1
    assert mentor.get(path).status_code == 403  # a mentor does not assign mentors

    removed = officer.post(f"{path}/{tess['person_id']}/remove", data={"csrf_token": csrf_token(officer)})
    assert removed.status_code == 303 and rows(engine, "mentor_assignments") == []
    assert mentor.get(mine).status_code == 404


def test_residents_and_nobody_are_refused(gateway_app):
    pid = proposal(gateway_app, "Safer school streets", timedelta(days=2))
    assert gateway_app.test_client().get("/desk/mentoring").headers["Location"].startswith("/login?next=")
    resident = gateway_app.test_client()
    login(resident, ANNA)
    assert resident.get("/desk/mentoring").status_code == 403
    assert resident.get(f"/desk/cases/proposals/{pid}/mentors").status_code == 403
    data = {"csrf_token": csrf_token(resident), "reference": "AAAA-BBBB-CC"}
    assert resident.post(f"/desk/cases/proposals/{pid}/mentors", data=data).status_code == 403
    assert 'href="/desk/mentoring"' not in text(resident.get("/account"))
