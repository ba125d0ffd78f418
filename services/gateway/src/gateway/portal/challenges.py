"""Right to Challenge: the catalogue of challengeable tasks with their criteria and submission windows; a
group's case page with its status history, due dates, the information asked for (answered here), the
modification the municipality proposes (accepted or declined here), withdrawal, and the published
decision notice; the published decisions. The guided form that writes a challenge is ``challenge_steps``.

What each page calls (challenges service):

- ``GET /challenges``: ``v1/tasks`` and, signed in, ``v1/challenges`` (the resident's own: as representative
  or a co-initiator the group named);
- ``GET /challenges/tasks/<id>``: ``v1/tasks/<id>``, ``v1/rules/profiles``, ``v1/rules/criteria-sets``;
- ``GET /challenges/<id>``: ``v1/challenges/<id>`` (a stranger to the case gets 404), the task and profile;
- ``POST /challenges/<id>/information``, ``/modification``, ``/objection``, ``/withdraw``: ``POST
  v1/challenges/<id>/information``, ``modification/accept|decline``, ``objection``, ``withdrawal`` with the
  version the page showed (``expected_version``: a case that moved on meanwhile is shown again, unchanged);
- ``GET /challenges/decisions``: ``v1/decisions`` and ``v1/tasks``.

The case lives in the service, drafts included; the gateway keeps none of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Response as FlaskResponse
from flask import flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from gateway.backends import Refused, ServiceError, api
from gateway.portal import parsed, portal
from gateway.portal.proposals import submission_limits
from gateway.web import page
from meemaken_kit.auth import principal, public
from meemaken_kit.deadlines import due

SERVICE = "challenges"
REPRESENTATIVE = "group_representative"
TEXT_MAX = 5000
WITHDRAWABLE = (
    "submitted",
    "acknowledged",
    "admissibility_check",
    "information_requested",
    "in_assessment",
    "in_dialogue",
    "modification_proposed",
    "decision_pending",
    "accepted",
    "agreement_drafting",
    "objection",
)
DECIDED = ("accepted", "rejected", "out_of_scope")


@portal.app_template_filter("local")
def local(text: Mapping[str, str] | str | None) -> str:
    """A rule book's text (``{"nl": ..., "fr": ..., "en": ...}``) in the page's language, else English."""
    if text is None or isinstance(text, str):
        return text or ""
    return text.get(str(get_locale() or "nl")) or text.get("en", "")


# --- deadlines: a rule book's term from a moment, counted as every service counts it ------------------------


def after(moment: datetime, duration: str) -> datetime | None:
    """``moment`` plus a rule book's term (``P14D``, ``P8W``, ``P1Y``) on the municipality's calendar
    (meemaken_kit.deadlines); None without one."""
    try:
        return due(moment if moment.tzinfo else moment.replace(tzinfo=UTC), duration) if duration else None
    except ValueError:
        return None


def requested_at(case: Mapping[str, Any], action: str) -> datetime | None:
    """When the latest step ``action`` of the case's history happened (e.g. the information request)."""
    moments = [parsed(h["at"]) for h in case.get("history", []) if h.get("action") == action]
    return moments[-1] if moments else None


# --- a task as the catalogue shows it ----------------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    """Can a task be challenged now: ``open`` (with the window's end), ``later`` (the next window's start),
    or ``closed`` (not open to challenge, blocked, or no window left)."""

    state: str
    until: datetime | None = None
    opens: datetime | None = None


def availability(task: Mapping[str, Any], now: datetime) -> Availability:
    if not task.get("open") or task.get("blocked_by"):
        return Availability("closed")
    windows = sorted(
        ((parsed(w["opens_at"]), parsed(w["closes_at"])) for w in task.get("windows", [])),
        key=lambda w: w[0] or now,
    )
    for opens, closes in windows:
        assert opens is not None and closes is not None
        if opens <= now <= closes:
            return Availability("open", until=closes)
        if opens > now:
            return Availability("later", opens=opens)
    return Availability("closed")


@dataclass(frozen=True)
class Standing:
    """May this person open a challenge for a group under a profile: ``may``, ``no_role`` (not a group's
    representative), ``too_young``, ``not_resident`` or ``unknown`` (the login lacks the fact: the desk)."""

    outcome: str
    min_age: int = 18

    @property
    def may(self) -> bool:
        return self.outcome == "may"


def standing(roles: frozenset[str], attributes: Mapping[str, Any], rule: Mapping[str, Any]) -> Standing:
    """The profile's rule for representatives (``min_age``, ``resident``) as the service applies it."""
    min_age = int(rule.get("min_age", 18))
    if REPRESENTATIVE not in roles:
        return Standing("no_role", min_age)
    age = attributes.get("age")
    if not isinstance(age, int) or isinstance(age, bool):
        return Standing("unknown", min_age)
    if age < min_age:
        return Standing("too_young", min_age)
    if rule.get("resident", True):
        lives_here = attributes.get("resident")
        if not isinstance(lives_here, bool):
            return Standing("unknown", min_age)
        if not lives_here:
            return Standing("not_resident", min_age)
    return Standing("may", min_age)


def my_standing(profile: Mapping[str, Any] | None) -> Standing | None:
    who = principal()
    if who is None or profile is None:
        return None
    return standing(who.roles, who.attributes, profile.get("representative", {}))


# --- calls ------------------------------------------------------------------------------------------------


def rules_for(task: Mapping[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The task's profile and criteria set from the published rule book (None when missing)."""
    profiles = {p["code"]: p for p in api().get(SERVICE, "v1/rules/profiles")}
    sets = {c["code"]: c for c in api().get(SERVICE, "v1/rules/criteria-sets")}
    profile = profiles.get(task["profile"])
    code = task.get("criteria_set") or (profile["criteria_sets"][0] if profile else None)
    return profile, sets.get(code or "")


def get_task(task_id: uuid.UUID | str) -> dict[str, Any]:
    found: dict[str, Any] = api().get(SERVICE, f"v1/tasks/{task_id}")
    return found


def get_case(challenge_id: uuid.UUID) -> dict[str, Any]:
    found: dict[str, Any] = api().get(SERVICE, f"v1/challenges/{challenge_id}")
    return found


def missing(status: int) -> FlaskResponse:
    """A task or case that is not there (or not the caller's: the service says 404), or a service down."""
    if status == 404:
        return page("portal/challenges/missing.html", 404)
    return page("portal/challenges/missing.html", 503, unavailable=True)


def is_representative(case: Mapping[str, Any]) -> bool:
    """Whether the signed-in person may act for the group: the service decides; the page only offers the
    forms to someone holding the role (a co-initiator reads along)."""
    who = principal()
    return who is not None and REPRESENTATIVE in who.roles


# --- the catalogue ----------------------------------------------------------------------------------------


@portal.get("/challenges")
@public
def challenge_catalogue() -> FlaskResponse:
    now = datetime.now(UTC)
    try:
        tasks = api().get(SERVICE, "v1/tasks")
    except ServiceError:
        return page("portal/challenges/catalogue.html", 503, unavailable=True, groups={}, mine=[])
    groups: dict[str, list[tuple[dict[str, Any], Availability]]] = {"open": [], "later": [], "closed": []}
    for task in sorted(tasks, key=lambda t: t["title"]):
        when = availability(task, now)
        groups[when.state].append((task, when))
    mine: list[dict[str, Any]] = []
    if principal() is not None:
        try:
            mine = api().get(SERVICE, "v1/challenges")
        except ServiceError:
            mine = []
    titles = {t["id"]: t["title"] for t in tasks}
    who = principal()
    return page(
        "portal/challenges/catalogue.html",
        unavailable=False,
        groups=groups,
        mine=mine,
        titles=titles,
        representative=who is not None and REPRESENTATIVE in who.roles,
    )


@portal.get("/challenges/tasks/<uuid:task_id>")
@public
def challenge_task(task_id: uuid.UUID) -> FlaskResponse:
    try:
        task = get_task(task_id)
        profile, criteria = rules_for(task)
    except Refused as refused:
        return missing(refused.status)
    except ServiceError:
        return missing(503)
    return page(
        "portal/challenges/task.html",
        task=task,
        profile=profile,
        criteria=criteria,
        when=availability(task, datetime.now(UTC)),
        standing=my_standing(profile),
    )


# --- the case ---------------------------------------------------------------------------------------------


def _one_text(name: str, field: str, label: Any, required: Any | None, too_long: Any) -> type[FlaskForm]:
    """A form of one text the group writes to the municipality: ``required`` is the message when it is left
    empty (``None``: it may be), ``too_long`` the one past ``TEXT_MAX`` characters."""
    validators = [Length(max=TEXT_MAX, message=too_long)]
    if required is not None:
        validators.insert(0, DataRequired(required))
    return type(name, (FlaskForm,), {field: TextAreaField(label, validators=validators)})


REASON_TOO_LONG = _l("Your reason can have at most %(max)d characters.", max=TEXT_MAX)
AnswerForm = _one_text(
    "AnswerForm",
    "answer",
    _l("Your answer"),
    _l("Write your answer to the municipality's question."),
    _l("Your answer can have at most %(max)d characters.", max=TEXT_MAX),
)
DeclineForm = _one_text(
    "DeclineForm",
    "reason",
    _l("Why your group does not agree"),
    _l("Say why your group does not agree with the change."),
    REASON_TOO_LONG,
)
ObjectionForm = _one_text(
    "ObjectionForm",
    "grounds",
    _l("Why your group objects"),
    _l("Say why your group objects to the decision."),
    REASON_TOO_LONG,
)
WithdrawForm = _one_text("WithdrawForm", "reason", _l("Why you withdraw (optional)"), None, REASON_TOO_LONG)


def _case_page(challenge_id: uuid.UUID, status: int = 200, **context: Any) -> FlaskResponse:
    """The case page: the case with its task, rules and due dates; ``context`` overrides (forms, errors)."""
    try:
        case = get_case(challenge_id)
    except Refused as refused:
        return missing(404 if refused.status in (403, 404) else refused.status)
    except ServiceError:
        return missing(503)
    try:
        task = get_task(case["task_id"])
        profile, criteria = rules_for(task)
    except ServiceError:
        task, profile, criteria = {"id": case["task_id"], "title": ""}, None, None
    deadlines = (profile or {}).get("deadlines", {})
    asked, proposed = requested_at(case, "request_information"), requested_at(case, "propose_modification")
    context = {"answer_form": AnswerForm(), "decline_form": DeclineForm(), "objection_form": ObjectionForm(), **context}
    objection_until = _objection_until(case, deadlines)
    return page(
        "portal/challenges/case.html",
        status,
        case=case,
        task=task,
        profile=profile,
        criteria=criteria,
        acts=is_representative(case),
        answer_due=after(asked, deadlines.get("repair_period", "")) if asked else None,
        reply_due=after(proposed, deadlines.get("modification_reply", "")) if proposed else None,
        objection_until=objection_until,
        may_object=case["status"] in ("rejected", "out_of_scope")
        and objection_until is not None
        and datetime.now(UTC) <= objection_until
        and requested_at(case, "object") is None,
        withdrawable=case["status"] in WITHDRAWABLE,
        **context,
    )


def _objection_until(case: Mapping[str, Any], deadlines: Mapping[str, str]) -> datetime | None:
    decision = case.get("decision") or {}
    decided = parsed(decision.get("decided_at"))
    return after(decided, deadlines.get("objection_window", "")) if decided else None


@portal.get("/challenges/<uuid:challenge_id>")
def challenge_case(challenge_id: uuid.UUID) -> FlaskResponse:
    return _case_page(challenge_id)


def _act(challenge_id: uuid.UUID, path: str, body: dict[str, Any], done: str) -> FlaskResponse | BaseResponse:
    """One action of the group on its case, at the version the page showed; the case page again after."""
    version = request.form.get("version", "")
    if version.isdigit():
        body["expected_version"] = int(version)
    try:
        with submission_limits():
            api().post(SERVICE, f"v1/challenges/{challenge_id}/{path}", body)
    except Refused as refused:
        if refused.status in (409, 412):  # the case moved on meanwhile: show it as it is now
            return _case_page(challenge_id, 409, moved=True)
        if refused.status == 404:
            return missing(404)
        return _case_page(challenge_id, refused.status, refused=True)
    except ServiceError:
        return _case_page(challenge_id, 503, unavailable=True)
    flash(done, "challenge")
    return redirect(url_for("portal.challenge_case", challenge_id=challenge_id))


@portal.post("/challenges/<uuid:challenge_id>/information")
def answer_information(challenge_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    form = AnswerForm()
    if not form.validate_on_submit():
        return _case_page(challenge_id, 422, answer_form=form)
    return _act(challenge_id, "information", {"answer": form.answer.data.strip()}, "answered")


@portal.post("/challenges/<uuid:challenge_id>/modification")
def reply_modification(challenge_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    if request.form.get("action") == "accept":
        return _act(challenge_id, "modification/accept", {}, "accepted_change")
    form = DeclineForm()
    if not form.validate_on_submit():
        return _case_page(challenge_id, 422, decline_form=form)
    return _act(challenge_id, "modification/decline", {"reason": form.reason.data.strip()}, "declined_change")


@portal.post("/challenges/<uuid:challenge_id>/objection")
def object_to_decision(challenge_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    form = ObjectionForm()
    if not form.validate_on_submit():
        return _case_page(challenge_id, 422, objection_form=form)
    return _act(challenge_id, "objection", {"reason": form.grounds.data.strip()}, "objected")


@portal.route("/challenges/<uuid:challenge_id>/withdraw", methods=["GET", "POST"])
def withdraw_challenge(challenge_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    form = WithdrawForm()
    try:
        case = get_case(challenge_id)
    except Refused as refused:
        return missing(404 if refused.status in (403, 404) else refused.status)
    except ServiceError:
        return missing(503)
    if case["status"] not in WITHDRAWABLE:
        return redirect(url_for("portal.challenge_case", challenge_id=challenge_id))
    if request.method == "POST":
        if not form.validate_on_submit():
            return page("portal/challenges/withdraw.html", 422, case=case, form=form)
        return _act(challenge_id, "withdrawal", {"reason": (form.reason.data or "").strip()}, "withdrawn")
    return page("portal/challenges/withdraw.html", case=case, form=form)


# --- published decisions ----------------------------------------------------------------------------------


@portal.get("/challenges/decisions")
@public
def challenge_decisions() -> FlaskResponse:
    try:
        decisions = api().get(SERVICE, "v1/decisions")
        tasks = {t["id"]: t for t in api().get(SERVICE, "v1/tasks")}
        languages = {p["code"]: p.get("language", "en") for p in api().get(SERVICE, "v1/rules/profiles")}
    except ServiceError:
        return page("portal/challenges/decisions.html", 503, unavailable=True, decisions=[])
    shown = []
    for decision in sorted(decisions, key=lambda d: d["decided_at"], reverse=True):
        task = tasks.get(decision["task_id"], {})
        shown.append(decision | {"task": task, "language": languages.get(task.get("profile", ""), "en")})
    return page("portal/challenges/decisions.html", unavailable=False, decisions=shown)
