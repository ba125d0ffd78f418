"""The municipality's identity provider, through Authlib's Flask client.

Authorization Code flow with PKCE (S256), state and nonce; the provider is found by discovery at
``MEEMAKEN_OIDC_ISSUER`` (whose metadata must name that same issuer). The ID token is verified by
Authlib (signature against the provider's JWKS, issuer, audience, expiry, nonce); the userinfo
endpoint's claims are added when the provider has one (``MEEMAKEN_OIDC_USERINFO``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, Response

from gateway.settings import OidcSettings

log = logging.getLogger("gateway.identity")


class LoginFailed(Exception):
    """The provider said no, or its answer could not be trusted; the message names no person."""


class Provider:
    def __init__(self, app: Flask, settings: OidcSettings) -> None:
        if not settings.issuer:
            raise ValueError("no MEEMAKEN_OIDC_ISSUER")
        self.settings = settings
        self.issuer = settings.issuer
        client_kwargs: dict[str, Any] = {
            "scope": settings.scopes,
            "code_challenge_method": "S256",
            "timeout": 10,
            "token_endpoint_auth_method": "client_secret_basic" if settings.client_secret else "none",
        }
        self.client: Any = OAuth(app).register(
            "provider",
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            server_metadata_url=f"{settings.issuer}/.well-known/openid-configuration",
            client_kwargs=client_kwargs,
        )

    def metadata(self) -> Mapping[str, Any]:
        found: Mapping[str, Any] = self.client.load_server_metadata()
        if str(found.get("issuer", "")).rstrip("/") != self.issuer:
            raise LoginFailed("the provider's discovery document names another issuer")
        return found

    def start(self, redirect_uri: str, locale: str) -> Response:
        """Redirect to the provider; Authlib keeps state, nonce and the PKCE verifier in the session."""
        self.metadata()
        response: Response = self.client.authorize_redirect(redirect_uri, ui_locales=locale)
        return response

    def finish(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(token, claims) from the provider's answer at the callback."""
        try:
            self.metadata()
            token: dict[str, Any] = self.client.authorize_access_token()
        except OAuthError as exc:
            raise LoginFailed(f"the provider refused the login ({exc.error})") from None
        except Exception as exc:  # the provider's answer could not be verified or reached
            raise LoginFailed(f"the login could not be completed ({type(exc).__name__})") from None
        claims = dict(token.pop("userinfo", None) or {})
        if not claims:
            raise LoginFailed("the provider sent no ID token")
        return token, self._with_userinfo(token, claims)

    def refresh(self, refresh_token: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """New tokens for a session; the claims are read again when a new ID token comes with them."""
        try:
            token: dict[str, Any] = self.client.fetch_access_token(
                grant_type="refresh_token", refresh_token=refresh_token
            )
        except OAuthError as exc:
            raise LoginFailed(f"the provider refused to refresh ({exc.error})") from None
        except Exception as exc:
            raise LoginFailed(f"the session could not be refreshed ({type(exc).__name__})") from None
        if "id_token" not in token:
            return token, None
        try:
            claims = dict(self.client.parse_id_token(token, nonce=None))
        except Exception as exc:
            raise LoginFailed(f"the refreshed ID token is not valid ({type(exc).__name__})") from None
        return token, self._with_userinfo(token, claims)

    def _with_userinfo(self, token: Mapping[str, Any], claims: dict[str, Any]) -> dict[str, Any]:
        if not self.settings.userinfo or not self.metadata().get("userinfo_endpoint"):
            return claims
        try:
            extra = dict(self.client.userinfo(token=dict(token)))
        except Exception as exc:
            log.warning("the provider's userinfo endpoint did not answer", extra={"error": type(exc).__name__})
            return claims
        if extra.get("sub") != claims.get("sub"):
            raise LoginFailed("the provider's userinfo names another person than its ID token")
        return extra | claims  # the signed ID token wins

    def logout_url(self, id_token: str | None, post_logout_redirect_uri: str, locale: str) -> str | None:
        """RP-initiated logout at the provider, or None when it has no end_session_endpoint."""
        try:
            if not self.metadata().get("end_session_endpoint"):
                return None
            found = self.client.create_logout_url(
                post_logout_redirect_uri=post_logout_redirect_uri,
                id_token_hint=id_token,
                client_id=self.settings.client_id,
                ui_locales=locale,
            )
        except Exception as exc:
            log.warning("no logout at the provider", extra={"error": type(exc).__name__})
            return None
        url: str = found["url"]
        return url


def access_expiry(token: Mapping[str, Any]) -> float:
    """When the provider's access token expires (epoch seconds); 5 minutes when it does not say."""
    expires_at = token.get("expires_at")
    if isinstance(expires_at, int | float):
        return float(expires_at)
    expires_in = token.get("expires_in")
    return time.time() + (float(expires_in) if isinstance(expires_in, int | float) else 300.0)
