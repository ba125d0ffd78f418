"""Who may do what here, asked of the gateway's verified token (``meemaken_kit.auth.principal``) only.

- A person (any role but ``service``) manages their own contact, preferences, follows and inbox.
  Nobody else reads or changes them: not an administrator, not an official.
- ``administrator`` (ops) reads the delivery log (pseudonymous ids, never an address) and prints the
  letters waiting to be printed (a letter shows the address it goes to; nothing else does).
- The panels service, with its own credential holding ``contacts:write``, hands over and takes back
  the contacts of panel pseudonyms (``p_…``): never a person's own (UUID) contact record.
- Officials fill audiences in their proper role: ``case_officer`` a department's queue
  (``department:<name>``) and a challenge's people (``case:<challenge id>``); ``panel_coordinator`` a
  panel's members (``case:<panel id>``). A role without scopes holds municipality-wide.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar, cast
from uuid import UUID

from werkzeug.exceptions import Forbidden, NotFound

from meemaken_kit.auth import Principal, Unauthenticated, principal, require, require_scope
from meemaken_kit.roles import Role

# Everyone who logs in as a person: each manages their own contact and inbox (officials get work by e-mail).
PEOPLE = frozenset(Role) - {Role.SERVICE}
PANEL_PSEUDONYM = re.compile(r"^p_[0-9a-f]{32}$")
CONTACTS_OWNER = "panels"  # the service whose pseudonyms' contacts live here

# Audiences officials fill, per (kind of scope, role): the official role needed and the scope it must hold.
MANAGED_AUDIENCES: dict[tuple[str, str], tuple[Role, str]] = {
    ("department", "department_queue"): (Role.CASE_OFFICER, "department:{name}"),
    ("challenge", "assigned_officials"): (Role.CASE_OFFICER, "case:{name}"),
    ("challenge", "co_initiators"): (Role.CASE_OFFICER, "case:{name}"),
    ("challenge", "group_members"): (Role.CASE_OFFICER, "case:{name}"),
    ("panel", "selected_members"): (Role.PANEL_COORDINATOR, "case:{name}"),
    ("panel", "alternates"): (Role.PANEL_COORDINATOR, "case:{name}"),
}
FOLLOWABLE = ("challenge", "panel", "proposal", "round", "process")
F = TypeVar("F", bound=Callable[..., Any])


def checked(check: Callable[..., Principal]) -> Callable[[F], F]:
    """Run ``check`` on the path's values before flask-smorest reads the query or body: a caller who may not
    act here gets 403, never a validation error about what they sent."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **path: Any) -> Any:
            check(**path)
            return view(*args, **path)

        return cast(F, guarded)

    return decorate


def caller() -> Principal:
    who = principal()
    if who is None:  # no endpoint here is public; the kit refuses anonymous requests before this
        raise Unauthenticated("This needs you to log in.")
    return who


def require_self(person_id: str | UUID) -> Principal:
    """The person themselves, logged in as a person (a service or anyone else gets 403)."""
    who = caller()
    if who.person_id is not None and who.roles & PEOPLE and str(who.person_id) == str(person_id).lower():
        return who
    raise Forbidden("Only the person themselves may do this.")


def require_contact_writer(person_id: str) -> Principal:
    """A person's own contact is theirs to set; a panel pseudonym's is the panels service's to hand over."""
    if PANEL_PSEUDONYM.match(person_id):
        who = require_scope("contacts:write")
        if who.service != CONTACTS_OWNER:
            raise Forbidden("Panel members' contacts are handed over by the panels service only.")
        return who
    return require_self(person_id)


def require_audience_manager(kind: str, name: str, role: str, person_id: str) -> Principal:
    """Following is self-service; the other audiences are filled by the official responsible for them."""
    if not name:
        raise NotFound("Audiences are <kind>:<id> (challenge, department, panel, proposal, round, process) and a role.")
    if role == "followers" and kind in FOLLOWABLE:
        return require_self(person_id)
    managed = MANAGED_AUDIENCES.get((kind, role))
    if managed is None:
        raise NotFound(
            "No such audience: followers of a challenge, panel, proposal, round or process; a department's "
            "department_queue; a challenge's assigned_officials, co_initiators or group_members; a panel's "
            "selected_members or alternates."
        )
    official, scope = managed
    return require(official, scope=scope.format(name=name))


# The checks of each endpoint, by the names of its path's values.


def own_inbox(resident_id: UUID, **_: Any) -> Principal:
    return require_self(resident_id)


def own_person(person_id: str, **_: Any) -> Principal:
    return require_self(person_id)


def contact_writer(person_id: str, **_: Any) -> Principal:
    return require_contact_writer(person_id.lower())


def audience_manager(scope: str, role: str, person_id: str, **_: Any) -> Principal:
    kind, _colon, name = scope.partition(":")
    return require_audience_manager(kind, name, role, person_id)
