"""A real OIDC provider for tests: Keycloak with the demo realm (infra/keycloak/).

``running_keycloak()`` yields a ``Keycloak``: the one at ``MEEMAKEN_TEST_KEYCLOAK_URL`` if set (its
base URL or the realm's issuer; it must have the demo realm imported, and the gateway client's
secret in ``MEEMAKEN_TEST_KEYCLOAK_CLIENT_SECRET`` or ``MEEMAKEN_OIDC_CLIENT_SECRET``), otherwise a
local one started by infra/keycloak/keycloak.sh on a free port with a data folder, client secret and
admin password of its own, stopped and removed at the end (or by a reaper if the tests die). When
Keycloak or a Java to run it cannot be had, the tests that need it are skipped, saying why; a
Keycloak that cannot start fails them.

``Keycloak.login(user, redirect_uri)`` signs a demo user in through the real login page, with the
gateway client's authorization code flow and PKCE, as a browser would, and returns the tokens.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import html
import json
import os
import re
import secrets
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any

import pytest

from meemaken_testkit import reaper
from meemaken_testkit.ports import free_port

ROOT = Path(__file__).resolve().parents[4]
KEYCLOAK_SH = ROOT / "infra" / "keycloak" / "keycloak.sh"
REALM_FILE = ROOT / "infra" / "keycloak" / "realm" / "meemaken-demo-realm.json"
REALM = "meemaken-demo"
CLIENT_ID = "meemaken-gateway"


def demo_users() -> dict[str, str]:
    """username -> password of the demo realm's users (demo-only passwords, from the realm file)."""
    realm = json.loads(REALM_FILE.read_text())
    users: dict[str, str] = {}
    for user in realm["users"]:
        for credential in user.get("credentials", []):
            if credential.get("type") == "password":
                users[user["username"]] = credential["value"]
    return users


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, NOT verified: for looking at what a provider put in its tokens."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


class LoginError(RuntimeError):
    pass


class LoopbackCookiePolicy(DefaultCookiePolicy):
    """Keycloak marks its cookies Secure even over plain HTTP; browsers send them back to
    http://127.0.0.1 and http://localhost (trustworthy origins), Python's cookie jar does not: this
    policy does, for loopback hosts only. Any HTTP client driving the login page needs this."""

    def return_ok_secure(self, cookie: Any, request: Any) -> bool:
        host = urllib.parse.urlsplit(request.get_full_url()).hostname
        return host in ("127.0.0.1", "localhost", "::1") or bool(super().return_ok_secure(cookie, request))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Keycloak:
    """An OIDC provider with the demo realm: what a gateway under test is configured with."""

    issuer: str
    client_id: str
    client_secret: str
    users: dict[str, str] = field(default_factory=demo_users)
    admin_username: str | None = None
    admin_password: str | None = None

    @property
    def base_url(self) -> str:
        return self.issuer.split("/realms/", 1)[0]

    def discovery(self) -> dict[str, Any]:
        return _json(_request(f"{self.issuer}/.well-known/openid-configuration"))

    def login(
        self, username: str, redirect_uri: str, password: str | None = None, scope: str = "openid"
    ) -> dict[str, Any]:
        """Sign `username` in on the login page (authorization code flow with PKCE S256, as the
        gateway does) and redeem the code: the token response (id_token, access_token, ...).
        `redirect_uri` must be one the client admits (http://127.0.0.1:<any port>/... is); nothing
        needs to listen there. Raises LoginError when Keycloak does not hand out a code."""
        config = self.discovery()
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        query = urllib.parse.urlencode(
            {
                "client_id": self.client_id,
                "response_type": "code",
                "scope": scope,
                "redirect_uri": redirect_uri,
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        cookies = urllib.request.HTTPCookieProcessor(CookieJar(LoopbackCookiePolicy()))
        browser = urllib.request.build_opener(cookies, _NoRedirect())
        status, location, page = _fetch(browser, f"{config['authorization_endpoint']}?{query}")
        if status == 200:
            form = re.search(r'<form[^>]*\bid="kc-form-login"[^>]*>', page)
            action = re.search(r'\baction="([^"]+)"', form.group(0)) if form else None
            if action is None:
                raise LoginError(f"no login form in the authorization page ({status}): {page[:500]}")
            body = {"username": username, "password": password or self.users[username], "credentialId": ""}
            status, location, page = _fetch(browser, html.unescape(action.group(1)), body)
        if status not in (302, 303) or not location.startswith(redirect_uri.split("?")[0]):
            error = re.search(r'kc-feedback-text[^"]*"[^>]*>\s*([^<]+?)\s*<', page) or re.search(
                r'(?s)id="kc-error-message">.*?<p[^>]*>\s*([^<]+?)\s*<', page
            )
            detail = html.unescape(error.group(1).strip()) if error else (location or page[:300])
            raise LoginError(f"{username} was not signed in ({status}): {detail}")
        answer = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
        if "code" not in answer or answer.get("state") != [state]:
            raise LoginError(f"redirected without a code or with another state: {location}")
        basic = f"{urllib.parse.quote(self.client_id)}:{urllib.parse.quote(self.client_secret)}".encode()
        token_request = _request(
            config["token_endpoint"],
            {
                "grant_type": "authorization_code",
                "code": answer["code"][0],
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
            {"Authorization": "Basic " + base64.b64encode(basic).decode()},
        )
        try:
            tokens = _json(token_request)
        except urllib.error.HTTPError as error:
            raise LoginError(f"the token endpoint refused the code: {error.code} {error.read()[:300]!r}")
        if unverified_claims(tokens["id_token"]).get("nonce") != nonce:
            raise LoginError("the ID token does not carry the nonce sent")
        return tokens

    def userinfo(self, access_token: str) -> dict[str, Any]:
        endpoint = self.discovery()["userinfo_endpoint"]
        return _json(_request(endpoint, headers={"Authorization": f"Bearer {access_token}"}))


def _request(
    url: str, form: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> urllib.request.Request:
    """A GET (or, with a form, a POST) to an http(s) URL: no file: or other scheme gets through."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url}")
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    return urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310 (checked above)


def _json(request: urllib.request.Request) -> dict[str, Any]:
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (an http(s) _request)
        document: dict[str, Any] = json.load(response)
    return document


def _fetch(opener: urllib.request.OpenerDirector, url: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
    """(status, Location, body) of one request, redirects not followed."""
    try:
        with opener.open(_request(url, form), timeout=30) as response:
            return response.status, response.headers.get("Location", ""), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), error.read().decode("utf-8", "replace")


class LocalKeycloak(reaper.LocalServer):
    """A Keycloak of the tests' own, from infra/keycloak/keycloak.sh, on a free port."""

    def __init__(self) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="meemaken-keycloak-"))
        self.port = free_port()
        self.client_secret = secrets.token_urlsafe(24)
        self.admin_password = secrets.token_urlsafe(18)
        self.issuer = f"http://127.0.0.1:{self.port}/realms/{REALM}"
        self._reaper: subprocess.Popen[bytes] | None = reaper.spawn(
            str(self.data_dir), ["bash", str(KEYCLOAK_SH), "stop"], env=self._env()
        )
        atexit.register(self.destroy)

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "MEEMAKEN_OIDC_ISSUER"}
        env.update(
            KEYCLOAK_DATA_DIR=str(self.data_dir),
            KEYCLOAK_PORT=str(self.port),
            KEYCLOAK_LOG=str(self.data_dir / "keycloak.log"),
            MEEMAKEN_OIDC_CLIENT_SECRET=self.client_secret,
            KC_BOOTSTRAP_ADMIN_USERNAME="admin",
            KC_BOOTSTRAP_ADMIN_PASSWORD=self.admin_password,
        )
        return env

    def _run(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(KEYCLOAK_SH), command], env=self._env(), capture_output=True, text=True, check=False
        )

    def prerequisites(self) -> str | None:
        """Why Keycloak cannot run here (no Maven, no download, no Java 17+), or None."""
        for command in ("fetch", "java"):
            done = self._run(command)
            if done.returncode != 0:
                return f"keycloak.sh {command} failed: {done.stderr.strip()[-1500:]}"
        return None

    def start(self) -> LocalKeycloak:
        """Start (again, on the same data and port) and wait until the realm's discovery answers."""
        done = self._run("up")
        if done.returncode != 0:
            log = self.data_dir / "keycloak.log"
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"Keycloak did not start:\n{done.stderr[-2000:]}\n{tail}")
        return self

    def stop(self) -> None:
        self._run("stop")

    def keycloak(self) -> Keycloak:
        return Keycloak(
            self.issuer, CLIENT_ID, self.client_secret, admin_username="admin", admin_password=self.admin_password
        )

    @property
    def folder(self) -> Path:
        return self.data_dir


def _external(url: str) -> Keycloak:
    url = url.rstrip("/")
    issuer = url if "/realms/" in url else f"{url}/realms/{REALM}"
    secret = os.environ.get("MEEMAKEN_TEST_KEYCLOAK_CLIENT_SECRET") or os.environ.get("MEEMAKEN_OIDC_CLIENT_SECRET")
    if not secret:
        made_by_run = ROOT / ".run" / "keycloak" / "client-secret"  # the `make run` Keycloak's
        secret = made_by_run.read_text().strip() if made_by_run.exists() else ""
    return Keycloak(issuer, os.environ.get("MEEMAKEN_TEST_KEYCLOAK_CLIENT_ID", CLIENT_ID), secret)


@contextmanager
def running_keycloak() -> Iterator[Keycloak]:
    """The Keycloak at MEEMAKEN_TEST_KEYCLOAK_URL, or a local one for the duration of the block
    (skips, with the reason, when Keycloak or Java cannot be had)."""
    if os.environ.get("MEEMAKEN_TEST_KEYCLOAK_URL"):
        provider = _external(os.environ["MEEMAKEN_TEST_KEYCLOAK_URL"])
        provider.discovery()  # fails loudly if it is not there
        yield provider
        return
    local = LocalKeycloak()
    try:
        reason = local.prerequisites()
        if reason:
            pytest.skip(f"no local Keycloak: {reason}")
        local.start()
        yield local.keycloak()
    finally:
        local.destroy()
