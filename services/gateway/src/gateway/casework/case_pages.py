"""The officials' case page, ``/desk/cases/<service>/<case id>``: the case's whole history as a
timeline (from the services' events the gateway's consumers kept), assignment and reassignment with a
reason, internal notes, documents (the officials' internal ones and the residents'), and the next
actions the official's roles allow.

Officials only (roles from the login session). Notes and assignment reasons stay in the gateway's
database: only this page shows them, never a resident's page, a notice or an event. Both forms work
without JavaScript: an error summary and a 400 on wrong input (nothing stored), a confirmation after.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, flash, get_flashed_messages, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response as BaseResponse
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from gateway.adapters.tables import people, sessions
from gateway.casework import case_labels, case_store, labels
from gateway.casework.case_attachments import read_upload, residents_documents
from gateway.casework.next_actions import Action, next_actions
from gateway.casework.pages import QUEUE_ROLES
from gateway.casework.queue import SERVICES
from gateway.casework.timeline import Assignment, acting_role, timeline
from gateway.casework.views import deadline
from gateway.context import gateway
from gateway.identity.pseudonyms import display_reference, normalise_reference
from gateway.portal.documents import DocumentForm, document_form, install_document_uploads
from gateway.web import install_page_answers, page
from meemaken_kit.auth import allow, principal
from meemaken_kit.documents import download
from meemaken_kit.roles import OFFICIALS, Role

cases = Blueprint("cases", __name__)
install_page_answers(cases)
install_document_uploads(cases)

CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}(/[A-Za-z0-9][A-Za-z0-9_.:-]{0,38})?$")
MAX_REASON = 500
PLAIN = re.compile(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$")  # no control characters (new lines are fine)


def _plain(form: FlaskForm, field: Any) -> None:
    if not PLAIN.match(field.data or ""):
        raise ValidationError(_l("Use letters, digits, spaces and punctuation."))


def _stripped(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class NoteForm(FlaskForm):  # type: ignore[misc]
    text = TextAreaField(
        _l("Your note"),
        filters=[_stripped],
        render_kw={"required": False},  # the error summary says it: no red border before anything is typed
        validators=[
            DataRequired(message=_l("Write the note.")),
            Length(max=case_store.MAX_NOTE, message=_l("Use at most %(max)s characters.", max=case_store.MAX_NOTE)),
            _plain,
        ],
    )


class AssignForm(FlaskForm):  # type: ignore[misc]
    to = RadioField(
        _l("Assign the case to"),
        choices=[SelectChoice("me", _l("Me")), SelectChoice("colleague", _l("A colleague"))],
        validators=[InputRequired(message=_l("Choose who the case is for."))],
    )
    reference = StringField(_l("The colleague's reference code"))
    reason = TextAreaField(
        _l("Reason"),
        filters=[_stripped],
        render_kw={"required": False},
        validators=[
            DataRequired(message=_l("Say why the case goes to them.")),
            Length(max=MAX_REASON, message=_l("Use at most %(max)s characters.", max=MAX_REASON)),
            _plain,
        ],
    )


def _official() -> tuple[str, tuple[str, ...]]:
    who = principal()
    assert who is not None and who.person_id is not None
    return str(who.person_id), tuple(who.roles)


def _known_case(service: str, case_id: str) -> bool:
    return service in SERVICES and CASE_ID.match(case_id) is not None


def _served(link: str | None) -> str | None:
    """The link when the gateway serves a page there (a GET), else None: no dead links."""
    if link is None:
        return None
    try:
        current_app.url_map.bind("localhost").match(link, method="GET")
    except RequestRedirect:  # the same page with a slash: still served
        pass
    except (NotFound, MethodNotAllowed):
        return None
    return link


def _references(conn: sa.Connection, ids: set[str]) -> dict[str, str]:
    found = conn.execute(sa.select(people.c.person_id, people.c.reference).where(people.c.person_id.in_(ids)))
    return {str(pid): display_reference(ref) for pid, ref in found}


def _render(
    service: str,
    case_id: str,
    note: NoteForm | None = None,
    assign: AssignForm | None = None,
    status: int = 200,
    document: DocumentForm | None = None,
) -> Response:
    me, roles = _official()
    with gateway().engine.connect() as conn:
        item = case_store.item(conn, service, case_id)
        entries = case_store.history(conn, service, case_id)
        given = case_store.assignments(conn, service, case_id)
        if item is None and not entries:
            return page("casework/case_missing.html", 404)
        notes = case_store.notes(conn, service, case_id)
        attached = case_store.attachments(conn, service, case_id)
        officials = {e.actor_id for e in entries if e.actor_id and e.actor_role in OFFICIALS}  # never a resident's
        people_ids = {a.assignee for a in given} | {str(n["author_id"]) for n in notes} | officials
        people_ids |= {str(a["added_by"]) for a in attached}
        references = _references(conn, people_ids) if people_ids else {}
    actions: list[tuple[Action, str | None]] = [
        (a, _served(a.link(case_id)))
        for a in next_actions(item["kind"] if item else None, bool(item and item["open"]), roles)
    ]
    return page(
        "casework/case.html",
        status,
        service=service,
        case_id=case_id,
        item=item,
        due=deadline(item["due_at"], item["alert"], datetime.now(UTC)) if item else None,
        moments=timeline(entries, given),
        notes=notes,
        actions=actions,
        me=me,
        references=references,
        note=note or NoteForm(formdata=None),
        assign=assign or AssignForm(formdata=None),
        attached=attached,
        residents_documents=residents_documents(service, case_id),
        document=document or DocumentForm(formdata=None),
        labels=labels,
        words=case_labels,
        flashed=get_flashed_messages(category_filter=["case"]),
    )


@cases.get("/desk/cases/<service>/<path:case_id>")
@allow(*QUEUE_ROLES)
def case(service: str, case_id: str) -> Response:
    if not _known_case(service, case_id):
        return page("casework/case_missing.html", 404)
    return _render(service, case_id)


@cases.post("/desk/cases/<service>/<path:case_id>/notes")
@allow(*QUEUE_ROLES)
def add_note(service: str, case_id: str) -> Response | BaseResponse:
    if not _known_case(service, case_id):
        return page("casework/case_missing.html", 404)
    form = NoteForm()
    if not form.validate():
        return _render(service, case_id, note=form, status=400)
    me, roles = _official()
    with gateway().engine.begin() as conn:
        if case_store.item(conn, service, case_id) is None and not case_store.history(conn, service, case_id):
            return page("casework/case_missing.html", 404)
        case_store.add_note(conn, service, case_id, me, acting_role(roles) or "", form.text.data)
    flash("noted", "case")
    return redirect(url_for("cases.case", service=service, case_id=case_id) + "#notes-title", 303)


@cases.post("/desk/cases/<service>/<path:case_id>/attachments")
@allow(*QUEUE_ROLES)
def attach(service: str, case_id: str) -> Response | BaseResponse:
    """An official's document on the case: internal, checked as every document is (nothing kept else)."""
    if not _known_case(service, case_id):
        return page("casework/case_missing.html", 404)
    form, too_large = document_form()
    if too_large or not form.validate():
        return _render(service, case_id, document=form, status=413 if too_large else 400)
    document = read_upload(form)
    if document is None:
        return _render(service, case_id, document=form, status=400)
    me, roles = _official()
    with gateway().engine.begin() as conn:
        if case_store.item(conn, service, case_id) is None and not case_store.history(conn, service, case_id):
            return page("casework/case_missing.html", 404)
        try:
            case_store.attach(conn, service, case_id, document, me, acting_role(roles) or "")
        except case_store.TooManyAttachments:
            form.document.errors = [_l("No more documents can be added: the limit is reached.")]
    if form.document.errors:
        return _render(service, case_id, document=form, status=400)
    flash("attached", "case")
    return redirect(url_for("cases.case", service=service, case_id=case_id) + "#documents-title", 303)


@cases.get("/desk/attachments/<uuid:attachment_id>")
@allow(*QUEUE_ROLES)
def attachment(attachment_id: uuid.UUID) -> Response:
    """An official's document, to officials only: as an attachment, its type as its bytes showed, nosniff."""
    with gateway().engine.connect() as conn:
        found = case_store.attachment(conn, str(attachment_id))
    if found is None:
        return page("casework/case_missing.html", 404)
    return download(found["content"], found["content_type"], found["filename"], found["sha256"])


def _colleague(conn: sa.Connection, typed: str) -> str | None:
    """The person id of an official who logged in with this reference code, or None."""
    reference = normalise_reference(typed)
    if reference is None:
        return None
    person = conn.execute(sa.select(people.c.person_id).where(people.c.reference == reference)).scalar()
    if person is None:
        return None
    held = conn.execute(sa.select(sessions.c.roles).where(sessions.c.person_id == str(person))).scalars()
    official = any(set(roles or ()) & (OFFICIALS - {Role.MENTOR, Role.MODERATOR}) for roles in held)
    return str(person) if official else None


@cases.post("/desk/cases/<service>/<path:case_id>/assignment")
@allow(*QUEUE_ROLES)
def assign(service: str, case_id: str) -> Response | BaseResponse:
    if not _known_case(service, case_id):
        return page("casework/case_missing.html", 404)
    form = AssignForm()
    me, roles = _official()
    valid = form.validate()
    if valid and form.to.data == "colleague" and not (form.reference.data or "").strip():
        form.reference.errors = [_l("Enter the colleague's reference code, shown on their account page.")]
        valid = False
    with gateway().engine.begin() as conn:
        item = case_store.item(conn, service, case_id)
        if item is None:
            return page("casework/case_missing.html", 404)
        assignee = me
        if valid and not item["open"]:
            form.to.errors = [_l("The case is closed: it is no longer assigned.")]
            valid = False
        if valid and form.to.data == "colleague":
            found = _colleague(conn, form.reference.data)
            if found is None:
                form.reference.errors = [_l("No official with this reference code has logged in.")]
                valid = False
            assignee = found or me
        if valid and item["assignee"] == assignee:
            (form.to if assignee == me else form.reference).errors = [_l("The case is already assigned to them.")]
            valid = False
        if valid:
            given = Assignment(
                str(uuid.uuid4()),
                service,
                case_id,
                assignee,
                datetime.now(UTC),
                me,
                acting_role(roles),
                form.reason.data,
            )
            case_store.assign(conn, given)
    if not valid:
        return _render(service, case_id, assign=form, status=400)
    flash("assigned_to_me" if assignee == me else "assigned", "case")
    return redirect(url_for("cases.case", service=service, case_id=case_id), 303)


def shown_facts(facts: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The facts the page lists, in the order of their words (a state change as its new state)."""
    same = facts.get("to_status") == facts.get("from_status")
    return [(n, facts[n]) for n in case_labels.FACTS if n in facts and not (n == "to_status" and same)]


@cases.app_context_processor
def _case_words() -> dict[str, Any]:
    return {"shown_facts": shown_facts}
