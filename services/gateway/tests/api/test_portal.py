"""The portal's home page speaks the resident's language."""

from gateway.bootstrap import SERVICE
from meemaken_testkit.service_checks import operations_client


def test_the_portal_speaks_dutch_by_default_and_english_on_request(tmp_path):
    client = operations_client(SERVICE, tmp_path)
    dutch = client.get("/").get_data(as_text=True)
    assert '<html lang="nl">' in dutch and "Samen beleid" in dutch
    english = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Making municipal policy" in english
    french = client.get("/?lang=fr").get_data(as_text=True)
    assert '<html lang="fr">' in french and "<title>meemaken</title>" in french
    assert '<html lang="nl">' in client.get("/?lang=xx").get_data(as_text=True)
