"""The personal-data detector: names, contact details and identity numbers are found, with where they
are; the street, place and group names of ordinary municipal texts are not."""

from __future__ import annotations

import pytest

from meemaken_kit.personal_data import (
    BSN_KIND,
    EMAIL_KIND,
    NAME_KIND,
    NATIONAL_NUMBER_KIND,
    PHONE_KIND,
    describe,
    find_personal_data,
)


def found(text: str, known: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in find_personal_data(text, known)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Volgens mevrouw Peeters is het plan haalbaar.", "mevrouw Peeters"),
        ("De heer Van den Broeck bevestigde het budget.", "De heer Van den Broeck"),
        ("Na overleg met meneer De Smet.", "meneer De Smet"),
        ("dhr. Jansen en de werkgroep", "dhr. Jansen"),
        ("advies van mr. de Vries", "mr. de Vries"),
        ("Mme Dubois a confirmé le budget.", "Mme Dubois"),
        ("Selon M. Lambert, le plan tient.", "M. Lambert"),
        ("Mr J. Smith agreed with the plan.", "Mr J. Smith"),
        ("Mrs Patel chairs the trust.", "Mrs Patel"),
        ("Jan Peeters leidt de vereniging.", "Jan Peeters"),
        ("Het plan van Farid El Amrani is goed.", "Farid El Amrani"),
        ("Anna van der Berg tekende.", "Anna van der Berg"),
        ("Chloé Dubois a écrit le plan.", "Chloé Dubois"),
        ("Jean-Pierre Dupont est trésorier.", "Jean-Pierre Dupont"),
        ("JAN PEETERS tekende.", "JAN PEETERS"),
        ("The treasurer, Sarah Thompson, showed the accounts.", "Sarah Thompson"),
    ],
)
def test_a_persons_name_is_found_with_its_title_or_given_name(text, name):
    assert found(text) == [(NAME_KIND, name)]


@pytest.mark.parametrize(
    "text",
    [
        "Library De Linde",
        "Buurtwerking De Linde runs the community centre next door.",
        "The library on the Kerkstraat, the Dorpsstraat and the Stationsstraat.",
        "Jan Breydelstraat 12 and the Jan Breydelstadion",
        "Rue Marie Curie 4, Avenue Louise 54, Place Jean Jacobs",
        "Sint-Jan Berchmans college and Sint-Jans-Molenbeek",
        "The districts Noord, Zuid and Centrum; Emma Centrum.",
        "Twelve volunteers, two part-time staff, a reserve of 40 000 euro.",
        "412 signatures and the minutes of two neighbourhood meetings.",
        "Opened on 1 Jan 2026; reviewed on 01/02/2026 10:00 and 02.03.2027.",
        "Blocked by procurement 2026/14 and council decision 2025-311.",
        "Good plan. Checked with legal services. Tell me More about Monday.",
        "Cost 9 500 000 cents, task 7f0c2a9e-1c1b-4c55-9a87-1f7a3b9c2d10.",
    ],
)
def test_ordinary_municipal_texts_are_not_taken_for_personal_data(text):
    assert found(text) == []


def test_contact_details_and_identity_numbers_are_found_by_kind():
    text = (
        "Mail jan@example.org, call 0470 12 34 56, +32 9 123 45 67 or 09/123.45.67; "
        "rrn 85.07.30-033.28, 85073003328; bsn 111222333."
    )
    assert [kind for kind, _ in found(text)] == [
        EMAIL_KIND,
        PHONE_KIND,
        PHONE_KIND,
        PHONE_KIND,
        NATIONAL_NUMBER_KIND,
        NATIONAL_NUMBER_KIND,
        BSN_KIND,
    ]


def test_numbers_that_fail_their_check_digits_are_not_identity_numbers():
    assert found("file 85073003329 and 111222334") == []


def test_the_known_names_of_a_cases_parties_are_found_in_any_case_and_spacing():
    assert found("met jan  PEETERS besproken", ("Jan Peeters",)) == [(NAME_KIND, "jan  PEETERS")]
    assert found("Ed was here", ("Ed",)) == []  # too short to tell from a word


def test_a_finding_says_what_and_where_but_not_the_text():
    findings = find_personal_data("Volgens mevrouw Peeters, tel. 0470 12 34 56.")
    assert describe(findings) == "a person's name (characters 9-23), a phone number (characters 31-43)"
    assert "Peeters" not in describe(findings)
