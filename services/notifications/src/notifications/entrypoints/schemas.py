"""Request and response bodies of the notifications API (they also generate openapi.json)."""

from marshmallow import Schema, fields, validate

from notifications.domain.delivery import STATUSES
from notifications.domain.messages import LANGUAGES
from notifications.domain.people import DIGESTS
from notifications.domain.routing import CHANNELS, TOPICS

PERSON_ID = r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|p_[0-9a-f]{32})$"


class MessageSchema(Schema):
    id = fields.UUID(required=True)
    kind = fields.String(required=True)
    language = fields.String(required=True)
    subject = fields.String(required=True)
    body = fields.String(required=True)
    event_id = fields.String(required=True, metadata={"description": "The event that caused this message."})
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True)


class MessageQuerySchema(Schema):
    unread = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class UnreadSchema(Schema):
    unread = fields.Integer(required=True, metadata={"description": "How many messages the resident has not read."})


class ContactSchema(Schema):
    """How to reach a person and what they want to hear. Legally required messages ignore muted topics."""

    person_id = fields.String(dump_only=True)
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=320))
    postal_address = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        load_default=list,
        validate=validate.Length(max=6),
        metadata={"description": "Address lines as printed on a letter (name, street, postcode and town)."},
    )
    language = fields.String(load_default="nl", validate=validate.OneOf(LANGUAGES))
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS)), load_default=lambda: ["inapp", "email"])
    digest = fields.String(load_default="immediately", validate=validate.OneOf(DIGESTS))
    muted_topics = fields.List(
        fields.String(validate=validate.OneOf(TOPICS)),
        load_default=list,
        metadata={"description": "Topics not to hear about (except what the law requires)."},
    )


class AudienceSchema(Schema):
    scope = fields.String(required=True, metadata={"example": "challenge:3f1c...; department:mobility; panel:..."})
    role = fields.String(required=True)
    person_id = fields.String(required=True)
    added_at = fields.DateTime(required=True)


class DeliverySchema(Schema):
    id = fields.UUID(required=True)
    notice_id = fields.UUID(allow_none=True)
    recipient_id = fields.String(allow_none=True, metadata={"description": "Null once purged."})
    role = fields.String(required=True)
    template = fields.String(required=True)
    channel = fields.String(required=True)
    legally_required = fields.Boolean(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    sent_at = fields.DateTime(allow_none=True)
    period = fields.String(allow_none=True)
    purged_at = fields.DateTime(allow_none=True)
    printed_by = fields.String(
        allow_none=True, metadata={"description": "A letter: the pseudonymous id of the administrator who posted it."}
    )


class DeliveryQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    recipient_id = fields.String(validate=validate.Regexp(PERSON_ID))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
