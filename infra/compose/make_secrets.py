"""The secrets of a compose deployment (infra/compose.yaml), made once and never committed.

    python3 infra/compose/make_secrets.py     # writes what is missing; existing secrets are kept

- infra/compose/secrets/ (mode 0700; files 0444, so that the containers' uid 10001 reads its bind mount
  while no other user of the host reaches the folder): the gateway's signing keys (a JWKS with one RSA
  private key), the pseudonym keys, the gateway's session key and the services' client secrets.
- infra/.env (mode 0600), which compose reads for the ${...} in compose.yaml: the PostgreSQL passwords
  (one per service), Keycloak's admin password and the gateway's OIDC client secret.

Only the standard library plus `cryptography` (for the RSA key): run it with the repository's
.venv/bin/python, or inside any service image.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECRETS = HERE / "secrets"
ENV_FILE = HERE.parent / ".env"
RANDOM_FILES = (
    "pseudonym-key",
    "panels-pseudonym-key",
    "gateway-secret-key",
    "panels-client-secret",
    "notifications-client-secret",
)
ENV_NAMES = (
    "POSTGRES_PASSWORD",
    "GATEWAY_DB_PASSWORD",
    "PROPOSALS_DB_PASSWORD",
    "CHALLENGES_DB_PASSWORD",
    "PANELS_DB_PASSWORD",
    "NOTIFICATIONS_DB_PASSWORD",
    "KEYCLOAK_ADMIN_PASSWORD",
    "MEEMAKEN_OIDC_CLIENT_SECRET",
)


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signing_keys() -> str:
    """A JWKS with one RS256 private key, as MEEMAKEN_SIGNING_KEYS_FILE takes it (its kid is not a development one)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private, public = key.private_numbers(), key.public_key().public_numbers()
    jwk = {
        "kty": "RSA",
        "kid": f"compose-{uuid.uuid4().hex[:12]}",
        "use": "sig",
        "alg": "RS256",
        "n": _b64(public.n),
        "e": _b64(public.e),
        "d": _b64(private.d),
        "p": _b64(private.p),
        "q": _b64(private.q),
        "dp": _b64(private.dmp1),
        "dq": _b64(private.dmq1),
        "qi": _b64(private.iqmp),
    }
    return json.dumps({"keys": [jwk]}, indent=2) + "\n"


def write_secret(name: str, content: str) -> bool:
    path = SECRETS / name
    if path.exists():
        return False
    path.write_text(content)
    path.chmod(0o444)
    return True


def main() -> int:
    SECRETS.mkdir(mode=0o700, exist_ok=True)
    SECRETS.chmod(0o700)
    made = [n for n in RANDOM_FILES if write_secret(n, secrets.token_urlsafe(48))]
    if write_secret("signing-keys.json", signing_keys()):
        made.append("signing-keys.json")
    existing = {}
    if ENV_FILE.exists():
        for line in ENV_FILE.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and not key.startswith("#"):
                existing[key.strip()] = value.strip()
    missing = [name for name in ENV_NAMES if not existing.get(name)]
    if missing:
        with ENV_FILE.open("a") as env:
            for name in missing:
                env.write(f"{name}={secrets.token_urlsafe(24)}\n")
        os.chmod(ENV_FILE, 0o600)
    print(f"secrets in {SECRETS}: {', '.join(made) or 'all there already'}")
    print(f"passwords in {ENV_FILE}: {', '.join(missing) or 'all there already'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
