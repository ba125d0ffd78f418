"""E-mail over STARTTLS with a login, to a real SMTP server process whose certificate the mailer must trust."""

import subprocess

import pytest
from smtp_server import SmtpServer

from notifications.adapters.config import SmtpSettings
from notifications.adapters.smtp import SendFailure, SmtpMailer

MESSAGE = b"From: meemaken <noreply@meemaken.invalid>\r\nTo: jan@example.org\r\nSubject: Test\r\n\r\nHello.\r\n"


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1, as a municipality's own CA would sign one."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def server(tmp_path, certificate):
    cert, key = certificate
    smtp = SmtpServer(tmp_path, "--tls-cert", str(cert), "--tls-key", str(key), "--login", "meemaken:s3cret")
    yield smtp
    smtp.stop()


def settings(server, cert, **changes):
    values = {
        "host": "127.0.0.1",
        "port": server.port,
        "security": "starttls",
        "username": "meemaken",
        "password": "s3cret",
        "ca_file": str(cert),
        "timeout": 10.0,
    }
    return SmtpSettings(**(values | changes))


def test_a_message_goes_over_starttls_with_the_configured_login(server, certificate):
    with SmtpMailer(settings(server, certificate[0])) as mailer:
        mailer.send("noreply@meemaken.invalid", "jan@example.org", MESSAGE)
    [received] = server.received()
    assert received["Subject"] == "Test"


def test_a_wrong_password_is_a_permanent_failure_and_an_untrusted_certificate_a_transient_one(server, certificate):
    with SmtpMailer(settings(server, certificate[0], password="wrong")) as mailer, pytest.raises(SendFailure) as bad:
        mailer.send("noreply@meemaken.invalid", "jan@example.org", MESSAGE)
    assert bad.value.kind == "permanent" and "535" in str(bad.value)
    with SmtpMailer(settings(server, None, ca_file=None)) as mailer, pytest.raises(SendFailure) as untrusted:
        mailer.send("noreply@meemaken.invalid", "jan@example.org", MESSAGE)
    assert untrusted.value.kind == "transient" and "CERTIFICATE" in str(untrusted.value).upper()
    assert server.received() == []
