"""A municipality re-themes the portal with one tokens file; a theme that would be hard to read is refused."""

from __future__ import annotations

import json
import shutil

import pytest

from gateway.portal.theme import DEFAULT_THEME, InvalidTheme, Theme, contrast


def test_the_default_theme_loads_and_every_text_colour_reaches_wcag_aa():
    theme = Theme.load()
    assert theme.name("fr") == "Commune de Démo" and theme.logo.name == "logo.svg"
    assert contrast(theme.colours["text"], theme.colours["background"]) >= 4.5
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)


def test_another_municipality_is_one_tokens_file_and_a_logo(tmp_path, make_gateway, provider, proposals_service):
    tokens = json.loads(DEFAULT_THEME.read_text())
    tokens["name"] = "Stad Gent"
    tokens["color"]["primary"] = "#005b9a"
    (tmp_path / "theme").mkdir()
    shutil.copy(DEFAULT_THEME.parent / "logo.svg", tmp_path / "theme" / "logo.svg")
    (tmp_path / "theme" / "tokens.json").write_text(json.dumps(tokens))
    app = make_gateway(
        provider, PROPOSALS_BASE_URL=proposals_service.url, MEEMAKEN_THEME_FILE=str(tmp_path / "theme" / "tokens.json")
    )
    client = app.test_client()
    assert "Praat mee in Stad Gent" in client.get("/").get_data(as_text=True)
    assert "--meemaken-color-primary: #005b9a;" in client.get("/theme.css").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda t: t["color"].update({"muted-text": "#aaaaaa"}), "muted-text on background"),
        (lambda t: t["color"].pop("focus"), "focus"),
        (lambda t: t.update({"name": ""}), "name"),
        (lambda t: t.update({"logo": "missing.svg"}), "logo"),
        (lambda t: t.update({"font-family": "x; } body { display: none"}), "font-family"),
    ],
)
def test_a_theme_that_is_unreadable_or_incomplete_is_refused(tmp_path, change, says):
    tokens = json.loads(DEFAULT_THEME.read_text())
    change(tokens)
    shutil.copy(DEFAULT_THEME.parent / "logo.svg", tmp_path / "logo.svg")
    (tmp_path / "tokens.json").write_text(json.dumps(tokens))
    with pytest.raises(InvalidTheme, match=says):
        Theme.load(tmp_path / "tokens.json")
