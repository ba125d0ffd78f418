"""The residents' portal: server-rendered pages in the visitor's language, built from the services' APIs.

One blueprint (``portal``); each journey one module beside this one (``home``, ``proposals``; the
budget ballot, panels and Right to Challenge slot in the same way: a module with its views, a folder
``templates/portal/<journey>/``, calls through ``gateway.backends.api()``). The gateway stores nothing
of what the pages show, except a resident's unsent drafts in their own login session.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request, send_file
from flask.blueprints import BlueprintSetupState
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from werkzeug.wrappers import Response as BaseResponse

from gateway.portal.theme import Theme
from gateway.web import install_page_answers
from meemaken_kit.auth import public

portal = Blueprint("portal", __name__)
install_page_answers(portal)


@portal.record_once
def _load_theme(state: BlueprintSetupState) -> None:
    app = state.app
    gateway = app.extensions.get("gateway")
    configured = gateway.settings.theme_file if gateway is not None else None
    app.extensions["gateway.theme"] = Theme.load(configured)
    app.jinja_env.filters.update(when=when, day=day, number=number, parsed=parsed)


def theme() -> Theme:
    found: Theme = current_app.extensions["gateway.theme"]
    return found


@portal.app_context_processor
def _theme_context() -> dict[str, Any]:
    return {"municipality_name": theme().name(str(get_locale())), "with_language": with_language}


def with_language(code: str) -> str:
    """This page in another language: the same path and query, ``lang`` replaced."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return request.path + "?" + urlencode([*args, ("lang", code)])


@portal.get("/theme.css")
@public
def theme_css() -> Response:
    response = Response(theme().css(), mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@portal.get("/theme/logo")
@public
def logo() -> BaseResponse:
    response = send_file(theme().logo, max_age=3600)
    return response


def parsed(value: str | datetime | None) -> datetime | None:
    """An ISO 8601 moment from an API answer (aware, UTC when it names no zone)."""
    if value is None or isinstance(value, datetime):
        return value
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def day(value: str | datetime | None, style: str = "long") -> str:
    """A date as the visitor's language writes it (1 maart 2027, 1 mars 2027, March 1, 2027)."""
    moment = parsed(value)
    return "" if moment is None else format_date(moment, style)


def when(value: str | datetime | None) -> str:
    moment = parsed(value)
    return "" if moment is None else format_datetime(moment, "medium")


def number(value: int | float) -> str:
    return str(format_decimal(value))
