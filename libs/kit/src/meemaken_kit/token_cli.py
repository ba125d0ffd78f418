"""``meemaken-token``: a bearer token the local stack accepts, for scripts and black-box tests.

    .venv/bin/meemaken-token --sub 7c0e...-uuid --role resident --attr age=34 --attr district=centrum
    curl -H "Authorization: Bearer $(.venv/bin/meemaken-token --role case_officer)" ...

Signed with this machine's development key only; refuses to run when MEEMAKEN_ENV=production (and
the services refuse the development key there).
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Sequence
from typing import Any

from meemaken_kit.roles import ROLES
from meemaken_kit.tokens import SigningKeys, TokenIssuer, configured_issuer, development_key, read

SERVICES = ("proposals", "challenges", "panels", "notifications", "gateway")


def _value(text: str) -> Any:
    """``34`` -> 34, ``true`` -> True, anything else stays text."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    return parsed if isinstance(parsed, int | bool) else text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="meemaken-token", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sub", default=None, help="pseudonymous id (default: a new UUID)")
    parser.add_argument("--role", action="append", choices=ROLES, default=None, help="repeatable; default resident")
    parser.add_argument(
        "--scope", action="append", default=[], metavar="ROLE=SCOPE", help="e.g. case_officer=department:mobility"
    )
    parser.add_argument(
        "--attr", action="append", default=[], metavar="KEY=VALUE", help="verified attribute, e.g. age=34"
    )
    parser.add_argument(
        "--aud", action="append", choices=SERVICES, default=None, help="repeatable; default every service"
    )
    parser.add_argument("--oauth-scope", action="append", default=[], help="a service credential's scope")
    parser.add_argument("--minutes", type=int, default=60)
    args = parser.parse_args(argv)
    settings = read(None)  # this command's own configuration, from the environment
    if settings.production:
        print("meemaken-token refuses to run when MEEMAKEN_ENV=production", file=sys.stderr)
        return 2
    attrs = {}
    for item in args.attr:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--attr {item}: write KEY=VALUE")
        attrs[key] = _value(value)
    role_scopes: dict[str, list[str]] = {}
    for item in args.scope:
        role, sep, scope = item.partition("=")
        if not sep:
            parser.error(f"--scope {item}: write ROLE=SCOPE")
        role_scopes.setdefault(role, []).append(scope)
    issuer = TokenIssuer(SigningKeys((development_key(settings),)), configured_issuer(settings))
    token = issuer.issue(
        args.sub or str(uuid.uuid4()),
        args.aud or SERVICES,
        args.role or ["resident"],
        attrs,
        role_scopes,
        args.oauth_scope,
        seconds=args.minutes * 60,
    )
    print(token)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
