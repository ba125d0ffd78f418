"""One way to take an official's action on the desk's pages (the panels', the budget rounds', the proposals'):
the form with its error summary, then a confirmation page with a key fixed on it, then the service's API once,
with an Idempotency-Key made from that key, then the next page, or the service's refusal in words. A
confirmation sent twice (a double click, a reload) acts once: the service answers the retry as it did the
first time, and the next page says what was done once.

What differs between the desks is said once per desk (``Desk``); each action gives its page (``show``), what it
sends (``send``) and what follows (``done``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Response, flash, g, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from gateway.backends import Refused, ServiceError, Unavailable


class Show(Protocol):
    """An action's page: the form (with ``problems``), or with ``confirming`` its confirmation, or with ``refused``
    the service's refusal."""

    def __call__(self, problems: Mapping[str, Any], status: int = 200, **more: Any) -> Response: ...


@dataclass(frozen=True)
class Desk:
    """How one desk's pages confirm: the confirmation page's hidden field with the key, the service's refusal in
    words, the service's refusal statuses a page passes on (any other is a 409), whether a refusal shows the
    confirmation again (with the same key) or the form, and the problem a key that is not the page's own gives
    (None: the confirmation again, with a new key)."""

    field: str
    refusal: Callable[[ServiceError], str]
    passes: frozenset[int] = frozenset()
    again: bool = False
    stale: Any = None


def once_key(given: str, what: str) -> str | None:
    """The Idempotency-Key of a confirmed action: the same confirmation page always gives the same key for
    ``what``; None when ``given`` is not a key the page gave."""
    try:
        return str(uuid.uuid5(uuid.UUID(given), what))
    except ValueError:
        return None


def take(
    desk: Desk,
    show: Show,
    problems: Mapping[str, Any],
    send: Callable[[str], Any],
    done: Callable[[Any], Response | BaseResponse],
    what: str,
) -> Response | BaseResponse:
    """The form again (problems, or the official chose to change it), its confirmation (a check), or, confirmed,
    ``send`` with the Idempotency-Key for ``what`` and ``done`` with the service's answer."""
    step = request.form.get("step")
    if problems or step == "change":
        return show(problems)
    fresh: dict[str, Any] = {"confirming": True, desk.field: str(uuid.uuid4())}
    if step != "confirm":
        return show({}, **fresh)
    given = request.form.get(desk.field, "")
    key = once_key(given, what)
    if key is None:
        return show({"step": desk.stale}) if desk.stale else show({}, **fresh)
    try:
        answer = send(key)
    except ServiceError as error:
        code = error.status if isinstance(error, Refused) else 0
        status = code if code in desk.passes else 409
        detail = error.detail if isinstance(error, Refused) else ""
        shown = {"confirming": True, desk.field: given} if desk.again else {}
        return show({}, status, refused=desk.refusal(error), refusal_status=code, detail=detail, **shown)
    return done(answer)


def noted(message: str, category: str) -> None:
    """The note of what was done, for the next page: not again when the service replayed its answer (a
    confirmation sent twice, whose first answer never reached the browser, has its note waiting already)."""
    if not g.get("replayed"):
        flash(message, category)


def in_words(error: ServiceError, silent: str, leads: Mapping[int, str], otherwise: str) -> str:
    """A service's refusal in plain words: ``silent`` when it did not answer, else the desk's lead for its status
    (``otherwise`` for any other; an ended session is said here) and the service's detail as it gave it."""
    if isinstance(error, Unavailable):
        return silent
    assert isinstance(error, Refused)
    lead = {401: _("Your session has ended; log in again."), **leads}.get(error.status, otherwise)
    return f"{lead} {error.detail}".strip()


def refused_by_proposals(error: ServiceError, leads: Mapping[int, str]) -> str:
    """The proposals service's refusal in words, with the desk's own ``leads`` for 403, 404 and 409."""
    silent = _("The proposals service did not answer. Nothing was changed; try again in a moment.")
    leads = {**leads, 422: _("The proposals service did not accept what you sent.")}
    return in_words(error, silent, leads, _("The proposals service refused this."))
