"""Answer templates in the gateway's database: reusable answers to proposals (a name, a position, a text)
an official picks and edits. Each belongs to a municipality and a department; an empty department is
for the whole municipality. An official sees their departments' templates and the municipality's, and
manages those of their departments (an official of no department: the municipality's)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from gateway.adapters.tables import answer_templates

MAX_TEMPLATES = 100  # per department


class TemplateExists(Exception):
    """That department already has a template of that name."""


class TooManyTemplates(Exception):
    """The department keeps MAX_TEMPLATES already."""


def templates_for(connection: sa.Connection, municipality: str, departments: Iterable[str]) -> Sequence[sa.RowMapping]:
    t = answer_templates
    query = sa.select(t).where(t.c.municipality == municipality, t.c.department.in_(["", *departments]))
    return connection.execute(query.order_by(t.c.department, t.c.name)).mappings().all()


def template(
    connection: sa.Connection, municipality: str, departments: Iterable[str], template_id: str
) -> sa.RowMapping | None:
    return next((row for row in templates_for(connection, municipality, departments) if row.id == template_id), None)


def add(
    connection: sa.Connection, municipality: str, department: str, name: str, position: str, text: str, by: str
) -> str:
    t = answer_templates
    mine = (t.c.municipality == municipality) & (t.c.department == department)
    if connection.execute(sa.select(t.c.id).where(mine, t.c.name == name)).first() is not None:
        raise TemplateExists
    if connection.execute(sa.select(sa.func.count()).where(mine)).scalar_one() >= MAX_TEMPLATES:
        raise TooManyTemplates
    new = str(uuid.uuid4())
    connection.execute(
        t.insert().values(
            id=new,
            municipality=municipality,
            department=department,
            name=name,
            position=position,
            text=text,
            created_by=by,
            created_at=datetime.now(UTC),
        )
    )
    return new


def delete(connection: sa.Connection, municipality: str, managed: Iterable[str], template_id: str) -> bool:
    """Remove a template of one of the departments the official manages (``""``: the municipality's)."""
    t = answer_templates
    gone = connection.execute(
        t.delete().where(t.c.id == template_id, t.c.municipality == municipality, t.c.department.in_(list(managed)))
    )
    return bool(gone.rowcount)
