"""The officials' actions on a Right to Challenge case, beside its case page (``/desk/cases/challenges/<id>``):
the case as the challenges service has it (``/desk/challenges/<id>``: its state, the decision clock, the
gates, the assessment, the texts approved for the notice) and one page per action its state offers to the
session's roles (``gateway.casework.challenge_handling``): an information request (the clock pauses, until
when), out of scope, an extension, assessors, scores per criterion, dialogue, a modification, a panel
referral, texts for the notice, the consolidation with the judged gates, the decision with a preview of its
public notice, the objection, the agreement, execution, review and its conclusion, termination.

Every action is a form (no JavaScript) with an error summary, then a confirmation page, then the service's
API through ``gateway.backends.api()`` with the official's own token and an Idempotency-Key fixed on the
confirmation page (sent twice, it acts once). A text that names someone is refused on the form, with the
kit's detector the service uses; the service's own refusal is said in words.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, get_flashed_messages, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as BaseResponse

from gateway.adapters.tables import people, sessions
from gateway.backends import Refused, ServiceError, Unavailable, api
from gateway.casework import challenge_handling as handling
from gateway.casework.confirming import in_words
from gateway.context import gateway
from gateway.identity.pseudonyms import normalise_reference
from gateway.portal.challenges import after, rules_for
from gateway.web import install_page_answers, page
from meemaken_kit import personal_data
from meemaken_kit.auth import allow, principal
from meemaken_kit.roles import Role

challenge_actions = Blueprint("challenge_actions", __name__)
install_page_answers(challenge_actions)

SERVICE = "challenges"
HANDLING = (Role.CASE_OFFICER, Role.ASSESSOR, Role.DECISION_BODY)
FOUND = {
    personal_data.NAME_KIND: _l("a person's name"),
    personal_data.EMAIL_KIND: _l("an e-mail address"),
    personal_data.PHONE_KIND: _l("a phone number"),
    personal_data.NATIONAL_NUMBER_KIND: _l("a national register number"),
    personal_data.BSN_KIND: _l("a citizen service number"),
}


def _roles() -> frozenset[str]:
    who = principal()
    return frozenset() if who is None else frozenset(who.roles)


# --- the case and its rules from the service ------------------------------------------------------------


def _case(challenge_id: uuid.UUID) -> dict[str, Any]:
    try:
        found: dict[str, Any] = api().get(SERVICE, f"v1/challenges/{challenge_id}")
    except Refused as error:
        abort(error.status if error.status in (403, 404) else 404)
    return found


def _rules(case: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], handling.Rules]:
    profile, criteria = rules_for(case)
    if profile is None or criteria is None:
        raise Unavailable(SERVICE, "the case's rules are not published")
    return profile, criteria, handling.Rules.of(profile, criteria)


def _unavailable() -> Response:
    return page("casework/challenges/unavailable.html", 503)


# --- problems and refusals in words ---------------------------------------------------------------------


def _words(code: str, detail: Any, name: str, action: str) -> str:
    if code == "missing" and action == "panel-referral":
        return _("Write the question for the panel.")
    if code == "missing":
        return {
            "question": _("Write the question for the group."),
            "reason": _("Give the reason."),
            "text": _("Write the text."),
            "summary": _("Write what was agreed."),
            "reference": _("Enter the assessor's reference code."),
            "grounds": _("Choose at least one ground for a rejection."),
        }.get(name, _("Write the motivation."))
    if code == "too_long":
        return _("Use at most %(count)s characters.", count=detail)
    if code == "names_someone":
        found = ", ".join(str(FOUND.get(f.kind, f.kind)) for f in detail)
        return _(
            "This text may be published, so it names no one. Found: %(found)s. Refer to people by their role.",
            found=found,
        )
    if code == "not_days":
        return _("Enter a number of days from 1 to %(count)s.", count=detail)
    if code == "not_on_scale":
        return _("Give a score from %(low)s to %(high)s.", low=detail[0], high=detail[1])
    if code == "none_scored":
        return _("Score at least one criterion, with its motivation.")
    if code == "not_with_accept":
        return _("An acceptance has no grounds: leave them empty, or reject.")
    if code == "no_assessor":
        return _("No assessor with this reference code has logged in.")
    return _("Choose from the list.")


def refusal(error: ServiceError) -> str:
    """What the service said, in plain words (its own detail follows, as it gave it)."""
    silent = _("The Right to Challenge service did not answer. Nothing was changed; try again in a moment.")
    leads = {
        403: _("You may not do this for this case."),
        404: _("There is no such case."),
        409: _("This is not possible in the case's current state."),
        412: _("The case changed in the meantime. Look at it again before you act."),
        422: _("The Right to Challenge service did not accept what you sent."),
    }
    return in_words(error, silent, leads, _("The Right to Challenge service refused this."))


# --- the case as officials see it -------------------------------------------------------------------------


def _clock(case: Mapping[str, Any], profile: Mapping[str, Any]) -> dict[str, Any]:
    """The decision clock: when the decision is due, or paused (with the time it keeps) and until when the
    group may answer the information asked for."""
    asked = [h["at"] for h in case.get("history", []) if h.get("action") == "request_information"]
    repair = profile["deadlines"].get("repair_period", "")
    answer_by = after(datetime.fromisoformat(asked[-1]), repair) if asked and case.get("information_request") else None
    return {
        "due_at": case.get("decision_due_at"),
        "paused": bool(case.get("decision_clock_paused")),
        "left_days": _days(case.get("decision_time_left")),
        "answer_by": answer_by,
    }


def _days(duration: str | None) -> int | None:
    """The whole days of an ISO 8601 duration the service gives (``P12DT3H``: 12)."""
    if not duration or not duration.startswith("P"):
        return None
    head = duration[1:].split("T", 1)[0]
    return int(head[:-1]) if head.endswith("D") and head[:-1].isdigit() else 0


@challenge_actions.get("/desk/challenges/<uuid:challenge_id>")
@allow(*HANDLING)
def challenge(challenge_id: uuid.UUID) -> Response:
    try:
        case = _case(challenge_id)
        profile, criteria, rules = _rules(case)
    except Unavailable:
        return _unavailable()
    return page(
        "casework/challenges/challenge.html",
        case=case,
        profile=profile,
        criteria=criteria,
        rules=rules,
        clock=_clock(case, profile),
        actions=handling.offered(case["status"], _roles()),
        flashed=list(dict.fromkeys(get_flashed_messages(category_filter=["challenge"]))),  # a retry: said once
    )


# --- one action: the form, its confirmation, the request -------------------------------------------------


def _assessor(typed: str) -> str | None:
    """The pseudonymous id of someone who logged in as an assessor with this reference code, or None."""
    reference = normalise_reference(typed)
    if reference is None:
        return None
    with gateway().engine.connect() as conn:
        person = conn.execute(sa.select(people.c.person_id).where(people.c.reference == reference)).scalar()
        if person is None:
            return None
        held = conn.execute(sa.select(sessions.c.roles).where(sessions.c.person_id == str(person))).scalars()
        return str(person) if any(Role.ASSESSOR in (roles or ()) for roles in held) else None


def _preview(challenge_id: uuid.UUID, body: Mapping[str, Any]) -> dict[str, Any]:
    """The public notice the decision would publish, composed by the service; nothing is stored."""
    params = {"outcome": body["outcome"], "grounds": body.get("grounds") or None}
    found: dict[str, Any] = api().get(SERVICE, f"v1/challenges/{challenge_id}/notice-preview", params=params)
    return found


def _action_page(action: handling.Action, case: dict[str, Any], status: int = 200, **more: Any) -> Response:
    profile, criteria, rules = _rules(case)
    now, deadlines = datetime.now(UTC), profile["deadlines"]
    values = more.pop("values", {})
    problems = more.pop("problems", {})
    return page(
        "casework/challenges/action.html",
        400 if problems else status,
        action=action,
        case=case,
        profile=profile,
        criteria=criteria,
        rules=rules,
        clock=_clock(case, profile),
        values=values,
        problems={name: _words(code, detail, name, action.code) for name, (code, detail) in problems.items()},
        mine=_mine(case),
        unscored=handling.unscored(case.get("assessment"), rules),
        answer_by=after(now, deadlines.get("repair_period", "")),
        reply_by=after(now, deadlines.get("modification_reply", "")),
        **more,
    )


def _mine(case: Mapping[str, Any]) -> dict[str, Any]:
    """The scores the signed-in assessor gave already (criterion -> score), to show on their form."""
    who = principal()
    me = str(who.person_id) if who and who.person_id else ""
    scores = (case.get("assessment") or {}).get("scores", [])
    return {s["criterion"]: s for s in scores if s.get("assessor_id") == me}


ACTION = "/desk/challenges/<uuid:challenge_id>/<any(" + ", ".join(f"'{c}'" for c in handling.BY_CODE) + "):code>"


@challenge_actions.route(ACTION, methods=["GET", "POST"])
@allow(*HANDLING)
def act(challenge_id: uuid.UUID, code: str) -> Response | BaseResponse:
    action = handling.BY_CODE[code]
    if action.roles.isdisjoint(_roles()):
        abort(403)
    try:
        case = _case(challenge_id)
        if case["status"] not in action.states and _batch() is None:
            return _action_page(action, case, 409, closed=True)
        if request.method == "GET":
            return _action_page(action, case, version=case["version"])
        return _post(action, case)
    except Unavailable:
        return _unavailable()


def _batch() -> str | None:
    """The confirmation's batch (fixed on its page), or None: not a confirmation, or one not from that page.
    A confirmation goes to the service even when the case moved on: sent again, the service answers as it did
    the first time (the same Idempotency-Key), or refuses what is no longer possible, in words."""
    if request.method != "POST" or request.form.get("step") != "confirm":
        return None
    try:
        return str(uuid.UUID(request.form.get("batch", "")))
    except ValueError:
        return None


def _post(action: handling.Action, case: dict[str, Any]) -> Response | BaseResponse:
    form = request.form
    _profile, _criteria, rules = _rules(case)
    read = handling.read(action, form, form.getlist("grounds"), rules)
    if action.code == "assessors" and not read.problems:
        assessor = _assessor(read.values["reference"])
        if assessor is None:
            read.problems["reference"] = ("no_assessor", None)
        read.bodies = [{"assessor_id": assessor}]
    version = form.get("version", "")
    common: dict[str, Any] = {"values": read.values, "version": version}
    step = form.get("step")
    if read.problems or step == "change":
        return _action_page(action, case, problems=read.problems, **common)
    if step != "confirm":
        preview = None
        if action.path == "decision":
            try:
                preview = _preview(case["id"], read.bodies[0])
            except Refused as error:
                return _action_page(action, case, refused=refusal(error), **common)
        return _action_page(action, case, confirming=True, batch=str(uuid.uuid4()), preview=preview, **common)
    batch = _batch()
    if batch is None:
        return _action_page(action, case, 400, refused=_("Check the action again before you confirm it."), **common)
    expected = int(version) if version.isdigit() else None
    for number, body in enumerate(read.bodies):
        sent = {**body, "expected_version": expected} if number == 0 and expected is not None else body
        try:
            key = handling.idempotency_key(batch, f"{action.path}/{body.get('criterion', '')}")
            api().post(SERVICE, f"v1/challenges/{case['id']}/{action.path}", sent, idempotency_key=key)
        except ServiceError as error:
            if number:  # some scores went: say which, from the case as it is now
                flash(action.code, "challenge")
            return _action_page(action, _case(uuid.UUID(case["id"])), 409, refused=refusal(error), **common)
    flash(action.code, "challenge")
    return redirect(url_for("challenge_actions.challenge", challenge_id=case["id"]), 303)


@challenge_actions.app_template_filter("days_from_now")
def days_from_now(moment: datetime | str | None) -> int | None:
    """Whole days from now to ``moment`` (negative when it passed)."""
    if moment is None:
        return None
    when = moment if isinstance(moment, datetime) else datetime.fromisoformat(moment)
    return (when.astimezone(UTC).date() - datetime.now(UTC).date()).days
