"""The portal's pages (``gateway.portal``): the blueprint bootstrap registers, with its journeys imported."""

from __future__ import annotations

from gateway.portal import budgets, home, portal, proposals

__all__ = ["budgets", "home", "portal", "proposals"]
