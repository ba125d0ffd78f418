"""HTTP → use case → response; nothing else happens here."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import current_app, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import NotFound

from proposals.domain.model import Proposal
from proposals.entrypoints.schemas import ProposalQuerySchema, ProposalSchema, ProposalSubmissionSchema
from proposals.service_layer import handlers
from proposals.service_layer.unit_of_work import ProposalsUnitOfWork

blp = Blueprint("proposals", __name__, url_prefix="/api/v1/proposals", description="Citizen proposals")


def _uow() -> ProposalsUnitOfWork:
    uow: ProposalsUnitOfWork = current_app.extensions["meemaken"]["uow"]()
    return uow


@blp.route("")
class Proposals(MethodView):
    @blp.arguments(ProposalQuerySchema, location="query")
    @blp.response(200, ProposalSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[Proposal]:
        """List proposals, newest first, optionally of one process or one author."""
        with _uow() as uow:
            return uow.proposals.list(query.get("process_id"), query.get("author_id"), query["limit"], query["offset"])

    @blp.arguments(ProposalSubmissionSchema)
    @blp.response(201, ProposalSchema)
    @blp.alt_response(422, description="Invalid fields (problem+json)")
    def post(self, body: dict[str, Any]) -> tuple[Proposal, int, dict[str, str]]:
        """Submit a proposal; the admissibility check follows automatically."""
        proposal = handlers.submit_proposal(handlers.SubmitProposal(**body), _uow())
        return proposal, 201, {"Location": url_for("proposals.ProposalById", proposal_id=proposal.id)}


@blp.route("/<uuid:proposal_id>")
class ProposalById(MethodView):
    @blp.response(200, ProposalSchema)
    @blp.alt_response(404, description="No such proposal (problem+json)")
    def get(self, proposal_id: UUID) -> Proposal:
        """One proposal with its status and, when rejected, the coded reasons."""
        with _uow() as uow:
            proposal = uow.proposals.get(proposal_id)
        if proposal is None:
            raise NotFound(f"There is no proposal {proposal_id}.")
        return proposal
