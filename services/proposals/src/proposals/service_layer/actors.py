"""Who acts, as the use cases see it: the caller the gateway's token verified (no Flask here).

Roles are the one role model's (:class:`meemaken_kit.roles.Role`); a person may hold several. An
official's role may be scoped: in this service a resource belongs to a participation process, so a
scoped role acts where its scopes name ``process:<process id>``; a role without scopes holds
municipality-wide. Every official's step records the official's pseudonymous id and the role they
acted in (:class:`~proposals.domain.audit.ActedBy`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from meemaken_kit.roles import Role
from proposals.domain.audit import ActedBy


class Forbidden(Exception):
    """The actor may not do this."""


class NotFound(Exception):
    """There is no such thing (or the actor may not know it exists)."""


def process_scope(process_id: str) -> str:
    return f"process:{process_id}"


@dataclass(frozen=True)
class Actor:
    """The verified caller: a person (``id`` their pseudonymous id) or a service (``id`` None)."""

    id: UUID | None
    roles: frozenset[str] = frozenset()
    role_scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    attributes: Mapping[str, Any] = field(default_factory=dict)
    scope: frozenset[str] = frozenset()  # a service credential's OAuth scopes

    @classmethod
    def official(cls, role: str = Role.CASE_OFFICER, id: UUID | None = None, *scopes: str) -> Actor:
        """An official in one role (scripts and tests); with `scopes`, scoped to them."""
        return cls(id or uuid4(), frozenset({role}), {role: scopes} if scopes else {})

    @classmethod
    def resident(cls, id: UUID | None = None, **attributes: Any) -> Actor:
        return cls(id or uuid4(), frozenset({Role.RESIDENT}), {}, attributes)

    def holds(self, role: str, within: str | None = None) -> bool:
        """Holds `role`; with `within`, municipality-wide or scoped to it."""
        if role not in self.roles or self.id is None:
            return False
        scopes = self.role_scopes.get(role)
        return not scopes or within is None or within in scopes

    def acting(self, *roles: str, within: str | None = None) -> ActedBy:
        """The first of `roles` the actor holds (within the scope), as the audit records it; else Forbidden.

        Called once before the resource is read (the role at all) and once after (its process's scope)."""
        for role in roles:
            if self.holds(role, within) and self.id is not None:
                return ActedBy(self.id, role)
        held = [r for r in roles if r in self.roles]
        if held and within is not None:
            scopes = sorted({s for r in held for s in self.role_scopes.get(r, ())})
            raise Forbidden(f"Your role {held[0]} holds for {', '.join(scopes)}, not for {within}.")
        raise Forbidden(f"This needs one of these roles: {', '.join(roles)}.")

    def municipality_wide(self, *roles: str) -> ActedBy:
        """One of `roles` without scopes: for what belongs to no single process (a municipality's ladder)."""
        for role in roles:
            if self.holds(role) and not self.role_scopes.get(role) and self.id is not None:
                return ActedBy(self.id, role)
        self.acting(*roles)
        raise Forbidden(f"This needs one of these roles municipality-wide (without scopes): {', '.join(roles)}.")

    def as_resident(self) -> UUID:
        """The resident's own pseudonymous id: residents act for themselves only."""
        if Role.RESIDENT not in self.roles or self.id is None:
            raise Forbidden("This is done by a resident for themself (log in as a resident).")
        return self.id

    def may(self, oauth_scope: str) -> bool:
        """A service credential with this OAuth scope."""
        return Role.SERVICE in self.roles and oauth_scope in self.scope
