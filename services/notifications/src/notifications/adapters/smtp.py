"""E-mail through an SMTP server (smtplib): one connection kept open per sender thread.

Failures are sorted for the retry policy: a 4xx reply, a refused or dropped connection is
transient; a 5xx reply is permanent, and a 5xx refusal of the recipient's address a bounce.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from types import TracebackType

from notifications.adapters.config import SmtpSettings
from notifications.domain.delivery import SendFailure
from notifications.domain.templates import Rendered, email_text

SAFE_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$")
ADDRESS_IN_TEXT = re.compile(r"<?[^\s<>\"'(),;:\[\]]+@[^\s<>\"'(),;:\[\]]+>?")


def build_email(sender: str, to: str, rendered: Rendered, delivery_id: str) -> EmailMessage:
    message = _common(sender, rendered)
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="meemaken.invalid")
    message["X-Meemaken-Delivery"] = delivery_id  # ties a bounce to the log; not personal data
    return message


def _common(sender: str, rendered: Rendered) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["Subject"] = rendered.subject
    message["Content-Language"] = rendered.language
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email_text(rendered))
    message.add_alternative(rendered.html(), subtype="html")
    return message


class PreparedMail:
    """A message encoded once and addressed many times: a fan-out to thousands of voters pays the MIME
    encoding once, and per recipient only writes the To, Date, Message-ID and delivery headers."""

    def __init__(self, sender: str, rendered: Rendered) -> None:
        self.sender, self.rendered = sender, rendered
        self.envelope_from = parseaddr(sender)[1]
        self.encoded = _common(sender, rendered).as_bytes(policy=policy.SMTP)

    def to(self, address: str, delivery_id: str) -> bytes:
        if not SAFE_ADDRESS.match(address):  # unusual addresses get the email package's full treatment
            return build_email(self.sender, address, self.rendered, delivery_id).as_bytes(policy=policy.SMTP)
        head = (
            f"To: {address}\r\nDate: {formatdate(localtime=False)}\r\n"
            f"Message-ID: {make_msgid(domain='meemaken.invalid')}\r\nX-Meemaken-Delivery: {delivery_id}\r\n"
        )
        return head.encode("ascii") + self.encoded


class SmtpMailer:
    """A connection to the configured server; `send` hands one message over or raises SendFailure."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=_tls(s))
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                smtp.starttls(context=_tls(s))
        if s.username:
            smtp.login(s.username, s.password or "")
        return smtp

    def send(self, envelope_from: str, to: str, data: bytes) -> None:
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.sendmail(envelope_from, [to], data)
        except smtplib.SMTPRecipientsRefused as exc:
            self._reset()
            code, reply = next(iter(exc.recipients.values()))
            kind = "bounced" if code >= 500 else "transient"
            raise SendFailure(kind, f"{code} {_text(reply)}") from None
        except smtplib.SMTPResponseException as exc:
            self._reset()
            kind = "permanent" if exc.smtp_code >= 500 else "transient"
            raise SendFailure(kind, f"{exc.smtp_code} {_text(exc.smtp_error)}") from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise SendFailure("transient", _redacted(f"{type(exc).__name__}: {exc}")) from None

    def _reset(self) -> None:
        """After a refusal the connection stays usable once the transaction is reset."""
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


def _tls(settings: SmtpSettings) -> ssl.SSLContext:
    """Certificates and host names are checked. Built only for a TLS connection: loading the system's
    certificates took as long as the messages a plain connection then carried (the fan-out's flame graph)."""
    return ssl.create_default_context(cafile=settings.ca_file)


def _text(reply: bytes | str) -> str:
    return _redacted(reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply))


def _redacted(error: str) -> str:
    """A server's reply may quote the address it refused: the delivery log keeps the reason, not the address."""
    return ADDRESS_IN_TEXT.sub("[address]", error)
