"""Request and response bodies of the notifications API (they also generate openapi.json)."""

from marshmallow import Schema, fields, validate


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
