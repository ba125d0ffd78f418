"""The panels service's tables: panels, the respondent pool, the identity store apart (and messaging)."""

import sqlalchemy as sa

from meemaken_events import UtcDateTime, messaging_tables

metadata = sa.MetaData()


def _panels(meta: sa.MetaData) -> sa.Table:
    return sa.Table(
        "panels",
        meta,
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("referred_challenge_id", sa.Uuid(), nullable=True, unique=True),
        sa.Column("document", sa.JSON(), nullable=False),  # set-up, commitment, draw (pseudonyms only)
        sa.Column("artefacts", sa.JSON(), nullable=True),  # the published lottery: pseudonymised pool and panels
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )


def _respondents(meta: sa.MetaData) -> sa.Table:
    return sa.Table(
        "respondents",
        meta,
        sa.Column("panel_id", sa.Uuid(), sa.ForeignKey("panels.id"), primary_key=True),
        sa.Column("pseudonym", sa.String(40), primary_key=True),
        sa.Column("household", sa.String(40), nullable=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("strata", sa.JSON(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        # age and residence are only needed by the eligibility check: cleared once it has run
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("resident", sa.Boolean(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),  # registered, admitted, refused
        sa.Column("refusal", sa.String(40), nullable=True),
        sa.Column("reason", sa.String(300), nullable=True),
        sa.Column("registered_at", UtcDateTime(), nullable=False),
        # keyed hash of the code on the reply card (letter channel): one registration per invitation
        sa.Column("invitation", sa.String(40), nullable=True),
        sa.Index("ix_respondents_status", "panel_id", "status"),
        sa.UniqueConstraint("panel_id", "invitation", name="uq_respondents_invitation"),
    )


def _identities(meta: sa.MetaData) -> sa.Table:
    """Contact data, kept apart from the pool: the selection never reads it; it is deleted per stage."""
    return sa.Table(
        "identities",
        meta,
        sa.Column("panel_id", sa.Uuid(), primary_key=True),
        sa.Column("pseudonym", sa.String(40), primary_key=True),
        sa.Column("contact", sa.JSON(), nullable=False),  # name, e-mail, postal address, language
        sa.Column("shared_at", UtcDateTime(), nullable=True),  # handed to the notifications service
    )


def _register_entries(meta: sa.MetaData) -> sa.Table:
    """The imported register extract, pseudonymised: who may be invited, and who was."""
    return sa.Table(
        "register_entries",
        meta,
        sa.Column("panel_id", sa.Uuid(), sa.ForeignKey("panels.id"), primary_key=True),
        sa.Column("pseudonym", sa.String(40), primary_key=True),
        sa.Column("household", sa.String(40), nullable=False),
        sa.Column("strata", sa.JSON(), nullable=False),
        sa.Column("invited_at", UtcDateTime(), nullable=True),
    )


def _audit(meta: sa.MetaData) -> sa.Table:
    """Who did what on a panel: every official's step, by pseudonymous id and the role they acted in."""
    return sa.Table(
        "panel_audit",
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("panel_id", sa.Uuid(), sa.ForeignKey("panels.id"), nullable=False, index=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),  # the step's event name: drawn, member_declined, ...
        sa.Column("details", sa.JSON(), nullable=False),  # that event's details (pseudonyms at most)
    )


panels = _panels(metadata)
audit = _audit(metadata)
register_entries = _register_entries(metadata)
respondents = _respondents(metadata)
identities = _identities(metadata)
# Pseudonyms whose contact the notifications service must forget (the privacy schedule deleted ours).
contact_removals = sa.Table(
    "contact_removals",
    metadata,
    sa.Column("pseudonym", sa.String(40), primary_key=True),
    sa.Column("requested_at", UtcDateTime(), nullable=False),
)
outbox, inbox, relay_lease = messaging_tables(metadata)
