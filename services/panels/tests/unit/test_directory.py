from panels.adapters.directory import contact_body


def test_a_register_contact_becomes_letter_lines_and_a_registration_an_e_mail_address():
    assert contact_body({"name": "An Peeters", "address": "Kerkstraat 3, 9000 Gent"}) == {
        "postal_address": ["An Peeters", "Kerkstraat 3, 9000 Gent"],
        "language": "nl",
        "channels": ["letter"],
    }
    registered = contact_body({"name": "Jan", "email": " jan@example.org ", "language": "FR"})
    assert registered["email"] == "jan@example.org" and registered["language"] == "fr"
    assert registered["channels"] == ["email", "letter"]
    assert contact_body({"name": "X", "language": "de"})["language"] == "nl"
