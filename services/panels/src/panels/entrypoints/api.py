"""HTTP → use case → response for panel coordinators, moderators, the decision body, residents and the public.

Who acts comes only from the gateway's verified token (``meemaken_kit.auth.principal``): the pseudonymous id,
the roles and their scopes, and the verified attributes (age, residence, district). Nothing in a body, query or
header says who the caller is. Public endpoints (``@public``) show set-ups, commitments, artefacts, draws,
reports and the municipality's answers: never personal data. Every other endpoint refuses an anonymous caller
(401) and a caller without the role (403) before it reads the body.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import current_app, request
from flask_smorest import Blueprint
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from meemaken_kit.auth import allow, principal, public
from meemaken_kit.roles import Role
from panels.adapters.repository import AlreadyRegistered, ConcurrentUpdate
from panels.domain.deliberation import Recommendation, Session
from panels.domain.lottery import DrawError, selection_probability
from panels.domain.panel import IllegalStep, InvalidPanel, Panel
from panels.domain.pool import Respondent
from panels.domain.recruitment import ExtractError
from panels.domain.sortition import Feature, InfeasibleQuotas, Quota, SortitionInputError
from panels.domain.verified import DeclaredVerifiedFeature, UnverifiedAttribute
from panels.entrypoints import schemas as s
from panels.service_layer import handlers
from panels.service_layer.handlers import Actor, Applicant, SignUp
from panels.service_layer.unit_of_work import PanelsUnitOfWork

panels = Blueprint("panels", __name__, url_prefix="/api/v1/panels", description="Citizen panels drawn by lot")
COORDINATOR, MODERATOR, DECISION_BODY = Role.PANEL_COORDINATOR, Role.MODERATOR, Role.DECISION_BODY
RESIDENT, ADMINISTRATOR = Role.RESIDENT, Role.ADMINISTRATOR


def _uow() -> PanelsUnitOfWork:
    uow: PanelsUnitOfWork = current_app.extensions["meemaken"]["uow"]()
    return uow


def actor() -> Actor:
    """The verified caller as the use cases see it."""
    who = principal()
    if who is None:
        raise handlers.Forbidden("this needs you to log in")
    scopes = {role: tuple(found) for role, found in who.role_scopes.items()}
    return Actor(who.person_id, frozenset(who.roles), scopes)


def caller() -> Actor | None:
    """On a public endpoint: the caller if they sent a token, else None."""
    return actor() if principal() is not None else None


def view(p: Panel, pool: dict[str, dict[str, int]] | None = None) -> dict[str, Any]:
    return {
        "id": p.id,
        "question": p.question,
        "theme": p.theme,
        "mandate": p.mandate.value,
        "status": p.status.value,
        "size": p.size,
        "alternates": p.alternates,
        "household_rule": p.household_rule,
        "min_age": p.min_age,
        "features": {f.name: {v: {"min": q.min, "max": q.max} for v, q in f.values.items()} for f in p.features},
        "open_registration": p.open_registration,
        "session_plan": list(p.session_plan),
        "sessions": [session_view(x) for x in p.sessions],
        "recommendations": [recommendation_view(r) for r in p.recommendations],
        "answer_due_at": p.answer_due_at,
        "answer_overdue": p.answer_overdue,
        "referred_challenge_id": p.referred_challenge_id,
        "pool": pool or {},
        "lottery_size": p.lottery_size,
        "lottery_problem": p.lottery_problem,
        "commitment": p.commitment,
        "drawn_number": p.drawn_number,
        "public_input": p.public_input,
        "selected": list(p.selected),
        "alternate_members": list(p.alternate_members),
        "accepted": list(p.accepted),
        "version": p.version,
    }


def session_view(x: Session) -> dict[str, Any]:
    """Public: no per-member counts here (see the contribution report)."""
    return {
        "number": x.number,
        "title": x.title,
        "starts_at": x.starts_at.isoformat(),
        "moderator": x.moderator,
        "experts": list(x.experts),
        "materials": list(x.materials),
        "contributions_logged": bool(x.contributions),
    }


def recommendation_view(r: Recommendation) -> dict[str, Any]:
    answer = (
        {"verdict": r.answer.verdict.value, "reasons": r.answer.reasons, "at": r.answer.at.isoformat()}
        if r.answer
        else None
    )
    return {
        "number": r.number,
        "text": r.text,
        "support": r.support,
        "against": r.against,
        "abstain": r.abstain,
        "minority_positions": list(r.minority_positions),
        "answer": answer,
    }


def respondent_view(r: Respondent) -> dict[str, Any]:
    return {
        "panel_id": r.panel_id,
        "pseudonym": r.registration.pseudonym,
        "channel": r.registration.channel.value,
        "status": r.status,
        "refusal": r.refusal.value if r.refusal else None,
        "reason": r.reason,
    }


@allow(COORDINATOR)
@panels.route("", methods=["POST"])
@panels.arguments(s.PanelSetUpSchema)
@panels.response(201, s.PanelViewSchema)
def set_up(body: dict[str, Any]) -> dict[str, Any]:
    """Set up a panel (a municipality-wide panel coordinator): question, mandate, size, quotas, household rule,
    sessions. A feature named `age` or `age_band` has age bands as values (16-24, 65+) and, like `district`,
    takes each respondent's value from their login."""
    features = tuple(
        Feature(name, {v: Quota(b["min"], b["max"]) for v, b in values.items()})
        for name, values in body.pop("features").items()
    )
    body["session_plan"] = tuple(body["session_plan"])
    return view(handlers.set_up_panel(_uow(), actor(), features=features, **body))


@panels.route("", methods=["GET"])
@public
@panels.response(200, s.PanelViewSchema(many=True))
def list_panels() -> list[dict[str, Any]]:
    uow = _uow()
    with uow:
        return [view(p) for p in uow.panels.list()]


@panels.route("/<uuid:panel_id>", methods=["GET"])
@public
@panels.response(200, s.PanelViewSchema)
def get_panel(panel_id: UUID) -> dict[str, Any]:
    panel = handlers.get_panel(_uow(), panel_id)
    return view(panel, handlers.pool_counts(_uow(), panel_id))


@allow(RESIDENT)
@panels.route("/<uuid:panel_id>/registrations", methods=["POST"])
@panels.arguments(s.RegistrationSchema)
@panels.response(202, s.RespondentViewSchema)
def register(body: dict[str, Any], panel_id: UUID) -> dict[str, Any]:
    """Register yourself for a panel's pool (resident). Who you are, your age, residence and district come from
    your login; the eligibility check follows (look up the result by the pseudonym in the answer)."""
    who = principal()
    assert who is not None
    if who.person_id is None:
        raise handlers.Forbidden("only a person can register for a panel")
    applicant = Applicant(who.person_id, who.attributes)
    return respondent_view(handlers.register(_uow(), applicant, panel_id, SignUp(**body)))


@allow(RESIDENT)
@panels.route("/registrations", methods=["GET"])
@panels.response(200, s.RespondentViewSchema(many=True))
def my_registrations() -> list[dict[str, Any]]:
    """Your own registrations in every panel's pool, the latest first, with their outcome (resident; who you are
    comes from your login, so nobody can ask for someone else's)."""
    who = principal()
    assert who is not None
    if who.person_id is None:
        raise handlers.Forbidden("only a person registers for a panel")
    return [respondent_view(r) for r in handlers.registrations_of(_uow(), who.person_id)]


@allow(RESIDENT, COORDINATOR)
@panels.route("/<uuid:panel_id>/registrations/<string:pseudonym>", methods=["GET"])
@panels.response(200, s.RespondentViewSchema)
def registration(panel_id: UUID, pseudonym: str) -> dict[str, Any]:
    """A registration and its outcome: your own (resident), or any of the panel's (its coordinator)."""
    return respondent_view(handlers.registration_of(_uow(), actor(), panel_id, pseudonym))


@allow(COORDINATOR)
@panels.route("/<uuid:panel_id>/register-extract", methods=["POST"])
@panels.arguments(s.ExtractQuerySchema, location="query")
@panels.response(200, s.ImportReportSchema)
def import_register(query: dict[str, Any], panel_id: UUID) -> dict[str, Any]:
    """Import the register extract (coordinator; `text/csv`: register_id,name,address,birth_year and the strata
    columns; register_id is best the code printed on the reply card). Rows are checked one by one; the report
    lists every rejected row. Identities become pseudonyms."""
    if request.mimetype != "text/csv":
        raise UnsupportedMediaType("send the register extract as text/csv")
    try:
        text = request.get_data(as_text=True)
    except UnicodeDecodeError:
        raise BadRequest("the register extract must be UTF-8 text") from None
    columns = [c.strip() for c in query["strata"].split(",") if c.strip()]
    report = handlers.import_register(_uow(), actor(), panel_id, text, columns)
    return {"accepted": report.accepted, "rejected": [{"row": r.row, "problem": r.problem} for r in report.rejected]}


@allow(COORDINATOR)
@panels.route("/<uuid:panel_id>/invitations", methods=["POST"])
@panels.arguments(s.InvitationsSchema)
@panels.response(200, s.InvitedSchema)
def invitations(body: dict[str, Any], panel_id: UUID) -> dict[str, Any]:
    """The invitation lottery (coordinator), with per-stratum ratios; each invited resident gets a letter."""
    invited = handlers.send_invitations(_uow(), actor(), panel_id, body["count"], body["ratios"], body["seed"])
    return {"invited": len(invited)}


@allow(COORDINATOR)
@panels.route("/<uuid:panel_id>/quotas", methods=["PUT"])
@panels.arguments(s.QuotasSchema)
@panels.response(200, s.PanelViewSchema)
def quotas(body: dict[str, Any], panel_id: UUID) -> dict[str, Any]:
    """Change the quotas' bounds (coordinator), for the panel's own features and values, until the lottery is asked
    for. Once the pool is closed, quotas it cannot meet are refused (422) with the explanation and the smallest
    relaxation, and nothing changes."""
    features = tuple(
        Feature(name, {v: Quota(b["min"], b["max"]) for v, b in values.items()})
        for name, values in body["features"].items()
    )
    return view(handlers.change_quotas(_uow(), actor(), panel_id, features))


@allow(COORDINATOR)
@panels.route("/<uuid:panel_id>/close", methods=["POST"])
@panels.response(200, s.PanelViewSchema)
def close(panel_id: UUID) -> dict[str, Any]:
    """Close the pool (coordinator): no more registrations."""
    return view(handlers.close_pool(_uow(), actor(), panel_id))


@allow(COORDINATOR)
@panels.route("/<uuid:panel_id>/lottery", methods=["POST"])
@panels.arguments(s.LotterySchema)
@panels.response(202, s.PanelViewSchema)
def lottery(body: dict[str, Any], panel_id: UUID) -> dict[str, Any]:
    """Ask for the lottery (coordinator): the worker computes LEXIMIN over the pool, rounds it to m equally
    likely panels and publishes the commitment; the panel is `computing` until then, and back to
    `pool_closed` with `lottery_problem` if the quotas cannot be met."""
    return view(handlers.request_lottery(_uow(), actor(), panel_id, body["panels"]))


@panels.route("/<uuid:panel_id>/artefacts", methods=["GET"])
@public
@panels.response(200, s.ArtefactsSchema)
def artefacts(panel_id: UUID) -> dict[str, Any]:
    """What anyone needs to check the lottery and replay the draw (`meemaken-sortition replay`)."""
    panel = handlers.get_panel(_uow(), panel_id)
    if panel.artefacts is None:
        raise handlers.NotFound("this panel has no committed lottery yet")
    return {"commitment": panel.commitment, "artefacts": panel.artefacts.document()}


@panels.route("/<uuid:panel_id>/probabilities/<string:pseudonym>", methods=["GET"])
@public
@panels.response(200, s.ProbabilitySchema)
def probability(panel_id: UUID, pseudonym: str) -> dict[str, Any]:
    """A respondent's chance of selection under the committed lottery (anyone can compute it from the
    published artefacts; a resident finds their pseudonym in their registration)."""
    panel = handlers.get_panel(_uow(), panel_id)
    if panel.artefacts is None or pseudonym not in panel.artefacts.pool:
        raise handlers.NotFound("no committed lottery with this respondent")
    chance = selection_probability(panel.artefacts, pseudonym)
    return {"pseudonym": pseudonym, "probability": chance, "panels": len(panel.artefacts.panels)}


@allow(COORDINATOR)
@panels.route("/<uuid:panel_id>/draw", methods=["POST"])
@panels.arguments(s.DrawSchema)
@panels.response(200, s.PanelViewSchema)
def draw(body: dict[str, Any], panel_id: UUID) -> dict[str, Any]:
    """The public draw (coordinator): the number read from dice, or a published seed. Happens once."""
    return view(handlers.draw(_uow(), actor(), panel_id, body["number"], body["seed"]))


@allow(COORDINATOR)
@panels.route("/<uuid:panel_id>/members/<string:pseudonym>/accept", methods=["POST"])
@panels.response(200, s.PanelViewSchema)
def accept(panel_id: UUID, pseudonym: str) -> dict[str, Any]:
    """A member confirms they take part (coordinator records it)."""
    return view(handlers.accept(_uow(), actor(), panel_id, pseudonym))


@allow(COORDINATOR)
@panels.route("/<uuid:panel_id>/members/<string:pseudonym>/decline", methods=["POST"])
@panels.response(200, s.ReplacementSchema)
def decline(panel_id: UUID, pseudonym: str) -> dict[str, Any]:
    """A member declines or drops out (coordinator records it); the replacement keeps every quota."""
    return {"declined": pseudonym, "replacement": handlers.decline(_uow(), actor(), panel_id, pseudonym)}


@panels.route("/<uuid:panel_id>/representativeness", methods=["GET"])
@public
@panels.response(200, s.ReportSchema)
def representativeness(panel_id: UUID) -> dict[str, Any]:
    """Per feature value: population, pool and panel counts and shares; cells under 5 are suppressed."""
    return {"features": handlers.representativeness_report(_uow(), panel_id)}


@allow(COORDINATOR)
@panels.route("/<uuid:panel_id>/sessions", methods=["POST"])
@panels.arguments(s.SessionSchema)
@panels.response(201, s.PanelViewSchema)
def plan_session(body: dict[str, Any], panel_id: UUID) -> dict[str, Any]:
    """Plan a session (coordinator): moderator, experts and written material; the first one makes the
    composition final."""
    body["experts"], body["materials"] = tuple(body["experts"]), tuple(body["materials"])
    return view(handlers.plan_session(_uow(), actor(), panel_id, **body))


@allow(MODERATOR, COORDINATOR)
@panels.route("/<uuid:panel_id>/sessions/<int:number>/contributions", methods=["PUT"])
@panels.arguments(s.ContributionsSchema)
@panels.response(200, s.PanelViewSchema)
def contributions(body: dict[str, Any], panel_id: UUID, number: int) -> dict[str, Any]:
    """The moderator's tally of who spoke how often in a session (moderator, or the coordinator)."""
    return view(handlers.log_contributions(_uow(), actor(), panel_id, number, body["counts"]))


@panels.route("/<uuid:panel_id>/contributions", methods=["GET"])
@public
@panels.response(200, s.ContributionReportSchema)
def contribution_report(panel_id: UUID) -> dict[str, Any]:
    """Whether a few voices dominated (public); per-member counts only for the panel's coordinator and
    moderator."""
    return handlers.contribution_report(_uow(), caller(), panel_id)


@allow(COORDINATOR)
@panels.route("/<uuid:panel_id>/recommendations", methods=["POST"])
@panels.arguments(s.RecommendationsSchema)
@panels.response(201, s.PanelViewSchema)
def recommendations(body: dict[str, Any], panel_id: UUID) -> dict[str, Any]:
    """Deliver the recommendations, with the panel's support and minority positions; the answer is due."""
    items = [
        Recommendation(i, r["text"], r["support"], r["against"], r["abstain"], tuple(r["minority_positions"]))
        for i, r in enumerate(body["recommendations"], start=1)
    ]
    return view(handlers.deliver_recommendations(_uow(), actor(), panel_id, items, body["answer_within_days"]))


@allow(DECISION_BODY)
@panels.route("/<uuid:panel_id>/recommendations/<int:number>/answer", methods=["POST"])
@panels.arguments(s.AnswerSchema)
@panels.response(200, s.PanelViewSchema)
def answer(body: dict[str, Any], panel_id: UUID, number: int) -> dict[str, Any]:
    """The municipality's answer to one recommendation (decision body): adopted, partly or not, with reasons.
    The answers are public (on the panel)."""
    return view(handlers.answer_recommendation(_uow(), actor(), panel_id, number, body["verdict"], body["reasons"]))


@allow(ADMINISTRATOR)
@panels.route("/<uuid:panel_id>/audit", methods=["GET"])
@panels.response(200, s.AuditEntrySchema(many=True))
def audit(panel_id: UUID) -> list[dict[str, Any]]:
    """Who did what on the panel (administrator): every official's step with their pseudonymous id, the role
    they acted in, the step and its time, oldest first."""
    return handlers.audit_of(_uow(), panel_id)


blueprints = [panels]

ERRORS: dict[type[Exception], tuple[int, str]] = {
    handlers.NotFound: (404, "Not Found"),
    handlers.Forbidden: (403, "Forbidden"),
    UnverifiedAttribute: (403, "Not verified"),
    DeclaredVerifiedFeature: (422, "Comes from your login"),
    handlers.ClosedForRegistration: (409, "Registration closed"),
    AlreadyRegistered: (409, "Already registered"),
    ConcurrentUpdate: (409, "Conflict"),
    IllegalStep: (409, "Not allowed in this state"),
    DrawError: (422, "Invalid draw"),
    SortitionInputError: (422, "Invalid selection input"),
    InfeasibleQuotas: (422, "Quotas cannot be met"),
    ExtractError: (422, "Invalid register extract"),
    InvalidPanel: (422, "Invalid panel"),
}
