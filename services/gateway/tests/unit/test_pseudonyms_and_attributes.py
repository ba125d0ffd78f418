"""Pseudonymous ids and reference codes; verified attributes and the ages made from them."""

from __future__ import annotations

import uuid
from datetime import date

from gateway.identity.attributes import account_view, age_on, token_attributes
from gateway.identity.pseudonyms import Pseudonyms, display_reference, normalise_reference, reference_code
from gateway.identity.sessions import seal, unseal

KEY = b"a-key-of-the-municipality-of-32-bytes"


def test_a_pseudonymous_id_is_stable_and_differs_per_municipality_key_issuer_and_subject():
    demo = Pseudonyms(KEY, "demo")
    one = demo.person_id("https://idp.example", "sub-1")
    assert one == Pseudonyms(KEY, "demo").person_id("https://idp.example", "sub-1")
    assert one.version == 8 and one.variant == uuid.RFC_4122
    others = {
        Pseudonyms(KEY, "other").person_id("https://idp.example", "sub-1"),
        Pseudonyms(b"another-key-of-32-bytes-or-more!!", "demo").person_id("https://idp.example", "sub-1"),
        demo.person_id("https://other-idp.example", "sub-1"),
        demo.person_id("https://idp.example", "sub-2"),
    }
    assert one not in others and len(others) == 4
    assert "sub-1" not in str(one)


def test_a_reference_code_is_short_readable_and_forgiving_when_typed():
    code = reference_code(uuid.uuid4())
    assert len(code) == 10 and not set(code) & set("ILOU")
    shown = display_reference(code)
    assert shown.count("-") == 2 and normalise_reference(f" {shown.lower()} ") == code
    assert normalise_reference("0O1I-LLLL-00") == "0011111100"
    assert normalise_reference("too short") is None


def test_age_counts_birthdays():
    assert age_on(date(2008, 6, 1), date(2026, 5, 31)) == 17
    assert age_on(date(2008, 6, 1), date(2026, 6, 1)) == 18
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17


def test_the_desk_s_verification_wins_and_residence_is_compared_with_this_municipality():
    provider = {"birthdate": "1990-04-02", "municipality": "elsewhere"}
    desk = {"municipality": "demo", "district": "oost"}
    attrs = token_attributes(provider, desk, "demo", date(2026, 12, 1))
    assert attrs == {"age": 36, "municipality": "demo", "resident": True, "district": "oost"}
    assert token_attributes({"municipality": "elsewhere"}, {}, "demo", date(2026, 12, 1)) == {
        "municipality": "elsewhere",
        "resident": False,
    }
    assert token_attributes({}, {}, "demo", date(2026, 12, 1)) == {}
    shown = {a.name: (a.value, a.source) for a in account_view(provider, desk, "demo", date(2026, 12, 1))}
    assert shown == {
        "age": (36, "provider"),
        "municipality": ("demo", "desk"),
        "resident": (True, "desk"),
        "district": ("oost", "desk"),
    }


def test_sealed_provider_tokens_open_only_with_the_session_s_own_cookie():
    sealed = seal("cookie-value", {"refresh_token": "r", "id_token": "i"})
    assert "refresh_token" not in sealed and unseal("cookie-value", sealed) == {"refresh_token": "r", "id_token": "i"}
    assert unseal("another-cookie", sealed) == {}
