"""The fan-out asks the proposals service for a round's voters with this service's own narrow credential
(audience proposals, scope voters:read), never a fixed well-known identity; a refusal is transient."""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from meemaken_events import TransientError
from meemaken_kit.credentials import ServiceCredentials
from meemaken_kit.tokens import TokenVerifier
from notifications.adapters.voters import HttpVoters


class VotersApi(BaseHTTPRequestHandler):
    """Answers like the proposals service: 401 without a token it accepts, 403 without voters:read."""

    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        self.seen.append(dict(self.headers))
        header = self.headers.get("Authorization", "")
        try:
            claims = TokenVerifier.configured("proposals").verify(header.removeprefix("Bearer "))
        except Exception:
            return self._answer(401, {"title": "Unauthorized"})
        if "voters:read" not in claims.scope:
            return self._answer(403, {"title": "Forbidden"})
        return self._answer(200, {"voters": [str(uuid.UUID(int=1))], "next": None})

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proposals():
    server = ThreadingHTTPServer(("127.0.0.1", 0), VotersApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    VotersApi.seen.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_voters_are_asked_with_the_services_own_token_scoped_to_voters_read(proposals):
    voters, following = HttpVoters(proposals, ServiceCredentials("notifications")).page(
        "voters", {"round_id": str(uuid.uuid4())}, None, 10
    )
    assert voters == [str(uuid.UUID(int=1))] and following is None
    [request] = VotersApi.seen
    assert not any(name.lower().startswith("x-meemaken") for name in request)
    claims = TokenVerifier.configured("proposals").verify(request["Authorization"].removeprefix("Bearer "))
    assert claims.subject == "service:notifications"
    assert claims.roles == frozenset({"service"}) and claims.scope == frozenset({"voters:read"})


def test_a_refused_credential_is_a_transient_error_the_fanout_backs_off_from(proposals, monkeypatch):
    client = HttpVoters(proposals, ServiceCredentials("notifications"))
    monkeypatch.setattr(client.credentials, "headers", lambda *a: {"Authorization": "Bearer not-a-token"})
    with pytest.raises(TransientError, match="401"):
        client.page("voters", {"round_id": str(uuid.uuid4())}, None, 10)
