"""Request and response bodies of the Right to Challenge API (they also generate openapi.json)."""

from marshmallow import Schema, fields, validate

from challenges.adapters.rulebook import criteria_sets, profiles

Text = fields.String
NonEmpty = validate.Length(min=1, max=5000)


class WindowSchema(Schema):
    opens_at = fields.AwareDateTime(required=True)
    closes_at = fields.AwareDateTime(required=True)


class TaskSchema(Schema):
    id = fields.UUID(dump_only=True)
    title = Text(required=True, validate=validate.Length(min=3, max=200))
    description = Text(required=True, validate=validate.Length(min=1, max=10_000))
    department = Text(required=True, validate=validate.Length(min=1, max=100))
    current_yearly_cost_cents = fields.Integer(required=True, validate=validate.Range(min=0))
    budget_cents = fields.Integer(required=True, validate=validate.Range(min=0))
    profile = Text(
        required=True,
        validate=validate.OneOf(sorted(profiles())),
        metadata={"description": "the procedure's law: flanders (Flemish decree), netherlands, uk (Localism Act)"},
    )
    criteria_set = Text(
        load_default=None,
        validate=validate.OneOf(sorted(criteria_sets())),
        metadata={
            "description": "the criteria the challenges are judged on, as the profile's law has them ("
            + "; ".join(f"{code}: {', '.join(p.criteria_sets)}" for code, p in sorted(profiles().items()))
            + "); absent or null: the profile's first"
        },
    )
    open = fields.Boolean(load_default=True)
    blocked_by = Text(load_default=None, allow_none=True, validate=validate.Length(max=300))
    eligible_legal_forms = fields.List(Text(validate=validate.Length(min=1, max=50)), load_default=list)
    min_members = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    windows = fields.List(fields.Nested(WindowSchema), load_default=list)
    version = fields.Integer(dump_only=True)


class TaskChangeSchema(TaskSchema):
    """Only the fields that change (load it with ``partial=True``)."""

    expected_version = fields.Integer(load_only=True, load_default=None)


class GroupSchema(Schema):
    name = Text(required=True, validate=validate.Length(min=1, max=200))
    legal_form = Text(required=True, validate=validate.Length(min=1, max=50))
    co_initiator_ids = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=50))
    members_count = fields.Integer(required=True, validate=validate.Range(min=1, max=1_000_000))


class SubmissionSchema(Schema):
    why_better = Text(load_default="", validate=validate.Length(max=10_000))
    capacity_and_finances = Text(load_default="", validate=validate.Length(max=10_000))
    local_support = Text(load_default="", validate=validate.Length(max=10_000))
    cost_estimate_cents = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    quality_guarantees = Text(load_default="", validate=validate.Length(max=10_000))
    continuity_and_exit = Text(load_default="", validate=validate.Length(max=10_000))
    support_asked = Text(load_default="", validate=validate.Length(max=10_000))


class NewChallengeSchema(Schema):
    task_id = fields.UUID(required=True)
    group = fields.Nested(GroupSchema, required=True)
    submission = fields.Nested(SubmissionSchema, load_default=dict)


class ChallengeQuerySchema(Schema):
    department = Text()
    status = Text()
    alert = Text(
        validate=validate.OneOf(["near_breach", "breached"]),
        metadata={"description": "Officials: only cases with this deadline warning."},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class ReasonSchema(Schema):
    reason = Text(required=True, validate=NonEmpty)


class OptionalReasonSchema(Schema):
    reason = Text(load_default="", validate=validate.Length(max=5000))


class AnswerSchema(Schema):
    answer = Text(required=True, validate=NonEmpty)


class QuestionSchema(Schema):
    question = Text(required=True, validate=NonEmpty)


class ModificationSchema(Schema):
    text = Text(required=True, validate=NonEmpty)


class ExtensionSchema(Schema):
    duration = Text(
        required=True, validate=validate.Regexp(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$"), metadata={"example": "P4W"}
    )
    reason = Text(required=True, validate=NonEmpty)


class AssessorSchema(Schema):
    assessor_id = fields.UUID(required=True)


class ScoreSchema(Schema):
    criterion = Text(required=True)
    value = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The score on the criterion's scale under a weighted criteria set; absent under a "
            "considered one (the Localism Act's procedure: the motivation says it)"
        },
    )
    motivation = Text(
        required=True,
        validate=NonEmpty,
        metadata={"description": "Names no one (no person's name, national number, e-mail or phone): 422 otherwise"},
    )


NOTICE_PART = (
    "What the text is about: a criterion's code, an admissibility gate's code, or `decision` (the reasons as a whole)"
)


class NoticeTextSchema(Schema):
    part = Text(required=True, validate=validate.Length(min=1, max=50), metadata={"description": NOTICE_PART})
    text = Text(
        required=True,
        validate=NonEmpty,
        metadata={"description": "The motivation as it will be published; names no one (422 otherwise)"},
    )


class NoticeTextViewSchema(Schema):
    part = Text(metadata={"description": NOTICE_PART})
    text = Text()
    approved_at = fields.DateTime()
    approved_by = fields.Nested(  # by its full name: another service's ActorSchema may share the process
        "challenges.entrypoints.schemas.ActorSchema",
        metadata={"description": "The official who approved it (pseudonymous id and role)"},
    )


class GateJudgementSchema(Schema):
    passed = fields.Boolean(required=True)
    motivation = Text(required=True, validate=NonEmpty)


class DecisionProposalSchema(Schema):
    gates = fields.Dict(keys=Text(), values=fields.Nested(GateJudgementSchema), required=True)


class DecisionSchema(Schema):
    outcome = Text(required=True, validate=validate.OneOf(["accept", "reject", "out_of_scope"]))
    grounds = fields.List(Text(), load_default=list)
    motivation = Text(required=True, validate=NonEmpty)


class NoticePreviewQuerySchema(Schema):
    outcome = Text(required=True, validate=validate.OneOf(["accept", "reject", "out_of_scope"]))
    grounds = fields.List(Text(validate=validate.Length(min=1, max=50)), load_default=list)


class NoticePreviewSchema(Schema):
    outcome = Text(metadata={"description": "accepted, accepted_with_modifications, rejected or out_of_scope"})
    grounds = fields.List(Text())
    language = Text(metadata={"description": "The case's language, which the notice is published in"})
    notice = Text(metadata={"description": "The notice a decision taken now would publish; nothing is stored"})


class ObjectionDecisionSchema(Schema):
    upheld = fields.Boolean(required=True)
    motivation = Text(required=True, validate=NonEmpty)


class ExecutionSchema(Schema):
    summary = Text(required=True, validate=NonEmpty)


class ReviewConclusionSchema(Schema):
    outcome = Text(required=True, validate=validate.OneOf(["renew", "complete", "terminate"]))
    motivation = Text(required=True, validate=NonEmpty)


class VersionSchema(Schema):
    """Optional on every action: the version the caller saw; a newer one answers 412."""

    expected_version = fields.Integer(load_default=None)


class ChallengeViewSchema(Schema):
    id = fields.UUID()
    task_id = fields.UUID()
    department = Text()
    status = Text()
    version = fields.Integer()
    profile = Text()
    criteria_set = Text()
    group = fields.Dict()
    submission = fields.Dict()
    documents = fields.List(fields.Dict())
    submitted_at = fields.DateTime(allow_none=True)
    decision_due_at = fields.DateTime(
        allow_none=True, metadata={"description": "When the decision is due; null while the clock is paused."}
    )
    decision_clock_paused = fields.Boolean()
    decision_time_left = Text(
        allow_none=True,
        metadata={
            "description": "While the decision clock is paused (the due date is then null): the time that will "
            "be left when it runs again, as an ISO 8601 duration; null while it runs (see decision_due_at)",
            "example": "P12DT3H",
        },
    )
    information_request = Text(allow_none=True)
    modification = Text(allow_none=True)
    gate_results = fields.List(fields.Dict())
    assessment = fields.Dict(allow_none=True)
    notice_texts = fields.List(
        fields.Nested(NoticeTextViewSchema),
        metadata={"description": "The motivations officials approved for the public notice, one per part"},
    )
    decision = fields.Dict(allow_none=True)
    alerts = fields.List(fields.Dict(), metadata={"description": "Deadline warnings: near_breach or breached."})
    history = fields.List(fields.Dict())


class PublishedDecisionSchema(Schema):
    challenge_id = fields.UUID()
    task_id = fields.UUID()
    outcome = Text()
    grounds = fields.List(Text())
    decided_at = fields.DateTime()
    notice = Text()


class DocumentSchema(Schema):
    id = fields.UUID()
    filename = Text()
    content_type = Text()
    size = fields.Integer()
    sha256 = Text()


class ActorSchema(Schema):
    id = fields.UUID(metadata={"description": "The person's pseudonymous id."})
    role = Text(metadata={"description": "The role they acted in: group_representative, case_officer, assessor, ..."})


class AuditEntrySchema(Schema):
    at = fields.DateTime()
    action = Text(metadata={"description": "What happened: the event's name (submitted, assessor_assigned, ...)."})
    from_status = Text()
    to_status = Text()
    actor = fields.Nested(
        ActorSchema,
        allow_none=True,
        metadata={"description": "Who did it; null for the service's own automatic steps."},
    )
