"""Request and response bodies of the proposals API (they also generate openapi.json)."""

from marshmallow import Schema, fields, validate


class ProposalSubmissionSchema(Schema):
    process_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    author_id = fields.UUID(
        required=True, metadata={"description": "Pseudonymous resident id (set by the gateway from the login)."}
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    text = fields.String(required=True, validate=validate.Length(min=1, max=10_000))


class ReasonSchema(Schema):
    code = fields.String(required=True)
    detail = fields.String(required=True)


class ProposalSchema(Schema):
    id = fields.UUID(required=True)
    process_id = fields.String(required=True)
    author_id = fields.UUID(required=True)
    title = fields.String(required=True)
    text = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["submitted", "admitted", "rejected"]})
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)
    submitted_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)


class ProposalQuerySchema(Schema):
    process_id = fields.String(validate=validate.Length(min=1, max=100))
    author_id = fields.UUID()
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
