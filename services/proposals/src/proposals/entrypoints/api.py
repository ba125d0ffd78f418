"""HTTP → use case → response; nothing else happens here.

Who acts comes from the gateway in ``X-Meemaken-Actor`` (a pseudonymous id) and ``X-Meemaken-Role``
(resident, official, service); without them a caller is the public, who reads but changes nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import BadRequest, NotFound

from proposals.adapters.budgets import ConcurrentRoundUpdate, OtherChannel
from proposals.adapters.processes import ConcurrentProcessUpdate, ProcessExists
from proposals.adapters.repository import ConcurrentUpdate
from proposals.domain.ballots import BallotForm, BallotKind, Eligibility, InvalidBallot, NotEligible, Voter
from proposals.domain.budget_round import BudgetRound, InvalidRound, Stage, WrongPhase
from proposals.domain.ladder import InvalidLadder
from proposals.domain.model import FollowUpStage, IllegalTransition, InvalidStep, Position, Proposal
from proposals.domain.process import InvalidProcess, ParticipationProcess, Phase, ProcessKind
from proposals.entrypoints import schemas as s
from proposals.service_layer import actors, budgets, handlers, participation
from proposals.service_layer.actors import ROLES, Actor
from proposals.service_layer.unit_of_work import ProposalsUnitOfWork

blp = Blueprint("proposals", __name__, url_prefix="/api/v1/proposals", description="Citizen proposals")
processes = Blueprint(
    "processes", __name__, url_prefix="/api/v1", description="Participation processes, ladders and the yearly report"
)
rounds = Blueprint("rounds", __name__, url_prefix="/api/v1/rounds", description="Participatory budget rounds")


def _uow() -> ProposalsUnitOfWork:
    uow: ProposalsUnitOfWork = current_app.extensions["meemaken"]["uow"]()
    return uow


def actor() -> Actor:
    role = request.headers.get("X-Meemaken-Role", "public")
    raw = request.headers.get("X-Meemaken-Actor")
    if role not in ROLES:
        raise BadRequest(f"X-Meemaken-Role must be one of {', '.join(ROLES)}")
    try:
        return Actor(UUID(raw) if raw else None, role)
    except ValueError:
        raise BadRequest("X-Meemaken-Actor must be a UUID") from None


# --- proposals ---------------------------------------------------------------------------------


@blp.route("")
class Proposals(MethodView):
    @blp.arguments(s.ProposalQuerySchema, location="query")
    @blp.response(200, s.ProposalSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[Proposal]:
        """List proposals, newest first, optionally of one process or one author."""
        with _uow() as uow:
            return uow.proposals.list(query.get("process_id"), query.get("author_id"), query["limit"], query["offset"])

    @blp.arguments(s.ProposalSubmissionSchema)
    @blp.response(201, s.ProposalSchema)
    @blp.alt_response(422, description="Invalid fields (problem+json)")
    def post(self, body: dict[str, Any]) -> tuple[Proposal, int, dict[str, str]]:
        """Submit a proposal; the admissibility check follows automatically."""
        proposal = handlers.submit_proposal(handlers.SubmitProposal(**body), _uow())
        return proposal, 201, {"Location": url_for("proposals.ProposalById", proposal_id=proposal.id)}


@blp.route("/<uuid:proposal_id>")
class ProposalById(MethodView):
    @blp.response(200, s.ProposalSchema)
    @blp.alt_response(404, description="No such proposal (problem+json)")
    def get(self, proposal_id: UUID) -> Proposal:
        """One proposal with its status, supporters, answer and history."""
        with _uow() as uow:
            proposal = uow.proposals.get(proposal_id)
        if proposal is None:
            raise NotFound(f"There is no proposal {proposal_id}.")
        return proposal


@blp.route("/<uuid:proposal_id>/support", methods=["POST"])
@blp.response(200, s.ProposalSchema)
def support(proposal_id: UUID) -> Proposal:
    """Support an admitted proposal (resident; once). The process's threshold starts the answer term."""
    return handlers.support(_uow(), actor(), proposal_id)


@blp.route("/<uuid:proposal_id>/decline", methods=["POST"])
@blp.arguments(s.DeclineSchema)
@blp.response(200, s.ProposalSchema)
def decline(body: dict[str, Any], proposal_id: UUID) -> Proposal:
    """An official's check: decline with motivated grounds (not_competent, unlawful, ...)."""
    reasons = [(r["code"], r["detail"]) for r in body["reasons"]]
    return handlers.decline(_uow(), actor(), proposal_id, reasons)


@blp.route("/<uuid:proposal_id>/answer", methods=["POST"])
@blp.arguments(s.AnswerSchema)
@blp.response(200, s.ProposalSchema)
def answer(body: dict[str, Any], proposal_id: UUID) -> Proposal:
    """The municipality's answer with reasons (official)."""
    return handlers.answer(_uow(), actor(), proposal_id, Position(body["position"]), body["reasons"])


@blp.route("/<uuid:proposal_id>/merge", methods=["POST"])
@blp.arguments(s.MergeSchema)
@blp.response(200, s.ProposalSchema)
def merge(body: dict[str, Any], proposal_id: UUID) -> Proposal:
    """Merge this proposal into another of the same process (official); returns the other."""
    return handlers.merge(_uow(), actor(), proposal_id, body["into_id"], body["reasons"])


@blp.route("/<uuid:proposal_id>/split", methods=["POST"])
@blp.arguments(s.SplitSchema)
@blp.response(201, s.ProposalSchema(many=True))
def split(body: dict[str, Any], proposal_id: UUID) -> list[Proposal]:
    """Split this proposal into new ones (official); returns them."""
    parts = [(p["title"], p["text"]) for p in body["parts"]]
    return handlers.split(_uow(), actor(), proposal_id, parts, body["reasons"])


@blp.route("/<uuid:proposal_id>/follow-ups", methods=["POST"])
@blp.arguments(s.FollowUpSchema)
@blp.response(200, s.ProposalSchema)
def follow_up(body: dict[str, Any], proposal_id: UUID) -> Proposal:
    """What was done with an answered proposal (official)."""
    return handlers.follow_up(_uow(), actor(), proposal_id, FollowUpStage(body["stage"]), body["note"])


# --- processes -----------------------------------------------------------------------------------


@processes.route("/processes")
class Processes(MethodView):
    @processes.arguments(s.ProcessQuerySchema, location="query")
    @processes.response(200, s.ProcessSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[ParticipationProcess]:
        """Processes of a municipality and year, with their rungs."""
        with _uow() as uow:
            return uow.processes.of(query.get("municipality"), query.get("year"))

    @processes.arguments(s.ProcessSchema)
    @processes.response(201, s.ProcessSchema)
    def post(self, body: dict[str, Any]) -> ParticipationProcess:
        """Define a process (official): kind, phases with dates and the promised rung of each."""
        phases = [Phase(p["name"], p["starts_at"], p["ends_at"], p["rung_promised"]) for p in body["phases"]]
        return participation.define_process(
            _uow(),
            actor(),
            body["id"],
            body["municipality"],
            body["title"],
            ProcessKind(body["kind"]),
            phases,
            body["support_threshold"],
            body["answer_days"],
        )


@processes.route("/processes/<process_id>")
@processes.response(200, s.ProcessSchema)
def get_process(process_id: str) -> ParticipationProcess:
    with _uow() as uow:
        return participation.get_process(uow, process_id)


@processes.route("/processes/<process_id>/phases/<phase>/realised", methods=["POST"])
@processes.arguments(s.RealisedSchema)
@processes.response(200, s.ProcessSchema)
def realise(body: dict[str, Any], process_id: str, phase: str) -> ParticipationProcess:
    """Record the rung a phase actually reached (official), with how that was judged."""
    return participation.realise_rung(_uow(), actor(), process_id, phase, body["rung"], body["explanation"])


@processes.route("/ladders/<municipality>", methods=["PUT"])
@processes.arguments(s.LadderSchema)
@processes.response(200, s.LadderSchema)
def set_ladder(body: dict[str, Any], municipality: str) -> dict[str, Any]:
    """The municipality's order of the six rungs, lowest first (official)."""
    return {"rungs": list(participation.set_ladder(_uow(), actor(), municipality, body["rungs"]).order)}


@processes.route("/reports/participation")
@processes.arguments(s.ReportQuerySchema, location="query")
@processes.response(200, s.ReportSchema)
def report(query: dict[str, Any]) -> dict[str, Any]:
    """The yearly report: processes with their rungs (promised, realised) and participation figures."""
    return participation.yearly_report(_uow(), query["municipality"], query["year"])


# --- budget rounds -------------------------------------------------------------------------------


@rounds.route("")
class Rounds(MethodView):
    @rounds.arguments(s.RoundQuerySchema, location="query")
    @rounds.response(200, s.RoundSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[BudgetRound]:
        with _uow() as uow:
            return uow.rounds.list(query.get("process_id"))

    @rounds.arguments(s.RoundOpeningSchema)
    @rounds.response(201, s.RoundSchema)
    def post(self, body: dict[str, Any]) -> BudgetRound:
        """Open a round (official): budget, district budgets, ballot form, eligibility, winner rule."""
        f, e = body["form"], body["eligibility"]
        return budgets.open_round(
            _uow(),
            actor(),
            body["process_id"],
            body["title"],
            body["budget"],
            body["district_budgets"],
            BallotForm(BallotKind(f["kind"]), f["k"], f["points"]),
            Eligibility(e["min_age"], e["residents_only"], tuple(e["districts"])),
            body["rule"],
            body["jury_weight"],
            body["theme_budgets"],
        )


@rounds.route("/<uuid:round_id>")
@rounds.response(200, s.RoundSchema)
def get_round(round_id: UUID) -> BudgetRound:
    """The round, its projects with their feasibility, and after the count its explained results."""
    return budgets.get_round(_uow(), round_id)


@rounds.route("/<uuid:round_id>/projects", methods=["POST"])
@rounds.arguments(s.ProjectIdeaSchema)
@rounds.response(201, s.RoundSchema)
def add_project(body: dict[str, Any], round_id: UUID) -> BudgetRound:
    """A project idea in the ideas phase (resident or official)."""
    return budgets.add_project(
        _uow(), actor(), round_id, body["title"], body["district"], body["cost"], body["proposal_id"], body["theme"]
    )


@rounds.route("/<uuid:round_id>/feasibility", methods=["POST"])
@rounds.response(200, s.RoundSchema)
def start_feasibility(round_id: UUID) -> BudgetRound:
    """Close the ideas phase; officials check each project (official)."""
    return budgets.start_feasibility(_uow(), actor(), round_id)


@rounds.route("/<uuid:round_id>/projects/<project_id>/assessment", methods=["POST"])
@rounds.arguments(s.AssessmentSchema)
@rounds.response(200, s.RoundSchema)
def assess(body: dict[str, Any], round_id: UUID, project_id: str) -> BudgetRound:
    """Feasible or not, with the officials' cost estimate and the legal check (official)."""
    return budgets.assess_project(
        _uow(),
        actor(),
        round_id,
        project_id,
        body["feasible"],
        body["cost"],
        body["legal_check"],
        body["reason"],
        body["jury_score"],
    )


@rounds.route("/<uuid:round_id>/voting", methods=["POST"])
@rounds.arguments(s.VotingSchema)
@rounds.response(200, s.RoundSchema)
def open_voting(body: dict[str, Any], round_id: UUID) -> BudgetRound:
    """Open voting (official); without a lot order one is drawn and published."""
    return budgets.open_voting(_uow(), actor(), round_id, body["lot_order"])


@rounds.route("/<uuid:round_id>/ballot", methods=["PUT"])
@rounds.arguments(s.BallotSchema)
@rounds.response(200, s.BallotReceiptSchema)
@rounds.alt_response(201, schema=s.BallotReceiptSchema, description="The voter's first ballot")
def cast(body: dict[str, Any], round_id: UUID) -> tuple[dict[str, Any], int]:
    """A resident's ballot; a later one replaces it until the round closes."""
    return _ballot(body, round_id, None)


@rounds.route("/<uuid:round_id>/paper-ballots", methods=["POST"])
@rounds.arguments(s.PaperBallotSchema)
@rounds.response(200, s.BallotReceiptSchema)
@rounds.alt_response(201, schema=s.BallotReceiptSchema, description="The voter's first ballot")
def paper(body: dict[str, Any], round_id: UUID) -> tuple[dict[str, Any], int]:
    """A paper ballot entered by an official for the voter it belongs to, marked as paper."""
    return _ballot(body, round_id, body["voter_id"])


def _ballot(body: dict[str, Any], round_id: UUID, voter_id: UUID | None) -> tuple[dict[str, Any], int]:
    v = body["voter"]
    who = actor()
    if voter_id is not None and who.role != "official":
        raise actors.Forbidden("paper ballots are entered by officials")
    if voter_id is None and who.role != "resident":
        raise actors.Forbidden("a ballot is cast by the resident themself")
    choice = body["points"] if "points" in body else body["projects"]
    replaced = budgets.cast_ballot(
        _uow(), who, round_id, Voter(v["age"], v["resident"], v["district"]), choice, voter_id
    )
    return {"round_id": round_id, "paper": voter_id is not None, "replaced": replaced}, 201 if replaced == 0 else 200


@rounds.route("/<uuid:round_id>/close", methods=["POST"])
@rounds.response(200, s.RoundSchema)
def close(round_id: UUID) -> BudgetRound:
    """Close voting (official); the count follows automatically and publishes the results."""
    return budgets.close_round(_uow(), actor(), round_id)


@rounds.route("/<uuid:round_id>/voters")
@rounds.arguments(s.VotersQuerySchema, location="query")
@rounds.response(200, s.VotersSchema)
def voters(query: dict[str, Any], round_id: UUID) -> dict[str, Any]:
    """Who voted, as pseudonymous ids (never what), page by page: for the notifications service (role service).
    `next` is the cursor to pass as `after` for the following page; null on the last."""
    page, following = budgets.voters(_uow(), actor(), round_id, query["limit"], query.get("after"))
    return {"voters": page, "next": following}


@rounds.route("/<uuid:round_id>/pabulib")
@rounds.response(200, content_type="text/plain", description="The round as a Pabulib .pb file")
@rounds.alt_response(409, description="Voting has not closed yet (problem+json)")
def export(round_id: UUID) -> Response:
    """The closed round's projects and anonymous ballots in the Pabulib format, to recompute the result."""
    text = budgets.pabulib_export(_uow(), round_id)
    disposition = f'attachment; filename="round-{round_id}.pb"'
    return Response(text, mimetype="text/plain", headers={"Content-Disposition": disposition})


@rounds.route("/<uuid:round_id>/projects/<project_id>/tracking", methods=["POST"])
@rounds.arguments(s.TrackingSchema)
@rounds.response(200, s.RoundSchema)
def track(body: dict[str, Any], round_id: UUID, project_id: str) -> BudgetRound:
    """Where a funded project stands (official): planned, in progress, done, dropped."""
    return budgets.track_project(_uow(), actor(), round_id, project_id, Stage(body["stage"]), body["note"])


blueprints = [blp, processes, rounds]

ERRORS: dict[type[Exception], tuple[int, str]] = {
    actors.NotFound: (404, "Not Found"),
    actors.Forbidden: (403, "Forbidden"),
    NotEligible: (403, "Not eligible to vote"),
    IllegalTransition: (409, "Not allowed in this state"),
    WrongPhase: (409, "Not allowed in this phase"),
    handlers.AlreadySupported: (409, "Already supported"),
    OtherChannel: (409, "Already voted through the other channel"),
    ProcessExists: (409, "Conflict"),
    ConcurrentUpdate: (409, "Conflict"),
    ConcurrentRoundUpdate: (409, "Conflict"),
    ConcurrentProcessUpdate: (409, "Conflict"),
    InvalidStep: (422, "Invalid step"),
    InvalidRound: (422, "Invalid round"),
    InvalidBallot: (422, "Invalid ballot"),
    InvalidProcess: (422, "Invalid process"),
    InvalidLadder: (422, "Invalid ladder"),
}
