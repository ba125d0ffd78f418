"""A proposal's authors in the portal, against the real proposals service: the author adds a photo (the
service types it by its bytes; a wrong kind is told at the field), makes a link for co-authors (shown
once), and another resident joins with it and may add documents too; a bad link says what to do."""

from __future__ import annotations

import io

from gateway_testing import ANNA, DAAN, csrf_token, login

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def text(response):
    return response.get_data(as_text=True)


def sent_by_anna(make_gateway, provider, service):
    service.define("mobility-2027", "Mobility plan 2027")
    app = make_gateway(provider, PROPOSALS_BASE_URL=service.url)
    anna = app.test_client()
    login(anna, ANNA)
    title = "Safer crossing at the school on Kerkstraat"
    data = {"csrf_token": csrf_token(anna), "process_id": "mobility-2027", "title": title}
    sent = anna.post("/proposals/new", data=data | {"text": "A zebra crossing and a lower speed limit at the gate."})
    draft_id = sent.headers["Location"].split("draft=")[1]
    done = anna.post("/proposals/new/check", data={"csrf_token": csrf_token(anna), "draft": draft_id})
    return app, anna, done.headers["Location"].split("/")[2]


def add(client, proposal_id, content, name):
    data = {"csrf_token": csrf_token(client), "document": (io.BytesIO(content), name)}
    return client.post(f"/proposals/{proposal_id}/documents?lang=en", data=data, content_type="multipart/form-data")


def test_the_author_adds_a_photo_and_a_wrong_file_is_told_at_the_field(make_gateway, provider, proposals_service):
    app, anna, proposal_id = sent_by_anna(make_gateway, provider, proposals_service)
    page = text(anna.get(f"/proposals/{proposal_id}?lang=en"))
    assert 'enctype="multipart/form-data"' in page and "Add this document" in page and "No documents yet." in page
    added = add(anna, proposal_id, PNG, "crossing.png")
    assert added.status_code == 302 and added.headers["Location"].endswith("#documents")
    page = text(anna.get(f"/proposals/{proposal_id}?lang=en"))
    assert "Your document was added." in page and ">crossing.png</a>" in page
    document = proposals_service.get(proposal_id)["attachments"][0]
    assert f'href="/api/proposals/v1/proposals/{proposal_id}/attachments/{document["id"]}"' in page
    wrong = add(anna, proposal_id, b"MZ\x90\x00" + b"\x00" * 60, "tool.exe")
    assert wrong.status_code == 422 and "This type of file cannot be added." in text(wrong)
    assert 'href="#document"' in text(wrong)  # the error summary links to the field
    empty = anna.post(f"/proposals/{proposal_id}/documents?lang=en", data={"csrf_token": csrf_token(anna)})
    assert empty.status_code == 422 and "Choose a file to add." in text(empty)
    assert len(proposals_service.get(proposal_id)["attachments"]) == 1
    # someone else sees the document but no form
    other = app.test_client()
    login(other, DAAN)
    seen = text(other.get(f"/proposals/{proposal_id}?lang=en"))
    assert ">crossing.png</a>" in seen and "Add this document" not in seen and "Make a link" not in seen
    assert add(other, proposal_id, PNG, "mine.png").status_code == 422
    assert len(proposals_service.get(proposal_id)["attachments"]) == 1


def test_a_co_author_joins_with_the_authors_link(make_gateway, provider, proposals_service):
    app, anna, proposal_id = sent_by_anna(make_gateway, provider, proposals_service)
    made = anna.post(f"/proposals/{proposal_id}/co-author-link?lang=en", data={"csrf_token": csrf_token(anna)})
    assert made.status_code == 200 and "Link for co-authors" in text(made)
    link = text(made).split('id="link" type="text" readonly value="', 1)[1].split('"', 1)[0]
    path = link.split("localhost", 1)[1].replace("&amp;", "&")
    daan = app.test_client()
    login(daan, DAAN)
    asked = text(daan.get(path + "&lang=en"))
    assert "invites you to be a co-author" in asked and "Yes, I am a co-author" in asked
    code = path.split("code=", 1)[1]
    joined = daan.post(f"/proposals/{proposal_id}/join", data={"csrf_token": csrf_token(daan), "code": code})
    assert joined.status_code == 302 and joined.headers["Location"].endswith("#authors")
    page = text(daan.get(f"/proposals/{proposal_id}?lang=en"))
    assert "You are now a co-author of this proposal." in page and "Written by a resident with 1 co-author." in page
    assert "Add this document" in page and "Make a link" not in page  # only the first author makes links
    assert add(daan, proposal_id, PNG, "sketch.png").status_code == 302
    assert len(proposals_service.get(proposal_id)["co_authors"]) == 1
    wrong = daan.post(f"/proposals/{proposal_id}/join?lang=en", data={"csrf_token": csrf_token(daan), "code": "x"})
    assert wrong.status_code == 422 and "ask the author for a new link" in text(wrong)
    assert "Open the whole link" in text(daan.get(f"/proposals/{proposal_id}/join?lang=en"))


def test_the_pages_need_a_login_and_a_csrf_token(make_gateway, provider, proposals_service):
    app, _, proposal_id = sent_by_anna(make_gateway, provider, proposals_service)
    anonymous = app.test_client()
    assert anonymous.get(f"/proposals/{proposal_id}/join?code=abc").status_code in (302, 401)
    assert anonymous.post(f"/proposals/{proposal_id}/co-author-link").status_code in (302, 400, 401)
    daan = app.test_client()
    login(daan, DAAN)
    assert daan.post(f"/proposals/{proposal_id}/co-author-link").status_code == 400  # no CSRF token
    refused = daan.post(f"/proposals/{proposal_id}/co-author-link?lang=en", data={"csrf_token": csrf_token(daan)})
    assert refused.status_code == 403 and "Only the resident who sent a proposal" in text(refused)
