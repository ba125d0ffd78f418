"""What a proposal's authors do on its page after sending it: add photos and documents, and bring in
co-authors with a link (proposals service, ``gateway.backends``):

- ``POST /proposals/<id>/documents``: ``POST v1/proposals/<id>/attachments`` (multipart), back to the page;
- ``POST /proposals/<id>/co-author-link``: ``POST v1/proposals/<id>/co-author-invitation``; the page shows
  the link once (the service keeps only a hash of its code);
- ``GET|POST /proposals/<id>/join?code=``: a signed-in resident confirms, ``POST v1/proposals/<id>/co-authors``.
"""

from __future__ import annotations

import uuid

from flask import Response as FlaskResponse
from flask import flash, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from gateway.backends import Refused, ServiceError, api
from gateway.portal import portal
from gateway.portal.documents import document_form, send_document
from gateway.portal.proposals import submission_limits
from gateway.web import page

SERVICE = "proposals"


def _back(proposal_id: uuid.UUID, anchor: str) -> BaseResponse:
    return redirect(url_for("portal.proposal_detail", proposal_id=proposal_id, _anchor=anchor))


@portal.post("/proposals/<uuid:proposal_id>/documents")
def add_proposal_document(proposal_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    form, too_large = document_form()
    try:
        proposal = api().get(SERVICE, f"v1/proposals/{proposal_id}")
    except Refused:
        return page("portal/proposals/missing.html", 404)
    except ServiceError:
        return page("portal/proposals/missing.html", 503, unavailable=True)
    context = {"proposal": proposal, "form": form}
    if too_large:
        return page("portal/proposals/document.html", 413, **context)
    if not form.validate_on_submit():
        return page("portal/proposals/document.html", 422, **context)
    try:
        with submission_limits():
            sent = send_document(form, SERVICE, f"v1/proposals/{proposal_id}/attachments")
    except ServiceError:
        return page("portal/proposals/document.html", 503, unavailable=True, **context)
    if not sent:
        return page("portal/proposals/document.html", 422, **context)
    flash("document_added", "authors")
    return _back(proposal_id, "documents")


@portal.post("/proposals/<uuid:proposal_id>/co-author-link")
def co_author_link(proposal_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    try:
        proposal = api().get(SERVICE, f"v1/proposals/{proposal_id}")
        invitation = api().post(SERVICE, f"v1/proposals/{proposal_id}/co-author-invitation")
    except Refused as refused:
        if refused.status == 404:
            return page("portal/proposals/missing.html", 404)
        return page("portal/proposals/co_authors.html", refused.status, refused=True, proposal_id=proposal_id)
    except ServiceError:
        return page("portal/proposals/co_authors.html", 503, unavailable=True, proposal_id=proposal_id)
    link = url_for("portal.join_proposal", proposal_id=proposal_id, code=invitation["code"], _external=True)
    return page("portal/proposals/co_authors.html", proposal=proposal, link=link, expires_at=invitation["expires_at"])


@portal.route("/proposals/<uuid:proposal_id>/join", methods=["GET", "POST"])
def join_proposal(proposal_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    code = request.values.get("code", "").strip()[:100]
    try:
        proposal = api().get(SERVICE, f"v1/proposals/{proposal_id}")
    except Refused:
        return page("portal/proposals/missing.html", 404)
    except ServiceError:
        return page("portal/proposals/missing.html", 503, unavailable=True)
    if request.method == "GET" or not code:
        return page("portal/proposals/join.html", 200 if code else 422, proposal=proposal, code=code)
    try:
        api().post(SERVICE, f"v1/proposals/{proposal_id}/co-authors", {"code": code})
    except Refused as refused:
        return page("portal/proposals/join.html", refused.status, proposal=proposal, code=code, refused=True)
    except ServiceError:
        return page("portal/proposals/join.html", 503, proposal=proposal, code=code, unavailable=True)
    flash("joined", "authors")
    return _back(proposal_id, "authors")
