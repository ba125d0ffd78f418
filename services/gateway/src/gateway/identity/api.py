"""The gateway's own machine endpoints: its public keys (JWKS) and the services' token endpoint.

Both are in the gateway's OpenAPI document; the pages and the API pass-through are not (see README).
"""

from __future__ import annotations

import base64
import binascii
import logging
from urllib.parse import unquote

from flask import Response, json, request
from flask_smorest import Blueprint

from gateway.context import gateway
from gateway.identity.tokens import GrantRefused
from gateway.web import csrf
from meemaken_kit.auth import public

log = logging.getLogger("gateway.identity")

keys = Blueprint("keys", __name__, description="The gateway's keys and the services' credentials")

TOKEN_FORM = {
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["grant_type", "audience", "scope"],
                "properties": {
                    "grant_type": {"type": "string", "enum": ["client_credentials"]},
                    "audience": {"type": "string", "description": "The service the token is for, e.g. proposals."},
                    "scope": {"type": "string", "description": "Space-separated scopes, e.g. voters:read."},
                },
            }
        }
    }
}
OAUTH_ERROR = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
        }
    }
}


@keys.route("/.well-known/jwks.json", methods=["GET"])
@public
@keys.doc(
    summary="The gateway's public signing keys",
    description="Every configured key (the first signs; the others stay published during a rotation). "
    "Services verify the gateway's tokens against it; cache for 5 minutes.",
    responses={"200": {"description": "A JSON Web Key Set", "content": {"application/json": {"schema": {}}}}},
)
def jwks() -> Response:
    response = Response(gateway().jwks, mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@keys.route("/oauth/token", methods=["POST"])
@keys.doc(
    summary="A service's own token (OAuth2 client credentials)",
    description="HTTP Basic with the service's name and its secret (`<NAME>_CLIENT_SECRET` at the gateway). "
    "Only what the grants table gives the service for that audience is issued.",
    requestBody=TOKEN_FORM,
    security=[{"clientSecret": []}],
    responses={
        "200": {
            "description": "The token",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "access_token": {"type": "string"},
                            "token_type": {"type": "string", "enum": ["Bearer"]},
                            "expires_in": {"type": "integer"},
                            "scope": {"type": "string"},
                        },
                    }
                }
            },
        },
        "400": {"description": "RFC 6749 error", "content": OAUTH_ERROR},
        "401": {"description": "Unknown client or wrong secret (invalid_client)", "content": OAUTH_ERROR},
        "429": {"description": "Too many requests from this address"},
    },
)
@public
@csrf.exempt
def token() -> Response:
    gw = gateway()
    with gw.limiter.limit(gw.settings.token_endpoint_limits, "oauth-token"):
        try:
            client_id, secret = _basic(request.headers.get("Authorization", ""))
            answer = gw.grants.grant(client_id, secret, request.form.to_dict())
        except GrantRefused as refused:
            log.info("token refused", extra={"error": refused.error})
            body = {"error": refused.error, "error_description": refused.description}
            response = _no_store(Response(json.dumps(body), status=refused.status, mimetype="application/json"))
            if refused.status == 401:
                response.headers["WWW-Authenticate"] = 'Basic realm="meemaken"'
            return response
        log.info("token granted", extra={"client": client_id, "audience": request.form.get("audience")})
        return _no_store(Response(json.dumps(answer), mimetype="application/json"))


def _basic(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise GrantRefused("invalid_client", "Authenticate with HTTP Basic: your service's name and secret.", 401)
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise GrantRefused("invalid_client", "The Basic credentials are not readable.", 401) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise GrantRefused("invalid_client", "The Basic credentials are not readable.", 401)
    return unquote(client_id), unquote(secret)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
