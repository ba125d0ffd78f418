"""HTTP → use case → response for panel coordinators, residents and the public.

Who acts comes from the gateway in ``X-Meemaken-Actor`` and ``X-Meemaken-Role`` (coordinator or resident);
without them a caller is the public, who sees set-ups, commitments, artefacts and draws: never personal data.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import current_app, request
from flask_smorest import Blueprint
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from panels.adapters.repository import AlreadyRegistered, ConcurrentUpdate
from panels.domain import deliberation
from panels.domain.deliberation import Recommendation, Session
from panels.domain.lottery import DrawError, selection_probability
from panels.domain.panel import IllegalStep, InvalidPanel, Panel
from panels.domain.pool import Respondent
from panels.domain.recruitment import ExtractError
from panels.domain.sortition import Feature, InfeasibleQuotas, Quota, SortitionInputError
from panels.entrypoints import schemas as s
from panels.service_layer import handlers
from panels.service_layer.handlers import Actor, SignUp
from panels.service_layer.unit_of_work import PanelsUnitOfWork

panels = Blueprint("panels", __name__, url_prefix="/api/v1/panels", description="Citizen panels drawn by lot")


ROLES = ("coordinator", "moderator", "official", "resident", "public")


def _uow() -> PanelsUnitOfWork:
    uow: PanelsUnitOfWork = current_app.extensions["meemaken"]["uow"]()
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


@panels.route("", methods=["POST"])
@panels.arguments(s.PanelSetUpSchema)
@panels.response(201, s.PanelViewSchema)
def set_up(body: dict[str, Any]) -> dict[str, Any]:
    """Set up a panel (coordinator): question, mandate, size, quotas, household rule, sessions."""
    features = tuple(
        Feature(name, {v: Quota(b["min"], b["max"]) for v, b in values.items()})
        for name, values in body.pop("features").items()
    )
    body["session_plan"] = tuple(body["session_plan"])
    return view(handlers.set_up_panel(_uow(), actor(), features=features, **body))


@panels.route("", methods=["GET"])
@panels.response(200, s.PanelViewSchema(many=True))
def list_panels() -> list[dict[str, Any]]:
    uow = _uow()
    with uow:
        return [view(p) for p in uow.panels.list()]


@panels.route("/<uuid:panel_id>", methods=["GET"])
@panels.response(200, s.PanelViewSchema)
def get_panel(panel_id: UUID) -> dict[str, Any]:
    panel = handlers.get_panel(_uow(), panel_id)
    return view(panel, handlers.pool_counts(_uow(), panel_id))


@panels.route("/<uuid:panel_id>/registrations", methods=["POST"])
@panels.arguments(s.RegistrationSchema)
@panels.response(202, s.RespondentViewSchema)
def register(body: dict[str, Any], panel_id: UUID) -> dict[str, Any]:
    """Register for a panel's pool; the eligibility check follows (look up the result by pseudonym)."""
    return respondent_view(handlers.register(_uow(), panel_id, SignUp(**body)))


@panels.route("/<uuid:panel_id>/registrations/<string:pseudonym>", methods=["GET"])
@panels.response(200, s.RespondentViewSchema)
def registration(panel_id: UUID, pseudonym: str) -> dict[str, Any]:
    uow = _uow()
    with uow:
        found = uow.pool.get(panel_id, pseudonym)
    if found is None:
        raise handlers.NotFound(f"no registration {pseudonym} for panel {panel_id}")
    return respondent_view(found)


@panels.route("/<uuid:panel_id>/register-extract", methods=["POST"])
@panels.arguments(s.ExtractQuerySchema, location="query")
@panels.response(200, s.ImportReportSchema)
def import_register(query: dict[str, Any], panel_id: UUID) -> dict[str, Any]:
    """Import the register extract (coordinator; `text/csv`: register_id,name,address,birth_year and the strata
    columns). Rows are checked one by one; the report lists every rejected row. Identities become pseudonyms."""
    if request.mimetype != "text/csv":
        raise UnsupportedMediaType("send the register extract as text/csv")
    try:
        text = request.get_data(as_text=True)
    except UnicodeDecodeError:
        raise BadRequest("the register extract must be UTF-8 text") from None
    columns = [c.strip() for c in query["strata"].split(",") if c.strip()]
    report = handlers.import_register(_uow(), actor(), panel_id, text, columns)
    return {"accepted": report.accepted, "rejected": [{"row": r.row, "problem": r.problem} for r in report.rejected]}


@panels.route("/<uuid:panel_id>/invitations", methods=["POST"])
@panels.arguments(s.InvitationsSchema)
@panels.response(200, s.InvitedSchema)
def invitations(body: dict[str, Any], panel_id: UUID) -> dict[str, Any]:
    """The invitation lottery (coordinator), with per-stratum ratios; each invited resident gets a letter."""
    invited = handlers.send_invitations(_uow(), actor(), panel_id, body["count"], body["ratios"], body["seed"])
    return {"invited": len(invited)}


@panels.route("/<uuid:panel_id>/close", methods=["POST"])
@panels.response(200, s.PanelViewSchema)
def close(panel_id: UUID) -> dict[str, Any]:
    """Close the pool (coordinator): no more registrations."""
    return view(handlers.close_pool(_uow(), actor(), panel_id))


@panels.route("/<uuid:panel_id>/lottery", methods=["POST"])
@panels.arguments(s.LotterySchema)
@panels.response(202, s.PanelViewSchema)
def lottery(body: dict[str, Any], panel_id: UUID) -> dict[str, Any]:
    """Ask for the lottery (coordinator): the worker computes LEXIMIN over the pool, rounds it to m equally
    likely panels and publishes the commitment; the panel is `computing` until then, and back to
    `pool_closed` with `lottery_problem` if the quotas cannot be met."""
    return view(handlers.request_lottery(_uow(), actor(), panel_id, body["panels"]))


@panels.route("/<uuid:panel_id>/artefacts", methods=["GET"])
@panels.response(200, s.ArtefactsSchema)
def artefacts(panel_id: UUID) -> dict[str, Any]:
    """What anyone needs to check the lottery and replay the draw (`meemaken-sortition replay`)."""
    panel = handlers.get_panel(_uow(), panel_id)
    if panel.artefacts is None:
        raise handlers.NotFound("this panel has no committed lottery yet")
    return {"commitment": panel.commitment, "artefacts": panel.artefacts.document()}


@panels.route("/<uuid:panel_id>/probabilities/<string:pseudonym>", methods=["GET"])
@panels.response(200, s.ProbabilitySchema)
def probability(panel_id: UUID, pseudonym: str) -> dict[str, Any]:
    """A respondent's own chance of selection under the committed lottery."""
    panel = handlers.get_panel(_uow(), panel_id)
    if panel.artefacts is None or pseudonym not in panel.artefacts.pool:
        raise handlers.NotFound("no committed lottery with this respondent")
    chance = selection_probability(panel.artefacts, pseudonym)
    return {"pseudonym": pseudonym, "probability": chance, "panels": len(panel.artefacts.panels)}


@panels.route("/<uuid:panel_id>/draw", methods=["POST"])
@panels.arguments(s.DrawSchema)
@panels.response(200, s.PanelViewSchema)
def draw(body: dict[str, Any], panel_id: UUID) -> dict[str, Any]:
    """The public draw (coordinator): the number read from dice, or a published seed. Happens once."""
    return view(handlers.draw(_uow(), actor(), panel_id, body["number"], body["seed"]))


@panels.route("/<uuid:panel_id>/members/<string:pseudonym>/accept", methods=["POST"])
@panels.response(200, s.PanelViewSchema)
def accept(panel_id: UUID, pseudonym: str) -> dict[str, Any]:
    """A member confirms they take part (coordinator records it)."""
    return view(handlers.accept(_uow(), actor(), panel_id, pseudonym))


@panels.route("/<uuid:panel_id>/members/<string:pseudonym>/decline", methods=["POST"])
@panels.response(200, s.ReplacementSchema)
def decline(panel_id: UUID, pseudonym: str) -> dict[str, Any]:
    """A member declines or drops out (coordinator records it); the replacement keeps every quota."""
    return {"declined": pseudonym, "replacement": handlers.decline(_uow(), actor(), panel_id, pseudonym)}


@panels.route("/<uuid:panel_id>/representativeness", methods=["GET"])
@panels.response(200, s.ReportSchema)
def representativeness(panel_id: UUID) -> dict[str, Any]:
    """Per feature value: population, pool and panel counts and shares; cells under 5 are suppressed."""
    return {"features": handlers.representativeness_report(_uow(), panel_id)}


@panels.route("/<uuid:panel_id>/sessions", methods=["POST"])
@panels.arguments(s.SessionSchema)
@panels.response(201, s.PanelViewSchema)
def plan_session(body: dict[str, Any], panel_id: UUID) -> dict[str, Any]:
    """Plan a session (coordinator): moderator, experts and written material; the first one makes the
    composition final."""
    body["experts"], body["materials"] = tuple(body["experts"]), tuple(body["materials"])
    return view(handlers.plan_session(_uow(), actor(), panel_id, **body))


@panels.route("/<uuid:panel_id>/sessions/<int:number>/contributions", methods=["PUT"])
@panels.arguments(s.ContributionsSchema)
@panels.response(200, s.PanelViewSchema)
def contributions(body: dict[str, Any], panel_id: UUID, number: int) -> dict[str, Any]:
    """The moderator's tally of who spoke how often in a session."""
    return view(handlers.log_contributions(_uow(), actor(), panel_id, number, body["counts"]))


@panels.route("/<uuid:panel_id>/contributions", methods=["GET"])
@panels.response(200, s.ContributionReportSchema)
def contribution_report(panel_id: UUID) -> dict[str, Any]:
    """Whether a few voices dominated (public); per-member counts only for the coordinator."""
    panel = handlers.get_panel(_uow(), panel_id)
    report = deliberation.contribution_report(panel.sessions, panel.selected)
    if actor().role != "coordinator":
        report.pop("per_member")
    return report


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


@panels.route("/<uuid:panel_id>/recommendations/<int:number>/answer", methods=["POST"])
@panels.arguments(s.AnswerSchema)
@panels.response(200, s.PanelViewSchema)
def answer(body: dict[str, Any], panel_id: UUID, number: int) -> dict[str, Any]:
    """The municipality's answer to one recommendation (official): adopted, partly or not, with reasons."""
    return view(handlers.answer_recommendation(_uow(), actor(), panel_id, number, body["verdict"], body["reasons"]))


blueprints = [panels]

ERRORS: dict[type[Exception], tuple[int, str]] = {
    handlers.NotFound: (404, "Not Found"),
    handlers.Forbidden: (403, "Forbidden"),
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
