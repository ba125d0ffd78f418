"""HTTP → use case → response for groups, officials, assessors and the public.

Who acts comes only from the gateway's signed token (``meemaken_kit.auth.principal``): its subject
(a pseudonymous id), its roles with their scopes, and its verified attributes. Each endpoint says
who may call it with ``@allow`` (checked before the body is read) or is ``@public``; the use cases
then check the finer relation to the case (the group's own representative, an assigned assessor, an
official within their department). The access matrix is ``docs/roles/challenges.md``.
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
from isodate import duration_isoformat
from werkzeug.exceptions import BadRequest, Forbidden

from challenges.adapters.repository import ConcurrentUpdate, Task
from challenges.adapters.rulebook import criteria_sets, profiles
from challenges.adapters.tables import challenges as challenges_table
from challenges.domain.challenge import (
    Challenge,
    Group,
    IllegalTransition,
    InvalidAction,
    PersonalDataFound,
    Submission,
)
from challenges.domain.gates import Window
from challenges.domain.states import BEFORE_DECISION
from challenges.entrypoints import schemas as s
from challenges.service_layer import handlers
from challenges.service_layer.handlers import ASSESSING, AUDITORS, CASE_HANDLING, DECIDING, GROUP, READERS, Actor
from challenges.service_layer.unit_of_work import ChallengesUnitOfWork
from meemaken_kit import problem
from meemaken_kit.auth import allow, principal, public
from meemaken_kit.documents import allow_document_upload, download, install_document_problems
from meemaken_kit.roles import Role

tasks = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="The catalogue of challengeable tasks")
rules = Blueprint("rules", __name__, url_prefix="/api/v1/rules", description="Profiles and criteria sets")
challenges = Blueprint("challenges", __name__, url_prefix="/api/v1/challenges", description="Challenges as cases")
decisions = Blueprint("decisions", __name__, url_prefix="/api/v1/decisions", description="Published decisions")


def _uow() -> ChallengesUnitOfWork:
    uow: ChallengesUnitOfWork = current_app.extensions["meemaken"]["uow"]()
    return uow


def actor() -> Actor:
    """The caller as the token says; never a header, never a body field."""
    who = principal()
    if who is None:  # only on a public endpoint, which does not ask
        raise Forbidden("log in first")
    return Actor(who.person_id, frozenset(who.roles), dict(who.role_scopes), dict(who.attributes))


# --- views --------------------------------------------------------------------------------


def view(c: Challenge, who: Actor) -> dict[str, Any]:
    """The case as the caller may see it: the assessment only for officials and assessors."""
    assessing = handlers.acting_role(who, c, (Role.ASSESSOR, Role.CASE_OFFICER, Role.DECISION_BODY)) is not None
    due = c.clock.due_at() if c.clock else None
    # while paused the due date is unknown (null) and the time left is frozen: say how much; while the clock
    # runs, the due date says it (a figure that changed on every read would make the view unstable)
    paused = bool(c.clock and not c.clock.running and c.status in BEFORE_DECISION)
    left = c.clock.remaining(current_app.extensions["meemaken"]["clock"]()) if paused and c.clock else None
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
        "decision_time_left": None if left is None else duration_isoformat(left),
        "information_request": c.information_request,
        "modification": c.modification,
        "gate_results": [g.as_dict() for g in c.gate_results],
        "assessment": {
            "assessors": [str(a) for a in c.assessment.assessors],
            "scores": [{**asdict(x), "assessor_id": str(x.assessor_id)} for x in c.assessment.scores],
        }
        if assessing
        else None,
        "notice_texts": [
            {
                "part": t.part,
                "text": t.text,
                "approved_at": t.approved_at,
                "approved_by": None if t.approved_by is None else {"id": t.approved_by.id, "role": t.approved_by.role},
            }
            for t in c.notice_texts
        ],
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
@public
@tasks.response(200, s.TaskSchema(many=True))
def list_tasks() -> list[dict[str, Any]]:
    """The catalogue: every task the municipality does or buys that may be challenged (public)."""
    with _uow() as uow:
        return [task_view(t) for t in uow.tasks.list()]


@tasks.route("", methods=["POST"])
@allow(Role.CASE_OFFICER)
@tasks.arguments(s.TaskSchema)
@tasks.response(201, s.TaskSchema)
def add_task(body: dict[str, Any]) -> dict[str, Any]:
    """Add a task to the catalogue (case officers, of the task's department when scoped)."""
    windows = tuple(Window(w["opens_at"], w["closes_at"]) for w in body.pop("windows"))
    task = Task(id=uuid4(), windows=windows, eligible_legal_forms=tuple(body.pop("eligible_legal_forms")), **body)
    return task_view(handlers.add_task(_uow(), actor(), task))


@tasks.route("/<uuid:task_id>", methods=["GET"])
@public
@tasks.response(200, s.TaskSchema)
def get_task(task_id: UUID) -> dict[str, Any]:
    """One task of the catalogue (public)."""
    with _uow() as uow:
        task = uow.tasks.get(task_id)
    if task is None:
        raise handlers.NotFound(f"there is no task {task_id}")
    return task_view(task)


@tasks.route("/<uuid:task_id>", methods=["PATCH"])
@allow(Role.CASE_OFFICER)
@tasks.arguments(s.TaskChangeSchema(partial=True))
@tasks.response(200, s.TaskSchema)
def change_task(body: dict[str, Any], task_id: UUID) -> dict[str, Any]:
    """Change a task (case officers of its department): open or close it, block it, change its windows or budget."""
    version = body.pop("expected_version", None)
    if "windows" in body:
        body["windows"] = tuple(Window(w["opens_at"], w["closes_at"]) for w in body["windows"])
    if "eligible_legal_forms" in body:
        body["eligible_legal_forms"] = tuple(body["eligible_legal_forms"])
    return task_view(handlers.change_task(_uow(), actor(), task_id, body, version))


def _a_list_of(what: str) -> dict[str, Any]:
    """The OpenAPI answer of a rule-book listing: JSON, an array of objects (the rule files' own shape)."""
    array = {"type": "array", "items": {"type": "object"}}
    return {"200": {"description": what, "content": {"application/json": {"schema": array}}}}


@rules.route("/profiles", methods=["GET"])
@rules.doc(responses=_a_list_of("Every jurisdiction profile"))
@public
def list_profiles() -> list[dict[str, Any]]:
    """The jurisdiction profiles: legal basis, time limits, grounds and gates (public)."""
    return [asdict(p) for p in profiles().values()]


@rules.route("/criteria-sets", methods=["GET"])
@rules.doc(responses=_a_list_of("Every criteria set"))
@public
def list_criteria_sets() -> list[dict[str, Any]]:
    """The criteria sets with weights, scales and guidance for assessors (public)."""
    return [asdict(c) for c in criteria_sets().values()]


# --- challenges ---------------------------------------------------------------------------


@challenges.route("", methods=["POST"])
@allow(Role.GROUP_REPRESENTATIVE)
@challenges.arguments(s.NewChallengeSchema)
@challenges.response(201, s.ChallengeViewSchema)
def start_challenge(body: dict[str, Any]) -> dict[str, Any]:
    """Open a draft challenge on behalf of a group: the caller, as their login says, is its representative.

    The task's profile says who may represent a group (of age; a resident of the municipality under
    the Flemish and Dutch profiles), judged on the login's verified attributes."""
    who = actor()
    if who.id is None:
        raise handlers.Forbidden("a challenge is opened by a person, not a service")
    g = body["group"]
    group = Group(g["name"], g["legal_form"], who.id, tuple(g["co_initiator_ids"]), g["members_count"])
    uow = _uow()
    challenge = handlers.start_challenge(
        uow, who, body["task_id"], group, Submission(**body["submission"]), uow.clock()
    )
    return view(challenge, who)


def _visible(who: Actor) -> Any:
    """The rows the caller may see in a list, per role held (use cases check each one again)."""
    t = challenges_table
    seen: list[Any] = []
    if who.id is not None and who.roles & {Role.RESIDENT, Role.GROUP_REPRESENTATIVE}:
        seen.append(sa.cast(t.c.member_ids, sa.String).contains(str(who.id)))
    if who.id is not None and Role.ASSESSOR in who.roles:
        seen.append(sa.cast(t.c.assessor_ids, sa.String).contains(str(who.id)))
    for role in (Role.CASE_OFFICER, Role.DECISION_BODY):
        if role not in who.roles:
            continue
        scopes = who.scopes.get(role) or ()
        if not scopes:
            return sa.true()
        departments = [x.removeprefix("department:") for x in scopes if x.startswith("department:")]
        cases = [UUID(x.removeprefix("case:")) for x in scopes if x.startswith("case:") and _is_uuid(x[5:])]
        seen += [t.c.department.in_(departments), t.c.id.in_(cases)]
    return sa.or_(sa.false(), *seen)


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


@challenges.route("", methods=["GET"])
@allow(*READERS)
@challenges.arguments(s.ChallengeQuerySchema, location="query")
@challenges.response(200, s.ChallengeViewSchema(many=True))
def list_challenges(query: dict[str, Any]) -> list[dict[str, Any]]:
    """Groups: their challenges. Assessors: those assigned to them. Case officers and the decision body:
    the queue by due date, within their departments when their role is scoped."""
    who, t = actor(), challenges_table
    where = _visible(who)
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
@allow(*READERS)
@challenges.response(200, s.ChallengeViewSchema)
def get_challenge(challenge_id: UUID) -> dict[str, Any]:
    """One challenge with its status history and reasons (for its group, its assessors and officials)."""
    who = actor()
    return view(handlers.get_challenge(_uow(), who, challenge_id), who)


@challenges.route("/<uuid:challenge_id>/audit", methods=["GET"])
@allow(*AUDITORS)
@challenges.response(200, s.AuditEntrySchema(many=True))
def audit(challenge_id: UUID) -> list[dict[str, Any]]:
    """Who did what on the case, oldest first: each action with its time, the status it moved from and
    to, and who acted (pseudonymous id and role; none for the service's own automatic steps). For an
    administrator, and case officers and the decision body within their scope."""
    return [
        {
            "at": entry.at,
            "action": entry.action,
            "from_status": entry.from_status.value,
            "to_status": entry.to_status.value,
            "actor": None if entry.by is None else {"id": entry.by.id, "role": entry.by.role},
        }
        for entry in handlers.audit_trail(_uow(), actor(), challenge_id)
    ]


@challenges.route("/<uuid:challenge_id>/notice-preview", methods=["GET"])
@allow(*CASE_HANDLING, *DECIDING)
@challenges.arguments(s.NoticePreviewQuerySchema, location="query")
@challenges.response(200, s.NoticePreviewSchema)
def notice_preview(query: dict[str, Any], challenge_id: UUID) -> dict[str, Any]:
    """The public notice a decision taken now would publish (composed from coded grounds and approved texts,
    as the decision composes it), for case officers and the decision body within their scope; the grounds
    are checked as the decision checks them (422). Nothing changes."""
    challenge = handlers.get_challenge(_uow(), actor(), challenge_id, (*CASE_HANDLING, *DECIDING))
    now = current_app.extensions["meemaken"]["clock"]()
    outcome, notice = challenge.notice_preview(now, query["outcome"], tuple(query["grounds"]))
    grounds = [] if query["outcome"] == "accept" else query["grounds"]
    return {"outcome": outcome, "grounds": grounds, "language": challenge.profile.language, "notice": notice}


@challenges.route("/<uuid:challenge_id>/documents", methods=["POST"])
@allow(*GROUP)
@challenges.response(201, s.DocumentSchema)
def upload_document(challenge_id: UUID) -> dict[str, Any]:
    """Attach a document (the group's representative; multipart field `file`; PDF, image, text or office
    document up to 10 MiB; its type is read from its content)."""
    allow_document_upload()
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("send the document as multipart form field 'file'")
    content = upload.read()
    document = handlers.attach_document(
        _uow(), actor(), challenge_id, upload.filename or "document", upload.mimetype, content
    )
    return {**asdict(document), "id": str(document.id)}


@challenges.route("/<uuid:challenge_id>/documents/<uuid:document_id>", methods=["GET"])
@allow(*READERS)
@challenges.response(200, description="The document as uploaded, with its SHA-256 in the ETag")
def download_document(challenge_id: UUID, document_id: UUID) -> Response:
    """Download a document (whoever may see the challenge)."""
    handlers.get_challenge(_uow(), actor(), challenge_id)
    with _uow() as uow:
        row = uow.challenges.document(challenge_id, document_id)
    if row is None:
        raise handlers.NotFound(f"challenge {challenge_id} has no document {document_id}")
    return download(row.content, row.content_type, row.filename, row.sha256)


Action = Callable[[Challenge, datetime, dict[str, Any]], None]


def _action(path: str, who: tuple[str, ...], schema: type[s.Schema] | None, doc: str, apply: Action) -> None:
    """One POST /challenges/{id}/<path> endpoint that applies one domain action, in one of the roles `who`."""
    name = path.title().replace("-", "").replace("/", "") + "Body"
    body_schema = type(name, (schema, s.VersionSchema), {}) if schema else type(name, (s.VersionSchema,), {})

    def endpoint(body: dict[str, Any], challenge_id: UUID) -> dict[str, Any]:
        version = body.pop("expected_version", None)
        who_acts = actor()
        challenge = handlers.act(_uow(), who_acts, challenge_id, who, lambda c, now: apply(c, now, body), version)
        return view(challenge, who_acts)

    endpoint.__doc__ = f"{doc}\n\nWho: {', '.join(who)}."
    endpoint.__name__ = "act_" + path.replace("-", "_").replace("/", "_")
    decorated = challenges.response(200, s.ChallengeViewSchema)(endpoint)
    decorated = challenges.arguments(body_schema)(decorated)
    decorated = allow(*who)(decorated)
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


ACTIONS: list[tuple[str, tuple[str, ...], type[s.Schema] | None, str, Action]] = [
    (
        "draft",
        GROUP,
        s.SubmissionSchema,
        "Save the draft (the group).",
        lambda c, now, b: c.save_draft(Submission(**b), now),
    ),
    (
        "submit",
        GROUP,
        None,
        "Submit the challenge: the automatic admissibility check follows (the group).",
        lambda c, now, b: c.submit(now),
    ),
    (
        "information",
        GROUP,
        s.AnswerSchema,
        "Supply the information asked for; the decision clock runs again.",
        lambda c, now, b: c.supply_information(now, b["answer"]),
    ),
    (
        "modification/accept",
        GROUP,
        None,
        "Agree to the proposed modification (the group).",
        lambda c, now, b: c.accept_modification(now),
    ),
    (
        "modification/decline",
        GROUP,
        s.ReasonSchema,
        "Decline the proposed modification (the group).",
        lambda c, now, b: c.decline_modification(now, b["reason"]),
    ),
    (
        "withdrawal",
        GROUP,
        s.OptionalReasonSchema,
        "Withdraw the challenge (the group).",
        lambda c, now, b: c.withdraw(now, b["reason"]),
    ),
    (
        "objection",
        GROUP,
        s.ReasonSchema,
        "Object to the decision within the objection window (the group).",
        lambda c, now, b: c.object(now, b["reason"]),
    ),
    (
        "information-request",
        CASE_HANDLING,
        s.QuestionSchema,
        "Ask the group for information; the decision clock pauses.",
        lambda c, now, b: c.request_information(now, b["question"]),
    ),
    (
        "decision-term/extension",
        CASE_HANDLING,
        s.ExtensionSchema,
        "Extend the decision term once, with a reason.",
        lambda c, now, b: c.extend_decision_term(now, b["duration"], b["reason"]),
    ),
    (
        "dialogue",
        CASE_HANDLING,
        None,
        "Start the co-creation dialogue with the group.",
        lambda c, now, b: c.start_dialogue(now),
    ),
    (
        "modification",
        CASE_HANDLING,
        s.ModificationSchema,
        "Propose a modification the group must agree to.",
        lambda c, now, b: c.propose_modification(now, b["text"]),
    ),
    (
        "assessors",
        CASE_HANDLING,
        s.AssessorSchema,
        "Assign an assessor.",
        lambda c, now, b: c.assign_assessor(now, b["assessor_id"]),
    ),
    (
        "decision-proposal",
        (*CASE_HANDLING, *DECIDING),
        s.DecisionProposalSchema,
        "Consolidate the assessment and judge the remaining gates: proposes accept or reject.",
        _propose_decision,
    ),
    (
        "decision",
        DECIDING,
        s.DecisionSchema,
        "The decision body decides: accept, reject with grounds, or out of scope.",
        _decide,
    ),
    (
        "objection-decision",
        DECIDING,
        s.ObjectionDecisionSchema,
        "Decide on an objection.",
        lambda c, now, b: c.decide_objection(now, b["upheld"], b["motivation"]),
    ),
    (
        "notice-texts",
        (*CASE_HANDLING, *DECIDING),
        s.NoticeTextSchema,
        "Approve a motivation for the public notice, for one part of it (a criterion, a gate or `decision`), "
        "replacing one approved before for that part. Only approved texts are published; a text "
        "that names a person or carries a national number, an e-mail address or a phone number is refused "
        "(422, naming the field and what was found). Audited as `notice_text_approved` with the official's "
        "pseudonymous id and role.",
        lambda c, now, b: c.approve_notice_text(now, b["part"], b["text"]),
    ),
    (
        "agreement",
        CASE_HANDLING,
        None,
        "Start drafting the agreement (or the procurement, under the UK profile).",
        lambda c, now, b: c.start_agreement(now),
    ),
    (
        "execution",
        CASE_HANDLING,
        s.ExecutionSchema,
        "The agreement is signed: execution starts.",
        lambda c, now, b: c.start_execution(now, b["summary"]),
    ),
    ("review", CASE_HANDLING, None, "Start a periodic review.", lambda c, now, b: c.start_review(now)),
    (
        "review/conclusion",
        DECIDING,
        s.ReviewConclusionSchema,
        "Conclude the review: renew, complete or terminate.",
        lambda c, now, b: c.conclude_review(now, b["outcome"], b["motivation"]),
    ),
    (
        "termination",
        DECIDING,
        s.ReasonSchema,
        "Terminate the execution early, with a reason.",
        lambda c, now, b: c.terminate(now, b["reason"]),
    ),
    (
        "panel-referral",
        CASE_HANDLING,
        s.QuestionSchema,
        "Refer the challenge to a citizen panel for advice.",
        lambda c, now, b: c.refer_to_panel(now, b["question"]),
    ),
]


def _score(c: Challenge, now: datetime, b: dict[str, Any]) -> None:
    who = actor()
    assert who.id is not None
    c.score(now, who.id, b["criterion"], b.get("value"), b["motivation"])


ACTIONS.append(
    ("scores", ASSESSING, s.ScoreSchema, "Score one criterion with a motivation (assigned assessors).", _score)
)
for _path, _who, _schema, _doc, _apply in ACTIONS:
    _action(_path, _who, _schema, _doc, _apply)


@decisions.route("", methods=["GET"])
@public
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
    handlers.InvalidTask: (422, "Invalid task"),
    handlers.Forbidden: (403, "Forbidden"),
    handlers.VersionMismatch: (412, "Precondition Failed"),
    ConcurrentUpdate: (409, "Conflict"),
    IllegalTransition: (409, "Not allowed in this state"),
    InvalidAction: (422, "Invalid action"),
}


PERSONAL_DATA = "urn:meemaken:problem:personal-data"


def document_problems(app: Flask) -> None:
    """A refused document: 413 too large, 415 a forbidden type, 422 otherwise. An official's text with
    personal data: 422 naming the field and what was found where (never the text itself)."""

    def personal_data(exc: PersonalDataFound) -> Response:
        found = [{"kind": f.kind, "start": f.start, "end": f.end} for f in exc.findings]
        errors = [{"pointer": exc.field, "detail": f"contains {', '.join(f.describe() for f in exc.findings)}"}]
        return problem(422, "Personal data in the text", str(exc), PERSONAL_DATA, errors=errors, found=found)

    install_document_problems(app)
    app.register_error_handler(PersonalDataFound, personal_data)
