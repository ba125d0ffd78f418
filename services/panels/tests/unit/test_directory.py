"""The notifications contact store as this service calls it: our contact records in its shape, sent with the
service's own narrow credentials (never a fixed well-known identity, never a person's role)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from meemaken_kit.credentials import ServiceCredentials
from meemaken_kit.tokens import TokenVerifier
from panels.adapters.directory import HttpDirectory, contact_body


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


class ContactStore(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, dict[str, str], bytes]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.seen.append((self.command, self.path, dict(self.headers), self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    do_PUT = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def store():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ContactStore)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ContactStore.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_contacts_go_with_the_services_own_token_for_contacts_write_at_notifications(store):
    directory = HttpDirectory(store, ServiceCredentials("panels"))
    pseudonym = "p_" + "a" * 32
    directory.put(pseudonym, {"name": "An", "email": "an@example.org"})
    directory.delete(pseudonym)
    (put, path, headers, body), (delete, _, _, _) = ContactStore.seen
    assert (put, delete, path) == ("PUT", "DELETE", f"/api/v1/people/{pseudonym}/contact")
    assert json.loads(body)["email"] == "an@example.org"
    assert not [h for h in headers if h.lower().startswith("x-meemaken")]
    scheme, _, token = headers["Authorization"].partition(" ")
    claims = TokenVerifier.configured("notifications").verify(token)
    assert scheme == "Bearer" and claims.subject == "service:panels"
    assert claims.roles == {"service"} and claims.scope == {"contacts:write"}
