"""E-mail through an SMTP server (smtplib): one connection kept open per sender thread.

Failures are sorted for the retry policy: a 4xx reply, a refused or dropped connection is
transient; a 5xx reply is permanent, and a 5xx refusal of the recipient's address a bounce.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from types import TracebackType

from notifications.adapters.config import SmtpSettings
from notifications.domain.delivery import SendFailure
from notifications.domain.templates import Rendered, email_text

SAFE_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$")
ADDRESS_IN_TEXT = re.compile(r"<?[^\s<>\"'(),;:\[\]]+@[^\s<>\"'(),;:\[\]]+>?")
LEADING_DOT = re.compile(rb"(?m)^\.")


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


Mail = tuple[str, bytes]  # a recipient's address and the message encoded for them


class SmtpMailer:
    """A connection to the configured server; `send_all` hands messages over and tells what became of each.

    When the server advertises PIPELINING (RFC 2920) a message's MAIL, RCPT and DATA go in one write with
    the previous message's text, and their replies are read in order: one round trip a message instead of
    four (MAIL, RCPT, DATA, the text). Otherwise plain smtplib, a message at a time. Either way a message
    counts as sent only once the server's reply to its text has been read: a connection lost before that is
    a transient failure for that message (it goes again later: at least once), and the messages after it
    are handed over on a new connection."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._pipelining = False

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
        smtp.ehlo_or_helo_if_needed()
        self._pipelining = smtp.has_extn("pipelining")
        return smtp

    def send(self, envelope_from: str, to: str, data: bytes) -> None:
        """One message; raises SendFailure when it was not handed over."""
        [failure] = self.send_all(envelope_from, [(to, data)])
        if failure is not None:
            raise failure

    def send_all(self, envelope_from: str, mails: Sequence[Mail]) -> list[SendFailure | None]:
        """Each message's outcome, in order: None once the server accepted it, else why not."""
        outcomes: list[SendFailure | None] = []
        while len(outcomes) < len(mails):
            try:
                if self._smtp is None:
                    self._smtp = self._connect()
            except (OSError, smtplib.SMTPException) as exc:  # refused, or a login or TLS the server would not have
                outcomes.append(_failure(exc))
                continue
            rest = mails[len(outcomes) :]
            if self._pipelining:
                outcomes += self._pipelined(self._smtp, envelope_from, rest)
            else:
                outcomes += [self._plain(self._smtp, envelope_from, *rest[0])]
        return outcomes

    def _plain(self, smtp: smtplib.SMTP, envelope_from: str, to: str, data: bytes) -> SendFailure | None:
        try:
            smtp.sendmail(envelope_from, [to], data)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
            self._reset()
            return _failure(exc)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            return _failure(exc)
        return None

    def _pipelined(self, smtp: smtplib.SMTP, envelope_from: str, mails: Sequence[Mail]) -> list[SendFailure | None]:
        """RFC 2920 section 3.1: the outcomes of the messages up to the connection's end (all, unless it was lost:
        then the message whose reply was awaited is a transient failure, and the rest are not tried here)."""
        outcomes: list[SendFailure | None] = []
        text = b""  # the last message's text, accepted for sending (354): written with the next envelope
        reset = False  # a refused envelope left a transaction open
        size = smtp.has_extn("size")
        try:
            for to, data in mails:
                smtp.send(text + (b"RSET\r\n" if reset else b"") + _envelope(envelope_from, to, data, size))
                if text:
                    outcomes.append(_accepted(_reply(smtp)))
                if reset:
                    _reply(smtp)
                mail, rcpt, start = _reply(smtp), _reply(smtp), _reply(smtp)
                text, reset = b"", False
                if (mail[0], start[0]) == (250, 354) and rcpt[0] in (250, 251):
                    text = _dotted(data)
                    continue
                if start[0] == 354:  # a server that took DATA after a refusal: end the empty message
                    smtp.send(b".\r\n")
                    _reply(smtp)
                outcomes.append(_envelope_refused(mail, rcpt, start))
                reset = mail[0] == 250
            if text:
                smtp.send(text)
                outcomes.append(_accepted(_reply(smtp)))
            if reset:
                smtp.send(b"RSET\r\n")
                _reply(smtp)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            if len(outcomes) < len(mails):
                outcomes.append(_failure(exc))
        return outcomes

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


Reply = tuple[int, bytes]


def _reply(smtp: smtplib.SMTP) -> Reply:
    code, text = smtp.getreply()
    if code == 421:  # the server is closing the connection: what was awaited goes again later
        raise smtplib.SMTPResponseException(code, text)
    return code, text


def _envelope(envelope_from: str, to: str, data: bytes, size: bool) -> bytes:
    option = f" SIZE={len(data)}" if size else ""
    mail, rcpt = smtplib.quoteaddr(envelope_from), smtplib.quoteaddr(to)
    return f"MAIL FROM:{mail}{option}\r\nRCPT TO:{rcpt}\r\nDATA\r\n".encode("ascii")


def _dotted(data: bytes) -> bytes:
    """A message's text as DATA sends it (as smtplib does): leading dots doubled, ended by a line with a dot."""
    text = LEADING_DOT.sub(b"..", data)
    return text + (b"" if text.endswith(b"\r\n") else b"\r\n") + b".\r\n"


def _accepted(reply: Reply) -> SendFailure | None:
    return None if reply[0] == 250 else _refused(*reply)


def _envelope_refused(mail: Reply, rcpt: Reply, start: Reply) -> SendFailure:
    """Sorted as smtplib's exceptions are: the sender refused, then the recipient (a bounce when 5xx), then DATA."""
    if mail[0] != 250:
        return _refused(*mail)
    if rcpt[0] not in (250, 251):
        return _failure(smtplib.SMTPRecipientsRefused({"": rcpt}))
    return _refused(*start)


def _failure(exc: OSError | smtplib.SMTPException) -> SendFailure:
    """What smtplib raised, sorted for the retry policy."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()))
        return SendFailure("bounced" if code >= 500 else "transient", f"{code} {_text(reply)}")
    if isinstance(exc, smtplib.SMTPResponseException):
        return _refused(exc.smtp_code, exc.smtp_error)
    return SendFailure("transient", _redacted(f"{type(exc).__name__}: {exc}"))


def _refused(code: int, reply: bytes | str) -> SendFailure:
    return SendFailure("permanent" if code >= 500 else "transient", f"{code} {_text(reply)}")


def _tls(settings: SmtpSettings) -> ssl.SSLContext:
    """Certificates and host names are checked. Built only for a TLS connection: loading the system's
    certificates took as long as the messages a plain connection then carried (the fan-out's flame graph)."""
    return ssl.create_default_context(cafile=settings.ca_file)


def _text(reply: bytes | str) -> str:
    return _redacted(reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply))


def _redacted(error: str) -> str:
    """A server's reply may quote the address it refused: the delivery log keeps the reason, not the address."""
    return ADDRESS_IN_TEXT.sub("[address]", error)
