"""Request and response bodies of the citizen panels API (they also generate openapi.json)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from meemaken_kit.fields import Text  # what a person types: stripped, never blank
from panels.domain.deliberation import Verdict
from panels.domain.panel import Mandate
from panels.domain.pool import Channel


class BoundsSchema(Schema):
    min = fields.Integer(required=True, validate=validate.Range(min=0))
    max = fields.Integer(required=True, validate=validate.Range(min=0))

    @validates_schema
    def ordered(self, data: dict[str, int], **_: object) -> None:
        if data["min"] > data["max"]:
            raise ValidationError("min must not exceed max")


class PanelSetUpSchema(Schema):
    question = Text(required=True, validate=validate.Length(min=10, max=2000))
    theme = Text(required=True, validate=validate.Length(min=1, max=200))
    mandate = fields.Enum(Mandate, by_value=True, required=True)
    size = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    alternates = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1000))
    features = fields.Dict(
        keys=Text(validate=validate.Length(min=1, max=100)),
        values=fields.Dict(keys=Text(validate=validate.Length(min=1, max=100)), values=fields.Nested(BoundsSchema)),
        load_default=dict,
        metadata={"description": "feature -> value -> quota {min, max}, e.g. {'gender': {'female': {'min': 9, ...}}}"},
    )
    household_rule = fields.Boolean(load_default=True)
    min_age = fields.Integer(load_default=16, validate=validate.Range(min=0, max=120))
    open_registration = fields.Boolean(load_default=False)
    session_plan = fields.List(
        Text(validate=validate.Length(min=1, max=500)),
        load_default=list,
        metadata={"description": "the planned sessions in a few words each (dates and experts follow later)"},
    )


class QuotasSchema(Schema):
    features = fields.Dict(
        keys=Text(validate=validate.Length(min=1, max=100)),
        values=fields.Dict(keys=Text(validate=validate.Length(min=1, max=100)), values=fields.Nested(BoundsSchema)),
        required=True,
        metadata={"description": "the panel's features -> each of its values -> the new quota {min, max}"},
    )


class PanelViewSchema(Schema):
    id = fields.UUID()
    question = Text()
    theme = Text()
    mandate = Text()
    status = Text()
    size = fields.Integer()
    alternates = fields.Integer()
    features = fields.Dict()
    household_rule = fields.Boolean()
    min_age = fields.Integer()
    open_registration = fields.Boolean()
    session_plan = fields.List(Text())
    sessions = fields.List(fields.Dict())
    recommendations = fields.List(fields.Dict())
    answer_due_at = fields.AwareDateTime(allow_none=True)
    answer_overdue = fields.Boolean()
    referred_challenge_id = fields.UUID(allow_none=True)
    pool = fields.Dict(metadata={"description": "status -> channel -> number of respondents"})
    lottery_size = fields.Integer(allow_none=True, metadata={"description": "m, the panels in the lottery"})
    lottery_problem = Text(allow_none=True, metadata={"description": "why the last lottery could not be computed"})
    commitment = Text(allow_none=True)
    drawn_number = fields.Integer(allow_none=True)
    public_input = Text(allow_none=True)
    selected = fields.List(Text(), metadata={"description": "pseudonyms of the drawn members"})
    alternate_members = fields.List(Text())
    accepted = fields.List(Text(), metadata={"description": "members who confirmed they take part"})
    version = fields.Integer()


class RegistrationSchema(Schema):
    """What a resident answers. Who they are (the token), their age, residence and district (their verified
    login) are not asked: sending them is refused."""

    address = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=3, max=300),
        metadata={"description": "home address, for the rule of one member per household; only its pseudonym is kept"},
    )
    channel = fields.Enum(Channel, by_value=True, required=True)
    consent = fields.Boolean(required=True)
    invitation_code = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=4, max=100),
        metadata={"description": "the code on the reply card of an invitation letter (channel letter)"},
    )
    strata = fields.Dict(
        keys=Text(validate=validate.Length(min=1, max=100)),
        values=Text(validate=validate.Length(max=100)),
        load_default=dict,
        metadata={
            "description": "your answers for the features only you can declare (gender, education, ...); "
            "age band and district come from your login"
        },
    )
    contact = fields.Dict(
        load_default=dict, metadata={"description": "name, email, postal address, language: kept in the identity store"}
    )

    @validates_schema
    def code_with_letter(self, data: dict[str, object], **_: object) -> None:
        if data.get("invitation_code") and data.get("channel") is not Channel.LETTER:
            raise ValidationError("an invitation code goes with the letter channel", "invitation_code")


class RespondentViewSchema(Schema):
    panel_id = fields.UUID()
    pseudonym = Text()
    channel = Text()
    status = Text(metadata={"description": "registered, admitted or refused"})
    refusal = Text(allow_none=True)
    reason = Text(allow_none=True)


class LotterySchema(Schema):
    panels = fields.Integer(
        load_default=1000,
        validate=validate.Range(min=1, max=100_000),
        metadata={"description": "m: the lottery's number of equally likely panels (1000 = three ten-sided dice)"},
    )


class DrawSchema(Schema):
    number = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    seed = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))


class ProbabilitySchema(Schema):
    pseudonym = Text()
    probability = fields.Float()
    panels = fields.Integer()


class ArtefactsSchema(Schema):
    commitment = Text()
    artefacts = fields.Dict()


class ExtractQuerySchema(Schema):
    strata = Text(
        load_default="",
        metadata={"description": "comma-separated columns of the extract that are strata (e.g. age_band,district)"},
    )


class RejectedRowSchema(Schema):
    row = fields.Integer(metadata={"description": "line of the CSV file; the header is line 1"})
    problem = Text()


class ImportReportSchema(Schema):
    accepted = fields.Integer()
    rejected = fields.List(fields.Nested(RejectedRowSchema))


class InvitationsSchema(Schema):
    count = fields.Integer(required=True, validate=validate.Range(min=1, max=100_000))
    ratios = fields.Dict(
        keys=Text(),
        values=fields.Dict(keys=Text(), values=fields.Float(validate=validate.Range(min=0, max=100))),
        load_default=dict,
        metadata={"description": "feature -> value -> invitation ratio; groups that answer less get more than 1"},
    )
    seed = fields.Integer(load_default=None, allow_none=True, metadata={"description": "for a replayable lottery"})


class InvitedSchema(Schema):
    invited = fields.Integer()


class ReplacementSchema(Schema):
    declined = Text()
    replacement = Text(allow_none=True, metadata={"description": "null: nobody in the pool keeps the quotas"})


class ReportSchema(Schema):
    features = fields.Dict(
        metadata={
            "description": "feature -> value -> {population, pool, panel: {count, share}, quota}; '<5' = suppressed"
        }
    )


class SessionSchema(Schema):
    title = Text(required=True, validate=validate.Length(min=1, max=300))
    starts_at = fields.AwareDateTime(required=True)
    moderator = Text(required=True, validate=validate.Length(min=1, max=200))
    experts = fields.List(Text(validate=validate.Length(min=1, max=300)), load_default=list)
    materials = fields.List(Text(validate=validate.Length(min=1, max=500)), load_default=list)


class ContributionsSchema(Schema):
    counts = fields.Dict(
        keys=Text(),
        values=fields.Integer(validate=validate.Range(min=0)),
        required=True,
        metadata={"description": "member pseudonym -> times they spoke in the session"},
    )


class RecommendationSchema(Schema):
    text = Text(required=True, validate=validate.Length(min=1, max=5000))
    support = fields.Integer(required=True, validate=validate.Range(min=0))
    against = fields.Integer(required=True, validate=validate.Range(min=0))
    abstain = fields.Integer(load_default=0, validate=validate.Range(min=0))
    minority_positions = fields.List(Text(validate=validate.Length(min=1, max=5000)), load_default=list)


class RecommendationsSchema(Schema):
    recommendations = fields.List(fields.Nested(RecommendationSchema), required=True)
    answer_within_days = fields.Integer(load_default=90, validate=validate.Range(min=1, max=730))


class AnswerSchema(Schema):
    verdict = fields.Enum(Verdict, by_value=True, required=True)
    reasons = Text(required=True, validate=validate.Length(min=1, max=10_000))


class ContributionReportSchema(Schema):
    total = fields.Integer()
    top_fifth_share = fields.Float(allow_none=True)
    gini = fields.Float(allow_none=True)
    dominated = fields.Boolean()
    per_member = fields.Dict(metadata={"description": "only for the panel's coordinator and moderator"})


class ActorSchema(Schema):
    id = fields.UUID(metadata={"description": "the official's pseudonymous id"})
    role = Text(metadata={"description": "the role they acted in"})


class AuditEntrySchema(Schema):
    at = fields.AwareDateTime()
    actor = fields.Nested(ActorSchema)
    action = Text(metadata={"description": "the step, named as its event: drawn, member_declined, ..."})
    details = fields.Dict(metadata={"description": "the step's event details (pseudonyms at most, never names)"})
