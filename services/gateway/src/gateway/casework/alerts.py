"""Deadline alerts on the desk: ``/desk/alerts``, the cases near or past their deadline that concern the
official (assigned to them; for a supervisor, their departments' too), and ``/desk/alerts/overview``, the
breaches by department (how many, the oldest, per service) for supervisors and administrators.

Both read the gateway's work queue (gateway.casework.store); the flags are read now, as the queue reads
them. Who sees what comes from the session's principal: a supervisor scoped to departments
(``department:<name>``) sees theirs, a municipality-wide one every department.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response

from gateway.casework import alert_store, labels
from gateway.casework.pages import QUEUE_ROLES
from gateway.casework.views import deadline
from gateway.context import gateway
from gateway.web import install_page_answers, page
from meemaken_kit.auth import allow, principal
from meemaken_kit.deadlines import days_left
from meemaken_kit.roles import Role

alerts = Blueprint("alerts", __name__)
install_page_answers(alerts)

OVERVIEW_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)


def _supervision() -> tuple[str, bool, list[str] | None]:
    """The official, whether they supervise, and their departments (None: every department)."""
    who = principal()
    assert who is not None and who.person_id is not None
    supervising = Role.SUPERVISOR in who.roles
    scopes = who.role_scopes.get(Role.SUPERVISOR) if supervising else None
    departments = None if not scopes else sorted(s.removeprefix("department:") for s in scopes)
    if Role.ADMINISTRATOR in who.roles:
        departments = None
    return str(who.person_id), supervising or Role.ADMINISTRATOR in who.roles, departments


@alerts.get("/desk/alerts")
@allow(*QUEUE_ROLES)
def mine() -> Response:
    me, supervising, departments = _supervision()
    now = datetime.now(UTC)
    with gateway().engine.connect() as conn:
        found = alert_store.alerted_items(conn, me, departments, supervising, now)
    items = [{**item, "deadline": deadline(item["due_at"], item["alert"], now)} for item in found]
    return page(
        "casework/alerts/mine.html",
        assigned=[i for i in items if i["assignee"] == me],
        supervised=[i for i in items if i["assignee"] != me],
        supervising=supervising,
        departments=departments,
        me=me,
        labels=labels,
    )


@alerts.get("/desk/alerts/overview")
@allow(*OVERVIEW_ROLES)
def overview() -> Response:
    _me, _supervising, departments = _supervision()
    now = datetime.now(UTC)
    with gateway().engine.connect() as conn:
        rows = alert_store.breaches(conn, now, departments)
    return page(
        "casework/alerts/overview.html",
        per_department=alert_store.by_department(rows),
        total=sum(row.count for row in rows),
        departments=departments,
        now=now,
        labels=labels,
        days_left=days_left,
    )
