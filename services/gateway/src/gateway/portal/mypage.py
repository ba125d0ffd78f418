"""My page: around the account page (``/account``, in ``identity/views.py``), the signed-in resident's inbox,
how they want to hear from the municipality, what they took part in, their data as one file, and a request to
delete it. Every page is for the person themselves only: who they are comes from the login session, and each
service answers for the token's subject alone.

What each page calls:

- ``/account/inbox``: notifications ``GET v1/residents/<me>/messages?limit=&offset=``, ``POST .../<id>/read``;
- ``/account/notifications``: notifications ``GET, PUT v1/people/<me>/contact``;
- ``/account/participation``: proposals ``GET v1/proposals?author_id=<me>``, ``GET v1/proposals/supported``,
  ``GET v1/processes?municipality=``, ``GET v1/rounds`` and ``GET v1/rounds/<id>/ballot`` for each of this
  municipality's rounds past its ideas; challenges ``GET v1/challenges``; panels ``GET v1/panels/registrations``
  and ``GET v1/panels`` (their titles);
- ``/account/data/download``: all of the above (every page of it) and ``GET v1/people/<me>/audiences``;
- ``/account/data/deletion``: notifications ``DELETE v1/people/<me>/contact`` and ``DELETE v1/residents/<me>/messages``,
  then the request is recorded here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Response as FlaskResponse
from flask import flash, redirect, request, session, url_for
from flask_babel import get_locale
from werkzeug.wrappers import Response as BaseResponse

from gateway.adapters import my_data as records
from gateway.backends import Refused, ServiceError, api
from gateway.context import gateway
from gateway.domain.my_data import (
    CHANNELS,
    DIGESTS,
    ERASED_AT_ONCE,
    KEPT,
    TOPICS,
    Preferences,
    address_lines,
    export_document,
)
from gateway.identity.pseudonyms import display_reference, reference_code
from gateway.portal import portal
from gateway.portal.budgets import COMING
from gateway.portal.home import municipality_processes
from gateway.portal.proposals import DRAFTS
from gateway.web import page
from meemaken_kit.auth import principal

MESSAGES_PAGE, LISTED, EVERYTHING = 20, 50, 200


def _me() -> uuid.UUID | None:
    """The signed-in person's pseudonymous id (the kit refused anyone anonymous before this runs)."""
    who = principal()
    return who.person_id if who is not None else None


def _not_a_person() -> FlaskResponse:
    return page("message.html", 403, kind="forbidden")


# --- inbox --------------------------------------------------------------------------------------------


@portal.get("/account/inbox")
def inbox() -> FlaskResponse:
    me = _me()
    if me is None:
        return _not_a_person()
    number = request.args.get("page", "1")
    current = int(number) if number.isdigit() and 0 < int(number) < 10_000 else 1
    params = {"limit": MESSAGES_PAGE + 1, "offset": (current - 1) * MESSAGES_PAGE}
    try:
        found = api().get("notifications", f"v1/residents/{me}/messages", params)
    except ServiceError:
        return page("portal/mypage/inbox.html", 503, unavailable=True, messages=[], current=current, has_next=False)
    return page(
        "portal/mypage/inbox.html",
        unavailable=False,
        messages=found[:MESSAGES_PAGE],
        current=current,
        has_next=len(found) > MESSAGES_PAGE,
    )


def unread_messages(me: uuid.UUID) -> int | None:
    """How many messages wait unread (for My page's menu), or None when the notifications service cannot say."""
    try:
        found = api().get("notifications", f"v1/residents/{me}/messages/unread-count")
    except ServiceError:
        return None
    return int(found["unread"])


@portal.post("/account/inbox/<uuid:message_id>/read")
def mark_read(message_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    me = _me()
    if me is None:
        return _not_a_person()
    number = request.form.get("page", "1")
    current = int(number) if number.isdigit() and 0 < int(number) < 10_000 else 1
    try:
        api().post("notifications", f"v1/residents/{me}/messages/{message_id}/read")
    except Refused as refused:
        flash("missing" if refused.status == 404 else "unavailable", "inbox")
    except ServiceError:
        flash("unavailable", "inbox")
    else:
        flash("read", "inbox")
    return redirect(url_for("portal.inbox", page=current if current > 1 else None, _anchor=f"message-{message_id}"))


# --- notification settings ----------------------------------------------------------------------------


def _contact(me: uuid.UUID) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = api().get("notifications", f"v1/people/{me}/contact")
    except Refused as refused:
        if refused.status == 404:
            return None
        raise
    return found


@portal.route("/account/notifications", methods=["GET", "POST"])
def notification_settings() -> FlaskResponse | BaseResponse:
    me = _me()
    if me is None:
        return _not_a_person()
    options: dict[str, Any] = {"channels": CHANNELS, "digests": DIGESTS, "topics": TOPICS}
    try:
        on_file = _contact(me)
    except ServiceError:
        return page("portal/mypage/notifications.html", 503, unavailable=True, chosen=None, errors={}, **options)
    chosen = Preferences.from_contact(on_file, str(get_locale()))
    if request.method == "GET":
        return page(
            "portal/mypage/notifications.html", unavailable=False, chosen=chosen, on_file=on_file, errors={}, **options
        )
    form = request.form
    chosen = Preferences(
        channels=tuple(dict.fromkeys(form.getlist("channels"))),
        email=form.get("email", "").strip(),
        postal_address=address_lines(form.get("postal_address", "")),
        language=form.get("language", ""),
        digest=form.get("digest", ""),
        muted_topics=tuple(dict.fromkeys(form.getlist("muted_topics"))),
        kept_topics=chosen.kept_topics,
    )
    errors = chosen.problems()
    if not errors:
        try:
            api().put("notifications", f"v1/people/{me}/contact", chosen.contact_body())
        except Refused:
            errors = {"channels": "refused"}
        except ServiceError:
            return page("portal/mypage/notifications.html", 503, unavailable=True, chosen=chosen, errors={}, **options)
    if errors:
        shown = {"chosen": chosen, "on_file": on_file, "errors": errors}
        return page("portal/mypage/notifications.html", 422, unavailable=False, **shown, **options)
    flash("saved", "settings")
    return redirect(url_for("portal.notification_settings"))


# --- what I took part in -----------------------------------------------------------------------------


def _all_pages(fetch: Callable[[int, int], list[Any]], size: int = EVERYTHING) -> list[Any]:
    found: list[Any] = []
    while True:
        batch = fetch(size, len(found))
        found.extend(batch)
        if len(batch) < size:
            return found


def _proposals(me: uuid.UUID, limit: int) -> dict[str, Any]:
    written = api().get("proposals", "v1/proposals", {"author_id": str(me), "limit": limit})
    supported = api().get("proposals", "v1/proposals/supported", {"limit": limit})
    return {"written": written, "supported": supported}


def _ballots() -> list[dict[str, Any]]:
    """The resident's ballot in every round of this municipality that took votes, with its title and phase."""
    ours = {p["id"] for p in municipality_processes()}
    ballots = []
    for r in api().get("proposals", "v1/rounds"):
        if r["phase"] in COMING or r["process_id"] not in ours:
            continue
        try:
            ballot = api().get("proposals", f"v1/rounds/{r['id']}/ballot")
        except Refused as refused:
            if refused.status == 404:
                continue
            raise
        ballots.append({"round": {"id": r["id"], "title": r["title"], "phase": r["phase"]}, "ballot": ballot})
    return ballots


def _challenges(limit: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api().get("challenges", "v1/challenges", {"limit": limit})
    return found


def _panels() -> list[dict[str, Any]]:
    registrations = api().get("panels", "v1/panels/registrations")
    if not registrations:
        return []
    titles = {p["id"]: p for p in api().get("panels", "v1/panels")}
    return [{"registration": r, "panel": titles.get(r["panel_id"])} for r in registrations]


def _section(fetch: Callable[[], Any]) -> Any:
    """One part of the page: what the service gave, or None when it is unavailable now."""
    try:
        return fetch()
    except ServiceError:
        return None


@portal.get("/account/participation")
def participation() -> FlaskResponse:
    me = _me()
    if me is None:
        return _not_a_person()
    return page(
        "portal/mypage/participation.html",
        proposals=_section(lambda: _proposals(me, LISTED)),
        ballots=_section(_ballots),
        challenges=_section(lambda: _challenges(LISTED)),
        panels=_section(_panels),
        listed=LISTED,
    )


# --- my data: download and deletion ---------------------------------------------------------------------


@portal.get("/account/data")
def my_data() -> FlaskResponse:
    me = _me()
    if me is None:
        return _not_a_person()
    return page("portal/mypage/data.html", request_on_file=records.pending(gateway().engine, str(me)), kept=KEPT)


@portal.get("/account/data/download")
def download_my_data() -> FlaskResponse:
    me = _me()
    if me is None:
        return _not_a_person()
    who = principal()
    assert who is not None
    try:
        parts = _everything(me)
    except ServiceError:  # a file that misses a part would not be "everything": say so instead
        pending = records.pending(gateway().engine, str(me))
        return page("portal/mypage/data.html", 503, unavailable=True, request_on_file=pending, kept=KEPT)
    now = datetime.now(UTC)
    account = {
        "id": str(me),
        "reference": display_reference(reference_code(me)),
        "roles": sorted(who.roles),
        "verified_facts": dict(who.attributes),
        **records.account_record(gateway().engine, str(me)),
        "proposal_drafts": list(session.get(DRAFTS, {}).values()),  # kept in this login session only
    }
    document = export_document(now, account, parts, records.pending(gateway().engine, str(me)))
    response = FlaskResponse(json.dumps(document, indent=2, ensure_ascii=False), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="meemaken-my-data-{now.date().isoformat()}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _everything(me: uuid.UUID) -> dict[str, Any]:
    notifications = {
        "contact": _contact(me),
        "messages": _all_pages(
            lambda limit, offset: api().get(
                "notifications", f"v1/residents/{me}/messages", {"limit": limit, "offset": offset}
            )
        ),
        "audiences": api().get("notifications", f"v1/people/{me}/audiences"),
    }
    written = _all_pages(
        lambda limit, offset: api().get(
            "proposals", "v1/proposals", {"author_id": str(me), "limit": limit, "offset": offset}
        )
    )
    supported = _all_pages(
        lambda limit, offset: api().get("proposals", "v1/proposals/supported", {"limit": limit, "offset": offset})
    )
    challenges = _all_pages(
        lambda limit, offset: api().get("challenges", "v1/challenges", {"limit": limit, "offset": offset}), 100
    )
    return {
        "notifications": notifications,
        "proposals": {"written": written, "supported": supported, "ballots": _ballots()},
        "challenges": challenges,
        "panels": {"registrations": api().get("panels", "v1/panels/registrations")},
    }


@portal.route("/account/data/deletion", methods=["GET", "POST"])
def ask_for_deletion() -> FlaskResponse | BaseResponse:
    me = _me()
    if me is None:
        return _not_a_person()
    engine = gateway().engine
    on_file = records.pending(engine, str(me))
    if on_file is not None:
        return redirect(url_for("portal.my_data"))
    context: dict[str, Any] = {"erased_at_once": ERASED_AT_ONCE, "kept": KEPT}
    if request.method == "GET":
        return page("portal/mypage/deletion.html", errors={}, **context)
    if request.form.get("understood") != "yes":
        return page("portal/mypage/deletion.html", 422, errors={"understood": True}, **context)
    erased: list[str] = []
    for path in (f"v1/people/{me}/contact", f"v1/residents/{me}/messages"):
        try:
            api().call("DELETE", "notifications", path)
        except ServiceError as failed:
            if not (isinstance(failed, Refused) and failed.status == 404):  # 404: nothing on file, nothing to forget
                return page(
                    "portal/mypage/deletion.html", 503, unavailable=True, partly=bool(erased), errors={}, **context
                )
        erased.append(path)
    records.record(engine, str(me), datetime.now(UTC))
    flash("recorded", "deletion")
    return redirect(url_for("portal.my_data"))
