"""Every text of every shipped profile and criteria set is there in Dutch, French and English: a
resident reads the grounds of a decision on their challenge in their own language."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from challenges.adapters.rulebook import criteria_sets, profiles

LANGUAGES = ("nl", "fr", "en")
FILES = sorted(e.name for e in resources.files("challenges.rules").iterdir() if e.name.endswith(".json"))


def texts(node: Any, path: str = "") -> list[tuple[str, dict[str, str]]]:
    """Every translated text ({"en": ...}) in a rule file, with where it is."""
    found: list[tuple[str, dict[str, str]]] = []
    if isinstance(node, dict):
        if isinstance(node.get("en"), str):
            found.append((path, node))
        for key, value in node.items():
            found += texts(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += texts(value, f"{path}/{i}")
    return found


@pytest.mark.parametrize("name", FILES)
def test_every_text_is_in_dutch_french_and_english(name: str):
    document = json.loads(resources.files("challenges.rules").joinpath(name).read_text("utf-8"))
    found = texts(document)
    assert found, f"{name} has no translated texts"
    missing = [
        f"{path} ({', '.join(lang for lang in LANGUAGES if not str(t.get(lang, '')).strip())})"
        for path, t in found
        if any(not str(t.get(lang, "")).strip() for lang in LANGUAGES)
    ]
    assert missing == [], f"{name}: untranslated {missing}"


def test_the_english_grounds_read_in_french():
    uk = profiles()["uk"]
    assert uk.ground("unsuitable_body").label.get("fr").startswith("L'organisme, un membre du consortium")
    assert all(g.label.get("fr") for g in uk.grounds)
    assert all(c.label.get("fr") for c in criteria_sets()["flemish-default"].criteria)


def test_a_profile_that_says_something_else_follows_an_acceptance_is_refused_when_it_loads():
    """What follows an acceptance travels in the agreement_drafting_started event as a closed set:
    a profile with another value would make that event fail, so the profile does not load."""
    from challenges.domain.rules import profile_from

    raw = json.loads(resources.files("challenges.rules").joinpath("profile-uk.json").read_text("utf-8"))
    assert profile_from(raw).after_acceptance == "procurement"
    with pytest.raises(ValueError, match="after_acceptance is agreement or procurement"):
        profile_from(raw | {"after_acceptance": "contract"})
