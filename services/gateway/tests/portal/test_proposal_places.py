"""A proposal's district and theme in the portal, against the real proposals service: the form offers the
open processes' districts and themes and refuses one the chosen process lacks; the check page and the
proposal show them; the list filters on them; and the support message counts the reader's neighbours
("2 of them live in your district, centrum"), from the supporters' verified districts."""

from __future__ import annotations

from gateway_testing import ANNA, csrf_token, login

from meemaken_testkit.tokens import bearer

PLACES = {"districts": ["centrum", "noord"], "themes": ["mobility", "green"]}


def text(response):
    return response.get_data(as_text=True)


def scene(make_gateway, provider, service):
    service.define("mobility-2027", "Mobility plan 2027", **PLACES)
    service.define("parks-2027", "Greener parks", kind="consultation", districts=["noord"], themes=[])
    return make_gateway(provider, PROPOSALS_BASE_URL=service.url)


def submit(service, title, **place):
    body = {"process_id": "mobility-2027", "title": title, "text": f"{title}. Something the whole street wants."}
    created = service.client.post("/api/v1/proposals", json=body | place, headers=bearer("proposals", "resident"))
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def test_the_form_offers_districts_and_themes_and_the_proposal_carries_them(make_gateway, provider, proposals_service):
    app = scene(make_gateway, provider, proposals_service)
    client = app.test_client()
    login(client, ANNA)
    form = text(client.get("/proposals/new?lang=en"))
    assert '<label class="utrecht-form-label" for="district">District</label>' in form
    assert "The whole municipality</option>" in form and '<option value="noord">noord</option>' in form
    assert '<label class="utrecht-form-label" for="theme">Theme</label>' in form
    title = "Safer crossing at the school on Kerkstraat"
    data = {"csrf_token": csrf_token(client), "process_id": "mobility-2027", "title": title}
    data |= {"text": "A zebra crossing and a lower speed limit around the school gate.", "district": "centrum"}
    sent = client.post("/proposals/new", data=data | {"theme": "mobility"})
    assert sent.status_code == 302
    check = text(client.get(sent.headers["Location"] + "&lang=en"))
    assert "<dt>District</dt><dd>centrum</dd>" in check and "<dt>Theme</dt><dd>mobility</dd>" in check
    draft_id = sent.headers["Location"].split("draft=")[1]
    done = client.post("/proposals/new/check", data={"csrf_token": csrf_token(client), "draft": draft_id})
    proposal_id = done.headers["Location"].split("/")[2]
    stored = proposals_service.get(proposal_id)
    assert (stored["district"], stored["theme"]) == ("centrum", "mobility")
    page = text(client.get(f"/proposals/{proposal_id}?lang=nl"))
    assert "Wijk: centrum" in page and "Thema: mobility" in page


def test_a_district_the_chosen_process_lacks_is_refused_at_its_field(make_gateway, provider, proposals_service):
    app = scene(make_gateway, provider, proposals_service)
    client = app.test_client()
    login(client, ANNA)
    data = {"csrf_token": csrf_token(client), "process_id": "parks-2027", "title": "Shade trees along the park"}
    data |= {"text": "Plant a row of trees so that the path is cool in summer.", "district": "centrum"}
    refused = client.post("/proposals/new?lang=en", data=data)
    assert refused.status_code == 422
    assert "This process has no district centrum: choose another." in text(refused)
    assert 'href="#district"' in text(refused)  # the error summary links to the field
    unknown = client.post("/proposals/new?lang=en", data=data | {"district": "atlantis"})
    assert unknown.status_code == 422 and 'aria-invalid="true"' in text(unknown)
    assert proposals_service.client.get("/api/v1/proposals").get_json() == []


def test_the_list_filters_by_district_and_theme(make_gateway, provider, proposals_service):
    app = scene(make_gateway, provider, proposals_service)
    submit(proposals_service, "Safer school streets in the centre", district="centrum", theme="mobility")
    submit(proposals_service, "More trees in the north", district="noord", theme="green")
    client = app.test_client()
    everything = text(client.get("/proposals?lang=en"))
    assert '<select class="utrecht-select utrecht-select--html-select" id="district" name="district">' in everything
    assert "All districts" in everything and "All themes" in everything
    north = text(client.get("/proposals?district=noord&lang=en"))
    assert "More trees in the north" in north and "Safer school streets" not in north
    mobility = text(client.get("/proposals?theme=mobility&lang=en"))
    assert "Safer school streets" in mobility and "More trees" not in mobility
    nothing = text(client.get("/proposals?district=noord&theme=mobility&lang=en"))
    assert "No proposals match your search." in nothing
    # a district no process offers is ignored rather than showing an empty list
    made_up = text(client.get("/proposals?district=atlantis&lang=en"))
    assert "More trees in the north" in made_up and "Safer school streets" in made_up


def test_the_support_message_counts_the_readers_neighbours(make_gateway, provider, proposals_service):
    app = scene(make_gateway, provider, proposals_service)
    proposal_id = submit(proposals_service, "Safer school streets in the centre", district="centrum")
    proposals_service.admit(proposal_id)
    for district in ("centrum", "centrum", "noord"):
        attrs = {"age": 40, "municipality": "demo", "resident": True, "district": district}
        supported = proposals_service.client.post(
            f"/api/v1/proposals/{proposal_id}/support", headers=bearer("proposals", "resident", attrs=attrs)
        )
        assert supported.status_code == 200
    client = app.test_client()
    anonymous = text(client.get(f"/proposals/{proposal_id}?lang=en"))
    assert "3 residents support this proposal." in anonymous and "your district" not in anonymous
    login(client, ANNA)  # lives in centrum
    english = text(client.get(f"/proposals/{proposal_id}?lang=en"))
    assert "2 of them live in your district, centrum." in english
    assert "2 van hen wonen in je wijk, centrum." in text(client.get(f"/proposals/{proposal_id}?lang=nl"))
