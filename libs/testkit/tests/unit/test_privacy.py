"""The privacy scan finds what it must and leaves ids, amounts and timestamps alone."""

from __future__ import annotations

import uuid

from meemaken_testkit.privacy import personal_data


def test_it_finds_addresses_numbers_and_names() -> None:
    assert personal_data("sent to anna.janssens@example.org") == ["e-mail"]
    assert personal_data("rrn 85.07.30-033.28") == ["national number"]  # a valid check number
    assert personal_data("rrn 85073003328") == ["national number"]
    assert personal_data("bsn 111222333") == ["BSN"]  # passes the 11-proof
    assert personal_data('{"name": "Anna Janssens"}') == ["name"]


def test_it_leaves_ordinary_values_alone() -> None:
    ordinary = f"{uuid.uuid4()} 1764566400 1764566400123 amount 150000 offset 123456780 85073003329"
    assert personal_data(ordinary) == []
    assert personal_data("urn:meemaken:municipality:demo:system:proposals") == []
