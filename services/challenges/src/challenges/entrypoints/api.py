"""HTTP → use case → response for residents, officials, assessors and the public.

Who acts comes from the gateway after login, in ``X-Meemaken-Actor`` (a pseudonymous id) and
``X-Meemaken-Role`` (resident, official or assessor); without them a caller is the public.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from flask import Flask, Response, current_app, request
from flask_smorest import Blueprint
from werkzeug.exceptions import BadRequest

from challenges.adapters.repository import ConcurrentUpdate, Task
from challenges.adapters.rulebook import criteria_sets, profiles
from challenges.adapters.tables import challenges as challenges_table
from challenges.domain.challenge import Challenge, Group, IllegalTransition, InvalidAction, Submission
from challenges.domain.gates import Window
from challenges.entrypoints import schemas as s
from challenges.service_layer import handlers
from challenges.service_layer.handlers import Actor
from challenges.service_layer.unit_of_work import ChallengesUnitOfWork
from meemaken_kit import problem

tasks = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="The catalogue of challengeable tasks")
rules = Blueprint("rules", __name__, url_prefix="/api/v1/rules", description="Profiles and criteria sets")
challenges = Blueprint("challenges", __name__, url_prefix="/api/v1/challenges", description="Challenges as cases")
decisions = Blueprint("decisions", __name__, url_prefix="/api/v1/decisions", description="Published decisions")


def _uow() -> ChallengesUnitOfWork:
    uow: ChallengesUnitOfWork = current_app.extensions["meemaken"]["uow"]()
    return uow


def actor() -> Actor:
    role = request.headers.get("X-Meemaken-Role", "public")
    raw = request.headers.get("X-Meemaken-Actor")
    if role not in ("resident", "official", "assessor", "public"):
        raise BadRequest("X-Meemaken-Role must be resident, official, assessor or public")
    try:
        return Actor(UUID(raw) if raw else None, role)
    except ValueError:
        raise BadRequest("X-Meemaken-Actor must be a UUID")


# --- views --------------------------------------------------------------------------------


def view(c: Challenge, who: Actor) -> dict[str, Any]:
    officials_or_assessors = who.official or who.role == "assessor"
    due = c.clock.due_at() if c.clock else None
    return {
        "id": c.id,
        "task_id": c.task_id,
        "department": c.department,
        "status": c.status.value,
        "version": c.version,
        "profile": c.profile.code,
        "criteria_set": c.criteria.code,
        "group": {
            "name": c.group.name,
            "legal_form": c.group.legal_form,
            "members_count": c.group.members_count,
            "co_initiators": len(c.group.co_initiator_ids),
        },
        "submission": asdict(c.submission),
        "documents": [{**asdict(d), "id": str(d.id)} for d in c.documents],
        "submitted_at": c.submitted_at,
        "decision_due_at": due,
        "decision_clock_paused": bool(c.clock and not c.clock.running),
        "information_request": c.information_request,
        "modification": c.modification,
        "gate_results": [g.as_dict() for g in c.gate_results],
        "assessment": {
            "assessors": [str(a) for a in c.assessment.assessors],
            "scores": [{**asdict(x), "assessor_id": str(x.assessor_id)} for x in c.assessment.scores],
        }
        if officials_or_assessors
        else None,
        "decision": asdict(c.decision) if c.decision else None,
        "alerts": [asdict(a) for a in c.alerts],
        "history": [
            {
                "at": h.at.isoformat(),
                "action": h.action,
                "from": h.from_status.value,
                "to": h.to_status.value,
                "reason": h.reason,
            }
            for h in c.history
        ],
    }


def task_view(t: Task) -> dict[str, Any]:
    return {**asdict(t), "windows": [asdict(w) for w in t.windows]}


# --- the catalogue and the rules ----------------------------------------------------------


@tasks.route("", methods=["GET"])
@tasks.response(200, s.TaskSchema(many=True))
def list_tasks() -> list[dict[str, Any]]:
    """The catalogue: every task the municipality does or buys that may be challenged (public)."""
    with _uow() as uow:
        return [task_view(t) for t in uow.tasks.list()]


@tasks.route("", methods=["POST"])
@tasks.arguments(s.TaskSchema)
@tasks.response(201, s.TaskSchema)
def add_task(body: dict[str, Any]) -> dict[str, Any]:
    """Add a task to the catalogue (officials)."""
    windows = tuple(Window(w["opens_at"], w["closes_at"]) for w in body.pop("windows"))
    task = Task(id=uuid4(), windows=windows, eligible_legal_forms=tuple(body.pop("eligible_legal_forms")), **body)
    if task.profile not in profiles():
        raise InvalidAction(f"profile must be one of {', '.join(sorted(profiles()))}")
    if task.criteria_set not in criteria_sets():
        raise InvalidAction(f"criteria_set must be one of {', '.join(sorted(criteria_sets()))}")
    return task_view(handlers.add_task(_uow(), actor(), task))


@tasks.route("/<uuid:task_id>", methods=["GET"])
@tasks.response(200, s.TaskSchema)
def get_task(task_id: UUID) -> dict[str, Any]:
    with _uow() as uow:
        task = uow.tasks.get(task_id)
    if task is None:
        raise handlers.NotFound(f"there is no task {task_id}")
    return task_view(task)


@tasks.route("/<uuid:task_id>", methods=["PATCH"])
@tasks.arguments(s.TaskChangeSchema)
@tasks.response(200, s.TaskSchema)
def change_task(body: dict[str, Any], task_id: UUID) -> dict[str, Any]:
    """Change a task (officials): open or close it, block it, change its windows or budget."""
    version = body.pop("expected_version", None)
    if "windows" in body:
        body["windows"] = tuple(Window(w["opens_at"], w["closes_at"]) for w in body["windows"])
    if "eligible_legal_forms" in body:
        body["eligible_legal_forms"] = tuple(body["eligible_legal_forms"])
    return task_view(handlers.change_task(_uow(), actor(), task_id, body, version))


@rules.route("/profiles", methods=["GET"])
def list_profiles() -> list[dict[str, Any]]:
    """The jurisdiction profiles: legal basis, time limits, grounds and gates (public)."""
    return [asdict(p) for p in profiles().values()]


@rules.route("/criteria-sets", methods=["GET"])
def list_criteria_sets() -> list[dict[str, Any]]:
    """The criteria sets with weights, scales and guidance for assessors (public)."""
    return [asdict(c) for c in criteria_sets().values()]


# --- challenges ---------------------------------------------------------------------------


@challenges.route("", methods=["POST"])
@challenges.arguments(s.NewChallengeSchema)
@challenges.response(201, s.ChallengeViewSchema)
def start_challenge(body: dict[str, Any]) -> dict[str, Any]:
    """Open a draft challenge on behalf of a group (residents; the caller is the group's representative)."""
    who = actor()
    if who.id is None:
        raise handlers.Forbidden("log in to open a challenge")
    g = body["group"]
    group = Group(g["name"], g["legal_form"], who.id, tuple(g["co_initiator_ids"]), g["members_count"])
    uow = _uow()
    challenge = handlers.start_challenge(
        uow, who, body["task_id"], group, Submission(**body["submission"]), uow.clock()
    )
    return view(challenge, who)


@challenges.route("", methods=["GET"])
@challenges.arguments(s.ChallengeQuerySchema, location="query")
@challenges.response(200, s.ChallengeViewSchema(many=True))
def list_challenges(query: dict[str, Any]) -> list[dict[str, Any]]:
    """Residents: their groups' challenges. Assessors: those assigned to them. Officials: the queue by due date."""
    who = actor()
    t = challenges_table
    if who.official:
        where: Any = sa.true()
    elif who.id is None:
        raise handlers.Forbidden("the public sees published decisions at /api/v1/decisions")
    elif who.role == "assessor":
        where = sa.cast(t.c.assessor_ids, sa.String).contains(str(who.id))
    else:
        where = sa.cast(t.c.member_ids, sa.String).contains(str(who.id))
    if "department" in query:
        where = sa.and_(where, t.c.department == query["department"])
    if "status" in query:
        where = sa.and_(where, t.c.status == query["status"])
    if query.get("alert"):
        where = sa.and_(where, t.c.alert == query["alert"])
    with _uow() as uow:
        found = uow.challenges.list(where, query["limit"], query["offset"])
    return [view(c, who) for c in found if handlers.may_see(who, c)]


@challenges.route("/<uuid:challenge_id>", methods=["GET"])
@challenges.response(200, s.ChallengeViewSchema)
def get_challenge(challenge_id: UUID) -> dict[str, Any]:
    """One challenge with its status history and reasons (for its group, its assessors and officials)."""
    who = actor()
    return view(handlers.get_challenge(_uow(), who, challenge_id), who)


@challenges.route("/<uuid:challenge_id>/documents", methods=["POST"])
@challenges.response(201, s.DocumentSchema)
def upload_document(challenge_id: UUID) -> dict[str, Any]:
    """Attach a document (multipart field `file`; PDF, image, text or office document up to 10 MiB)."""
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("send the document as multipart form field 'file'")
    content = upload.read()
    document = handlers.attach_document(
        _uow(), actor(), challenge_id, upload.filename or "document", upload.mimetype, content
    )
    return {**asdict(document), "id": str(document.id)}


@challenges.route("/<uuid:challenge_id>/documents/<uuid:document_id>", methods=["GET"])
@challenges.response(200, description="The document as uploaded, with its SHA-256 in the ETag")
def download_document(challenge_id: UUID, document_id: UUID) -> Response:
    """Download a document (whoever may see the challenge)."""
    handlers.get_challenge(_uow(), actor(), challenge_id)
    with _uow() as uow:
        row = uow.challenges.document(challenge_id, document_id)
    if row is None:
        raise handlers.NotFound(f"challenge {challenge_id} has no document {document_id}")
    safe_name = "".join(ch for ch in row.filename if ch.isalnum() or ch in "._- ") or "document"
    return Response(
        row.content,
        mimetype=row.content_type,
        headers={"Content-Disposition": f'attachment; filename="{safe_name}"', "ETag": f'"{row.sha256}"'},
    )


Action = Callable[[Challenge, datetime, dict[str, Any]], None]


def _action(path: str, who: str, schema: type[s.Schema] | None, doc: str, apply: Action) -> None:
    """One POST /challenges/{id}/<path> endpoint that applies one domain action."""
    name = path.title().replace("-", "").replace("/", "") + "Body"
    body_schema = type(name, (schema, s.VersionSchema), {}) if schema else type(name, (s.VersionSchema,), {})

    def endpoint(body: dict[str, Any], challenge_id: UUID) -> dict[str, Any]:
        version = body.pop("expected_version", None)
        who_acts = actor()
        challenge = handlers.act(_uow(), who_acts, challenge_id, who, lambda c, now: apply(c, now, body), version)
        return view(challenge, who_acts)

    endpoint.__doc__ = doc
    endpoint.__name__ = "act_" + path.replace("-", "_").replace("/", "_")
    decorated = challenges.response(200, s.ChallengeViewSchema)(endpoint)
    decorated = challenges.arguments(body_schema)(decorated)
    challenges.route(f"/<uuid:challenge_id>/{path}", methods=["POST"], endpoint=endpoint.__name__)(decorated)


def _decide(c: Challenge, now: datetime, b: dict[str, Any]) -> None:
    if b["outcome"] == "accept":
        c.accept(now, b["motivation"])
    elif b["outcome"] == "reject":
        c.reject(now, tuple(b["grounds"]), b["motivation"])
    else:
        c.decide_out_of_scope(now, b["motivation"], tuple(b["grounds"]))


def _propose_decision(c: Challenge, now: datetime, b: dict[str, Any]) -> None:
    c.propose_decision(now, {code: (g["passed"], g["motivation"]) for code, g in b["gates"].items()})


ACTIONS: list[tuple[str, str, type[s.Schema] | None, str, Action]] = [
    (
        "draft",
        "group",
        s.SubmissionSchema,
        "Save the draft (the group).",
        lambda c, now, b: c.save_draft(Submission(**b), now),
    ),
    (
        "submit",
        "group",
        None,
        "Submit the challenge: the automatic admissibility check follows (the group).",
        lambda c, now, b: c.submit(now),
    ),
    (
        "information",
        "group",
        s.AnswerSchema,
        "Supply the information asked for; the decision clock runs again.",
        lambda c, now, b: c.supply_information(now, b["answer"]),
    ),
    (
        "modification/accept",
        "group",
        None,
        "Agree to the proposed modification (the group).",
        lambda c, now, b: c.accept_modification(now),
    ),
    (
        "modification/decline",
        "group",
        s.ReasonSchema,
        "Decline the proposed modification (the group).",
        lambda c, now, b: c.decline_modification(now, b["reason"]),
    ),
    (
        "withdrawal",
        "group",
        s.OptionalReasonSchema,
        "Withdraw the challenge (the group).",
        lambda c, now, b: c.withdraw(now, b["reason"]),
    ),
    (
        "objection",
        "group",
        s.ReasonSchema,
        "Object to the decision within the objection window (the group).",
        lambda c, now, b: c.object(now, b["reason"]),
    ),
    (
        "information-request",
        "official",
        s.QuestionSchema,
        "Ask the group for information; the decision clock pauses.",
        lambda c, now, b: c.request_information(now, b["question"]),
    ),
    (
        "decision-term/extension",
        "official",
        s.ExtensionSchema,
        "Extend the decision term once, with a reason.",
        lambda c, now, b: c.extend_decision_term(now, b["duration"], b["reason"]),
    ),
    (
        "dialogue",
        "official",
        None,
        "Start the co-creation dialogue with the group.",
        lambda c, now, b: c.start_dialogue(now),
    ),
    (
        "modification",
        "official",
        s.ModificationSchema,
        "Propose a modification the group must agree to.",
        lambda c, now, b: c.propose_modification(now, b["text"]),
    ),
    (
        "assessors",
        "official",
        s.AssessorSchema,
        "Assign an assessor.",
        lambda c, now, b: c.assign_assessor(now, b["assessor_id"]),
    ),
    (
        "decision-proposal",
        "official",
        s.DecisionProposalSchema,
        "Consolidate the assessment and judge the remaining gates: proposes accept or reject.",
        _propose_decision,
    ),
    (
        "decision",
        "official",
        s.DecisionSchema,
        "The decision body decides: accept, reject with grounds, or out of scope.",
        _decide,
    ),
    (
        "objection-decision",
        "official",
        s.ObjectionDecisionSchema,
        "Decide on an objection.",
        lambda c, now, b: c.decide_objection(now, b["upheld"], b["motivation"]),
    ),
    (
        "agreement",
        "official",
        None,
        "Start drafting the agreement (or the procurement, under the UK profile).",
        lambda c, now, b: c.start_agreement(now),
    ),
    (
        "execution",
        "official",
        s.ExecutionSchema,
        "The agreement is signed: execution starts.",
        lambda c, now, b: c.start_execution(now, b["summary"]),
    ),
    ("review", "official", None, "Start a periodic review.", lambda c, now, b: c.start_review(now)),
    (
        "review/conclusion",
        "official",
        s.ReviewConclusionSchema,
        "Conclude the review: renew, complete or terminate.",
        lambda c, now, b: c.conclude_review(now, b["outcome"], b["motivation"]),
    ),
    (
        "termination",
        "official",
        s.ReasonSchema,
        "Terminate the execution early, with a reason.",
        lambda c, now, b: c.terminate(now, b["reason"]),
    ),
    (
        "panel-referral",
        "official",
        s.QuestionSchema,
        "Refer the challenge to a citizen panel for advice.",
        lambda c, now, b: c.refer_to_panel(now, b["question"]),
    ),
]


def _score(c: Challenge, now: datetime, b: dict[str, Any]) -> None:
    who = actor()
    assert who.id is not None
    c.score(now, who.id, b["criterion"], b["value"], b["motivation"])


ACTIONS.append(
    ("scores", "assessor", s.ScoreSchema, "Score one criterion with a motivation (assigned assessors).", _score)
)
for _path, _who, _schema, _doc, _apply in ACTIONS:
    _action(_path, _who, _schema, _doc, _apply)


@decisions.route("", methods=["GET"])
@decisions.response(200, s.PublishedDecisionSchema(many=True))
def published_decisions() -> list[dict[str, Any]]:
    """Every decision taken, with its notice: the reasons without personal data (public)."""
    with _uow() as uow:
        found = uow.challenges.list(challenges_table.c.published.is_(True), 200, 0)
    return [
        {
            "challenge_id": c.id,
            "task_id": c.task_id,
            "outcome": c.decision.outcome,
            "grounds": list(c.decision.grounds),
            "decided_at": c.decision.decided_at,
            "notice": c.decision.notice,
        }
        for c in found
        if c.decision is not None
    ]


blueprints = [tasks, rules, challenges, decisions]

ERRORS: dict[type[Exception], tuple[int, str]] = {
    handlers.NotFound: (404, "Not Found"),
    handlers.Forbidden: (403, "Forbidden"),
    handlers.VersionMismatch: (412, "Precondition Failed"),
    ConcurrentUpdate: (409, "Conflict"),
    IllegalTransition: (409, "Not allowed in this state"),
    InvalidAction: (422, "Invalid action"),
}


def document_problems(app: Flask) -> None:
    """A refused document: 413 too large, 415 a forbidden type, 422 otherwise."""
    def invalid_document(exc: handlers.InvalidDocument) -> Response:
        status = 413 if "at most" in str(exc) else 415 if "not accepted" in str(exc) else 422
        return problem(status, "Invalid document", str(exc))

    app.register_error_handler(handlers.InvalidDocument, invalid_document)
