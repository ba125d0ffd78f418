"""Who is asking, in every service: the verified bearer token, and nothing the client says otherwise.

``create_service_app`` installs :func:`install_authentication`: before any view runs, an
``Authorization: Bearer`` token is verified by the kit's :class:`~meemaken_kit.tokens.TokenVerifier`
(signature, issuer, audience = this service, expiry). A bad token answers 401 everywhere. An endpoint
is either marked :func:`public` (published decisions, results, open processes) or refuses an
anonymous request with 401 problem+json. ``X-Meemaken-*`` headers mean nothing.

Views ask :func:`principal` (``None`` when anonymous on a public endpoint) or :func:`require`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import Forbidden

from meemaken_kit.problems import problem
from meemaken_kit.tokens import InvalidToken, Principal, TokenVerifier

PUBLIC_ATTRIBUTE = "__meemaken_public__"
ALLOW_ATTRIBUTE = "__meemaken_allow__"
UNAUTHENTICATED = "urn:meemaken:problem:unauthenticated"
F = TypeVar("F", bound=Callable[..., Any])


def public(view: F) -> F:
    """Declare an endpoint (a view function, a MethodView class or one of its methods) open to anyone.

    The OpenAPI document shows it without a security requirement."""
    setattr(view, PUBLIC_ATTRIBUTE, True)
    targets = [getattr(view, m) for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)]
    for target in targets or [view]:
        apidoc = getattr(target, "_apidoc", {})
        apidoc.setdefault("manual_doc", {})["security"] = []
        try:
            target._apidoc = apidoc
        except AttributeError:  # a bound builtin; nothing to document
            pass
    return view


def allow(*roles: str) -> Callable[[F], F]:
    """Declare who may call an endpoint (a view function, a MethodView class or one of its methods).

    Checked right after authentication, before the request body is even read: anyone else gets 403
    (401 when anonymous), so a refused caller learns nothing from validation. ``service:<scope>``
    admits a service credential holding that OAuth scope. Finer checks (own resource, scope) stay
    in the view."""

    def declare(view: F) -> F:
        setattr(view, ALLOW_ATTRIBUTE, frozenset(roles))
        return view

    return declare


def _view_attribute(app: Flask, endpoint: str, method: str, name: str) -> Any:
    view = app.view_functions.get(endpoint)
    if view is None:
        return None
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, "get" if method == "HEAD" else method.lower(), None)
        found = getattr(handler, name, None)
        if found is not None:
            return found
        return getattr(view_class, name, None)
    return getattr(view, name, None)


def allowed_roles(app: Flask, endpoint: str, method: str) -> frozenset[str] | None:
    """What ``allow`` declared for this endpoint and method (None: nothing declared)."""
    found: frozenset[str] | None = _view_attribute(app, endpoint, method, ALLOW_ATTRIBUTE)
    return found


def admits(who: Principal, roles: frozenset[str]) -> bool:
    for role in roles:
        if role.startswith("service:"):
            if who.may(role.removeprefix("service:")):
                return True
        elif role in who.roles:
            return True
    return False


def principal() -> Principal | None:
    found: Principal | None = g.get("principal")
    return found


def require(*roles: str, scope: str | None = None) -> Principal:
    """The caller, who must hold one of ``roles`` (for ``scope`` when given); else 403."""
    who = principal()
    if who is None:  # only reachable on a public endpoint
        raise Unauthenticated("This needs you to log in.")
    if not who.has_any(roles, scope):
        raise Forbidden(f"This needs one of these roles: {', '.join(roles)}.")
    return who


def require_scope(scope: str) -> Principal:
    """A service calling with its own credentials, holding this OAuth scope."""
    who = principal()
    if who is None:
        raise Unauthenticated("This needs a service credential.")
    if not who.may(scope):
        raise Forbidden(f"This needs a service credential with the scope {scope}.")
    return who


class Unauthenticated(Exception):
    """No (valid) token where one is needed."""


def is_public(app: Flask, endpoint: str | None, method: str) -> bool:
    if endpoint is None:  # no route matched: the 404/405 handler answers
        return True
    if endpoint in app.extensions["meemaken"].get("public_endpoints", ()) or endpoint not in app.view_functions:
        return True
    return bool(_view_attribute(app, endpoint, method, PUBLIC_ATTRIBUTE))


def install_authentication(
    app: Flask, verifier: TokenVerifier, session_principal: Callable[[], Principal | None] | None = None
) -> None:
    """``session_principal`` (the gateway's login session) is asked when a request has no bearer token."""
    app.extensions["meemaken"]["verifier"] = verifier

    @app.before_request
    def authenticate() -> Response | None:
        g.principal = None
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if header and scheme.lower() != "bearer":
            # Another scheme (an OAuth client's Basic credentials at a token endpoint) is the view's business.
            if is_public(app, request.endpoint, request.method):
                return None
            return _unauthenticated("Send the token as `Authorization: Bearer <token>`.")
        if header:
            if not token.strip():
                return _unauthenticated("Send the token as `Authorization: Bearer <token>`.")
            try:
                g.principal = current_app.extensions["meemaken"]["verifier"].verify(token.strip())
            except InvalidToken as exc:
                return _unauthenticated(f"The bearer token was refused: {exc}.")
        elif session_principal is not None:
            g.principal = session_principal()
        if request.method == "OPTIONS" or is_public(app, request.endpoint, request.method):
            return None
        if g.principal is None:
            return _unauthenticated("This needs you to log in (a bearer token from the gateway).")
        roles = allowed_roles(app, request.endpoint or "", request.method)
        if roles is not None and not admits(g.principal, roles):
            return problem(403, "Forbidden", f"This needs one of these roles: {', '.join(sorted(roles))}.")
        return None

    @app.errorhandler(Unauthenticated)
    def unauthenticated(error: Unauthenticated) -> Response:
        return _unauthenticated(str(error))


def _unauthenticated(detail: str) -> Response:
    response = problem(401, "Unauthorized", detail, UNAUTHENTICATED)
    response.headers["WWW-Authenticate"] = 'Bearer realm="meemaken"'
    return response


def install_security_scheme(spec: Any) -> None:
    """The OpenAPI document says: a bearer JWT from the gateway, unless an operation is public."""
    spec.components.security_scheme(
        "gatewayToken",
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A short-lived token signed by the gateway (RS256, aud = this service). "
            "Through the gateway (/api/<service>/...) it is attached for you; for scripts in development: "
            "`.venv/bin/meemaken-token --sub <uuid> --role resident`.",
        },
    )
    spec.options["security"] = [{"gatewayToken": []}]
