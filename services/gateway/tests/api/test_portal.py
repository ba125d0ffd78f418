"""The portal's pages speak the visitor's language: their choice, then the browser's, then Dutch."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from gateway.bootstrap import SERVICE
from meemaken_testkit.service_checks import operations_client

GATEWAY = Path(SERVICE.root)


def test_the_portal_speaks_dutch_by_default_and_the_chosen_language_on_request(tmp_path):
    client = operations_client(SERVICE, tmp_path)
    dutch = client.get("/").get_data(as_text=True)
    assert '<html lang="nl">' in dutch and "Praat mee in Gemeente Demo" in dutch and "Naar de hoofdinhoud" in dutch
    english = client.get("/?lang=en")
    assert '<html lang="en">' in english.get_data(as_text=True) and "Have your say in" in english.get_data(as_text=True)
    assert "meemaken_lang=en" in english.headers["Set-Cookie"]
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)  # the choice is remembered
    french = operations_client(SERVICE, tmp_path / "fr").get("/", headers={"Accept-Language": "fr-BE,fr;q=0.9"})
    assert '<html lang="fr">' in french.get_data(as_text=True) and "Donnez votre avis" in french.get_data(as_text=True)
    assert '<html lang="nl">' in operations_client(SERVICE, tmp_path / "xx").get("/?lang=xx").get_data(as_text=True)


def test_the_language_links_and_landmarks_are_labelled(tmp_path):
    page = operations_client(SERVICE, tmp_path).get("/?lang=en").get_data(as_text=True)
    assert 'aria-label="Taal / Langue / Language"' in page and 'hreflang="fr" lang="fr"' in page
    assert '<main id="main"' in page and 'href="#main"' in page and 'aria-current="true"' in page
    assert "<script" not in page and "style=" not in page and "<style" not in page


def test_every_text_of_the_pages_is_translated_to_dutch_and_french_and_compiled():
    source = GATEWAY / "src" / "gateway"
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None, "ngettext": (1, 2)}
    wanted = {msgid for _, _, msgid, *_ in extract_from_dir(source, method_map, keywords=keywords)}
    assert len(wanted) > 50 and any(isinstance(m, tuple) for m in wanted)  # plurals too
    for locale in ("nl", "fr"):
        folder = source / "translations" / locale / "LC_MESSAGES"
        po = read_po((folder / "messages.po").open("rb"))
        mo = read_mo((folder / "messages.mo").open("rb"))
        translated = {
            m.id: m.string for m in po if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
        }
        assert wanted <= set(translated), f"{locale} lacks {sorted(map(str, wanted - set(translated)))}"
        compiled = {_key(m.id): _key(m.string) for m in mo if m.id}
        expected = {_key(k): _key(v) for k, v in translated.items()}
        assert compiled == expected, f"{locale}: messages.mo is older than messages.po"


def test_the_dutch_texts_speak_to_people_in_one_register_je_not_u():
    """The portal and the desk say *je* (as the first pages did); one text in *u* makes a page sound like two
    authors. Write "je", "jij" (stressed or alone), "jou" (after a preposition), never "u" or "uw"."""
    po = read_po((GATEWAY / "src/gateway/translations/nl/LC_MESSAGES/messages.po").open("rb"))
    formal = re.compile(r"\b(U|u|Uw|uw|Ue|uzelf)\b")
    strings = (s for m in po if m.id for s in (m.string if isinstance(m.string, tuple) else (m.string,)))
    assert not (found := sorted({s for s in strings if s and formal.search(s)})), f"say je: {found}"


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value
