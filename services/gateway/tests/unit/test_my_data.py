"""My page's own rules, without any framework: notification settings checked before the notifications service is
asked (and a staff topic muted elsewhere kept), address lines as typed, and the export document's shape."""

from datetime import UTC, datetime

from gateway.domain.my_data import DeletionRequest, Preferences, address_lines, export_document


def test_defaults_without_a_contact_on_file_are_the_inbox_in_the_page_language():
    assert Preferences.from_contact(None, "fr") == Preferences(language="fr")
    assert Preferences.from_contact(None, "de").language == "nl"


def test_each_wrong_field_is_named_with_what_is_wrong():
    assert Preferences().problems() == {}
    wrong = Preferences(channels=(), email="not an address", language="de", digest="hourly", muted_topics=("x",))
    assert wrong.problems() == {
        "channels": "no_channel",
        "email": "bad_email",
        "language": "bad_language",
        "digest": "bad_digest",
        "muted_topics": "bad_topic",
    }
    assert Preferences(channels=("email",)).problems() == {"email": "email_needed"}
    assert Preferences(channels=("letter",), postal_address=("Kerkstraat 1",)).problems() == {
        "postal_address": "address_needed"
    }
    assert Preferences(postal_address=("x",) * 7).problems() == {"postal_address": "address_too_long"}
    assert Preferences(postal_address=("x" * 101,)).problems() == {"postal_address": "address_too_long"}
    assert Preferences(channels=("bell",)).problems() == {"channels": "no_channel"}


def test_a_staff_topic_muted_elsewhere_is_kept_when_a_resident_saves():
    on_file = {"channels": ["inapp"], "language": "en", "digest": "daily", "muted_topics": ["work_queue", "budget"]}
    chosen = Preferences.from_contact(on_file, "nl")
    assert chosen.muted_topics == ("budget",) and chosen.kept_topics == ("work_queue",)
    assert chosen.contact_body() == {
        "channels": ["inapp"],
        "email": None,
        "postal_address": [],
        "language": "en",
        "digest": "daily",
        "muted_topics": ["budget", "work_queue"],
    }


def test_address_lines_drop_blank_lines_and_spaces():
    assert address_lines("  Anna Janssens \n\n Kerkstraat 1\r\n9000 Gent \n") == (
        "Anna Janssens",
        "Kerkstraat 1",
        "9000 Gent",
    )


def test_the_export_names_its_parts_and_a_pending_deletion_request():
    now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    document = export_document(now, {"id": "x"}, {"panels": [], "challenges": []}, DeletionRequest(now, now))
    assert list(document) == ["generated_at", "about", "account", "challenges", "panels", "deletion_request"]
    assert document["deletion_request"]["status"] == "pending"
    assert "messages" not in document["deletion_request"]["kept_until_the_municipality_handles_it"]
