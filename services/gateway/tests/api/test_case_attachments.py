"""Documents on the officials' case page, against the real proposals service: the residents' documents of
the case (from the service, linked through the pass-through) and the officials' own, which are internal:
checked by their bytes as every document (a wrong kind, no file, too large: told at the field, nothing
kept), downloaded by officials only as an attachment with nosniff, never on the resident's page."""

from __future__ import annotations

import io
import uuid

from gateway_testing import ANNA, KAREL, csrf_token, login, rows

from gateway.casework.consumer import subscriptions
from meemaken_events import EventFactory
from proposals.domain.model import ProposalAdmitted
from proposals.integration.outgoing import envelope_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def admitted(app, proposal_id: str, title: str) -> None:
    """The proposal's admitted event through the queue's own handler (no Kafka in page tests)."""
    factory = EventFactory("urn:meemaken:municipality:demo:system:proposals")
    envelope = envelope_for(factory, ProposalAdmitted(uuid.UUID(proposal_id), "mobility-2027", uuid.uuid4(), title))
    handlers = {t: h for _topics, hs in subscriptions().values() for t, h in hs.items()}
    with app.extensions["gateway"].engine.begin() as conn:
        handlers[envelope.type](conn, envelope)


def text(response):
    return response.get_data(as_text=True)


def upload(client, path, content, name, token=None):
    data = {"csrf_token": token if token is not None else csrf_token(client)}
    if content is not None:
        data["document"] = (io.BytesIO(content), name)
    return client.post(f"{path}/attachments?lang=en", data=data, content_type="multipart/form-data")


def test_officials_attach_internal_documents_and_see_the_residents_ones(make_gateway, provider, proposals_service):
    proposals_service.define("mobility-2027", "Mobility plan 2027")
    app = make_gateway(provider, PROPOSALS_BASE_URL=proposals_service.url)
    anna = app.test_client()
    login(anna, ANNA)
    data = {"csrf_token": csrf_token(anna), "process_id": "mobility-2027", "title": "A safer school crossing"}
    sent = anna.post("/proposals/new", data=data | {"text": "A zebra crossing and a lower speed limit at the gate."})
    done = anna.post(
        "/proposals/new/check",
        data={"csrf_token": csrf_token(anna), "draft": sent.headers["Location"].split("draft=")[1]},
    )
    pid = done.headers["Location"].split("/")[2]
    photo = {"csrf_token": csrf_token(anna), "document": (io.BytesIO(PNG), "crossing.png")}
    assert anna.post(f"/proposals/{pid}/documents", data=photo, content_type="multipart/form-data").status_code == 302
    proposals_service.admit(pid)
    admitted(app, pid, "A safer school crossing")

    karel = app.test_client()
    login(karel, KAREL)
    path = f"/desk/cases/proposals/{pid}"
    page = text(karel.get(path + "?lang=en"))
    residents = proposals_service.get(pid)["attachments"][0]
    assert f'href="/api/proposals/v1/proposals/{pid}/attachments/{residents["id"]}" download>crossing.png</a>' in page
    assert "No internal documents yet." in page and 'enctype="multipart/form-data"' in page

    added = upload(karel, path, PDF, "site visit.pdf")
    assert added.status_code == 303 and added.headers["Location"].endswith(f"{path}#documents-title")
    page = text(karel.get(path + "?lang=en"))
    kept = rows(app.extensions["gateway"].engine, "case_attachments")
    assert [(k["filename"], k["content_type"], k["size"], k["added_by_role"]) for k in kept] == [
        ("site visit.pdf", "application/pdf", len(PDF), "case_officer")
    ]
    assert "The document was added. Only officials can see it." in page
    assert (
        f'href="/desk/attachments/{kept[0]["id"]}" download>site visit.pdf</a>' in page and "case officer · you" in page
    )
    got = karel.get(f"/desk/attachments/{kept[0]['id']}")
    assert got.status_code == 200 and got.data == PDF and got.mimetype == "application/pdf"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"] == 'attachment; filename="site visit.pdf"'
    assert "sandbox" in got.headers["Content-Security-Policy"]

    # wrong input: told at the field with an error summary, nothing kept
    wrong = upload(karel, path, b"MZ\x90\x00" + b"\x00" * 60, "tool.exe")
    assert wrong.status_code == 400 and "This type of file cannot be added." in text(wrong)
    assert 'href="#document"' in text(wrong) and text(wrong).count("<h1") == 1
    assert "Error:" in text(wrong).split("</title>", 1)[0]
    nothing = upload(karel, path, None, "")
    assert nothing.status_code == 400 and "Choose a file to add." in text(nothing)
    empty = upload(karel, path, b"", "empty.txt")
    assert empty.status_code == 400
    large = upload(karel, path, b"a" * (10 * 1024 * 1024 + 100_000), "huge.txt")  # over the request limit
    assert large.status_code == 413 and "The file is larger than 10 MB." in text(large)
    forged = upload(karel, path, PDF, "forged.pdf", token="not-the-token")
    assert forged.status_code == 400
    assert karel.get("/desk/attachments/" + str(uuid.uuid4())).status_code == 404
    assert upload(karel, "/desk/cases/proposals/" + str(uuid.uuid4()), PDF, "x.pdf").status_code == 404
    assert len(rows(app.extensions["gateway"].engine, "case_attachments")) == 1

    # never for residents: not on the proposal's page, not downloadable, not added
    assert "site visit.pdf" not in text(anna.get(f"/proposals/{pid}?lang=en"))
    assert anna.get(f"/desk/attachments/{kept[0]['id']}").status_code == 403
    assert upload(anna, path, PDF, "mine.pdf").status_code == 403
    assert app.test_client().get(f"/desk/attachments/{kept[0]['id']}").status_code == 302  # to the login
    assert len(rows(app.extensions["gateway"].engine, "case_attachments")) == 1
