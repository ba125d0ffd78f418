"""Mentors on the desk: a case officer assigns a mentor to the group of a case (a proposal's authors, a
challenge's group) at ``/desk/cases/<service>/<case id>/mentors``; the mentor sees their groups' cases
with their deadlines at ``/desk/mentoring`` and leaves guidance for a group at
``/desk/mentoring/<service>/<case id>``, which the portal shows that group only (on the proposal's page
to its authors, on the challenge's case page, which only its group and officials can open).

Roles from the login session; a mentor sees only the groups assigned to them. Forms work without
JavaScript: an error summary and a 400 on wrong input (nothing stored), a confirmation after.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, flash, get_flashed_messages, redirect, session, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from gateway.casework import case_store, labels, mentor_store
from gateway.casework.case_pages import CASE_ID, _plain, _stripped
from gateway.casework.views import deadline
from gateway.context import gateway
from gateway.identity.pseudonyms import display_reference
from gateway.identity.sessions import ServerSession
from gateway.web import install_page_answers, page
from meemaken_kit.auth import allow, principal
from meemaken_kit.personal_data import find_personal_data
from meemaken_kit.roles import Role

mentoring = Blueprint("mentoring", __name__)
install_page_answers(mentoring)

ASSIGNING = (Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)
MENTOR_ID = re.compile(r"^[0-9a-f-]{36}$")


class MentorForm(FlaskForm):  # type: ignore[misc]
    reference = StringField(
        _l("The mentor's reference code"),
        filters=[_stripped],
        validators=[DataRequired(message=_l("Enter the mentor's reference code, shown on their account page."))],
    )


def _no_personal_data(form: FlaskForm, field: Any) -> None:
    """Guidance is kept and shown to a group: no one's name, e-mail address, phone or national number."""
    if find_personal_data(field.data or ""):
        raise ValidationError(_l("Leave out names, e-mail addresses, phone numbers and national numbers."))


class GuidanceForm(FlaskForm):  # type: ignore[misc]
    text = TextAreaField(
        _l("Your guidance for the group"),
        filters=[_stripped],
        render_kw={"required": False},
        validators=[
            DataRequired(message=_l("Write your guidance.")),
            Length(
                max=mentor_store.MAX_GUIDANCE,
                message=_l("Use at most %(max)s characters.", max=mentor_store.MAX_GUIDANCE),
            ),
            _plain,
            _no_personal_data,
        ],
    )


def _me() -> str:
    who = principal()
    assert who is not None and who.person_id is not None
    return str(who.person_id)


def _group_case(service: str, case_id: str) -> bool:
    return service in mentor_store.GROUP_SERVICES and CASE_ID.match(case_id) is not None


@mentoring.app_context_processor
def _mentoring_words() -> dict[str, Any]:
    """The menu's link for mentors (the session's roles), and the guidance a group page shows its group."""
    identity = session.identity if isinstance(session, ServerSession) else None
    roles = set(identity.roles) if identity is not None else set()
    return {
        "mentors_groups": Role.MENTOR in roles,
        "assigns_mentors": not roles.isdisjoint(ASSIGNING),
        "has_group": mentor_store.has_group,
        "mentor_guidance": _guidance,
    }


def _guidance(service: str, case_id: str) -> list[dict[str, Any]]:
    """For a group's own page (the caller decides the viewer is of the group): what its mentors wrote."""
    with gateway().engine.connect() as conn:
        return [dict(row) for row in mentor_store.guidance(conn, service, str(case_id))]


# --- a case officer assigns a mentor ---------------------------------------------------------------------


def _mentors_page(service: str, case_id: str, form: MentorForm | None = None, status: int = 200) -> Response:
    with gateway().engine.connect() as conn:
        item = case_store.item(conn, service, case_id)
        if item is None or not mentor_store.has_group(item):
            return page("casework/case_missing.html", 404)
        mentors = mentor_store.mentors_of(conn, service, case_id)
    return page(
        "casework/mentoring/assign.html",
        status,
        service=service,
        case_id=case_id,
        item=item,
        mentors=[{**m, "shown": display_reference(m["reference"]) if m["reference"] else ""} for m in mentors],
        form=form or MentorForm(formdata=None),
        labels=labels,
        flashed=get_flashed_messages(category_filter=["mentors"]),
    )


@mentoring.get("/desk/cases/<service>/<path:case_id>/mentors")
@allow(*ASSIGNING)
def mentors(service: str, case_id: str) -> Response:
    if not _group_case(service, case_id):
        return page("casework/case_missing.html", 404)
    return _mentors_page(service, case_id)


@mentoring.post("/desk/cases/<service>/<path:case_id>/mentors")
@allow(*ASSIGNING)
def assign_mentor(service: str, case_id: str) -> Response | BaseResponse:
    if not _group_case(service, case_id):
        return page("casework/case_missing.html", 404)
    form = MentorForm()
    if not form.validate():
        return _mentors_page(service, case_id, form, 400)
    with gateway().engine.begin() as conn:
        item = case_store.item(conn, service, case_id)
        if item is None or not mentor_store.has_group(item):
            return page("casework/case_missing.html", 404)
        mentor = mentor_store.mentor_by_reference(conn, form.reference.data)
        if mentor is None:
            form.reference.errors = [_l("No mentor with this reference code has logged in.")]
        elif not mentor_store.assign(conn, service, case_id, mentor, _me()):
            form.reference.errors = [_l("This mentor already coaches the group.")]
    if form.reference.errors:
        return _mentors_page(service, case_id, form, 400)
    flash("assigned", "mentors")
    return redirect(url_for("mentoring.mentors", service=service, case_id=case_id), 303)


@mentoring.post("/desk/cases/<service>/<path:case_id>/mentors/<mentor_id>/remove")
@allow(*ASSIGNING)
def remove_mentor(service: str, case_id: str, mentor_id: str) -> Response | BaseResponse:
    if not _group_case(service, case_id) or not MENTOR_ID.match(mentor_id):
        return page("casework/case_missing.html", 404)
    with gateway().engine.begin() as conn:
        removed = mentor_store.unassign(conn, service, case_id, mentor_id)
    if removed:
        flash("removed", "mentors")
    return redirect(url_for("mentoring.mentors", service=service, case_id=case_id), 303)


# --- the mentor's groups -------------------------------------------------------------------------------


@mentoring.get("/desk/mentoring")
@allow(Role.MENTOR)
def my_groups() -> Response:
    now = datetime.now(UTC)
    with gateway().engine.connect() as conn:
        groups = mentor_store.groups_of(conn, _me())
    for group in groups:
        group["deadline"] = deadline(group["due_at"], group["alert"], now) if group["open"] else None
    return page(
        "casework/mentoring/groups.html",
        groups=groups,
        upcoming=[g for g in groups if g["deadline"] is not None and g["deadline"].due_at is not None],
        labels=labels,
    )


def _group_page(service: str, case_id: str, form: GuidanceForm | None = None, status: int = 200) -> Response:
    now = datetime.now(UTC)
    with gateway().engine.connect() as conn:
        if not mentor_store.is_mentor_of(conn, _me(), service, case_id):
            return page("casework/case_missing.html", 404)  # not their group: as if there were none
        item = case_store.item(conn, service, case_id)
        written = mentor_store.guidance(conn, service, case_id)
    return page(
        "casework/mentoring/group.html",
        status,
        service=service,
        case_id=case_id,
        item=item,
        due=deadline(item["due_at"], item["alert"], now) if item and item["open"] else None,
        written=written,
        form=form or GuidanceForm(formdata=None),
        labels=labels,
        flashed=get_flashed_messages(category_filter=["guidance"]),
    )


@mentoring.get("/desk/mentoring/<service>/<path:case_id>")
@allow(Role.MENTOR)
def group(service: str, case_id: str) -> Response:
    if not _group_case(service, case_id):
        return page("casework/case_missing.html", 404)
    return _group_page(service, case_id)


@mentoring.post("/desk/mentoring/<service>/<path:case_id>")
@allow(Role.MENTOR)
def add_guidance(service: str, case_id: str) -> Response | BaseResponse:
    if not _group_case(service, case_id):
        return page("casework/case_missing.html", 404)
    form = GuidanceForm()
    if not form.validate():
        return _group_page(service, case_id, form, 400)
    with gateway().engine.begin() as conn:
        if not mentor_store.is_mentor_of(conn, _me(), service, case_id):
            return page("casework/case_missing.html", 404)
        mentor_store.add_guidance(conn, service, case_id, _me(), form.text.data)
    flash("saved", "guidance")
    return redirect(url_for("mentoring.group", service=service, case_id=case_id), 303)
