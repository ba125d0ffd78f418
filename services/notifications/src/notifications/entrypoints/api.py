"""HTTP → use case → response; nothing else happens here."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import NotFound

from notifications.adapters.repository import MessageRepository
from notifications.domain.messages import Message
from notifications.entrypoints.schemas import MessageQuerySchema, MessageSchema

blp = Blueprint(
    "messages", __name__, url_prefix="/api/v1/residents/<uuid:resident_id>/messages", description="In-app messages"
)


def _engine() -> sa.Engine:
    engine: sa.Engine = current_app.extensions["meemaken"]["engine"]
    return engine


@blp.route("")
class Messages(MethodView):
    @blp.arguments(MessageQuerySchema, location="query")
    @blp.response(200, MessageSchema(many=True))
    def get(self, query: dict[str, Any], resident_id: UUID) -> list[Message]:
        """A resident's messages, newest first (``unread=true`` for the unread ones only)."""
        with _engine().connect() as conn:
            return MessageRepository(conn).for_recipient(resident_id, query["unread"], query["limit"], query["offset"])


@blp.route("/<uuid:message_id>/read")
class MessageRead(MethodView):
    @blp.response(200, MessageSchema)
    @blp.alt_response(404, description="No such message for this resident (problem+json)")
    def post(self, resident_id: UUID, message_id: UUID) -> Message:
        """Mark a message read."""
        with _engine().begin() as conn:
            message = MessageRepository(conn).mark_read(resident_id, message_id)
        if message is None:
            raise NotFound(f"Resident {resident_id} has no message {message_id}.")
        return message
