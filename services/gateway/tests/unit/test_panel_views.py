"""The panel pages' plain logic: what the service would refuse at once, the composition's rows, the steps, and
the replay commands, quoted for a shell whatever the published seed holds."""

from __future__ import annotations

import shlex

from gateway.portal.panels import composition, declared_features, missing_facts, replay_commands, stage_of

PANEL = {
    "id": "6b1d2c1e-0000-4000-8000-000000000001",
    "status": "drawn",
    "min_age": 16,
    "features": {"age_band": {"16-39": {"min": 2, "max": 4}}, "gender": {"male": {"min": 3, "max": 3}}},
    "commitment": "ab" * 32,
    "lottery_size": 1000,
    "drawn_number": 17,
    "public_input": "it's 4-7-1; rm -rf /",
}


def test_what_the_login_lacks_is_named_before_the_service_refuses():
    assert missing_facts(PANEL, {"age": 40, "resident": True}) == ()
    assert missing_facts(PANEL, {}) == ("residence", "age")
    assert missing_facts(PANEL | {"features": {"district": {}}, "min_age": 0}, {"resident": False}) == ("district",)


def test_only_features_the_login_does_not_vouch_for_are_asked():
    assert declared_features(PANEL) == [("gender", ["male"])]


def test_a_feature_missing_from_the_extract_has_no_population_and_the_panel_shows_once_drawn():
    report = {
        "gender": {"male": {"population": {"count": "<5", "share": None}, "pool": {"count": 7}, "panel": {"count": 3}}},
        "age_band": {"16-39": {"population": {"count": 0, "share": 0.0}, "pool": {"count": 9}, "panel": {"count": 4}}},
    }
    rows = dict(composition(PANEL, report))
    assert rows["gender"][0].population == "<5" and rows["gender"][0].within is True
    assert rows["age_band"][0].population is None and rows["age_band"][0].panel == 4
    assert dict(composition(PANEL | {"status": "recruiting"}, report))["gender"][0].panel is None


def test_the_steps():
    statuses = ("recruiting", "committed", "deliberating", "recommended", "answered")
    assert [stage_of(s) for s in statuses] == [0, 1, 2, 4, 5]


def test_the_commands_quote_the_seed_for_a_shell():
    commands = replay_commands("https://example.org", PANEL)
    replay = shlex.split(commands["replay"])
    assert replay == ["meemaken-sortition", "replay", "draw.json", "--seed", "it's 4-7-1; rm -rf /"]
    seed = shlex.split(commands["seed"])
    assert seed[:2] == ["python3", "-c"] and seed[3:] == ["ab" * 32, "it's 4-7-1; rm -rf /", "1000"]
    assert commands["download"] == (
        "curl -s https://example.org/api/panels/v1/panels/6b1d2c1e-0000-4000-8000-000000000001/artefacts > draw.json"
    )
    by_number = replay_commands("https://example.org", PANEL | {"public_input": "17"})
    assert by_number["replay"].endswith("--number 17") and "seed" not in by_number
