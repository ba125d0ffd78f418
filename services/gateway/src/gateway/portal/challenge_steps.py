"""Right to Challenge: the guided form in which a group's representative writes a challenge, step by step:
the group (name, legal form, members), the plan, the budget and means, documents, then a check page and
sending. The draft is the challenges service's own: the first step opens it (``POST v1/challenges``, the
representative is the login's person), every later step saves it (``POST v1/challenges/<id>/draft``), so
it waits in the service across logins until it is sent (``POST v1/challenges/<id>/submit``).

A double click opens one draft and sends once: the first step carries a nonce as ``Idempotency-Key``,
sending the challenge's id. What the service checks on sending (the window, the legal form, the number of
members, every required part) the pages say up front, so a group does not send a challenge bound to fail.
"""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Response as FlaskResponse
from flask import flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from gateway.adapters.tables import people
from gateway.backends import Refused, ServiceError, api
from gateway.context import gateway
from gateway.identity.pseudonyms import normalise_reference
from gateway.portal import parsed, portal
from gateway.portal.challenges import (
    SERVICE,
    after,
    availability,
    get_case,
    get_task,
    is_representative,
    missing,
    my_standing,
    rules_for,
)
from gateway.portal.documents import document_form, send_document
from gateway.portal.proposals import submission_limits
from gateway.web import page
from meemaken_kit.auth import principal

STEPS = ("group", "plan", "budget", "documents", "check")
PLAN = ("why_better", "quality_guarantees", "local_support", "continuity_and_exit")
MEANS = ("cost_estimate_cents", "capacity_and_finances", "support_asked")
REQUIRED = (  # as the service's Submission.REQUIRED
    "why_better",
    "capacity_and_finances",
    "local_support",
    "cost_estimate_cents",
    "quality_guarantees",
    "continuity_and_exit",
)
PART_MAX, MAX_CO_INITIATORS = 10_000, 50
AMOUNT = re.compile(r"^\d{1,9}$|^\d{1,3}(?:[.,]\d{3}){1,2}$")


def _limit() -> list[Any]:
    return [Optional(), Length(max=PART_MAX, message=_l("This can have at most %(max)d characters.", max=PART_MAX))]


def _group_name() -> StringField:
    return StringField(
        _l("Name of your group"),
        validators=[
            DataRequired(_l("Enter the name of your group.")),
            Length(max=200, message=_l("The name can have at most %(max)d characters.", max=200)),
        ],
    )


def _co_initiators() -> TextAreaField:
    return TextAreaField(_l("Members who may follow the challenge (optional)"))


def _members() -> IntegerField:
    return IntegerField(
        _l("Number of members"),
        validators=[DataRequired(_l("Enter the number of members as a whole number, for example 12."))],
    )


class GroupForm(FlaskForm):  # type: ignore[misc]
    """The group, in the order the page shows it (the error summary follows that order)."""

    name = _group_name()
    legal_form = StringField(
        _l("Legal form"),
        validators=[
            DataRequired(_l("Enter your group's legal form.")),
            Length(max=50, message=_l("The legal form can have at most %(max)d characters.", max=50)),
        ],
    )
    members_count = _members()
    co_initiators = _co_initiators()


class ListedGroupForm(FlaskForm):  # type: ignore[misc]
    """When the task names the legal forms it accepts, the group chooses one of them."""

    name = _group_name()
    legal_form = SelectField(_l("Legal form"), validators=[DataRequired(_l("Choose your group's legal form."))])
    members_count = _members()
    co_initiators = _co_initiators()


class PlanForm(FlaskForm):  # type: ignore[misc]
    why_better = TextAreaField(_l("Why your group would do this task better"), validators=_limit())
    quality_guarantees = TextAreaField(_l("How you guarantee the quality"), validators=_limit())
    local_support = TextAreaField(_l("Who supports your plan"), validators=_limit())
    continuity_and_exit = TextAreaField(_l("If your group has to stop"), validators=_limit())


def _amount(form: FlaskForm, field: StringField) -> None:
    typed = "".join((field.data or "").split())
    if typed and not AMOUNT.match(typed):
        raise ValidationError(_l("Enter the amount in whole euros, for example 95000."))


class MeansForm(FlaskForm):  # type: ignore[misc]
    cost_estimate = StringField(_l("What it would cost each year, in euros"), validators=[_amount])
    capacity_and_finances = TextAreaField(_l("Your people, skills and money"), validators=_limit())
    support_asked = TextAreaField(_l("What you ask of the municipality (optional)"), validators=_limit())


def co_initiators(typed: str, me: uuid.UUID | None) -> tuple[list[str], list[str]]:
    """The members named by the reference code of their account page, one a line, as pseudonymous ids; and
    what is wrong with the lines that name nobody (the code as typed is not repeated: it is someone's)."""
    ids: list[str] = []
    errors: list[str] = []
    lines = [line for line in typed.splitlines() if line.strip()]
    if len(lines) > MAX_CO_INITIATORS:
        return [], [_l("Name at most %(max)s members.", max=MAX_CO_INITIATORS)]
    with gateway().engine.connect() as conn:
        for number, line in enumerate(lines, 1):
            code = normalise_reference(line)
            found = None
            if code is not None:
                found = conn.execute(sa.select(people.c.person_id).where(people.c.reference == code)).scalar()
            if code is None:
                errors.append(_l("Line %(line)s is not a reference code. One looks like K7QF-3MZP-X2.", line=number))
            elif found is None:
                errors.append(_l("Nobody with the reference code on line %(line)s has logged in yet.", line=number))
            elif me is not None and str(found) == str(me):
                errors.append(_l("Line %(line)s is your own code: you represent the group already.", line=number))
            elif str(found) not in ids:
                ids.append(str(found))
    return ids, errors


def cents(typed: str) -> int | None:
    digits = "".join(ch for ch in typed if ch.isdigit())
    return int(digits) * 100 if digits else None


# --- step 1: the group opens the draft -------------------------------------------------------------------


def _nonce(value: str | None) -> str:
    return value if value and re.fullmatch(r"[0-9a-f]{32}", value) else secrets.token_hex(16)


@portal.route("/challenges/tasks/<uuid:task_id>/start", methods=["GET", "POST"])
def start_challenge(task_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    try:
        task = get_task(task_id)
        profile, _criteria = rules_for(task)
    except Refused as refused:
        return missing(refused.status)
    except ServiceError:
        return missing(503)
    when, standing = availability(task, datetime.now(UTC)), my_standing(profile)
    if when.state != "open":
        return page("portal/challenges/cannot.html", 409, task=task, reason="closed", when=when)
    if standing is None or not standing.may:
        return page("portal/challenges/cannot.html", 403, task=task, reason="standing", standing=standing)
    listed = task.get("eligible_legal_forms") or []
    form: FlaskForm = ListedGroupForm() if listed else GroupForm()
    if listed:
        form.legal_form.choices = [SelectChoice("", _l("Choose a legal form")), *(SelectChoice(f) for f in listed)]
    least = max(1, int(task.get("min_members") or 1))
    form.members_count.validators = [
        *form.members_count.validators,
        NumberRange(least, 1_000_000, _l("This task needs a group of at least %(min)s members.", min=least)),
    ]
    nonce = _nonce(request.form.get("nonce"))
    context = {"task": task, "form": form, "nonce": nonce, "least": least, "listed": listed}
    if request.method == "GET":
        return page("portal/challenges/group.html", step="group", **context)
    valid = form.validate_on_submit()
    members, wrong = co_initiators(form.co_initiators.data or "", getattr(principal(), "person_id", None))
    if wrong:
        form.co_initiators.errors = wrong
    if not valid or wrong:
        return page("portal/challenges/group.html", 422, step="group", **context)
    group = {
        "name": form.name.data.strip(),
        "legal_form": form.legal_form.data,
        "members_count": form.members_count.data,
        "co_initiator_ids": members,
    }
    try:
        with submission_limits():
            case = api().post(
                SERVICE,
                "v1/challenges",
                {"task_id": str(task_id), "group": group},
                idempotency_key=f"challenge-{nonce}",
            )
    except Refused as refused:
        if refused.status == 403:
            return page("portal/challenges/cannot.html", 403, task=task, reason="refused", standing=standing)
        return page("portal/challenges/group.html", refused.status, step="group", refused=True, **context)
    except ServiceError:
        return page("portal/challenges/group.html", 503, step="group", unavailable=True, **context)
    return redirect(url_for("portal.challenge_step", challenge_id=case["id"], step="plan"))


# --- steps 2 and 3: the plan, the budget and means --------------------------------------------------------


def _draft(
    challenge_id: uuid.UUID, editable: tuple[str, ...] = ("draft",)
) -> tuple[dict[str, Any] | None, FlaskResponse | BaseResponse | None]:
    """The case while the group may change it (a draft; documents also in answer to a question), or the
    answer instead: not there, or no longer to change (its page)."""
    try:
        case = get_case(challenge_id)
    except Refused as refused:
        return None, missing(404 if refused.status in (403, 404) else refused.status)
    except ServiceError:
        return None, missing(503)
    if case["status"] not in editable or not is_representative(case):  # sent, or read by a member who follows it
        return None, redirect(url_for("portal.challenge_case", challenge_id=challenge_id))
    return case, None


def _task_of(case: dict[str, Any]) -> dict[str, Any]:
    try:
        return get_task(case["task_id"])
    except ServiceError:
        return {"id": case["task_id"], "title": ""}


@portal.route("/challenges/<uuid:challenge_id>/<any(plan, budget):step>", methods=["GET", "POST"])
def challenge_step(challenge_id: uuid.UUID, step: str) -> FlaskResponse | BaseResponse:
    case, answer = _draft(challenge_id)
    if case is None:
        assert answer is not None
        return answer
    saved = dict(case["submission"])
    if step == "plan":
        form = PlanForm(data=saved) if request.method == "GET" else PlanForm()
    else:
        amount = saved.get("cost_estimate_cents")
        data = saved | {"cost_estimate": "" if amount is None else str(amount // 100)}
        form = MeansForm(data=data) if request.method == "GET" else MeansForm()
    context: dict[str, Any] = {"case": case, "task": _task_of(case), "form": form, "step": step}
    if request.method == "GET":
        return page(f"portal/challenges/{step}.html", **context)
    if not form.validate_on_submit():
        return page(f"portal/challenges/{step}.html", 422, **context)
    if step == "plan":
        changed = {name: (getattr(form, name).data or "").strip() for name in PLAN}
    else:
        changed = {
            "cost_estimate_cents": cents(form.cost_estimate.data or ""),
            "capacity_and_finances": (form.capacity_and_finances.data or "").strip(),
            "support_asked": (form.support_asked.data or "").strip(),
        }
    try:
        api().post(SERVICE, f"v1/challenges/{challenge_id}/draft", saved | changed)
    except Refused as refused:
        if refused.status == 409:  # sent meanwhile (another tab)
            return redirect(url_for("portal.challenge_case", challenge_id=challenge_id))
        return page(f"portal/challenges/{step}.html", refused.status, refused=True, **context)
    except ServiceError:
        return page(f"portal/challenges/{step}.html", 503, unavailable=True, **context)
    if request.form.get("action") == "draft":
        flash("draft_saved", "challenge")
        return redirect(url_for("portal.challenge_step", challenge_id=challenge_id, step=step))
    if step == "plan":
        return redirect(url_for("portal.challenge_step", challenge_id=challenge_id, step="budget"))
    return redirect(url_for("portal.challenge_documents", challenge_id=challenge_id))


# --- step 4: documents ------------------------------------------------------------------------------------


@portal.route("/challenges/<uuid:challenge_id>/documents", methods=["GET", "POST"])
def challenge_documents(challenge_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    case, answer = _draft(challenge_id, ("draft", "information_requested"))
    if case is None:
        assert answer is not None
        return answer
    form, too_large = document_form()
    context: dict[str, Any] = {"case": case, "task": _task_of(case), "step": "documents", "form": form}
    if too_large:
        return page("portal/challenges/documents.html", 413, **context)
    if request.method == "GET":
        return page("portal/challenges/documents.html", **context)
    if not form.validate_on_submit():
        return page("portal/challenges/documents.html", 422, **context)
    try:
        with submission_limits():
            sent = send_document(form, SERVICE, f"v1/challenges/{challenge_id}/documents")
    except ServiceError:
        return page("portal/challenges/documents.html", 503, unavailable=True, **context)
    if not sent:
        return page("portal/challenges/documents.html", 422, **context)
    flash("document_added", "challenge")
    return redirect(url_for("portal.challenge_documents", challenge_id=challenge_id))


# --- step 5: check and send -------------------------------------------------------------------------------


def missing_parts(submission: dict[str, Any]) -> list[str]:
    return [name for name in REQUIRED if submission.get(name) in ("", None)]


@portal.route("/challenges/<uuid:challenge_id>/check", methods=["GET", "POST"])
def check_challenge(challenge_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    case, answer = _draft(challenge_id)
    if case is None:
        assert answer is not None
        return answer
    task = _task_of(case)
    lacking = missing_parts(case["submission"])
    when = availability(task, datetime.now(UTC)) if "windows" in task else None
    context: dict[str, Any] = {"case": case, "task": task, "lacking": lacking, "when": when, "step": "check"}
    if request.method == "GET":
        return page("portal/challenges/check.html", **context)
    if lacking or (when is not None and when.state != "open"):
        return page("portal/challenges/check.html", 422, tried=True, **context)
    try:
        with submission_limits():
            api().post(SERVICE, f"v1/challenges/{challenge_id}/submit", {}, idempotency_key=f"submit-{challenge_id}")
    except Refused as refused:
        if refused.status == 409:  # sent already (a double click): its confirmation
            return redirect(url_for("portal.challenge_sent", challenge_id=challenge_id))
        return page("portal/challenges/check.html", refused.status, refused=True, **context)
    except ServiceError:
        return page("portal/challenges/check.html", 503, unavailable=True, **context)
    return redirect(url_for("portal.challenge_sent", challenge_id=challenge_id))


@portal.get("/challenges/<uuid:challenge_id>/sent")
def challenge_sent(challenge_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    try:
        case = get_case(challenge_id)
    except Refused as refused:
        return missing(404 if refused.status in (403, 404) else refused.status)
    except ServiceError:
        return missing(503)
    if case["status"] == "draft":
        return redirect(url_for("portal.check_challenge", challenge_id=challenge_id))
    task = _task_of(case)
    try:
        profile, _criteria = rules_for(task) if "profile" in task else (None, None)
    except ServiceError:
        profile = None
    submitted = parsed(case.get("submitted_at"))
    acknowledgement = (profile or {}).get("deadlines", {}).get("acknowledgement", "")
    return page(
        "portal/challenges/sent.html",
        case=case,
        task=task,
        acknowledged_by=after(submitted, acknowledgement) if submitted else None,
        reference=str(challenge_id)[:8].upper(),
    )
