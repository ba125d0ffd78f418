"""Use case: send the e-mails that are due, and record what became of each.

Addresses and language are read from the contact store now, at sending time (never copied into
events or the queue). A message is rendered once per (event, template, role, language), kept for the next batches
(a fan-out's 150,000 e-mails come in 1,500 batches of one event), and handed to the server once per
recipient (a batch's messages of one notice in one go: pipelined when the server allows it); outcomes are
written back in one statement per batch.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from meemaken_events.tracing import continued
from notifications.adapters.contacts import ContactStore
from notifications.adapters.deliveries import DeliveryLog, Due
from notifications.adapters.notices import Notice, NoticeStore
from notifications.adapters.smtp import PreparedMail
from notifications.domain.delivery import Outcome, RetryPolicy, after_failure
from notifications.domain.digest import period_start
from notifications.domain.people import Contact
from notifications.domain.templates import digest, render
from notifications.service_layer.ports import Clock, Mailer

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)


class PreparedMails:
    """The messages prepared last, shared by the sender threads: an event's notice never changes, so its
    message in a language is rendered and encoded once, not once per batch."""

    def __init__(self, size: int = 64) -> None:
        self.size, self._lock = size, threading.Lock()
        self._mails: OrderedDict[tuple[Any, ...], PreparedMail] = OrderedDict()

    def get(self, key: tuple[Any, ...], make: Callable[[], PreparedMail]) -> PreparedMail:
        with self._lock:
            if key in self._mails:
                self._mails.move_to_end(key)
                return self._mails[key]
        mail = make()  # outside the lock: two threads may render the same message once each, harmlessly
        with self._lock:
            self._mails[key] = mail
            while len(self._mails) > self.size:
                self._mails.popitem(last=False)
        return mail


@dataclass(frozen=True)
class Sender:
    engine: sa.Engine
    clock: Clock
    policy: RetryPolicy
    sender_address: str
    zone: tzinfo
    batch: int = 100
    prepared: PreparedMails = field(default_factory=PreparedMails, compare=False, repr=False)

    def send_due(self, mailer: Mailer, below: int | None = None) -> int:
        """Claim one batch of due e-mails (of a priority under `below`, when given) and send it; the number
        of deliveries handled."""
        now = self.clock()
        with self.engine.begin() as conn:
            due = DeliveryLog(conn).claim_due(now, self.batch, now + LEASE, below)
        if not due:
            return 0
        with self.engine.connect() as conn:
            notices = NoticeStore(conn).many(d.notice_id for d in due if d.notice_id)
            contacts = ContactStore(conn).many(d.recipient_id for d in due)
            digests = {d.id: _digest_parts(conn, d.id) for d in due if d.template == "digest"}
        outcomes: dict[UUID, Outcome] = {}
        groups: dict[tuple[Any, ...], list[tuple[Due, str, bytes]]] = {}  # a notice's messages go together
        for d in due:
            contact = contacts.get(d.recipient_id)
            if contact is None or not contact.email:
                outcomes[d.id] = Outcome("failed", None, "no e-mail address on file")
                continue
            mail = self._prepare(d, contact, notices, digests)
            key = (mail.envelope_from, d.notice_id or d.id, d.template)
            groups.setdefault(key, []).append((d, contact.email, mail.to(contact.email, str(d.id))))
        for (envelope_from, notice_id, template), mails in groups.items():
            notice = notices.get(notice_id)  # a digest has none: a trace of its own
            with continued(
                "send e-mail",
                notice.traceparent if notice else None,
                notice.tracestate if notice else None,
                {"notification.channel": "email", "notification.template": template},
            ) as span:
                failures = mailer.send_all(envelope_from, [(address, text) for _, address, text in mails])
                span.set_attribute("notification.messages", len(mails))
                span.set_attribute("notification.not_sent", sum(f is not None for f in failures))
            for (d, _, _), failure in zip(mails, failures, strict=True):
                outcomes[d.id] = (
                    Outcome("sent", None, None)
                    if failure is None
                    else after_failure(failure, d.attempts, self.clock(), self.policy)
                )
        with self.engine.begin() as conn:
            DeliveryLog(conn).record(outcomes, self.clock())
        failed = sum(o.status != "sent" for o in outcomes.values())
        if failed:
            log.warning("sent %d e-mails, %d not (retried or failed)", len(outcomes) - failed, failed)
        return len(due)

    def _prepare(
        self,
        d: Due,
        contact: Contact,
        notices: dict[UUID, Notice],
        digests: dict[UUID, list[tuple[Notice, str, str]]],
    ) -> PreparedMail:
        lang = contact.preferences.language
        if d.template == "digest":
            parts = [render(t, n.event_type, n.data, lang, role) for n, t, role in digests[d.id]]
            cadence, _, day = (d.period or "daily:").partition(":")
            start = datetime.fromisoformat(day).date() if day else period_start(cadence, self.clock(), self.zone)
            return PreparedMail(self.sender_address, digest(parts, cadence, start, lang))
        assert d.notice_id is not None
        n = notices[d.notice_id]
        return self.prepared.get(
            (d.notice_id, d.template, d.role, lang),
            lambda: PreparedMail(self.sender_address, render(d.template, n.event_type, n.data, lang, d.role)),
        )


def _digest_parts(conn: sa.Connection, digest_id: UUID) -> list[tuple[Notice, str, str]]:
    rows = DeliveryLog(conn).in_digest(digest_id)
    notices = NoticeStore(conn).many(r.notice_id for r in rows)
    return [(notices[r.notice_id], r.template, r.role) for r in rows]


MailerFactory = Callable[[], Mailer]
