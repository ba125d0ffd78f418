"""An official verifies a resident's attribute at the desk: it reaches the resident's tokens, and an
event audits who did it in which role, without the values."""

from __future__ import annotations

import json
import re

import jwt
from gateway_testing import ANNA, KAREL, NOBODY_KNOWN, VISITOR, csrf_token, login, rows

from meemaken_events import Envelope, catalogue


def _reference(client) -> str:
    page = client.get("/account?lang=en").get_data(as_text=True)
    return re.search(r'id="reference">([0-9A-Z-]+)<', page).group(1)


def _token_attrs(app, client) -> dict:
    gw = app.extensions["gateway"]
    identity = gw.store.load(client.get_cookie("meemaken").value).identity
    minted = gw.minter.token_for(gw.principal_of(identity), "proposals", "test")
    return jwt.decode(minted, options={"verify_signature": False}).get("attrs", {})


def test_a_missing_attribute_is_shown_with_the_reason_and_what_to_do(gateway_app):
    resident = gateway_app.test_client()
    login(resident, NOBODY_KNOWN)
    page = resident.get("/account?lang=en").get_data(as_text=True)
    assert "Your login does not tell us your date of birth." in page and "Not known" in page
    assert "desk with your identity card and your reference code" in page
    visitor = gateway_app.test_client()
    login(visitor, VISITOR)
    assert "you do not live in this municipality" in visitor.get("/account?lang=en").get_data(as_text=True)


def test_a_case_officer_verifies_at_the_desk_and_the_resident_s_next_token_carries_it(gateway_app):
    resident, official = gateway_app.test_client(), gateway_app.test_client()
    login(resident, NOBODY_KNOWN)
    reference = _reference(resident)
    assert _token_attrs(gateway_app, resident) == {}
    login(official, KAREL)
    form = official.get("/desk?lang=en")
    assert form.status_code == 200 and 'for="reference"' in form.get_data(as_text=True)
    done = official.post(
        "/desk?lang=en",
        data={
            "csrf_token": csrf_token(official),
            "reference": reference.lower(),
            "birthdate": "2001-05-04",
            "municipality": "demo",
            "district": "oost",
        },
    )
    assert (
        done.status_code == 200
        and "You verified: date of birth, district, municipality of residence" in done.get_data(as_text=True)
    )
    attrs = _token_attrs(gateway_app, resident)
    assert attrs["age"] >= 24 and attrs["district"] == "oost" and attrs["resident"] is True
    page = resident.get("/account?lang=en").get_data(as_text=True)
    assert "verified at the desk" in page and "Not known" not in page

    engine = gateway_app.extensions["gateway"].engine
    (event,) = [Envelope.from_json(row["envelope"]) for row in rows(engine, "outbox")]
    catalogue()[event.type].validate(dict(event.data))
    assert event.type == "org.meemaken.gateway.attributes_verified.v1"
    official_id = rows(engine, "sessions")[1]["person_id"]
    resident_id = rows(engine, "sessions")[0]["person_id"]
    assert event.data["actor"] == {"id": official_id, "role": "case_officer"} and event.data["person_id"] == resident_id
    assert sorted(event.data["attributes"]) == ["birthdate", "district", "municipality"]
    assert "2001-05-04" not in json.dumps(event.data) and "oost" not in json.dumps(event.data)
    recorded = rows(engine, "verified_attributes")
    assert {r["verified_by"] for r in recorded} == {official_id} and {r["verified_role"] for r in recorded} == {
        "case_officer"
    }


def test_only_a_case_officer_may_use_the_desk(gateway_app):
    assert gateway_app.test_client().get("/desk").headers["Location"].startswith("/login?next=/desk")
    resident = gateway_app.test_client()
    login(resident, ANNA)
    assert resident.get("/desk").status_code == 403
    refused = resident.post("/desk", data={"csrf_token": csrf_token(resident), "reference": _reference(resident)})
    assert refused.status_code == 403
    assert rows(gateway_app.extensions["gateway"].engine, "verified_attributes") == []


def test_the_desk_refuses_an_unknown_reference_and_an_official_s_own(gateway_app):
    official = gateway_app.test_client()
    login(official, KAREL)
    token = csrf_token(official)
    unknown = official.post("/desk?lang=en", data={"csrf_token": token, "reference": "0000-0000-00", "district": "x"})
    assert unknown.status_code == 400 and "Nobody with this reference code" in unknown.get_data(as_text=True)
    own = official.post("/desk?lang=en", data={"csrf_token": token, "reference": _reference(official), "district": "x"})
    assert own.status_code == 400 and "cannot verify your own" in own.get_data(as_text=True)
    empty = official.post("/desk?lang=en", data={"csrf_token": token, "reference": _reference(official)})
    assert empty.status_code == 400 and "at least one" in empty.get_data(as_text=True)
    page = empty.get_data(as_text=True)
    assert 'class="error-summary"' in page and 'aria-invalid="true"' in page
    assert rows(gateway_app.extensions["gateway"].engine, "verified_attributes") == []
