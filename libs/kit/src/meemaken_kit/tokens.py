"""The signed tokens between the gateway and the services: keys, signing and the one verification.

The gateway signs a short-lived JWT (RS256) for each call to a service: ``iss`` the gateway,
``aud`` the service, ``sub`` the pseudonymous id (or ``service:<name>``), ``roles``, ``role_scopes``
(role -> scopes such as ``department:mobility``; a role without scopes holds municipality-wide),
``attrs`` (verified attributes: ``age``, ``municipality``, ``resident``, ``district``) and, for a
service's own credentials, ``scope``. Every service verifies signature, issuer, audience and expiry
against the gateway's published JWKS with :class:`TokenVerifier`, and trusts nothing else.

Keys come from the service's settings (``MEEMAKEN_SIGNING_KEYS_FILE``: a JWKS with private keys, the first
signs, the others stay published until tokens signed with them have expired). Without it, in
development only, a development key is generated once on this machine (outside the repository);
its key id starts with ``development-`` and production refuses it, at the gateway and in every service.
Each ``configured(settings)`` takes the service's settings (meemaken_kit.config); without them (a command
line tool, a test) it reads the process's environment once, as ``Settings.from_env("tokens")``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from meemaken_kit.config import ConfigurationError, Settings
from meemaken_kit.roles import OFFICIALS, Role
from meemaken_kit.secrets import machine_dir, write_once

ALGORITHM = "RS256"
DEVELOPMENT_KID_PREFIX = "development-"
DEFAULT_ISSUER = "urn:meemaken:gateway:development"
TOKEN_SECONDS = 300
LEEWAY_SECONDS = 10


class InvalidToken(Exception):
    """The bearer token cannot be trusted; the message says why (never echoes the token)."""


# --- keys ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    @property
    def development(self) -> bool:
        return self.kid.startswith(DEVELOPMENT_KID_PREFIX)

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return jwk | {"kid": self.kid, "use": "sig", "alg": ALGORITHM}

    def private_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private_key))
        return jwk | {"kid": self.kid, "use": "sig", "alg": ALGORITHM}

    @classmethod
    def generate(cls, kid: str | None = None) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid or f"key-{uuid.uuid4().hex[:12]}", key)

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> SigningKey:
        key = RSAAlgorithm.from_jwk(dict(jwk))
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"key {jwk.get('kid')} has no private part")
        return cls(str(jwk["kid"]), key)


@dataclass(frozen=True)
class SigningKeys:
    """The gateway's keys: the first signs; all are published in the JWKS (rotation)."""

    keys: tuple[SigningKey, ...]

    @property
    def current(self) -> SigningKey:
        return self.keys[0]

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.public_jwk() for k in self.keys]}

    @classmethod
    def from_file(cls, path: Path) -> SigningKeys:
        data = json.loads(path.read_text())
        keys = tuple(SigningKey.from_jwk(k) for k in data["keys"])
        if not keys:
            raise ValueError(f"{path} holds no key")
        return cls(keys)

    @classmethod
    def configured(cls, settings: Settings | None = None) -> SigningKeys:
        """``MEEMAKEN_SIGNING_KEYS_FILE``, else (development only) this machine's development key."""
        settings = read(settings)
        if settings.signing_keys_file is not None:
            keys = cls.from_file(settings.signing_keys_file)
            if settings.production and any(k.development for k in keys.keys):
                raise refused(settings, "MEEMAKEN_SIGNING_KEYS_FILE: production refuses development keys")
            return keys
        if settings.production:
            raise refused(
                settings, "MEEMAKEN_ENV=production needs MEEMAKEN_SIGNING_KEYS_FILE (a JWKS with private keys)"
            )
        return cls((development_key(settings),))


def read(settings: Settings | None) -> Settings:
    """The service's settings, or (a command line tool, a test) the process's environment's, read now."""
    return settings if settings is not None else Settings.from_env("tokens")


def refused(settings: Settings, reason: str) -> ConfigurationError:
    """A configuration the tokens cannot work with: one line naming the variable, the start stops."""
    return ConfigurationError(f"{settings.service}: configuration refused: {reason}")


_dev_key_lock = threading.Lock()
_dev_keys: dict[Path, SigningKey] = {}


def development_key(settings: Settings | None = None) -> SigningKey:
    """This machine's development key (``MEEMAKEN_DEV_KEY_FILE``), made on first use; refused in production."""
    settings = read(settings)
    if settings.production:
        raise refused(settings, "the development signing key is refused when MEEMAKEN_ENV=production")
    path = settings.development_key_file or machine_dir(os.environ) / "development-signing-key.json"
    with _dev_key_lock:
        cached = _dev_keys.get(path)
        if cached is not None:
            return cached
        kid = f"{DEVELOPMENT_KID_PREFIX}{uuid.uuid4().hex[:12]}"
        write_once(path, lambda: json.dumps({"keys": [SigningKey.generate(kid).private_jwk()]}))
        _dev_keys[path] = SigningKeys.from_file(path).current  # loading a private key costs ~100 ms
        return _dev_keys[path]


# --- signing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenIssuer:
    """Signs the tokens the services trust (the gateway, meemaken-token, tests)."""

    keys: SigningKeys
    issuer: str = DEFAULT_ISSUER

    def issue(
        self,
        subject: str,
        audience: str | Iterable[str],
        roles: Iterable[str] = (),
        attributes: Mapping[str, Any] | None = None,
        role_scopes: Mapping[str, Iterable[str]] | None = None,
        scope: Iterable[str] = (),
        seconds: int = TOKEN_SECONDS,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": audience if isinstance(audience, str) else list(audience),
            "iat": now,
            "nbf": now - 1,
            "exp": now + seconds,
            "jti": uuid.uuid4().hex,
            "roles": sorted(set(roles)),
        }
        if attributes:
            claims["attrs"] = dict(attributes)
        if role_scopes:
            claims["role_scopes"] = {role: sorted(set(s)) for role, s in role_scopes.items()}
        if scope:
            claims["scope"] = " ".join(sorted(set(scope)))
        key = self.keys.current
        return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})

    @classmethod
    def configured(cls, settings: Settings | None = None) -> TokenIssuer:
        settings = read(settings)
        return cls(SigningKeys.configured(settings), configured_issuer(settings))


def configured_issuer(settings: Settings | None = None) -> str:
    """``MEEMAKEN_TOKEN_ISSUER`` (required in production, where the settings refuse to start without it)."""
    return read(settings).token_issuer or DEFAULT_ISSUER


# --- verification --------------------------------------------------------------------------------


class KeySet:
    """The gateway's public keys by key id, fetched by ``load`` and cached for ``ttl`` seconds.

    An unknown key id (the gateway rotated) refetches at once, but at most every ``refetch_every``
    seconds, so tokens with made-up key ids cannot hammer the gateway."""

    def __init__(self, load: Callable[[], Mapping[str, Any]], ttl: float = 300.0, refetch_every: float = 10.0) -> None:
        self._load = load
        self._ttl = ttl
        self._refetch_every = refetch_every
        self._keys: dict[str, Any] = {}
        self._loaded_at: float | None = None
        self._lock = threading.Lock()

    def key(self, kid: str) -> Any:
        if self._due(kid):
            with self._lock:
                if self._due(kid):
                    self._refresh()
        found = self._keys.get(kid)
        if found is None:
            raise InvalidToken("the token was signed with an unknown key")
        return found

    def _due(self, kid: str) -> bool:
        if self._loaded_at is None:
            return True
        age = time.monotonic() - self._loaded_at
        return age > self._ttl or (kid not in self._keys and age >= self._refetch_every)

    def _refresh(self) -> None:
        try:
            jwks = self._load()
        except Exception as exc:
            if self._keys:  # keep the keys we know while the gateway is away; try again a little later
                self._loaded_at = time.monotonic() - max(0.0, min(self._ttl, 1e9) - self._refetch_every)
                return
            raise InvalidToken(f"the gateway's keys are unavailable ({type(exc).__name__})") from exc
        keys = {}
        for jwk in jwks.get("keys", []):
            if jwk.get("kty") == "RSA" and "kid" in jwk:
                keys[str(jwk["kid"])] = RSAAlgorithm.from_jwk(dict(jwk))
        self._keys = keys
        self._loaded_at = time.monotonic()

    @classmethod
    def from_url(cls, url: str) -> KeySet:
        def load() -> Mapping[str, Any]:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (configured https/http URL)
                loaded: Mapping[str, Any] = json.load(response)
                return loaded

        return cls(load)

    @classmethod
    def from_file(cls, path: Path) -> KeySet:
        return cls(lambda: json.loads(path.read_text()), ttl=60.0)

    @classmethod
    def static(cls, jwks: Mapping[str, Any]) -> KeySet:
        return cls(lambda: jwks, ttl=float("inf"))

    @classmethod
    def configured(cls, settings: Settings | None = None) -> KeySet:
        """``MEEMAKEN_JWKS_URL`` (the gateway's /.well-known/jwks.json), ``MEEMAKEN_JWKS_FILE``, or in
        development this machine's development key."""
        settings = read(settings)
        if settings.jwks_url:
            return cls.from_url(settings.jwks_url)
        if settings.jwks_file is not None:
            return cls.from_file(settings.jwks_file)
        if settings.production:
            raise refused(settings, "MEEMAKEN_ENV=production needs MEEMAKEN_JWKS_URL (the gateway's JWKS)")
        key = development_key(settings)
        return cls(lambda: SigningKeys((key,)).jwks(), ttl=float("inf"))


@dataclass(frozen=True)
class Principal:
    """The verified caller, as its token says: a pseudonymous person with roles and verified attributes,
    or a service with its OAuth scopes; ``expires_at`` is the token's expiry (None when not from a token)."""

    subject: str
    roles: frozenset[str]
    attributes: Mapping[str, Any] = field(default_factory=dict)
    role_scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    scope: frozenset[str] = frozenset()
    expires_at: float | None = None

    @property
    def person_id(self) -> UUID | None:
        """The pseudonymous id of a person (None for a service)."""
        try:
            return UUID(self.subject)
        except ValueError:
            return None

    @property
    def service(self) -> str | None:
        return self.subject.removeprefix("service:") if self.subject.startswith("service:") else None

    @property
    def official(self) -> bool:
        return bool(self.roles & OFFICIALS)

    def has(self, role: str, scope: str | None = None) -> bool:
        """Holds ``role``, municipality-wide or (when ``scope`` is given) scoped to it."""
        if role not in self.roles:
            return False
        scopes = self.role_scopes.get(role)
        return not scopes or scope is None or scope in scopes

    def has_any(self, roles: Iterable[str], scope: str | None = None) -> bool:
        return any(self.has(role, scope) for role in roles)

    def may(self, scope: str) -> bool:
        """A service credential's OAuth scope (e.g. ``contacts:write``)."""
        return Role.SERVICE in self.roles and scope in self.scope


class TokenVerifier:
    """The one way a service checks a bearer token: signature, issuer, audience, expiry, then shape."""

    def __init__(self, audience: str, issuer: str, keys: KeySet, refuse_development_keys: bool = False) -> None:
        self.audience = audience
        self.issuer = issuer
        self.keys = keys
        self.refuse_development_keys = refuse_development_keys

    @classmethod
    def configured(cls, audience: str, settings: Settings | None = None) -> TokenVerifier:
        """The verifier of the service named by ``audience``, with its settings."""
        settings = read(settings)
        return cls(
            audience,
            configured_issuer(settings),
            KeySet.configured(settings),
            refuse_development_keys=settings.production,
        )

    def verify(self, token: str) -> Principal:
        """PyJWT's RS256 algorithm checks the signature; the compact form is parsed here once, against a
        strict pattern (PyJWT 2.15 parses it twice, char by char in Python: 3/4 of a verification)."""
        match = COMPACT_JWS.fullmatch(token)
        if match is None:
            raise InvalidToken("the bearer token is not a JWT")
        try:
            header = json.loads(_b64(match["header"]))
            payload = json.loads(_b64(match["payload"]))
            signature = _b64(match["signature"])
        except ValueError:
            raise InvalidToken("the bearer token is not a JWT") from None
        if not isinstance(header, dict) or not isinstance(payload, dict):
            raise InvalidToken("the bearer token is not a JWT")
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM or not isinstance(kid, str) or "crit" in header:
            raise InvalidToken(f"the token must be signed with {ALGORITHM} and name its key")
        if self.refuse_development_keys and kid.startswith(DEVELOPMENT_KID_PREFIX):
            raise InvalidToken("development keys are refused in production")
        signed = f"{match['header']}.{match['payload']}".encode("ascii")
        if not _RS256.verify(signed, self.keys.key(kid), signature):
            raise InvalidToken("the token's signature does not match")
        self._check_claims(payload)
        return _claims(payload)

    def _check_claims(self, claims: Mapping[str, Any]) -> None:
        for name in ("exp", "iat", "iss", "aud", "sub"):
            if name not in claims:
                raise InvalidToken(f"the token has no {name}")
        now = time.time()
        for name in ("exp", "iat", "nbf"):
            if name in claims and (isinstance(claims[name], bool) or not isinstance(claims[name], int | float)):
                raise InvalidToken(f"the token's {name} is not a time")
        if claims["exp"] <= now - LEEWAY_SECONDS:
            raise InvalidToken("the token has expired")
        if claims.get("nbf", claims["iat"]) > now + LEEWAY_SECONDS:
            raise InvalidToken("the token is not valid yet")
        if claims["iss"] != self.issuer:
            raise InvalidToken("the token was not issued by this municipality's gateway")
        audience = claims["aud"]
        audiences = [audience] if isinstance(audience, str) else audience
        if not isinstance(audiences, list) or self.audience not in audiences:
            raise InvalidToken(f"the token is not meant for {self.audience}")


COMPACT_JWS = re.compile(
    r"(?P<header>[A-Za-z0-9_-]{2,2048})\.(?P<payload>[A-Za-z0-9_-]{2,16384})\.(?P<signature>[A-Za-z0-9_-]{2,1024})"
)
_RS256 = RSAAlgorithm(RSAAlgorithm.SHA256)


def _b64(segment: str) -> bytes:
    if len(segment) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _claims(raw: Mapping[str, Any]) -> Principal:
    roles, attrs, scopes, scope = (
        raw.get("roles", []),
        raw.get("attrs", {}),
        raw.get("role_scopes", {}),
        raw.get("scope"),
    )
    if not isinstance(raw.get("sub"), str) or not raw["sub"]:
        raise InvalidToken("the token names no subject")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise InvalidToken("the token's roles are not a list of names")
    if not isinstance(attrs, dict) or not isinstance(scopes, dict):
        raise InvalidToken("the token's attributes are malformed")
    if not all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in scopes.values()):
        raise InvalidToken("the token's role scopes are malformed")
    if scope is not None and not isinstance(scope, str):
        raise InvalidToken("the token's scope is malformed")
    return Principal(
        subject=raw["sub"],
        roles=frozenset(roles),
        attributes=attrs,
        role_scopes={role: tuple(s) for role, s in scopes.items()},
        scope=frozenset((scope or "").split()),
        expires_at=float(raw["exp"]),
    )
