"""The authors' endpoints on a sent proposal: documents and co-authors (``/api/v1/proposals/<id>/...``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, request
from flask_smorest import Blueprint
from werkzeug.exceptions import BadRequest

from meemaken_kit.auth import allow, public
from meemaken_kit.documents import allow_document_upload, download
from meemaken_kit.roles import Role
from proposals.domain.model import Attachment, Proposal
from proposals.entrypoints import schemas as s
from proposals.entrypoints.api import _uow, actor
from proposals.service_layer import authoring

authors = Blueprint("authors", __name__, url_prefix="/api/v1/proposals", description="A proposal's authors")


@authors.route("/<uuid:proposal_id>/attachments", methods=["POST"])
@allow(Role.RESIDENT)
@authors.response(201, s.AttachmentSchema)
@authors.alt_response(413, description="Larger than 10 MiB (problem+json)")
@authors.alt_response(415, description="Not a PDF, image, text or office document (problem+json)")
def attach(proposal_id: UUID) -> tuple[Attachment, int]:
    """Add a photo or document (one of the proposal's authors, while it is submitted or admitted; multipart
    field `file`; PDF, PNG, JPEG, text or office document up to 10 MiB, five at most; its type is read from
    its content)."""
    allow_document_upload()
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("send the document as multipart form field 'file'")
    name, content = upload.filename or "document", upload.read()
    added = authoring.attach(_uow(), actor(), proposal_id, name, upload.mimetype, content)
    return added, 201


@authors.route("/<uuid:proposal_id>/attachments/<uuid:attachment_id>", methods=["GET"])
@public
@authors.response(200, description="The document as added, with its SHA-256 in the ETag")
@authors.alt_response(404, description="No such document (problem+json)")
def attachment(proposal_id: UUID, attachment_id: UUID) -> Response:
    """Download a proposal's photo or document (proposals are public, and so is what they include)."""
    found, content = authoring.attachment(_uow(), proposal_id, attachment_id)
    return download(content, found.content_type, found.filename, found.sha256)


@authors.route("/<uuid:proposal_id>/co-author-invitation", methods=["POST"])
@allow(Role.RESIDENT)
@authors.response(201, s.InvitationSchema)
def invite(proposal_id: UUID) -> tuple[dict[str, Any], int]:
    """A new link code for co-authors (the proposal's first author; any earlier code stops working). The
    code is shown once: only its hash is kept."""
    invitation = authoring.invite_co_authors(_uow(), actor(), proposal_id)
    return {"code": invitation.code, "expires_at": invitation.expires_at}, 201


@authors.route("/<uuid:proposal_id>/co-authors", methods=["POST"])
@allow(Role.RESIDENT)
@authors.arguments(s.JoinSchema)
@authors.response(200, s.ProposalSchema)
def join(body: dict[str, Any], proposal_id: UUID) -> Proposal:
    """Join as a co-author with the authors' code (the logged-in resident; once)."""
    return authoring.join_as_co_author(_uow(), actor(), proposal_id, body["code"])
