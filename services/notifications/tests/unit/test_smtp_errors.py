"""The delivery log keeps why a server refused a message, never the address it quoted."""

import smtplib

import pytest

from notifications.adapters.config import SmtpSettings
from notifications.adapters.smtp import SendFailure, SmtpMailer


class RefusingServer:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def sendmail(self, *args: object) -> None:
        raise self.error

    def rset(self) -> None:
        pass

    def quit(self) -> None:
        pass


@pytest.mark.parametrize(
    ("error", "kind", "kept"),
    [
        (
            smtplib.SMTPRecipientsRefused({"jan@example.org": (550, b"5.1.1 <jan@example.org>: Recipient unknown")}),
            "bounced",
            "550 5.1.1 [address]: Recipient unknown",
        ),
        (
            smtplib.SMTPResponseException(452, b"4.2.2 mailbox jan.p+x@example.org full"),
            "transient",
            "452 4.2.2 mailbox [address] full",
        ),
        (
            smtplib.SMTPServerDisconnected("lost while sending to jan@example.org"),
            "transient",
            "SMTPServerDisconnected: lost while sending to [address]",
        ),
    ],
)
def test_a_refusal_keeps_the_reason_without_the_address(error, kind, kept):
    mailer = SmtpMailer(SmtpSettings())
    mailer._smtp = RefusingServer(error)  # type: ignore[assignment]
    with pytest.raises(SendFailure) as failure:
        mailer.send("noreply@meemaken.invalid", "jan@example.org", b"Subject: x\r\n\r\nx\r\n")
    assert (failure.value.kind, failure.value.error) == (kind, kept)
    assert "example.org" not in failure.value.error
