"""Request and response bodies of the proposals API (they also generate openapi.json)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from meemaken_events import subject_problem
from meemaken_kit.fields import Text
from proposals.domain.budgeting.rules import ALIASES, RULES
from proposals.domain.process import SLUG

RUNGS = ["informeren", "raadplegen", "adviseren", "coproduceren", "meebeslissen", "zelfbeheer"]
STATUSES = ["submitted", "admitted", "rejected", "declined", "answered", "merged", "split"]


class ProposalSubmissionSchema(Schema):
    """The author is the resident the token names; a body naming anyone is refused."""

    process_id = Text(required=True, validate=validate.Length(min=1, max=100))
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    text = Text(required=True, validate=validate.Length(min=1, max=10_000))
    district = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "One of the process's districts; none: the whole municipality."},
    )
    theme = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "One of the process's themes."},
    )


class SupportersSchema(Schema):
    total = fields.Integer(required=True)
    by_district = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "Supporters per district, as their logins verified it; unknown ones left out."},
    )


class ReasonSchema(Schema):
    code = fields.String(required=True)
    detail = fields.String(required=True)


class AttachmentSchema(Schema):
    id = fields.UUID(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True, metadata={"description": "As its content showed on upload."})
    size = fields.Integer(required=True, metadata={"description": "Bytes."})
    sha256 = fields.String(required=True)


class InvitationSchema(Schema):
    code = fields.String(required=True, metadata={"description": "Shown once; share it with co-authors."})
    expires_at = fields.DateTime(required=True)


class JoinSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=100))


class ProposalSchema(Schema):
    id = fields.UUID(required=True)
    process_id = fields.String(required=True)
    author_id = fields.UUID(required=True)
    title = fields.String(required=True)
    text = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": STATUSES})
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)
    submitted_at = fields.DateTime(required=True)
    supporters = fields.Integer(required=True)
    answer_due_at = fields.DateTime(allow_none=True)
    answer_overdue = fields.Boolean(required=True)
    position = fields.Function(lambda p: p.position.value if p.position else None, allow_none=True)
    answer = fields.String(required=True)
    related = fields.List(fields.UUID(), required=True, metadata={"description": "Merged into/from, split into/from."})
    district = fields.String(allow_none=True)
    theme = fields.String(allow_none=True)
    co_authors = fields.List(
        fields.UUID(), required=True, metadata={"description": "Residents who joined with the authors' link."}
    )
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)
    history = fields.Function(
        lambda p: [{"at": s.at.isoformat(), "what": s.what, "detail": s.detail} for s in p.history],
        metadata={"description": "Every step with its moment and reasons."},
    )
    version = fields.Integer(required=True)


class DeclineSchema(Schema):
    reasons = fields.List(
        fields.Nested(ReasonSchema),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "Codes: not_competent, unlawful, already_decided, not_a_proposal; each motivated."},
    )


class AnswerSchema(Schema):
    position = fields.String(required=True, validate=validate.OneOf(["adopted", "partly", "not_adopted"]))
    reasons = Text(required=True, validate=validate.Length(min=1, max=5000))


class MergeSchema(Schema):
    into_id = fields.UUID(required=True)
    reasons = Text(required=True, validate=validate.Length(min=1, max=5000))


class PartSchema(Schema):
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    text = Text(required=True, validate=validate.Length(min=1, max=10_000))


class SplitSchema(Schema):
    parts = fields.List(fields.Nested(PartSchema), required=True, validate=validate.Length(min=2, max=10))
    reasons = Text(required=True, validate=validate.Length(min=1, max=5000))


class FollowUpSchema(Schema):
    stage = fields.String(required=True, validate=validate.OneOf(["planned", "in_progress", "done", "dropped"]))
    note = Text(required=True, validate=validate.Length(min=1, max=5000))


class PhaseSchema(Schema):
    name = Text(required=True, validate=validate.Length(min=1, max=100))
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    rung_promised = fields.String(required=True, validate=validate.OneOf(RUNGS))
    rung_realised = fields.String(dump_only=True, allow_none=True)


def _an_event_subject(value: str) -> None:
    """A process id names the process in its events, which never carry personal data."""
    problem = subject_problem(value)
    if problem is not None:
        raise ValidationError(f"the process id {problem}: events name the process by it; choose another")


class ProcessSchema(Schema):
    id = fields.String(
        required=True,
        validate=[
            validate.Regexp(
                SLUG.pattern, error="the process id is 3-100 lower-case letters, digits and dashes, e.g. mobility-2027"
            ),
            _an_event_subject,
        ],
    )
    municipality = Text(required=True, validate=validate.Length(min=1, max=100))
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.Function(
        lambda p: p.kind.value,
        deserialize=str,
        required=True,
        validate=validate.OneOf(["consultation", "proposals_call", "budget_round", "panel", "challenge_window"]),
    )
    phases = fields.List(fields.Nested(PhaseSchema), required=True, validate=validate.Length(min=1, max=20))
    support_threshold = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    answer_days = fields.Integer(load_default=90, validate=validate.Range(min=1, max=3650))
    districts = fields.List(
        Text(validate=validate.Length(min=1, max=100)),
        load_default=list,
        validate=validate.Length(max=200),
        metadata={"description": "The districts a proposal may be about (none: the whole municipality only)."},
    )
    themes = fields.List(
        Text(validate=validate.Length(min=1, max=100)),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "The themes a proposal may be about."},
    )
    version = fields.Integer(dump_only=True)


class ProcessQuerySchema(Schema):
    municipality = fields.String(validate=validate.Length(min=1, max=100))
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


class RealisedSchema(Schema):
    rung = fields.String(required=True, validate=validate.OneOf(RUNGS))
    explanation = Text(required=True, validate=validate.Length(min=1, max=5000))


class LadderSchema(Schema):
    rungs = fields.List(
        fields.String(validate=validate.OneOf(RUNGS)), required=True, validate=validate.Length(equal=len(RUNGS))
    )


class ReportQuerySchema(Schema):
    municipality = Text(required=True, validate=validate.Length(min=1, max=100))
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class ReportSchema(Schema):
    municipality = fields.String()
    year = fields.Integer()
    ladder = fields.List(fields.String())
    processes = fields.List(fields.Dict(), metadata={"description": "Rungs per phase and participation figures."})
    phases_below_promise = fields.Integer()


class FormSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["approval", "k_approval", "cumulative", "ranking"]))
    k = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=100))
    points = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=1000))


class EligibilitySchema(Schema):
    """Checked against what the voter's login verifies (age, residence in the process's municipality,
    district), never against what a ballot says."""

    min_age = fields.Integer(load_default=16, validate=validate.Range(min=0, max=120))
    residents_only = fields.Boolean(
        load_default=True, metadata={"description": "Only verified residents of the process's municipality."}
    )
    districts = fields.List(Text(validate=validate.Length(min=1, max=100)), load_default=list)
    unverified = fields.String(
        load_default="desk",
        validate=validate.OneOf(["desk", "refuse"]),
        metadata={
            "description": "When a login lacks a fact the round needs: `desk` refuses the online ballot and "
            "tells the resident that an official at the municipality's desk can verify them and enter a paper "
            "ballot; `refuse` refuses them."
        },
    )


class RoundOpeningSchema(Schema):
    process_id = Text(required=True, validate=validate.Length(min=1, max=100))
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    budget = fields.Integer(required=True, validate=validate.Range(min=1), metadata={"description": "Euro cents."})
    district_budgets = fields.Dict(keys=fields.String(), values=fields.Integer(), load_default=dict)
    theme_budgets = fields.Dict(
        keys=Text(validate=validate.Length(min=1, max=100)), values=fields.Integer(), load_default=dict
    )
    form = fields.Nested(FormSchema, required=True)
    eligibility = fields.Nested(EligibilitySchema, load_default=lambda: EligibilitySchema().load({}))
    rule = fields.String(
        load_default="equalshares/add1",
        metadata={
            "enum": list(RULES),
            "description": "A winner rule by its Pabulib name (also accepted, in any case: "
            + ", ".join(ALIASES)
            + "). Greedy rules and ranking ballots go together; a jury weighting needs a greedy rule.",
        },
    )
    rule_parameters = fields.Dict(
        keys=fields.String(),
        load_default=dict,
        metadata={
            "description": "The rule's explicit parameters, as `meemaken-pb --param` takes them. Greedy rules: "
            "`skip` (bool), `tie_break` (`cost` or `order`: the lot order), `threshold` (a score, or `none`), "
            "`threshold_share` (share of voters), `top_up` (fraction, e.g. 0.8: the project that no longer fits "
            "is funded when the money left covers that share of it, the rest from the `reserve`), `reserve` "
            "(its name), `exclusive` (groups of project ids that cannot be built together, each within one part "
            "of the budget), `excluded` ({project id: why} or a list), `counted_costs` ({cost: counted cost}), "
            "`extra_funds` (amount or list; a round without district or theme budgets only); not `parts` (a "
            "round's parts are its district and theme budgets) nor `paper_votes` (paper ballots are entered one by "
            "one). Equal shares: "
            "`add1` (bool), `stop` (`first_exhaustive` / `continue_while_fits`), `increment`, `integral_start`, "
            "`completion` (`greedy` / `none`), `comparison` (`satisfaction`, `cost`, `exclusion`, `none`). "
            "An unknown or ill-typed parameter is refused (422, naming it); project ids are checked against the "
            "ballot when voting opens. Not with a jury weighting.",
            "example": {"top_up": 0.8, "exclusive": [["p1", "p2"]]},
        },
    )
    jury_weight = fields.Float(load_default=None, allow_none=True)


class ProjectIdeaSchema(Schema):
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    district = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    theme = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    cost = fields.Integer(required=True, validate=validate.Range(min=1), metadata={"description": "Euro cents."})
    proposal_id = fields.UUID(load_default=None, allow_none=True)
    description = fields.String(
        load_default="",
        validate=validate.Length(max=2000),
        metadata={"description": "What the project is, for whom and where; public (no contact details)."},
    )


class AssessmentSchema(Schema):
    feasible = fields.Boolean(required=True)
    cost = fields.Integer(required=True, validate=validate.Range(min=1))
    legal_check = Text(required=True, validate=validate.Length(min=1, max=5000))
    reason = fields.String(load_default="", validate=validate.Length(max=5000))
    jury_score = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0))


class VotingSchema(Schema):
    lot_order = fields.List(fields.String(), load_default=None, allow_none=True)


class VerifiedVoterSchema(Schema):
    """The facts about a paper ballot's voter as the official verified them at the desk."""

    age = fields.Integer(required=True, validate=validate.Range(min=0, max=130))
    resident = fields.Boolean(
        required=True, metadata={"description": "Lives in the municipality of the round's process."}
    )
    district = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))


class BallotSchema(Schema):
    """The voter is the resident the token names, eligible by what their login verifies: a body naming a
    voter, their age, residence or district is refused."""

    projects = fields.List(fields.String(), metadata={"description": "Approval, k-approval, ranking (in order)."})
    points = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "Cumulative."})

    @validates_schema
    def one_kind(self, data: dict[str, object], **_: object) -> None:
        if ("projects" in data) == ("points" in data):
            raise ValidationError("give either projects (a list) or points (per project)", "projects")


class PaperBallotSchema(BallotSchema):
    voter_id = fields.UUID(
        required=True, metadata={"description": "The pseudonymous id of the person the official verified."}
    )
    voter = fields.Nested(
        VerifiedVoterSchema, required=True, metadata={"description": "As the official verified it at the desk."}
    )


class BallotReceiptSchema(Schema):
    round_id = fields.UUID()
    paper = fields.Boolean()
    replaced = fields.Integer(metadata={"description": "How many earlier ballots of this voter it replaced."})
    receipt = fields.String(
        metadata={
            "description": "A code naming this version of the voter's ballot, e.g. K7QF-2M9X; the voter "
            "reads the same code back with GET .../ballot while the box holds it."
        }
    )


class OwnBallotSchema(Schema):
    """The resident's own ballot as the box holds it."""

    projects = fields.List(fields.String(), metadata={"description": "In the voter's order (ranking)."})
    points = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True)
    paper = fields.Boolean(metadata={"description": "Entered on paper by an official at the desk."})
    cast_at = fields.DateTime()
    replaced = fields.Integer()
    receipt = fields.String()


class TrackingSchema(FollowUpSchema):
    pass


class VotersQuerySchema(Schema):
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=10_000))
    after = fields.UUID(metadata={"description": "the `next` cursor of the previous page"})


class VotersSchema(Schema):
    voters = fields.List(fields.UUID())
    next = fields.UUID(allow_none=True, metadata={"description": "cursor of the next page; null on the last"})


class ProjectSchema(Schema):
    id = fields.String()
    title = fields.String()
    district = fields.String(allow_none=True)
    theme = fields.String(allow_none=True)
    description = fields.String()
    cost = fields.Integer()
    proposal_id = fields.UUID(allow_none=True)
    feasibility = fields.Function(lambda p: p.feasibility.value)
    legal_check = fields.String()
    reason = fields.String()
    jury_score = fields.Float(allow_none=True)
    stage = fields.Function(lambda p: p.stage.value if p.stage else None, allow_none=True)
    stage_note = fields.String()


class ExplanationSchema(Schema):
    """Why a project won or lost, in numbers a resident can check."""

    project_id = fields.String()
    name = fields.String()
    part = fields.String(
        allow_none=True,
        metadata={"description": "The part of the budget counted: a district, `theme:<theme>`, null city-wide."},
    )
    cost = fields.Integer(metadata={"description": "Euro cents."})
    votes = fields.Integer()
    points = fields.Float(allow_none=True, metadata={"description": "Cumulative and ranking (Borda) ballots."})
    selected = fields.Boolean()
    funded_in = fields.Integer(
        metadata={
            "enum": [0, 1, 2, 3],
            "description": "The pass that funded it: 1 the main count, 2 the top-up from the reserve, "
            "3 extra funds; 0 not funded. Absent in results counted before passes were recorded.",
        }
    )
    stage = fields.String()
    reason = fields.String(metadata={"description": "Why, in English."})
    code = fields.String(
        metadata={
            "description": "Why, as a code to word in the resident's language: funded, top_up, extra_funds, "
            "equal_shares, completion; did_not_fit, stopped, below_threshold, excluded_by, excluded, withdrawn, "
            "no_votes, not_affordable."
        }
    )
    detail = fields.Dict(
        keys=fields.String(),
        metadata={"description": "The numbers and projects the code names, e.g. `left` and `cost` for did_not_fit."},
    )
    paid_total = fields.Float(allow_none=True, metadata={"description": "Equal shares: what its supporters paid."})
    paid_per_supporter_max = fields.Float(allow_none=True)
    paid_per_supporter_mean = fields.Float(allow_none=True)


class ResultsSchema(Schema):
    rule = fields.String()
    selected = fields.List(fields.String())
    explanation = fields.List(fields.Nested(ExplanationSchema))
    voters = fields.Integer()
    paper_ballots = fields.Integer()
    spent = fields.Integer()


class RoundSchema(Schema):
    id = fields.UUID()
    process_id = fields.String()
    title = fields.String()
    budget = fields.Integer()
    district_budgets = fields.Dict(keys=fields.String(), values=fields.Integer())
    theme_budgets = fields.Dict(keys=fields.String(), values=fields.Integer())
    form = fields.Function(lambda r: {"kind": r.form.kind.value, "k": r.form.k, "points": r.form.points})
    eligibility = fields.Function(
        lambda r: {
            "min_age": r.eligibility.min_age,
            "residents_only": r.eligibility.residents_only,
            "districts": list(r.eligibility.districts),
            "unverified": r.eligibility.unverified,
        }
    )
    rule = fields.String()
    rule_parameters = fields.Dict(keys=fields.String())
    jury_weight = fields.Float(allow_none=True)
    phase = fields.Function(lambda r: r.phase.value)
    projects = fields.List(fields.Nested(ProjectSchema))
    lot_order = fields.List(fields.String())
    closed_at = fields.DateTime(allow_none=True)
    results = fields.Nested(ResultsSchema, allow_none=True)
    version = fields.Integer()


class RoundQuerySchema(Schema):
    process_id = fields.String(validate=validate.Length(min=1, max=100))


class ProposalQuerySchema(Schema):
    process_id = fields.String(validate=validate.Length(min=1, max=100))
    author_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(STATUSES))
    district = fields.String(validate=validate.Length(min=1, max=100))
    theme = fields.String(validate=validate.Length(min=1, max=100))
    q = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Words the title or text contains (case-insensitive)."},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class PageQuerySchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class SupportedSchema(Schema):
    proposal = fields.Nested(ProposalSchema, required=True)
    supported_at = fields.DateTime(required=True)


class ActedBySchema(Schema):
    id = fields.UUID(metadata={"description": "The pseudonymous id; never a name."})
    role = fields.String()


class AuditEntrySchema(Schema):
    at = fields.DateTime()
    action = fields.String(metadata={"description": "The step, as in the proposal's history."})
    by = fields.Nested(
        ActedBySchema,
        allow_none=True,
        metadata={"description": "Who did it and in which role; null for the service's own automatic steps."},
    )
    detail = fields.String()


class AuditSchema(Schema):
    proposal_id = fields.UUID()
    entries = fields.List(fields.Nested(AuditEntrySchema))
