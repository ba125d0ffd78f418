"""The officials' work queue page, ``/desk/queue``: every service's open cases in one list, with filters
(a GET form: works without JavaScript, and every view is a link), sorting, pages, the count, and each
official's saved views.

Officials only: the roles come from the session's principal, never from the request. The page reads
the gateway's own read model (``gateway.casework.store``), so it never waits on a service.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, Response, flash, get_flashed_messages, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import BooleanField, Form, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Regexp

from gateway.casework import labels, store
from gateway.casework.views import PAGE_SIZE, View, read_view
from gateway.context import gateway
from gateway.identity.sessions import ServerSession
from gateway.web import install_page_answers, page
from meemaken_kit.auth import allow, principal
from meemaken_kit.roles import Role

casework = Blueprint("casework", __name__)
install_page_answers(casework)

QUEUE_ROLES = (
    Role.CASE_OFFICER,
    Role.ASSESSOR,
    Role.DECISION_BODY,
    Role.PANEL_COORDINATOR,
    Role.SUPERVISOR,  # a department's head follows its cases and their deadlines
    Role.ADMINISTRATOR,
)
PROBLEMS = {
    "service": _l("Choose a service from the list."),
    "state": _l("Choose a state from the list."),
    "department": _l("Choose a department from the list."),
    "district": _l("Choose a district from the list."),
    "assignee": _l("Choose who the cases are assigned to from the list."),
    "overdue": _l("Tick the box or leave it empty."),
    "sort": _l("Choose an order from the list."),
    "page": _l("There is no such page; start at the first page."),
}


class QueueFilters(Form):  # type: ignore[misc]
    """The filter form, for its labels and error messages; the view itself is read by ``read_view``."""

    service = SelectField(_l("Service"))
    state = SelectField(_l("State"))
    department = SelectField(_l("Department"))
    district = SelectField(_l("District"))
    assignee = SelectField(_l("Assigned to"))
    overdue = BooleanField(_l("Only cases past their deadline"))
    sort = SelectField(_l("Order"))


class SaveViewForm(FlaskForm):  # type: ignore[misc]
    name = StringField(
        _l("Name of this view"),
        validators=[
            InputRequired(message=_l("Give the view a name.")),
            Length(max=80, message=_l("Use at most 80 characters.")),
            Regexp(r"^[^\x00-\x1f<>]*$", message=_l("Use letters, digits, spaces and punctuation.")),
        ],
    )
    query = HiddenField()


@casework.app_context_processor
def _queue_link() -> dict[str, bool]:
    """Whether the menu offers the queue: the login session's roles (from the provider), never the request."""
    identity = session.identity if isinstance(session, ServerSession) else None
    return {"works_the_queue": identity is not None and not set(identity.roles).isdisjoint(QUEUE_ROLES)}


def _official() -> str:
    who = principal()
    assert who is not None and who.person_id is not None
    return str(who.person_id)


def _filters(view: View, problems: dict[str, str], departments: list[str], districts: list[str]) -> QueueFilters:
    form = QueueFilters(
        data={
            name: getattr(view, name)
            for name in ("service", "state", "department", "district", "assignee", "overdue", "sort")
        }
    )
    everything = [SelectChoice("", _l("All"))]
    form.service.choices = everything + [SelectChoice(code, name) for code, name in labels.SERVICES.items()]
    form.state.choices = everything + [
        SelectChoice(state, f"{labels.SERVICES[service]}: {name}")
        for service, states in labels.STATES.items()
        for state, name in states.items()
    ]
    form.department.choices = everything + [
        SelectChoice(d) for d in sorted({*departments, *([view.department] if view.department else [])})
    ]
    form.district.choices = everything + [
        SelectChoice(d) for d in sorted({*districts, *([view.district] if view.district else [])})
    ]
    form.assignee.choices = [
        SelectChoice("", _l("Anyone or nobody")),
        SelectChoice("me", _l("Me")),
        SelectChoice("nobody", _l("Nobody yet")),
    ]
    form.sort.choices = [SelectChoice(code, name) for code, name in labels.SORTS.items()]
    for name, _code in problems.items():
        if name in form:
            form[name].errors = [PROBLEMS[name]]
    return form


def _known(values: list[str], chosen: str) -> list[tuple[str, str]]:
    """The values of the open items, and the chosen one (a saved view's department may have none now)."""
    return [(v, v) for v in sorted({*values, *([chosen] if chosen else [])})]


def _render(view: View, problems: dict[str, str], save: SaveViewForm | None = None, status: int = 200) -> Response:
    official = _official()
    with gateway().engine.connect() as conn:
        items = labels.card_words(store.find(conn, view, official))
        kept = store.views_of(conn, official)
        views = [view, *(read_view(dict(parse_qsl(row["query"])))[0] for row in kept)]
        found = store.summary(conn, views, official)
    saved = [{**row, "count": count} for row, count in zip(kept, found.counts[1:], strict=True)]
    save = save or SaveViewForm(formdata=None, query=view.query(page=1))
    return page(
        "casework/queue.html",
        status if not problems else 400,
        view=view,
        problems=[(name, PROBLEMS[name]) for name in problems],
        filters=_filters(view, problems, found.departments, found.districts),
        items=items,
        total=found.counts[0],
        saved=saved,
        save=save,
        me=official,
        labels=labels,
        pages=max(1, -(-found.counts[0] // PAGE_SIZE)),
        flashed=get_flashed_messages(category_filter=["queue"]),
    )


@casework.get("/desk/queue")
@allow(*QUEUE_ROLES)
def queue() -> Response:
    view, problems = read_view(request.args)
    return _render(view, problems)


@casework.post("/desk/queue/views")
@allow(*QUEUE_ROLES)
def save_view() -> Response | BaseResponse:
    form = SaveViewForm()
    view, problems = read_view(dict(parse_qsl(form.query.data or "")))
    if problems or not form.validate():
        return _render(view, problems, form, 400)
    try:
        with gateway().engine.begin() as conn:
            store.save_view(conn, _official(), form.name.data.strip(), view.query(page=1))
    except store.TooManyViews:
        form.name.errors = [_l("You have %(count)s saved views; delete one first.", count=store.MAX_SAVED_VIEWS)]
        return _render(view, problems, form, 400)
    flash("saved", "queue")
    return redirect(url_for("casework.queue") + "?" + view.query(page=1), 303)


@casework.post("/desk/queue/views/<uuid:view_id>/delete")
@allow(*QUEUE_ROLES)
def delete_view(view_id: object) -> BaseResponse:
    with gateway().engine.begin() as conn:
        gone = store.delete_view(conn, _official(), str(view_id))
    if gone:
        flash("deleted", "queue")
    return redirect(url_for("casework.queue"), 303)
