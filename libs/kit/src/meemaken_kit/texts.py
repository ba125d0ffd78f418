"""Texts for people in Dutch, French and English, rendered without a Flask request.

The notifications worker renders e-mail and the challenges domain composes its decision notice outside
any request, so Flask-Babel's request-bound locale does not apply. The texts are the same kind as the
portal's: Jinja2 templates whose sentences are marked for translation (``_``, ``ngettext``, ``pgettext``)
and kept in gettext catalogues (``translations/<language>/LC_MESSAGES/messages.po``, compiled to ``.mo``)
that translators edit. One environment per (templates, language) is built once: the catalogue is read
once and each template compiled once, so rendering a thousand messages costs a thousand renders only.

A sentence is a call with its placeholders as keywords, ``_("Session %(n)s", n=number)``, never a
``{% trans %}`` block (the functions below format every call). HTML is escaped by default: a ``.html``
template escapes everything it prints, translated sentences and the values in them included; only
``.txt`` templates (plain text parts, notices) are not.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from gettext import NullTranslations
from pathlib import Path
from typing import Any

import jinja2
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

LANGUAGES = ("nl", "fr", "en")
# The locale that formats dates and numbers per language: British English writes 29 November 2026.
LOCALES = {"nl": "nl", "fr": "fr", "en": "en_GB"}


def day(moment: datetime | date | str, language: str) -> str:
    """29 november 2026 / 29 novembre 2026 / 29 November 2026 (the date as given, no time-zone shift)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return format_date(moment, "long", locale=LOCALES[language])


def number(value: int | float | Decimal, language: str, pattern: str | None = None) -> str:
    """1.234 / 1 234 / 1,234; ``pattern`` as in CLDR, e.g. ``#,##0.0`` for one decimal."""
    return format_decimal(value, format=pattern, locale=LOCALES[language])


def percent(value: float | Decimal, language: str) -> str:
    """0.65 -> 65% / 65 % / 65%."""
    return format_percent(value, locale=LOCALES[language])


@functools.cache
def environment(templates: Path, catalogues: Path, language: str) -> jinja2.Environment:
    """The environment for one language: gettext from ``catalogues``, filters ``day``, ``number`` and
    ``percent`` in that language's formats. Templates are not checked for changes once loaded."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=jinja2.select_autoescape(disabled_extensions=("txt",), default_for_string=True, default=True),
        extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
        auto_reload=False,
        undefined=jinja2.StrictUndefined,
    )
    gettext, ngettext, pgettext, npgettext = _gettext_functions(Translations.load(str(catalogues), [language]))
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        gettext, ngettext, newstyle=False, pgettext=pgettext, npgettext=npgettext
    )
    env.globals["_"] = gettext  # the extension's own `_` goes through the context on every call
    env.filters.update(
        day=lambda moment: day(moment, language),
        number=lambda value, pattern=None: number(value, language, pattern),
        percent=lambda value: percent(value, language),
    )
    env.globals["language"] = language
    return env


def _gettext_functions(catalogue: NullTranslations) -> tuple[Callable[..., str], ...]:
    """``_``/``gettext``, ``ngettext``, ``pgettext``, ``npgettext`` as plain functions that always format
    their ``%(name)s`` placeholders from keyword arguments (``ngettext`` adds ``num``), like Jinja's
    "new style" gettext, but without its per-call context wrappers: a message calls them a dozen
    times, and the wrappers tripled the cost of a render. They return plain text, so an HTML template
    escapes a translated sentence whole, placeholders and all."""

    def gettext(message: str, **variables: Any) -> str:
        return catalogue.gettext(message) % variables

    def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
        variables.setdefault("num", n)
        return catalogue.ngettext(singular, plural, n) % variables

    def pgettext(context: str, message: str, **variables: Any) -> str:
        return catalogue.pgettext(context, message) % variables

    def npgettext(context: str, singular: str, plural: str, n: int, **variables: Any) -> str:
        variables.setdefault("num", n)
        return catalogue.npgettext(context, singular, plural, n) % variables

    return gettext, ngettext, pgettext, npgettext


@functools.cache
def template(templates: Path, catalogues: Path, language: str, name: str) -> jinja2.Template:
    loaded = environment(templates, catalogues, language).get_template(name)
    # Jinja keeps a template's globals as a ChainMap over the environment's and copies it key by key into
    # every new context; ours are fixed once the environment is built, so a plain dict copies in one step.
    loaded.globals = dict(loaded.globals)
    return loaded


def parts(templates: Path, catalogues: Path, language: str, name: str, **variables: Any) -> dict[str, Any]:
    """What a template sets at its top level (``{% set subject = _("...") %}``), for texts that have
    parts (a subject, paragraphs, reasons) rather than one body."""
    module = template(templates, catalogues, language, name).make_module(variables)
    return {k: v for k, v in vars(module).items() if not k.startswith("_")}
