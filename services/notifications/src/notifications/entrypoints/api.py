"""HTTP → use case → response; nothing else happens here."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import Conflict, NotFound, UnprocessableEntity

from meemaken_kit.auth import allow
from meemaken_kit.roles import Role
from notifications.adapters.audiences import AudienceStore
from notifications.adapters.contacts import ContactStore
from notifications.adapters.deliveries import DeliveryLog
from notifications.adapters.notices import NoticeStore
from notifications.adapters.repository import MessageRepository
from notifications.domain.messages import Message
from notifications.domain.people import Contact, InvalidPreferences, Preferences
from notifications.domain.templates import letter_html, render
from notifications.entrypoints import schemas as s
from notifications.entrypoints.access import (
    PEOPLE,
    audience_manager,
    caller,
    checked,
    contact_writer,
    own_inbox,
    own_person,
)

messages = Blueprint(
    "messages", __name__, url_prefix="/api/v1/residents/<uuid:resident_id>/messages", description="In-app messages"
)
people = Blueprint("people", __name__, url_prefix="/api/v1/people", description="Contacts, preferences, audiences")
audiences = Blueprint("audiences", __name__, url_prefix="/api/v1/audiences", description="Who follows what")
deliveries = Blueprint(
    "deliveries", __name__, url_prefix="/api/v1/deliveries", description="The delivery log (administrator)"
)
letters = Blueprint("letters", __name__, url_prefix="/api/v1/letters", description="Letters to print (administrator)")
blueprints = [messages, people, audiences, deliveries, letters]


def _engine() -> sa.Engine:
    engine: sa.Engine = current_app.extensions["meemaken"]["engine"]
    return engine


def _now() -> datetime:
    clock: Callable[[], datetime] = current_app.extensions["meemaken"]["clock"]
    return clock()


def _person(person_id: str) -> str:
    if not re.match(s.PERSON_ID, person_id):
        raise NotFound("A person is known by a UUID or a panel pseudonym (p_ and 32 hex digits).")
    return person_id.lower()


# --- in-app messages ------------------------------------------------------------------------


@messages.route("")
class Messages(MethodView):
    @allow(*PEOPLE)
    @checked(own_inbox)
    @messages.arguments(s.MessageQuerySchema, location="query")
    @messages.response(200, s.MessageSchema(many=True))
    def get(self, query: dict[str, Any], resident_id: UUID) -> list[Message]:
        """A resident's messages, newest first (``unread=true`` for the unread ones only): theirs alone."""
        with _engine().connect() as conn:
            return MessageRepository(conn).for_recipient(resident_id, query["unread"], query["limit"], query["offset"])

    @allow(*PEOPLE)
    @checked(own_inbox)
    @messages.response(204)
    def delete(self, resident_id: UUID) -> None:
        """Delete all of a resident's in-app messages: their right to erasure, by the person themselves. (E-mails and
        letters sent are in the delivery log, which forgets its recipients after its retention period.)"""
        with _engine().begin() as conn:
            MessageRepository(conn).forget(resident_id)


@messages.route("/unread-count")
class Unread(MethodView):
    @allow(*PEOPLE)
    @checked(own_inbox)
    @messages.response(200, s.UnreadSchema)
    def get(self, resident_id: UUID) -> dict[str, int]:
        """How many messages wait unread (for the badge-free counter beside the inbox link)."""
        with _engine().connect() as conn:
            return {"unread": MessageRepository(conn).unread_count(resident_id)}


@messages.route("/<uuid:message_id>/read")
class MessageRead(MethodView):
    @allow(*PEOPLE)
    @checked(own_inbox)
    @messages.response(200, s.MessageSchema)
    @messages.alt_response(404, description="No such message for this resident (problem+json)")
    def post(self, resident_id: UUID, message_id: UUID) -> Message:
        """Mark a message read."""
        with _engine().begin() as conn:
            message = MessageRepository(conn).mark_read(resident_id, message_id)
        if message is None:
            raise NotFound(f"Resident {resident_id} has no message {message_id}.")
        return message


# --- contacts and preferences -----------------------------------------------------------------


def _contact_view(contact: Contact) -> dict[str, Any]:
    p = contact.preferences
    return {
        "person_id": contact.person_id,
        "email": contact.email,
        "postal_address": list(contact.postal_address),
        "language": p.language,
        "channels": list(p.channels),
        "digest": p.digest,
        "muted_topics": list(p.muted_topics),
    }


@people.route("/<person_id>/contact")
class ContactResource(MethodView):
    @allow(*PEOPLE)
    @checked(own_person)
    @people.response(200, s.ContactSchema)
    @people.alt_response(404, description="No contact on file (problem+json)")
    def get(self, person_id: str) -> dict[str, Any]:
        """A person's addresses and preferences: to themselves only (not to an administrator either)."""
        person = _person(person_id)
        with _engine().connect() as conn:
            contact = ContactStore(conn).get(person)
        if contact is None:
            raise NotFound("No contact on file for this person.")
        return _contact_view(contact)

    @allow(*PEOPLE, "service:contacts:write")
    @checked(contact_writer)
    @people.arguments(s.ContactSchema)
    @people.response(200, s.ContactSchema)
    def put(self, body: dict[str, Any], person_id: str) -> dict[str, Any]:
        """Set how to reach a person and what they want to hear: the person themselves, or, for a panel
        pseudonym (``p_…``), the panels service handing over an invitee's address (scope ``contacts:write``)."""
        person = _person(person_id)
        try:
            prefs = Preferences(
                body["language"],
                tuple(dict.fromkeys(body["channels"])),
                body["digest"],
                tuple(dict.fromkeys(body["muted_topics"])),
            )
        except InvalidPreferences as exc:
            raise UnprocessableEntity(str(exc)) from None
        contact = Contact(person, body["email"], tuple(body["postal_address"]), prefs)
        with _engine().begin() as conn:
            ContactStore(conn).put(contact, _now())
        return _contact_view(contact)

    @allow(*PEOPLE, "service:contacts:write")
    @checked(contact_writer)
    @people.response(204)
    def delete(self, person_id: str) -> None:
        """Forget a person's addresses and preferences: their right to erasure, or the panels service taking
        back a panel pseudonym's contact when its privacy schedule deletes its own."""
        person = _person(person_id)
        with _engine().begin() as conn:
            ContactStore(conn).delete(person)


@people.route("/<person_id>/audiences")
class PersonAudiences(MethodView):
    @allow(*PEOPLE)
    @checked(own_person)
    @people.response(200, s.AudienceSchema(many=True))
    def get(self, person_id: str) -> list[sa.Row]:
        """What a person follows, which queues they work, which panels they sit on: to themselves only."""
        person = _person(person_id)
        with _engine().connect() as conn:
            return AudienceStore(conn).of_person(person)


# --- audiences ----------------------------------------------------------------------------------


@audiences.route("/<scope>/<role>/<person_id>")
class AudienceMember(MethodView):
    @allow(*PEOPLE)
    @checked(audience_manager)
    @audiences.response(204)
    def put(self, scope: str, role: str, person_id: str) -> None:
        """Add a person to an audience: a person follows a case themselves (``followers``); a case officer
        adds colleagues to their department's queue (``department:<name>``/``department_queue``) or people to
        a challenge; a panel coordinator corrects a panel's members."""
        person = _person(person_id)
        with _engine().begin() as conn:
            AudienceStore(conn).join(scope, role, person, _now())

    @allow(*PEOPLE)
    @checked(audience_manager)
    @audiences.response(204)
    def delete(self, scope: str, role: str, person_id: str) -> None:
        """Leave an audience (unfollow, leave a queue): by the same people who may add to it."""
        person = _person(person_id)
        with _engine().begin() as conn:
            AudienceStore(conn).leave(scope, role, person)


# --- the delivery log and letters (administrator) ------------------------------------------------


@deliveries.route("")
@allow(Role.ADMINISTRATOR)
class Deliveries(MethodView):
    @deliveries.arguments(s.DeliveryQuerySchema, location="query")
    @deliveries.response(200, s.DeliverySchema(many=True))
    def get(self, query: dict[str, Any]) -> list[sa.Row]:
        """The delivery log, newest first: status, attempts, next try and last error per message (pseudonymous
        recipients, no addresses)."""
        filters = {k: query.get(k) for k in ("status", "channel", "recipient_id")}
        with _engine().connect() as conn:
            return DeliveryLog(conn).listing(filters, query["limit"], query["offset"])


@deliveries.route("/<uuid:delivery_id>")
@allow(Role.ADMINISTRATOR)
class DeliveryResource(MethodView):
    @deliveries.response(200, s.DeliverySchema)
    def get(self, delivery_id: UUID) -> sa.Row:
        with _engine().connect() as conn:
            row = DeliveryLog(conn).get(delivery_id)
        if row is None:
            raise NotFound("No such delivery.")
        return row


@letters.route("/<uuid:delivery_id>")
@allow(Role.ADMINISTRATOR)
class Letter(MethodView):
    @letters.response(200, content_type="text/html", description="The letter as printable HTML (A4 print CSS).")
    @letters.alt_response(409, description="Printed already, purged, or no postal address on file (problem+json)")
    def get(self, delivery_id: UUID) -> Response:
        """Render a letter waiting to be printed, with the address as it is on file now. Once it is marked
        printed it is no longer rendered: the letters are not a way to look addresses up."""
        with _engine().connect() as conn:
            row = DeliveryLog(conn).get(delivery_id)
            if row is None or row.channel != "letter":
                raise NotFound("No such letter.")
            if row.recipient_id is None:
                raise Conflict("This letter's personal data has been purged.")
            if row.status != "queued":
                raise Conflict("This letter has been printed already.")
            contact = ContactStore(conn).get(row.recipient_id)
            notice = NoticeStore(conn).many([row.notice_id])[row.notice_id]
        if contact is None or not contact.postal_address:
            raise Conflict("No postal address on file for this person.")
        rendered = render(row.template, notice.event_type, notice.data, contact.preferences.language, row.role)
        return Response(letter_html(rendered, contact.postal_address, _now().date()), mimetype="text/html")


@letters.route("/<uuid:delivery_id>/printed")
@allow(Role.ADMINISTRATOR)
class LetterPrinted(MethodView):
    @letters.response(200, s.DeliverySchema)
    def post(self, delivery_id: UUID) -> sa.Row:
        """Record that the letter was printed and posted, and by whom (the administrator's pseudonymous id)."""
        who = caller()
        with _engine().begin() as conn:
            log = DeliveryLog(conn)
            row = log.get(delivery_id)
            if row is None or row.channel != "letter":
                raise NotFound("No such letter.")
            if row.status == "queued":
                log.mark_printed(delivery_id, who.subject, _now())
            printed = log.get(delivery_id)
        assert printed is not None
        return printed
