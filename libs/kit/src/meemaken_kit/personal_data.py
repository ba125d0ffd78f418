"""Personal data in free text that is about to be published or put in an event: find it, to refuse it.

One detector for every service: what an official writes for a public notice, a reason that travels in
an event, a catalogue text. It finds

- e-mail addresses;
- phone numbers (international ``+32 ...``/``0031 ...``, and national ones of 9 to 11 digits that
  start with 0, in the usual groupings);
- Belgian national register numbers (``85.07.30-033.28`` as written, or 11 digits whose check
  number is right) and Dutch BSNs (9 digits passing the eleven test);
- persons' names: a title followed by a capitalised word (``mevrouw Peeters``, ``de heer Van den
  Broeck``, ``Mme Dubois``, ``Mr Smith``); a common given name (nl, fr, en: ``given_names.py``)
  followed by a capitalised surname, with its particles (``Jan Peeters``, ``Farid El Amrani``,
  ``Anna van der Berg``); and any of the ``known`` names the caller passes (the parties of a case).

It is pragmatic, not complete: a surname on its own, a name written in lower case, a given name that
is not in the list, or a name in another script is not found. A street, square or place named
after a person (``Jan Breydelstraat``, ``Rue Marie Curie``, ``Sint-Jan``) is not taken for a person.
Findings say what was found and where, never the text itself, so that a refusal can be logged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from meemaken_kit.given_names import GIVEN_NAMES

NAME_KIND = "a person's name"
EMAIL_KIND = "an e-mail address"
PHONE_KIND = "a phone number"
NATIONAL_NUMBER_KIND = "a national register number"
BSN_KIND = "a citizen service number (BSN)"


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind and where it is (character offsets, end exclusive)."""

    kind: str
    start: int
    end: int

    def describe(self) -> str:
        return f"{self.kind} (characters {self.start + 1}-{self.end})"


EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
INTERNATIONAL_PHONE = re.compile(r"(?<![\w+])(?:\+|00)[1-9]\d(?:[\s/.()-]{0,2}\d){7,11}(?![\w])")
NATIONAL_PHONE = re.compile(r"(?<![\w+./-])\(?0\d\)?(?:[\s/.-]?\d){7,9}(?![\w]|[./-]\d)")
# Belgian national register number: yymmdd-sss-cc, check digits mod 97 (born from 2000: "2" in front).
BELGIAN_WRITTEN = re.compile(r"(?<![\w.-])\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}(?![\w-])")
BELGIAN_DIGITS = re.compile(r"(?<![\w.-])(\d{2})(\d{2})(\d{2})[- ]?(\d{3})(\d{2})(?![\w-]|\.\d)")
_DATE = re.compile(r"0?\d[./-][01]?\d[./-](?:\d{4}|\d{2}(?!\d))")  # 01/02/2026 10:00 is no phone number
BSN = re.compile(r"(?<![\w.-])(\d{9})(?![\w-]|\.\d)")

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_WORD = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?|[{_UPPER}]{{2,}}"
# particles of a surname: van der Berg, de Smet, Van den Broeck, El Amrani, d'Hondt, le Clercq
_PARTICLE = r"(?:(?:[Vv]an|[Dd]e[rn]?|[Tt]e[rn]|[Vv]on|[Dd]u|[Dd]es|[Ll][ea]|[Ee]l|[Aa]l|[Bb]en|[Mm]ac)\s+)"
_SURNAME = rf"(?:{_PARTICLE}{{0,3}}(?:[Dd]'|[Oo]')?(?:{_WORD}))"
# titles, in any case where they are words (mevrouw, Madame, de heer), as written where they are
# abbreviations or could be ordinary words in lower case (Me, M., Mr, Miss, Dr)
_TITLE_WORDS = (
    r"mevrouw|mevr\.?|mw\.|meneer|menheer|mijnheer|meneur|dhr\.?|de\s+heer|juffrouw|dokter|meester|mme\.?|mlle\.?|"
    r"madame|mademoiselle|monsieur|docteur|ma[iî]tre|professor|professeur"
)
_TITLE_ABBREVIATIONS = r"mr\.|M\.|Me\.?|Mrs\.?|Mr\.?|Ms\.?|Miss|Mx\.?|Dr\.?|Prof\.?|Sir"
TITLED = re.compile(
    rf"(?<![\w.])(?:(?i:{_TITLE_WORDS})|{_TITLE_ABBREVIATIONS})\s+(?:[{_UPPER}]\.\s*)*{_SURNAME}(?![\w'-])"
)
GIVEN_THEN_SURNAME = re.compile(rf"(?<![\w'-])({_WORD})(?:\s+[{_UPPER}]\.)*\s+{_SURNAME}(?![\w'-])")

# A place, not a person: a street or square named after someone, or a saint's name.
_STREET_SUFFIX = re.compile(
    r"(straat|laan|plein|weg|dreef|lei|kaai|steenweg|markt|park|hof|wijk|singel|gracht|kade|pad|"
    r"school|college|instituut|ziekenhuis|kerk|zaal|centrum|street|road|avenue|square|lane|hall|"
    r"house|centre|center|church|bridge|gardens|station|stadion|stadium|museum|prijs|prize|fonds|fund)$",
    re.IGNORECASE,
)
_PLACE_BEFORE = re.compile(
    r"(?:\b(?:rue|avenue|av\.|boulevard|bd\.?|place|chauss[ée]e|quai|all[ée]e|impasse|chemin|square|parc|"
    r"[ée]cole|coll[èe]ge|lyc[ée]e|institut|h[ôo]pital|[ée]glise|salle|pont|"
    r"sint|saint|sainte|st\.?|ste\.?|sankt)[\s-]+)$",
    re.IGNORECASE,
)
# Capitalised words that follow a given name without being a surname (a month, a weekday, "Centrum").
_NOT_SURNAMES = frozenset(
    {
        *"januari februari maart april mei juni juli augustus september oktober november december".split(),
        *"janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(),
        *"january february march may june july august october".split(),
        *"maandag dinsdag woensdag donderdag vrijdag zaterdag zondag".split(),
        *"lundi mardi mercredi jeudi vendredi samedi dimanche".split(),
        *"monday tuesday wednesday thursday friday saturday sunday".split(),
        *"noord zuid oost west centrum nord sud est ouest centre north south east".split(),
    }
)


def _belgian_check(body: str, check: int) -> bool:
    return 97 - int(body) % 97 == check or 97 - int("2" + body) % 97 == check


def _bsn_check(number: str) -> bool:
    digits = [int(d) for d in number]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    return number[0] != "0" and total % 11 == 0 and len(set(number)) > 2


def _numbers(text: str) -> list[Finding]:
    found = [Finding(EMAIL_KIND, m.start(), m.end()) for m in EMAIL.finditer(text)]
    found += [Finding(NATIONAL_NUMBER_KIND, m.start(), m.end()) for m in BELGIAN_WRITTEN.finditer(text)]
    found += [
        Finding(NATIONAL_NUMBER_KIND, m.start(), m.end())
        for m in BELGIAN_DIGITS.finditer(text)
        if _belgian_check("".join(m.groups()[:4]), int(m.group(5)))
    ]
    found += [Finding(BSN_KIND, m.start(), m.end()) for m in BSN.finditer(text) if _bsn_check(m.group(1))]
    found += [Finding(PHONE_KIND, m.start(), m.end()) for m in INTERNATIONAL_PHONE.finditer(text)]
    found += [
        Finding(PHONE_KIND, m.start(), m.end()) for m in NATIONAL_PHONE.finditer(text) if not _DATE.match(m.group())
    ]
    return found


def _a_place(text: str, start: int, end: int) -> bool:
    last_word = text[start:end].split()[-1]
    return bool(_STREET_SUFFIX.search(last_word) or _PLACE_BEFORE.search(text[max(0, start - 20) : start]))


def _names(text: str, known: Iterable[str]) -> list[Finding]:
    found = []
    for m in TITLED.finditer(text):
        if not _a_place(text, m.start(), m.end()):
            found.append(Finding(NAME_KIND, m.start(), m.end()))
    position = 0
    while match := GIVEN_THEN_SURNAME.search(text, position):
        given, rest = match.group(1), text[match.end(1) : match.end()].split()
        surname = rest[-1] if rest else ""
        is_name = (
            given.lower().split("-")[0] in GIVEN_NAMES
            and surname.lower() not in _NOT_SURNAMES
            and not _a_place(text, match.start(), match.end())
        )
        if is_name:
            found.append(Finding(NAME_KIND, match.start(), match.end()))
            position = match.end()
        else:  # the next word may start a name ("Buurtwerking Jan Peeters")
            position = match.end(1)
    for name in known:
        parts = name.split()
        if len("".join(parts)) < 4:  # too short to tell from an ordinary word
            continue
        spaced = r"\s+".join(re.escape(part) for part in parts)
        pattern = re.compile(rf"(?<!\w){spaced}(?!\w)", re.IGNORECASE)
        found += [Finding(NAME_KIND, m.start(), m.end()) for m in pattern.finditer(text)]
    return found


def find_personal_data(text: str, known_names: Iterable[str] = ()) -> list[Finding]:
    """Every piece of personal data found in ``text``, in order, overlapping findings merged."""
    findings = sorted(_numbers(text) + _names(text, known_names), key=lambda f: (f.start, -f.end))
    merged: list[Finding] = []
    for finding in findings:
        if merged and finding.start < merged[-1].end:
            continue
        merged.append(finding)
    return merged


def describe(findings: Iterable[Finding]) -> str:
    """The findings in words: "a person's name (characters 12-23), a phone number (characters 40-52)"."""
    return ", ".join(f.describe() for f in findings)
