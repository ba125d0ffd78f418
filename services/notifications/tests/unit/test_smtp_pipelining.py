"""Messages handed over pipelined (RFC 2920) when the server advertises PIPELINING, a message at a time when it
does not: each message's outcome is the same either way, against a real SMTP server in this process (aiosmtpd)."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from meemaken_testkit.ports import free_port
from notifications.adapters.config import SmtpSettings
from notifications.adapters.smtp import SmtpMailer

FROM = "noreply@meemaken.invalid"


class Server:
    """Accepts every message but these: `nobody@` refused for good (550) and `busy@` for now (450) at RCPT;
    `late@` refused for now (451) after its text; `drop@` takes the text, then closes the connection unanswered."""

    def __init__(self, pipelining: bool) -> None:
        self.pipelining = pipelining
        self.received: list[tuple[str, bytes]] = []
        self.connections = 0

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: Any):
        self.connections += 1
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]] if self.pipelining else responses

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any):
        if address.startswith("nobody@"):
            return f"550 5.1.1 <{address}>: Recipient unknown"
        if address.startswith("busy@"):
            return "450 4.2.1 Mailbox busy"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        [to] = envelope.rcpt_tos
        if to.startswith("late@"):
            return "451 4.3.0 Try again later"
        if to.startswith("drop@"):
            assert server.transport is not None
            server.transport.abort()  # the text arrived, its 250 never leaves
            return "250 OK"
        self.received.append((to, envelope.original_content or b""))
        return "250 OK"


@pytest.fixture(params=[True, False], ids=["pipelined", "one-at-a-time"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[Server, SmtpSettings]]:
    quiet = logging.getLogger("mail.log")  # aiosmtpd logs each address at INFO
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    handler = Server(pipelining=request.param)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, SmtpSettings(host="127.0.0.1", port=controller.port, timeout=10.0)
    finally:
        controller.stop()
        quiet.setLevel(level)


def message(to: str, body: str = "Hello.") -> tuple[str, bytes]:
    return to, f"From: {FROM}\r\nTo: {to}\r\nSubject: Test\r\n\r\n{body}\r\n".encode()


def writes(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """What the client writes, write by write (smtplib's every command goes through `send`)."""
    written: list[bytes] = []
    send = smtplib.SMTP.send

    def recording(self: smtplib.SMTP, data: Any) -> None:
        written.append(data if isinstance(data, bytes) else data.encode())
        send(self, data)

    monkeypatch.setattr(smtplib.SMTP, "send", recording)
    return written


def test_each_message_has_its_own_outcome_and_the_others_arrive(server, monkeypatch):
    handler, settings = server
    written = writes(monkeypatch)
    mails = [
        message("anna@example.org", ".a line starting with a dot\r\n..and two"),
        message("nobody@example.org"),
        message("bert@example.org"),
        message("busy@example.org"),
        message("late@example.org"),
        message("carla@example.org"),
    ]
    with SmtpMailer(settings) as mailer:
        outcomes = mailer.send_all(FROM, mails)
    kinds = [(o.kind, o.error) if o else None for o in outcomes]
    assert kinds == [
        None,
        ("bounced", "550 5.1.1 [address]: Recipient unknown"),
        None,
        ("transient", "450 4.2.1 Mailbox busy"),
        ("transient", "451 4.3.0 Try again later"),
        None,
    ]
    assert [to for to, _ in handler.received] == ["anna@example.org", "bert@example.org", "carla@example.org"]
    assert handler.received[0][1] == mails[0][1]  # the leading dots doubled on the wire, undone by the server
    assert handler.connections == 1
    if handler.pipelining:  # a message's envelope goes with the text before it: one write a message, and the last text
        envelopes = [w for w in written if w.count(b"MAIL FROM:")]
        assert len(envelopes) == len(mails) and all(b"RCPT TO:" in w and w.endswith(b"DATA\r\n") for w in envelopes)
        assert all(b"\r\n.\r\nMAIL FROM:" in w or w.startswith(b"RSET\r\nMAIL FROM:") for w in envelopes[1:])
    else:
        assert not any(w.count(b"MAIL FROM:") and b"RCPT TO:" in w for w in written)


def test_a_connection_lost_before_a_reply_fails_that_message_only_and_the_next_go_on_a_new_one(server):
    """The dropped message reached the server, but its 250 was never read: a transient failure (sent again
    later, at least once), never counted as sent; the ones after it go over a new connection."""
    handler, settings = server
    mails = [message("anna@example.org"), message("drop@example.org"), message("bert@example.org")]
    with SmtpMailer(settings) as mailer:
        outcomes = mailer.send_all(FROM, mails)
        assert outcomes[0] is None and outcomes[2] is None
        assert outcomes[1] is not None and outcomes[1].kind == "transient"
        assert "example.org" not in outcomes[1].error
        assert mailer.send_all(FROM, [message("carla@example.org")]) == [None]  # the new connection stays open
    assert [to for to, _ in handler.received] == ["anna@example.org", "bert@example.org", "carla@example.org"]
    assert handler.connections == 2


def test_a_server_that_is_down_fails_each_message_for_now():
    with SmtpMailer(SmtpSettings(host="127.0.0.1", port=free_port(), timeout=5.0)) as mailer:
        outcomes = mailer.send_all(FROM, [message("anna@example.org"), message("bert@example.org")])
    assert [o.kind if o else None for o in outcomes] == ["transient", "transient"]
