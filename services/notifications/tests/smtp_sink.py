"""A real SMTP server for tests and the benchmark, run as its own process on loopback (aiosmtpd).

    python smtp_sink.py --port 2525 --maildir DIR [--refuse N | --refuse-always] [--stats FILE --watch PREFIX]
                        [--delay SECONDS] [--tls-cert CERT --tls-key KEY] [--login USER:PASSWORD] [--no-pipelining]

With --tls-cert it offers STARTTLS and requires it; with --login it requires that login (after TLS).
It advertises PIPELINING unless --no-pipelining. It prints ``ready`` once it listens. Accepted messages
go to the Maildir (when given); the first N are refused with a transient 451 (or all, with
--refuse-always). --stats keeps a JSON file with how many were received, when the first and last
arrived, and when each recipient starting with PREFIX did.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import mailbox
import os
import ssl
import time
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


class Sink:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.box = mailbox.Maildir(args.maildir, create=True) if args.maildir else None
        self.tries = self.received = 0
        self.first: float | None = None
        self.last: float | None = None
        self.watched: dict[str, float] = {}

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        """Advertises PIPELINING (RFC 2920) as Postfix and Exim do (aiosmtpd reads a pipelined stream in order,
        but does not say so), unless --no-pipelining."""
        session.host_name = hostname
        if self.args.no_pipelining:
            return responses
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.tries += 1
        if self.args.refuse_always or self.tries <= self.args.refuse:
            return "451 4.3.0 Mailbox busy, try again later"
        if self.args.delay:  # a busy server answering slowly: each message takes this long to be accepted
            await asyncio.sleep(self.args.delay)
        now = time.time()
        if self.box is not None:
            self.box.add(envelope.content)
        self.received += 1
        self.first = self.first or now
        self.last = now
        for rcpt in envelope.rcpt_tos:
            if self.args.watch and rcpt.startswith(self.args.watch):
                self.watched[rcpt] = now
        return "250 2.0.0 OK"

    def stats(self) -> dict[str, Any]:
        return {
            "tries": self.tries,
            "received": self.received,
            "first": self.first,
            "last": self.last,
            "watched": self.watched,
        }


async def write_stats(sink: Sink, path: str) -> None:
    while True:
        with open(path + ".tmp", "w") as out:
            json.dump(sink.stats(), out)
        os.replace(path + ".tmp", path)
        await asyncio.sleep(0.2)


def _options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        options |= {"tls_context": context, "require_starttls": True}
    if args.login:
        user, password = args.login.split(":", 1)

        def authenticate(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
            ok = isinstance(data, LoginPassword) and (data.login, data.password) == (user.encode(), password.encode())
            return AuthResult(success=ok, handled=False)

        options |= {"authenticator": authenticate, "auth_required": True, "auth_require_tls": bool(args.tls_cert)}
    return options


async def serve(args: argparse.Namespace) -> None:
    sink = Sink(args)
    loop = asyncio.get_running_loop()
    options = _options(args)
    server = await loop.create_server(lambda: SMTP(sink, hostname="sink.test", **options), args.host, args.port)
    writer = loop.create_task(write_stats(sink, args.stats)) if args.stats else None
    print("ready", flush=True)
    async with server:
        await server.serve_forever()
    if writer is not None:
        writer.cancel()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir")
    parser.add_argument("--refuse", type=int, default=0)
    parser.add_argument("--refuse-always", action="store_true")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each message is accepted")
    parser.add_argument("--stats")
    parser.add_argument("--watch")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--login")
    parser.add_argument("--no-pipelining", action="store_true", help="do not advertise PIPELINING")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
