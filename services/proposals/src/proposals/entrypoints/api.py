"""HTTP → use case → response; nothing else happens here.

Who acts is the caller the kit verified from the gateway's bearer token (``principal()``): a person's
pseudonymous id, roles (possibly scoped) and verified attributes, or a service's own credential. Nothing
a body, query or header says about the caller counts. Public endpoints (what anyone may read: proposals,
processes, the report, rounds and their results, a closed round's Pabulib file) are marked ``@public``;
every other declares with ``@allow`` the roles that may call it (anyone else: 401 when anonymous, 403
otherwise, before the body is read), and the use cases check the rest: an official's scope against the
resource's process, a resident's verified facts (403 with the reason).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, current_app, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import NotFound

from meemaken_kit.auth import Unauthenticated, allow, principal, public
from meemaken_kit.documents import DocumentTooLarge, InvalidDocument, UnsupportedDocument
from meemaken_kit.roles import Role
from proposals.adapters.budgets import ConcurrentRoundUpdate, OtherChannel
from proposals.adapters.processes import ConcurrentProcessUpdate, ProcessExists
from proposals.adapters.repository import ConcurrentUpdate
from proposals.domain.ballots import BallotForm, BallotKind, Eligibility, InvalidBallot, NotEligible, Unverified
from proposals.domain.budget_round import BudgetRound, InvalidRound, Stage, WrongPhase
from proposals.domain.eligibility import Facts
from proposals.domain.ladder import InvalidLadder
from proposals.domain.model import FollowUpStage, IllegalTransition, InvalidStep, NotTheAuthor, Position, Proposal
from proposals.domain.process import InvalidProcess, ParticipationProcess, Phase, ProcessKind
from proposals.entrypoints import schemas as s
from proposals.service_layer import actors, budgets, handlers, participation
from proposals.service_layer.actors import Actor
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
    """The verified caller as the use cases see it (a service's OAuth scopes only for a service)."""
    who = principal()
    if who is None:  # only on a public endpoint, which does not ask
        raise Unauthenticated("This needs you to log in (a bearer token from the gateway).")
    scope = who.scope if Role.SERVICE in who.roles else frozenset()
    return Actor(who.person_id, who.roles, who.role_scopes, who.attributes, scope)


# --- proposals ---------------------------------------------------------------------------------


@blp.route("")
class Proposals(MethodView):
    @public
    @blp.arguments(s.ProposalQuerySchema, location="query")
    @blp.response(200, s.ProposalSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[Proposal]:
        """List proposals, newest first, optionally of one process, one author, one status, or containing words."""
        with _uow() as uow:
            return uow.proposals.list(
                query.get("process_id"),
                query.get("author_id"),
                query["limit"],
                query["offset"],
                status=query.get("status"),
                words=query.get("q"),
                district=query.get("district"),
                theme=query.get("theme"),
            )

    @allow(Role.RESIDENT)
    @blp.arguments(s.ProposalSubmissionSchema)
    @blp.response(201, s.ProposalSchema)
    @blp.alt_response(422, description="Invalid fields (problem+json)")
    def post(self, body: dict[str, Any]) -> tuple[Proposal, int, dict[str, str]]:
        """Submit a proposal as the logged-in resident (its author); the admissibility check follows
        automatically."""
        command = handlers.SubmitProposal.by(
            actor(), body["process_id"], body["title"], body["text"], body["district"], body["theme"]
        )
        proposal = handlers.submit_proposal(command, _uow())
        return proposal, 201, {"Location": url_for("proposals.ProposalById", proposal_id=proposal.id)}


@blp.route("/supported")
@allow(Role.RESIDENT)
@blp.arguments(s.PageQuerySchema, location="query")
@blp.response(200, s.SupportedSchema(many=True))
def supported(query: dict[str, Any]) -> list[dict[str, Any]]:
    """The proposals the logged-in resident supports, with when, the latest first: theirs alone (who they
    are comes from the token; nobody can ask for someone else's)."""
    who = actor()
    if who.id is None:
        raise actors.Forbidden("only a person supports proposals")
    with _uow() as uow:
        found = uow.proposals.supported_by(who.id, query["limit"], query["offset"])
    return [{"proposal": proposal, "supported_at": at} for proposal, at in found]


@blp.route("/<uuid:proposal_id>")
class ProposalById(MethodView):
    @public
    @blp.response(200, s.ProposalSchema)
    @blp.alt_response(404, description="No such proposal (problem+json)")
    def get(self, proposal_id: UUID) -> Proposal:
        """One proposal with its status, supporters, answer and history."""
        with _uow() as uow:
            proposal = uow.proposals.get(proposal_id)
        if proposal is None:
            raise NotFound(f"There is no proposal {proposal_id}.")
        return proposal


@blp.route("/<uuid:proposal_id>/supporters")
@public
@blp.response(200, s.SupportersSchema)
@blp.alt_response(404, description="No such proposal (problem+json)")
def supporters(proposal_id: UUID) -> dict[str, Any]:
    """How many residents support a proposal, and how many of them live in each district (as their logins
    verified it): for "312 residents of your district support this". Counts only, never who."""
    with _uow() as uow:
        proposal = uow.proposals.get(proposal_id)
        if proposal is None:
            raise NotFound(f"There is no proposal {proposal_id}.")
        return {"total": proposal.supporters, "by_district": uow.proposals.supporters_by_district(proposal_id)}


@blp.route("/<uuid:proposal_id>/audit")
@allow(Role.ADMINISTRATOR)
@blp.response(200, s.AuditSchema)
@blp.alt_response(404, description="No such proposal (problem+json)")
def audit(proposal_id: UUID) -> dict[str, Any]:
    """Who did what on a proposal, from its history: pseudonymous id, role, step, moment (administrator)."""
    return {"proposal_id": proposal_id, "entries": handlers.audit(_uow(), actor(), proposal_id)}


@blp.route("/<uuid:proposal_id>/support", methods=["POST"])
@allow(Role.RESIDENT)
@blp.response(200, s.ProposalSchema)
def support(proposal_id: UUID) -> Proposal:
    """Support an admitted proposal: a resident of the process's municipality as their login verifies it,
    once per person. The process's threshold starts the answer term."""
    return handlers.support(_uow(), actor(), proposal_id)


@blp.route("/<uuid:proposal_id>/decline", methods=["POST"])
@allow(Role.CASE_OFFICER)
@blp.arguments(s.DeclineSchema)
@blp.response(200, s.ProposalSchema)
def decline(body: dict[str, Any], proposal_id: UUID) -> Proposal:
    """A case officer's check: decline with motivated grounds (not_competent, unlawful, ...)."""
    reasons = [(r["code"], r["detail"]) for r in body["reasons"]]
    return handlers.decline(_uow(), actor(), proposal_id, reasons)


@blp.route("/<uuid:proposal_id>/answer", methods=["POST"])
@allow(Role.CASE_OFFICER, Role.DECISION_BODY)
@blp.arguments(s.AnswerSchema)
@blp.response(200, s.ProposalSchema)
def answer(body: dict[str, Any], proposal_id: UUID) -> Proposal:
    """The municipality's answer with reasons (case officer or decision body)."""
    return handlers.answer(_uow(), actor(), proposal_id, Position(body["position"]), body["reasons"])


@blp.route("/<uuid:proposal_id>/merge", methods=["POST"])
@allow(Role.CASE_OFFICER)
@blp.arguments(s.MergeSchema)
@blp.response(200, s.ProposalSchema)
def merge(body: dict[str, Any], proposal_id: UUID) -> Proposal:
    """Merge this proposal into another of the same process (case officer); returns the other."""
    return handlers.merge(_uow(), actor(), proposal_id, body["into_id"], body["reasons"])


@blp.route("/<uuid:proposal_id>/split", methods=["POST"])
@allow(Role.CASE_OFFICER)
@blp.arguments(s.SplitSchema)
@blp.response(201, s.ProposalSchema(many=True))
def split(body: dict[str, Any], proposal_id: UUID) -> list[Proposal]:
    """Split this proposal into new ones (case officer); returns them."""
    parts = [(p["title"], p["text"]) for p in body["parts"]]
    return handlers.split(_uow(), actor(), proposal_id, parts, body["reasons"])


@blp.route("/<uuid:proposal_id>/follow-ups", methods=["POST"])
@allow(Role.CASE_OFFICER)
@blp.arguments(s.FollowUpSchema)
@blp.response(200, s.ProposalSchema)
def follow_up(body: dict[str, Any], proposal_id: UUID) -> Proposal:
    """What was done with an answered proposal (case officer)."""
    return handlers.follow_up(_uow(), actor(), proposal_id, FollowUpStage(body["stage"]), body["note"])


# --- processes -----------------------------------------------------------------------------------


@processes.route("/processes")
class Processes(MethodView):
    @public
    @processes.arguments(s.ProcessQuerySchema, location="query")
    @processes.response(200, s.ProcessSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[ParticipationProcess]:
        """Processes of a municipality and year, with their rungs."""
        with _uow() as uow:
            return uow.processes.of(query.get("municipality"), query.get("year"))

    @allow(Role.CASE_OFFICER)
    @processes.arguments(s.ProcessSchema)
    @processes.response(201, s.ProcessSchema)
    def post(self, body: dict[str, Any]) -> ParticipationProcess:
        """Define a process (case officer): kind, phases with dates and the promised rung of each."""
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
            body["districts"],
            body["themes"],
        )


@processes.route("/processes/<process_id>")
@public
@processes.response(200, s.ProcessSchema)
def get_process(process_id: str) -> ParticipationProcess:
    with _uow() as uow:
        return participation.get_process(uow, process_id)


@processes.route("/processes/<process_id>/phases/<phase>/realised", methods=["POST"])
@allow(Role.CASE_OFFICER)
@processes.arguments(s.RealisedSchema)
@processes.response(200, s.ProcessSchema)
def realise(body: dict[str, Any], process_id: str, phase: str) -> ParticipationProcess:
    """Record the rung a phase actually reached (case officer), with how that was judged."""
    return participation.realise_rung(_uow(), actor(), process_id, phase, body["rung"], body["explanation"])


@processes.route("/ladders/<municipality>", methods=["PUT"])
@allow(Role.CASE_OFFICER)
@processes.arguments(s.LadderSchema)
@processes.response(200, s.LadderSchema)
def set_ladder(body: dict[str, Any], municipality: str) -> dict[str, Any]:
    """The municipality's order of the six rungs, lowest first (case officer, municipality-wide)."""
    return {"rungs": list(participation.set_ladder(_uow(), actor(), municipality, body["rungs"]).order)}


@processes.route("/reports/participation")
@public
@processes.arguments(s.ReportQuerySchema, location="query")
@processes.response(200, s.ReportSchema)
def report(query: dict[str, Any]) -> dict[str, Any]:
    """The yearly report: processes with their rungs (promised, realised) and participation figures."""
    return participation.yearly_report(_uow(), query["municipality"], query["year"])


# --- budget rounds -------------------------------------------------------------------------------


@rounds.route("")
class Rounds(MethodView):
    @public
    @rounds.arguments(s.RoundQuerySchema, location="query")
    @rounds.response(200, s.RoundSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[BudgetRound]:
        with _uow() as uow:
            return uow.rounds.list(query.get("process_id"))

    @allow(Role.CASE_OFFICER)
    @rounds.arguments(s.RoundOpeningSchema)
    @rounds.response(201, s.RoundSchema)
    def post(self, body: dict[str, Any]) -> BudgetRound:
        """Open a round (case officer): budget, district budgets, ballot form, eligibility, winner rule.

        The rule's parameters are checked now (422 naming an unknown or ill-typed one); the projects they
        name, when voting opens."""
        f, e = body["form"], body["eligibility"]
        return budgets.open_round(
            _uow(),
            actor(),
            body["process_id"],
            body["title"],
            body["budget"],
            body["district_budgets"],
            BallotForm(BallotKind(f["kind"]), f["k"], f["points"]),
            Eligibility(e["min_age"], e["residents_only"], tuple(e["districts"]), e["unverified"]),
            body["rule"],
            body["jury_weight"],
            body["theme_budgets"],
            body["rule_parameters"],
        )


@rounds.route("/<uuid:round_id>")
@public
@rounds.response(200, s.RoundSchema)
def get_round(round_id: UUID) -> BudgetRound:
    """The round, its projects with their feasibility, and after the count its explained results."""
    return budgets.get_round(_uow(), round_id)


@rounds.route("/<uuid:round_id>/projects", methods=["POST"])
@allow(Role.RESIDENT, Role.CASE_OFFICER)
@rounds.arguments(s.ProjectIdeaSchema)
@rounds.response(201, s.RoundSchema)
def add_project(body: dict[str, Any], round_id: UUID) -> BudgetRound:
    """A project idea in the ideas phase (resident or case officer)."""
    return budgets.add_project(
        _uow(),
        actor(),
        round_id,
        body["title"],
        body["district"],
        body["cost"],
        body["proposal_id"],
        body["theme"],
        body["description"],
    )


@rounds.route("/<uuid:round_id>/feasibility", methods=["POST"])
@allow(Role.CASE_OFFICER)
@rounds.response(200, s.RoundSchema)
def start_feasibility(round_id: UUID) -> BudgetRound:
    """Close the ideas phase; officials check each project (case officer)."""
    return budgets.start_feasibility(_uow(), actor(), round_id)


@rounds.route("/<uuid:round_id>/projects/<project_id>/assessment", methods=["POST"])
@allow(Role.CASE_OFFICER)
@rounds.arguments(s.AssessmentSchema)
@rounds.response(200, s.RoundSchema)
def assess(body: dict[str, Any], round_id: UUID, project_id: str) -> BudgetRound:
    """Feasible or not, with the officials' cost estimate and the legal check (case officer)."""
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
@allow(Role.CASE_OFFICER)
@rounds.arguments(s.VotingSchema)
@rounds.response(200, s.RoundSchema)
def open_voting(body: dict[str, Any], round_id: UUID) -> BudgetRound:
    """Open voting (case officer); without a lot order one is drawn and published."""
    return budgets.open_voting(_uow(), actor(), round_id, body["lot_order"])


@rounds.route("/<uuid:round_id>/ballot", methods=["PUT"])
@allow(Role.RESIDENT)
@rounds.arguments(s.BallotSchema())  # one instance: a class is instantiated (its fields deep-copied) per ballot
@rounds.response(200, s.BallotReceiptSchema)
@rounds.alt_response(201, schema=s.BallotReceiptSchema, description="The voter's first ballot")
@rounds.alt_response(403, description="Not eligible, or a fact the round needs is not known from the login")
def cast(body: dict[str, Any], round_id: UUID) -> tuple[dict[str, Any], int]:
    """The logged-in resident's own ballot, eligible by what their login verifies; a later one replaces it
    until the round closes."""
    cast = budgets.cast_ballot(_uow(), actor(), round_id, _choice(body))
    answer = {"round_id": round_id, "paper": False, "replaced": cast.replaced, "receipt": cast.receipt}
    return answer, 201 if cast.replaced == 0 else 200


@rounds.route("/<uuid:round_id>/ballot", methods=["GET"])
@allow(Role.RESIDENT)
@rounds.response(200, s.OwnBallotSchema)
@rounds.alt_response(404, description="No such round, or you have not voted in it (problem+json)")
def own_ballot(round_id: UUID) -> budgets.OwnBallot:
    """The logged-in resident's own ballot (online, or entered on paper for them at the desk) with its receipt
    code: what they chose and when. 404 when they have not voted."""
    return budgets.own_ballot(_uow(), actor(), round_id)


@rounds.route("/<uuid:round_id>/paper-ballots", methods=["POST"])
@allow(Role.CASE_OFFICER)
@rounds.arguments(s.PaperBallotSchema)
@rounds.response(200, s.BallotReceiptSchema)
@rounds.alt_response(201, schema=s.BallotReceiptSchema, description="The voter's first ballot")
def paper(body: dict[str, Any], round_id: UUID) -> tuple[dict[str, Any], int]:
    """A paper ballot a case officer enters for the person they verified at the desk, with the facts as
    they verified them; marked as paper, recording the official and their role."""
    v = body["voter"]
    verified = Facts(v["age"], v["resident"], v["district"])
    cast = budgets.enter_paper_ballot(_uow(), actor(), round_id, body["voter_id"], verified, _choice(body))
    answer = {"round_id": round_id, "paper": True, "replaced": cast.replaced, "receipt": cast.receipt}
    return answer, 201 if cast.replaced == 0 else 200


def _choice(body: dict[str, Any]) -> Any:
    return body["points"] if "points" in body else body["projects"]


@rounds.route("/<uuid:round_id>/close", methods=["POST"])
@allow(Role.CASE_OFFICER)
@rounds.response(200, s.RoundSchema)
def close(round_id: UUID) -> BudgetRound:
    """Close voting (case officer); the count follows automatically and publishes the results."""
    return budgets.close_round(_uow(), actor(), round_id)


@rounds.route("/<uuid:round_id>/voters")
@allow("service:voters:read")
@rounds.arguments(s.VotersQuerySchema, location="query")
@rounds.response(200, s.VotersSchema)
def voters(query: dict[str, Any], round_id: UUID) -> dict[str, Any]:
    """Who voted, as pseudonymous ids (never what), page by page: for the notifications service's credential
    with the scope `voters:read` only. `next` is the cursor to pass as `after` for the following page; null
    on the last."""
    page, following = budgets.voters(_uow(), actor(), round_id, query["limit"], query.get("after"))
    return {"voters": page, "next": following}


@rounds.route("/<uuid:round_id>/pabulib")
@public
@rounds.response(200, content_type="text/plain", description="The round as a Pabulib .pb file")
@rounds.alt_response(409, description="Voting has not closed yet (problem+json)")
def export(round_id: UUID) -> Response:
    """The closed round's projects and anonymous ballots in the Pabulib format, to recompute the result."""
    text = budgets.pabulib_export(_uow(), round_id)
    disposition = f'attachment; filename="round-{round_id}.pb"'
    return Response(text, mimetype="text/plain", headers={"Content-Disposition": disposition})


@rounds.route("/<uuid:round_id>/projects/<project_id>/tracking", methods=["POST"])
@allow(Role.CASE_OFFICER)
@rounds.arguments(s.TrackingSchema)
@rounds.response(200, s.RoundSchema)
def track(body: dict[str, Any], round_id: UUID, project_id: str) -> BudgetRound:
    """Where a funded project stands (case officer): planned, in progress, done, dropped."""
    return budgets.track_project(_uow(), actor(), round_id, project_id, Stage(body["stage"]), body["note"])


blueprints = [blp, processes, rounds]

ERRORS: dict[type[Exception], tuple[int, str]] = {
    actors.NotFound: (404, "Not Found"),
    actors.Forbidden: (403, "Forbidden"),
    NotEligible: (403, "Not eligible"),
    Unverified: (403, "Not verified"),
    IllegalTransition: (409, "Not allowed in this state"),
    WrongPhase: (409, "Not allowed in this phase"),
    handlers.AlreadySupported: (409, "Already supported"),
    OtherChannel: (409, "Already voted through the other channel"),
    ProcessExists: (409, "Conflict"),
    ConcurrentUpdate: (409, "Conflict"),
    ConcurrentRoundUpdate: (409, "Conflict"),
    ConcurrentProcessUpdate: (409, "Conflict"),
    NotTheAuthor: (403, "Not an author"),
    DocumentTooLarge: (413, "Invalid document"),
    UnsupportedDocument: (415, "Invalid document"),
    InvalidDocument: (422, "Invalid document"),
    InvalidStep: (422, "Invalid step"),
    InvalidRound: (422, "Invalid round"),
    InvalidBallot: (422, "Invalid ballot"),
    InvalidProcess: (422, "Invalid process"),
    InvalidLadder: (422, "Invalid ladder"),
}
