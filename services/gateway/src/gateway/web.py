"""The gateway's web hardening and language, installed once on the app.

- Security headers on every response (a constant set, computed at start): a Content-Security-Policy
  without inline script or style, nosniff, same-origin referrers, no framing, HSTS outside development.
- CSRF (Flask-WTF) on every form; the API pass-through checks it itself for session callers.
- Rate limits (``gateway.ratelimits``, storage ``MEEMAKEN_RATELIMIT_STORAGE_URI``): 429 problem+json with
  Retry-After. Limits key on the caller's own address or own account, never on an account a request
  names, so nobody can lock someone else out.
- Pages and styles compressed (Flask-Compress: brotli or gzip, as the browser accepts; a static file is read
  into memory first, since Flask-Compress offers no gzip for a streamed file); static files cached for an hour.
- Language (Flask-Babel): the visitor's choice (``?lang=``, remembered in a cookie), then the
  browser's Accept-Language, then Dutch.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Flask, Response, g, redirect, render_template, request, session
from flask_babel import Babel, get_locale
from flask_compress import Compress
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response as BaseResponse

from gateway.identity.sessions import ServerSession
from gateway.ratelimits import RateLimits, TooManyRequests
from gateway.settings import GatewaySettings
from meemaken_kit.problems import problem

log = logging.getLogger("gateway.web")

LANGUAGES = ("nl", "fr", "en")
DEFAULT_LANGUAGE = "nl"
LANGUAGE_COOKIE = "meemaken_lang"
LANGUAGE_NAMES = (("nl", "Nederlands"), ("fr", "Français"), ("en", "English"))

csrf = CSRFProtect()


def security_headers(settings: GatewaySettings) -> dict[str, str]:
    form_action = " ".join(["'self'", *([settings.oidc.origin] if settings.oidc.origin else [])])
    headers = {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"frame-ancestors 'none'; form-action {form_action}; base-uri 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Server": "meemaken",  # the public door names no software and no version
    }
    if not settings.development:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def language() -> str:
    choice = request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if choice in LANGUAGES:
        return choice
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def install(app: Flask, settings: GatewaySettings) -> RateLimits:
    app.secret_key = settings.secret_key
    app.config.update(
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as its session
        WTF_CSRF_CHECK_DEFAULT=True,
        # Pages and styles compressed (the component CSS is 94 kB raw, 11 kB compressed); the API
        # pass-through's answers stay as the services sent them.
        COMPRESS_MIMETYPES=["text/html", "text/css", "image/svg+xml"],
        COMPRESS_ALGORITHM=["br", "gzip"],
        SEND_FILE_MAX_AGE_DEFAULT=3600,  # styles and the logo: browsers keep them an hour
    )
    Compress(app)
    csrf.init_app(app)
    Babel(app, locale_selector=language, default_locale=DEFAULT_LANGUAGE)
    limiter = RateLimits(settings.ratelimit_storage_uri, settings.ratelimit_enabled)
    app.extensions["meemaken"]["public_endpoints"].add("static")

    headers = security_headers(settings)

    @app.after_request
    def static_as_data(response: Response) -> Response:
        # Runs before Flask-Compress's own after_request (registered earlier, so called later): the few
        # small styles are read whole, so every algorithm the browser accepts, gzip included, applies.
        if request.endpoint == "static" and response.direct_passthrough and response.status_code == 200:
            response.direct_passthrough = False
            response.make_sequence()
        return response

    @app.context_processor
    def common() -> dict[str, Any]:
        return {
            "current_language": str(get_locale()),
            "languages": LANGUAGE_NAMES,
            "signed_in": isinstance(session, ServerSession) and session.identity is not None,
        }

    @app.after_request
    def harden(response: Response) -> Response:
        own = response.headers.get("Content-Security-Policy", "")
        response.headers.update(headers)
        if own.startswith("default-src 'none'"):  # a document's download keeps its stricter sandbox
            response.headers["Content-Security-Policy"] = own
        return response

    @app.errorhandler(TooManyRequests)
    def too_many(error: TooManyRequests) -> Response:
        retry_after = error.retry_after
        if _wants_page():
            response = page("message.html", 429, kind="too_many")
        else:
            response = problem(
                429, "Too Many Requests", "You are sending this too often; please wait a moment and try again."
            )
        response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError) -> Response:
        log.info("refused a request without a valid CSRF token", extra={"reason": error.description})
        if _wants_page():
            return page("message.html", 400, kind="csrf")
        return problem(403, "Forbidden", f"{error.description} Send the page's CSRF token in X-CSRFToken.")

    return limiter


def behind_proxies(app: Flask, settings: GatewaySettings) -> None:
    """The caller's address and scheme from ``X-Forwarded-*`` of the trusted proxies: outermost, so the
    fast lane and the Flask app both see them."""
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies
        )


def _wants_page() -> bool:
    return not request.path.startswith(("/api/", "/oauth/", "/.well-known/"))


def page(template: str, status: int = 200, **context: Any) -> Response:
    response = Response(render_template(template, **context), status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def install_page_answers(blueprint: Blueprint) -> None:
    """A page's refusals as pages: nobody logged in is sent to log in; a missing role is a 403 page."""

    @blueprint.after_request
    def as_page(response: Response) -> Response | BaseResponse:
        if response.status_code == 401 and request.method == "GET":
            target = request.full_path.rstrip("?")
            return redirect(f"/login?next={_quote(target)}" + ("&ended=1" if g.get("session_ended") else ""))
        if response.status_code == 401:
            return page("message.html", 401, kind="ended")
        if response.status_code == 403 and response.mimetype == "application/problem+json":
            return page("message.html", 403, kind="forbidden")
        return response

    @blueprint.after_request
    def remember_language(response: Response) -> Response:
        choice = request.args.get("lang")
        if choice in LANGUAGES and request.cookies.get(LANGUAGE_COOKIE) != choice:
            response.set_cookie(
                LANGUAGE_COOKIE,
                choice,
                max_age=365 * 24 * 3600,
                path="/",
                httponly=True,
                samesite="Lax",
                secure=request.is_secure,
            )
        return response


def _quote(path: str) -> str:
    return quote(path, safe="/")


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (``//evil``, ``/\\evil``, ``https:``)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/account"
    if any(c in target for c in "\\\r\n\t") or ":" in target.split("?", 1)[0]:
        return "/account"
    return target
