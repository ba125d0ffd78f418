"""Checks of a service's gettext catalogues, for its tests: every text marked in its templates is in
``messages.pot`` and translated in each language (every plural form, as the language counts), and each
committed ``.mo`` is what ``pybabel compile`` makes of its ``.po`` now."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


def marked(source: Path, patterns: Iterable[str]) -> set[tuple[str | None, str | tuple[str, ...]]]:
    """(context, msgid) of every text marked for translation in the Jinja2 templates under ``source``."""
    method_map = [(pattern, "jinja2") for pattern in patterns]
    options = {pattern: {"extensions": "jinja2.ext.do"} for pattern in patterns}
    return {
        (context, msgid if isinstance(msgid, str) else tuple(msgid))
        for _file, _line, msgid, _comments, context in extract_from_dir(
            source, method_map, options_map=options, keywords=KEYWORDS
        )
    }


def _ids(catalogue: Catalog) -> set[tuple[str | None, str | tuple[str, ...]]]:
    return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)) for m in catalogue if m.id}


def gaps(source: Path, patterns: Iterable[str], pot: Path, translations: Path, translated: Iterable[str]) -> list[str]:
    """What is wrong with the catalogues under ``translations``, in words; empty when nothing is. The
    ``translated`` languages must have every text; the others (the source language, English) may leave a
    text untranslated, which then reads as written in the template."""
    wanted = marked(source, patterns)
    found = []
    with pot.open("rb") as f:
        template = _ids(read_po(f))
    if template != wanted:
        found.append(f"{pot.name} is not current (pybabel extract): {sorted(map(str, wanted ^ template))[:5]}")
    for folder in sorted(translations.glob("*/LC_MESSAGES")):
        language = folder.parent.name
        with (folder / "messages.po").open("rb") as f:
            po = read_po(f, locale=language)
        if po.plural_forms != Catalog(locale=language).plural_forms:
            found.append(f"{language}: Plural-Forms is {po.plural_forms}, not the language's")
        if _ids(po) != wanted:
            found.append(
                f"{language}: messages.po is not current (pybabel update): {sorted(map(str, wanted ^ _ids(po)))[:5]}"
            )
        for m in po:
            if not m.id:
                continue
            forms = m.string if isinstance(m.string, tuple | list) else (m.string,)
            if m.fuzzy or (language in translated and not all(forms)) or len(forms) not in (1, po.num_plurals):
                found.append(f"{language}: not translated (or fuzzy, or a plural form missing): {m.id!r}")
        compiled = io.BytesIO()
        write_mo(compiled, po, use_fuzzy=False)
        if (folder / "messages.mo").read_bytes() != compiled.getvalue():
            found.append(f"{language}: messages.mo is not what pybabel compile makes of messages.po")
    missing = set(translated) - {folder.parent.name for folder in translations.glob("*/LC_MESSAGES")}
    return found + [f"{language}: no catalogue" for language in sorted(missing)]
