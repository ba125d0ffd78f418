"""The panel coordinator's pages against the real panels service: one panel walked from its quotas and the
register extract (with refused rows by line) through the invitation lottery, the registrations per group, the
selection with each respondent's chance, the public draw, a member replaced keeping the quotas, a session and
the recommendations to the decision body's answer to each; quotas the pool cannot meet explained; each step with
validation, a confirmation, and only what the session's roles allow."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from gateway_testing import ANNA, INES, ROSA, csrf_token, login, sent_twice
from panel_testing import CODES, QUOTAS, SEED

from gateway.casework.next_actions import ACTIONS

EXTRACT = "\n".join(
    ["register_id,name,address,birth_year,gender"]
    + [f"{code},Resident {i},Kerkstraat {i},{1960 + i},{'female' if i % 2 else 'male'}" for i, code in enumerate(CODES)]
    + [",Nobody,Kerkstraat 9,1970,female", "GROEN-0099,Too Young,Kerkstraat 10,2025,male"]
)


@pytest.fixture()
def panels_service(tmp_path):
    from panel_testing import PanelsService

    folder = tmp_path / "panels"
    folder.mkdir()
    with PanelsService(folder) as service:
        yield service


@pytest.fixture()
def scene(make_gateway, provider, panels_service):
    app = make_gateway(provider, PANELS_BASE_URL=panels_service.url)
    return app, panels_service


def text(response):
    return response.get_data(as_text=True)


def signed_in(app, who):
    client = app.test_client()
    login(client, who)
    return client


def hidden(page, name):
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def quota_form(features, changes):
    """The quotas form's fields as the page names them (in the service's order), with ``changes`` per value."""
    form = {}
    for i, values in enumerate(features.values()):
        for j, (value, bounds) in enumerate(values.items()):
            low, high = changes.get(value, (bounds["min"], bounds["max"]))
            form |= {f"min-{i}-{j}": str(low), f"max-{i}-{j}": str(high)}
    return form


def confirmed(client, url, data):
    """Check the form, then confirm it with the confirmation page's nonce, twice (acting once); the answer."""
    check = client.post(url, data={**data, "step": "check"})
    assert check.status_code == 200, text(check)
    assert "Check before you confirm" in text(check)
    return sent_twice(client, url, {**data, "step": "confirm", "nonce": hidden(text(check), "nonce")})


def test_a_panel_from_its_quotas_to_the_answered_recommendations(scene):
    app, service = scene
    panel = service.set_up("A greener city centre")
    desk = f"/desk/panels/{panel}"
    assert app.test_client().get(desk).headers["Location"].startswith(f"/login?next={desk}")
    assert signed_in(app, ANNA).get(desk).status_code == 403
    rosa = signed_in(app, ROSA)
    token = csrf_token(rosa)
    overview = text(rosa.get(f"{desk}?lang=en"))
    assert "A greener city centre" in overview and "Import the pool" in overview and "Quotas" in overview
    quotas = text(rosa.get(f"{desk}/quotas?lang=en"))
    assert "Required on the panel" in quotas and "16-39" in quotas and 'value="3"' in quotas
    wider = quota_form(service.get(f"/{panel}")["features"], {"female": (2, 4), "male": (2, 4)})
    bounds = {"csrf_token": token, **wider}
    backwards = rosa.post(f"{desk}/quotas?lang=en", data={**bounds, "min-1-1": "5", "max-1-1": "4", "step": "check"})
    assert backwards.status_code == 400 and 'href="#min-1-1"' in text(backwards)
    assert confirmed(rosa, f"{desk}/quotas?lang=en", bounds).status_code == 303
    assert service.get(f"/{panel}")["features"]["gender"]["female"] == {"min": 2, "max": 4}
    assert text(rosa.get(f"{desk}?lang=en")).count("The quotas were changed.") == 1  # confirmed twice, said once

    # the register extract: the service's refused rows, by line
    url = f"{desk}/pool?lang=en"
    form = {"csrf_token": token, "strata": "gender"}
    upload = rosa.post(
        url,
        data={**form, "step": "check", "file": (io.BytesIO(EXTRACT.encode()), "extract.csv")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 200 and "Check before you confirm" in text(upload) and ">6</dd>" in text(upload)
    nonce = hidden(text(upload), "nonce")
    report = sent_twice(rosa, url, {**form, "extract": EXTRACT, "step": "confirm", "nonce": nonce})
    page = text(report)
    assert report.status_code == 200 and "4 rows were imported." in page and "2 rows were refused." in page
    assert '<th scope="row">6</th>' in page and '<th scope="row">7</th>' in page
    wrong = rosa.post(url, data={**form, "step": "check", "extract": "name,address\nx,y"})
    assert wrong.status_code == 400 and "must name the columns register_id" in text(wrong)
    huge = EXTRACT + "\n" + "GROEN-9999,A Name,An Address 1,1970,male\n" * 25_000
    large = rosa.post(url, data={**form, "step": "check", "file": (io.BytesIO(huge.encode()), "big.csv")})
    assert large.status_code == 400 and "at most 1 MB" in text(large)

    # the invitation lottery
    url = f"{desk}/invitations?lang=en"
    bad = rosa.post(url, data={"csrf_token": token, "count": "many", "step": "check"})
    assert bad.status_code == 400 and 'href="#count"' in text(bad)
    invited = confirmed(rosa, url, {"csrf_token": token, "count": "4", "seed": "7", "ratio-0-0": "2"})
    assert "4 residents were invited." in text(invited)
    assert "Invalid" not in text(invited)

    # registrations against the quotas, then closed
    service.fill(panel)
    follow = text(rosa.get(f"{desk}/registrations?lang=en"))
    assert "Admitted" in follow and "Open registration: 24" in follow and "Close the registrations" in follow
    closed = confirmed(rosa, f"{desk}/registrations?lang=en", {"csrf_token": token})
    assert closed.status_code == 303 and service.get(f"/{panel}")["status"] == "pool_closed"

    # the selection, each respondent's chance, the public draw
    asked = confirmed(rosa, f"{desk}/selection?lang=en", {"csrf_token": token, "panels": "50"})
    assert asked.status_code == 303 and "being computed" in text(rosa.get(asked.headers["Location"] + "?lang=en"))
    from panels.service_layer.handlers import compute_lottery

    compute_lottery(service.uow())
    chances = text(rosa.get(f"{desk}/selection?lang=en"))
    assert "Lowest chance" in chances and service.get(f"/{panel}")["commitment"] in chances
    assert chances.count('<th scope="row"><code class="hash">p_') == 24  # pseudonyms and groups, no names
    assert "Stationsstraat" not in chances
    none = rosa.post(f"{desk}/draw?lang=en", data={"csrf_token": token, "step": "check"})
    assert none.status_code == 400 and "Choose how the panel is drawn." in text(none)
    seed = {"csrf_token": token, "by": "seed", "seed": SEED}
    check = text(rosa.post(f"{desk}/draw?lang=en", data={**seed, "step": "check"}))
    once = {**seed, "step": "confirm", "nonce": hidden(check, "nonce")}
    assert rosa.post(f"{desk}/draw?lang=en", data=once).status_code == 303
    assert rosa.post(f"{desk}/draw?lang=en", data=once).status_code == 303  # sent twice: the same answer, drawn once
    found = service.get(f"/{panel}")
    assert found["status"] == "drawn" and found["public_input"] == SEED

    # members confirm, or decline and are replaced keeping the quotas
    first, second = found["selected"][:2]
    url = f"{desk}/members?lang=en"
    assert confirmed(rosa, url, {"csrf_token": token, "member": first, "reply": "accept"}).status_code == 303
    replaced = text(confirmed(rosa, url, {"csrf_token": token, "member": second, "reply": "decline"}))
    assert f"{second} was replaced by" in replaced and "keeps every quota" in replaced
    assert second not in service.get(f"/{panel}")["selected"]
    forged = {"csrf_token": token, "member": "../quotas", "reply": "accept", "step": "confirm", "nonce": nonce}
    assert rosa.post(url, data=forged).status_code == 400  # a confirmation names a member, nothing else

    # a session, the recommendations
    session = {"csrf_token": token, "title": "Experts", "day": "2030-03-15", "time": "19:30", "moderator": "Samen"}
    past = rosa.post(f"{desk}/sessions?lang=en", data={**session, "day": "2020-01-01", "step": "check"})
    assert past.status_code == 400 and "Plan the session in the future." in text(past)
    assert confirmed(rosa, f"{desk}/sessions?lang=en", session).status_code == 303
    assert service.get(f"/{panel}")["status"] == "deliberating" and len(service.get(f"/{panel}")["sessions"]) == 1
    advice = {
        "csrf_token": token,
        "text-1": "Plant forty trees.",
        "support-1": "5",
        "against-1": "1",
        "minority-1": "Keep room for the market.",
        "text-2": "No cars on Sundays.",
        "support-2": "4",
        "within": "60",
    }
    too_many = rosa.post(f"{desk}/recommendations?lang=en", data={**advice, "support-2": "9", "step": "check"})
    assert too_many.status_code == 400 and 'href="#support-2"' in text(too_many)
    assert confirmed(rosa, f"{desk}/recommendations?lang=en", advice).status_code == 303
    assert [r["text"] for r in service.get(f"/{panel}")["recommendations"]] == [
        "Plant forty trees.",
        "No cars on Sundays.",
    ]

    # the decision body answers each; the coordinator may not
    assert rosa.get(f"{desk}/answers/1").status_code == 403
    ines = signed_in(app, INES)
    council = csrf_token(ines)
    assert "Answer recommendation 1" in text(ines.get(f"{desk}/answers?lang=en"))
    assert ines.get(f"{desk}/pool").status_code == 403
    answer = {"csrf_token": council, "verdict": "partly", "reasons": "Thirty trees fit beside the market."}
    done = confirmed(ines, f"{desk}/answers/1?lang=en", answer)
    assert done.status_code == 303
    again = ines.post(f"{desk}/answers/1?lang=en", data={**answer, "step": "confirm", "nonce": str(uuid.uuid4())})
    assert again.status_code == 409 and "already answered" in text(again)
    confirmed(ines, f"{desk}/answers/2?lang=en", {**answer, "verdict": "not_adopted", "reasons": "Buses run there."})
    assert service.get(f"/{panel}")["status"] == "answered"
    assert "The answer was recorded" in text(ines.get(f"{desk}?lang=en"))


def test_quotas_the_pool_cannot_meet_are_explained_and_nothing_changes(scene):
    app, service = scene
    short = {"gender": QUOTAS["gender"], "age_band": {"16-39": {"min": 0, "max": 2}, "40+": {"min": 4, "max": 6}}}
    panel = service.set_up("The old station square", features=short)
    service.fill(panel, people=9)  # three of them are 40 or older
    service.post(f"/{panel}/close")
    rosa = signed_in(app, ROSA)
    form = {"csrf_token": csrf_token(rosa), "panels": "50"}
    refused = confirmed(rosa, f"/desk/panels/{panel}/selection?lang=en", form)
    page = text(refused)
    assert refused.status_code == 422 and "The quotas cannot be met" in page and "Nothing was changed." in page
    assert service.get(f"/{panel}")["status"] == "pool_closed"
    older = {"csrf_token": form["csrf_token"], **quota_form(short, {"16-39": (0, 0), "40+": (6, 6)})}
    kept = confirmed(rosa, f"/desk/panels/{panel}/quotas?lang=en", older)
    assert kept.status_code == 422 and "The quotas cannot be met" in text(kept)
    assert service.get(f"/{panel}")["features"] == short
    fitting = {"csrf_token": form["csrf_token"], **quota_form(short, {"16-39": (2, 4), "40+": (2, 4)})}
    assert confirmed(rosa, f"/desk/panels/{panel}/quotas?lang=en", fitting).status_code == 303
    assert confirmed(rosa, f"/desk/panels/{panel}/selection?lang=en", form).status_code == 303


def test_the_case_pages_link_every_panel_action_to_a_page_the_gateway_serves(scene):
    app, _ = scene
    urls = app.url_map.bind("localhost")
    kinds = ("import_pool", "draw_invitations", "follow_registrations", "run_draw", "confirm_composition")
    kinds += ("plan_sessions", "answer_recommendations")
    for kind in kinds:
        for action in ACTIONS[kind]:
            assert action.path is not None
            endpoint, _ = urls.match(action.link(str(uuid.uuid4())), method="GET")
            assert endpoint.startswith("panel_actions."), action
