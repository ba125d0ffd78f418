"""A person's token is signed once per (caller, service) and reused until a minute before it expires,
unless what it says has changed."""

from __future__ import annotations

import jwt

from gateway.identity.tokens import TokenMinter
from meemaken_kit.auth import Principal
from meemaken_kit.tokens import TokenIssuer


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_tokens_are_reused_until_a_minute_before_expiry_and_renewed_when_the_claims_change():
    clock = Clock()
    minter = TokenMinter(TokenIssuer.configured(), clock=clock)
    anna = Principal("7c0e6c1e-0000-8000-8000-000000000001", frozenset({"resident"}), {"age": 34})
    first = minter.token_for(anna, "proposals", "session-1")
    assert minter.token_for(anna, "proposals", "session-1") == first
    assert minter.token_for(anna, "panels", "session-1") != first
    assert (
        jwt.decode(minter.token_for(anna, "panels", "session-1"), options={"verify_signature": False})["aud"]
        == "panels"
    )
    older = Principal(anna.subject, anna.roles, {"age": 35})
    assert minter.token_for(older, "proposals", "session-1") != first
    renewed = minter.token_for(older, "proposals", "session-1")
    clock.now += 239
    assert minter.token_for(older, "proposals", "session-1") == renewed
    clock.now += 2
    assert minter.token_for(older, "proposals", "session-1") != renewed
    minter.forget("session-1")
    assert not [k for k in minter._cache if k[0] == "session-1"]
