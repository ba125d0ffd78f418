"""The portal's pages (``gateway.portal``): the blueprint bootstrap registers, with its journeys imported."""

from __future__ import annotations

from gateway.portal import (
    budgets,
    challenge_steps,
    challenges,
    home,
    mypage,
    panels,
    portal,
    proposal_authors,
    proposals,
)

__all__ = [
    "budgets",
    "challenge_steps",
    "challenges",
    "home",
    "mypage",
    "panels",
    "portal",
    "proposal_authors",
    "proposals",
]
