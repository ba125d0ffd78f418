"""Participatory budgeting: winner rules (greedy family, Method of Equal Shares) and the Pabulib format.

Pure domain code: no framework, no I/O except `pabulib.load`/`save`.
"""

from proposals.domain.budgeting.districts import tally_districts
from proposals.domain.budgeting.election import (
    Ballot,
    Election,
    Multiprofile,
    Project,
    approval_ballot,
    cumulative_ballot,
    ordinal_ballot,
)
from proposals.domain.budgeting.equal_shares import Add1, EqualSharesParams, equal_shares
from proposals.domain.budgeting.explanation import ProjectExplanation, explain
from proposals.domain.budgeting.greedy import greedy, greedy_no_skip, greedy_threshold, hybrid_scores
from proposals.domain.budgeting.outcome import Outcome, ProjectResult, tie_order
from proposals.domain.budgeting.pabulib import PabulibError
from proposals.domain.budgeting.rules import RULES, rule_named, tally

__all__ = [
    "RULES",
    "Add1",
    "Ballot",
    "Election",
    "EqualSharesParams",
    "Multiprofile",
    "Outcome",
    "PabulibError",
    "Project",
    "ProjectExplanation",
    "ProjectResult",
    "approval_ballot",
    "cumulative_ballot",
    "equal_shares",
    "explain",
    "greedy",
    "greedy_no_skip",
    "greedy_threshold",
    "hybrid_scores",
    "ordinal_ballot",
    "rule_named",
    "tally",
    "tally_districts",
    "tie_order",
]
