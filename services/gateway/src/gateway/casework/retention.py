"""How long the gateway keeps a closed case: its work item, its history as the events told it, its
assignments, the officials' internal notes and attachments, its mentors and their guidance, and the
deadline crossings announced for it. All of it goes together, ``CASEWORK_RETENTION_DAYS`` (the gateway's
settings; never shorter than the inbox's retention, as an event of a closed case may come again until then)
after the case's last event once it is closed (the work item's ``open`` and ``version``); an open case's rows stay
however old. The worker's ``case retention`` step deletes a bounded batch of cases per transaction and
goes on at once while there are more; it logs and counts the rows it deleted.

The work item is the case's anchor: it says the case is closed and since when, so it goes last, with the
rest. A case the queue never heard of (no work item) is left alone: nothing says it is closed.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from prometheus_client import Counter as Metric

from gateway.adapters.case_tables import case_assignments, case_attachments, case_events, case_notes
from gateway.adapters.desk_tables import deadline_alerts, mentor_assignments, mentor_guidance
from gateway.adapters.tables import work_items

log = logging.getLogger("gateway.casework.retention")

BATCH = 100  # cases per transaction (each with up to 20 attachments)
CASE_TABLES = (
    case_events,
    case_assignments,
    case_notes,
    case_attachments,
    mentor_assignments,
    mentor_guidance,
    deadline_alerts,
)
FORGOTTEN = Metric(
    "meemaken_gateway_case_rows_forgotten_total",
    "Rows of closed cases past their retention deleted by the worker's case retention step",
    ["table"],
)


def forget_closed_cases(
    engine: sa.Engine, older_than: timedelta, batch: int = BATCH, now: datetime | None = None
) -> int:
    """Delete every row of up to ``batch`` cases closed before ``older_than`` ago; how many rows went.
    The items are locked while their rows go (skipped when a consumer holds them): an event that opens
    such a case again waits, then finds no item and opens a new one."""
    w = work_items
    cutoff = (now or datetime.now(UTC)) - older_than
    due = sa.select(w.c.service, w.c.case_id).where(w.c.open == sa.false(), w.c.version < cutoff)
    due = due.order_by(w.c.version).limit(batch)
    gone: Counter[str] = Counter()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        cases = [(str(service), str(case_id)) for service, case_id in conn.execute(due)]
        if not cases:
            return 0
        for table in (*CASE_TABLES, w):
            of_cases = sa.tuple_(table.c.service, table.c.case_id).in_(cases)
            gone[table.name] = int(conn.execute(table.delete().where(of_cases)).rowcount or 0)
    for table_name, count in gone.items():
        FORGOTTEN.labels(table_name).inc(count)
    log.info("closed cases forgotten", extra={"cases": len(cases), **{f"rows_{t}": n for t, n in gone.items()}})
    return sum(gone.values())
