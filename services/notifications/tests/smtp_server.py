"""Start and stop the SMTP sink process (smtp_sink.py) and read what it received, for tests and the benchmark."""

from __future__ import annotations

import mailbox
import subprocess
import sys
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from meemaken_testkit.ports import free_port

SINK = Path(__file__).resolve().parent / "smtp_sink.py"


class SmtpServer:
    def __init__(self, folder: Path, *options: str, keep: bool = True, port: int | None = None) -> None:
        """`keep=False` only counts what arrives (see --stats), for the benchmark; `port`: a server started
        again where one stopped (the same Maildir)."""
        self.port = port or free_port()
        self.maildir = folder / f"maildir-{self.port}"
        store = ["--maildir", str(self.maildir)] if keep else []
        self.process = subprocess.Popen(
            [sys.executable, str(SINK), "--port", str(self.port), *store, *options],
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != b"ready":
            self.stop()
            raise RuntimeError("the SMTP sink did not start")

    @property
    def env(self) -> dict[str, str]:
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.port), "SMTP_SECURITY": "none"}

    def received(self) -> list[EmailMessage]:
        box = mailbox.Maildir(self.maildir, create=True)
        parser = BytesParser(policy=policy.default)
        found = [parser.parsebytes(box.get_bytes(key)) for key in box.keys()]
        return sorted(found, key=lambda m: str(m["Date"]))  # type: ignore[arg-type,return-value]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def kill(self) -> None:
        """Gone at once, as a crashed server: connections reset, messages in flight unanswered."""
        self.process.kill()
        self.process.wait(timeout=10)
