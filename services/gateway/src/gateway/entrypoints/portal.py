"""The portal's pages (``gateway.portal``): the blueprint bootstrap registers, with its journeys imported."""

from __future__ import annotations

from gateway.portal import home, portal, proposals

__all__ = ["home", "portal", "proposals"]
