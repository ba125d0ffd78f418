"""The pass-through's HTTP/1.1 client: one pool of keep-alive connections per service and process.

Why not urllib3: in the ballot benchmark's profile (bench/profiles/gateway_ballots.svg) the round trip
to the service was most of the gateway's own CPU. urllib3 costs about 350 µs of CPU per request on this
machine (its Retry and Timeout objects, the pool's checks, http.client's e-mail header parser), this
client about 20 µs: it writes the request in one ``sendall`` and reads the answer with a buffered reader.

It speaks to the municipality's own services only, and stays strict: a status line or header it cannot
read, an unknown framing or a length that does not add up is a bad answer (502), never guessed at. A
header value with a line break or a character outside Latin-1 is not sent (no header injection); the
path and query arrive percent-encoded (``Outgoing.target``). A connection the service closed while idle
is noticed before reuse; one that closes before answering a request that may be repeated (not POST or
PATCH) is retried once on a fresh connection; a fresh one that closes before answering is a service
going down (503), like one that takes no connection.
"""

from __future__ import annotations

import select
import socket
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_LINE = 64 * 1024
MAX_HEADERS = 100
CHUNK = 64 * 1024
CONNECT_SECONDS = 2.0
REPEATABLE = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
WITH_LENGTH = frozenset({"POST", "PUT", "PATCH"})


class ConnectFailed(Exception):
    """The service took no connection (down, or not in time): 503."""


class TimedOut(Exception):
    """The service did not answer in time: 504."""


class BadAnswer(Exception):
    """The service broke off or said something that is not HTTP/1.1: 502."""


class _Closed(BadAnswer):
    """The connection closed before a byte of the answer came."""


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port), timeout=CONNECT_SECONDS)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")

    def dropped(self) -> bool:
        """An idle connection with something to read was closed by the service (or is out of step)."""
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        return bool(poller.poll(0))

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@dataclass
class Answer:
    """The service's status, its response headers as sent, and the body: bytes, or a stream when large."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    stream: Iterator[bytes] | None = None


class Pool:
    """Idle keep-alive connections to one service (base URL ``http://host:port[/prefix]``)."""

    def __init__(self, base: str, maxsize: int = 32) -> None:
        parts = urlsplit(base)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"the pass-through speaks plain HTTP to services inside the network, not {base!r}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.host_header = parts.netloc.encode("latin-1")
        self.maxsize = maxsize
        self._idle: deque[Connection] = deque()

    def request(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float,
        buffer_limit: int,
    ) -> Answer:
        """One request; the answer buffered when its length is known and at most ``buffer_limit``."""
        data = _head(method, target, self.host_header, headers, body) + (body or b"")
        conn, reused = self._connection()
        try:
            return self._exchange(conn, method, data, timeout, buffer_limit)
        except _Closed:
            conn.close()
            if not reused:
                raise ConnectFailed("closed before answering") from None  # going down: it took nothing
            if method not in REPEATABLE:
                raise
        except BaseException:
            conn.close()
            raise
        conn = self._connect()
        try:
            return self._exchange(conn, method, data, timeout, buffer_limit)
        except _Closed:
            conn.close()
            raise ConnectFailed("closed before answering") from None
        except BaseException:
            conn.close()
            raise

    def release(self, conn: Connection) -> None:
        if len(self._idle) < self.maxsize:
            self._idle.append(conn)
        else:
            conn.close()

    def _connection(self) -> tuple[Connection, bool]:
        while True:
            try:
                conn = self._idle.pop()
            except IndexError:
                return self._connect(), False
            if not conn.dropped():
                return conn, True
            conn.close()

    def _connect(self) -> Connection:
        try:
            return Connection(self.host, self.port)
        except OSError as exc:  # refused, unreachable, or no connection within CONNECT_SECONDS
            raise ConnectFailed(type(exc).__name__) from None

    def _exchange(self, conn: Connection, method: str, data: bytes, timeout: float, buffer_limit: int) -> Answer:
        conn.sock.settimeout(timeout)
        try:
            try:
                conn.sock.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                raise _Closed("closed while sending") from None
            status, headers, keep = _read_head(conn)
            length, chunked = _framing(method, status, headers)
            if length is not None and length <= buffer_limit:
                body = _read_exact(conn, length)
                self.release(conn) if keep else conn.close()
                return Answer(status, headers, body)
        except TimeoutError:
            raise TimedOut("no answer in time") from None
        except BadAnswer:
            raise
        except OSError as exc:
            raise BadAnswer(type(exc).__name__) from None
        return Answer(status, headers, stream=self._stream(conn, length, chunked, keep))

    def _stream(self, conn: Connection, length: int | None, chunked: bool, keep: bool) -> Iterator[bytes]:
        done = False
        try:
            if chunked:
                yield from _chunks(conn)
            elif length is not None:
                while length > 0:
                    part = conn.file.read1(min(CHUNK, length))
                    if not part:
                        raise BadAnswer("closed mid-body")
                    length -= len(part)
                    yield part
            else:  # delimited by the end of the connection
                keep = False
                while part := conn.file.read1(CHUNK):
                    yield part
            done = True
        finally:
            self.release(conn) if done and keep else conn.close()


def _head(method: str, target: str, host: bytes, headers: Mapping[str, str], body: bytes | None) -> bytes:
    lines = [f"{method} {target} HTTP/1.1".encode("latin-1"), b"Host: " + host]
    for name, value in headers.items():
        try:
            line = f"{name}: {value}".encode("latin-1")
        except UnicodeEncodeError:
            continue
        if b"\r" not in line and b"\n" not in line and b"\x00" not in line:
            lines.append(line)
    if body is not None or method in WITH_LENGTH:
        lines.append(b"Content-Length: %d" % len(body or b""))
    lines.append(b"\r\n")
    return b"\r\n".join(lines)


def _line(conn: Connection) -> bytes:
    line = conn.file.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise BadAnswer("a line too long")
    return line


def _read_head(conn: Connection) -> tuple[int, list[tuple[str, str]], bool]:
    """Status, headers and whether the connection stays open; informational (1xx) answers are skipped."""
    first = True
    while True:
        try:
            line = _line(conn)
        except ConnectionResetError:
            line = b""
        if not line:
            raise _Closed("closed before answering") if first else BadAnswer("closed mid-answer")
        first = False
        version, _, rest = line.rstrip(b"\r\n").partition(b" ")
        code = rest[:3]
        if version not in (b"HTTP/1.1", b"HTTP/1.0") or not code.isdigit() or rest[3:4] not in (b"", b" "):
            raise BadAnswer("not an HTTP/1.1 status line")
        headers: list[tuple[str, str]] = []
        while (line := _line(conn)) not in (b"\r\n", b"\n"):
            name, sep, value = line.decode("latin-1").partition(":")
            if not line.endswith(b"\n") or not sep or not name or name != name.strip() or len(headers) >= MAX_HEADERS:
                raise BadAnswer("a header that cannot be read")
            headers.append((name, value.strip()))
        status = int(code)
        if 100 <= status < 200 and status != 101:
            continue
        connection = ",".join(v for k, v in headers if k.lower() == "connection").lower()
        keep = version == b"HTTP/1.1" and "close" not in connection
        return status, headers, keep


def _framing(method: str, status: int, headers: list[tuple[str, str]]) -> tuple[int | None, bool]:
    """(length, chunked): the body's length when known (0 when there is none), or chunked, or neither
    (read until the connection ends)."""
    if method == "HEAD" or status in (204, 304) or status < 200:
        return 0, False
    coding = [v.strip().lower() for k, value in headers if k.lower() == "transfer-encoding" for v in value.split(",")]
    if coding:
        if coding[-1] != "chunked" or any(c not in ("chunked", "identity") for c in coding):
            raise BadAnswer("an unknown transfer coding")
        return None, True
    lengths = {v for k, v in headers if k.lower() == "content-length"}
    if not lengths:
        return None, False
    if len(lengths) > 1 or not (found := lengths.pop()).isdigit():
        raise BadAnswer("a Content-Length that cannot be read")
    return int(found), False


def _read_exact(conn: Connection, length: int) -> bytes:
    data = conn.file.read(length) if length else b""
    if len(data) != length:
        raise BadAnswer("closed mid-body")
    return data


def _chunks(conn: Connection) -> Iterator[bytes]:
    while True:
        size_line = _line(conn).split(b";", 1)[0].strip()
        if not size_line or any(c not in b"0123456789abcdefABCDEF" for c in size_line) or len(size_line) > 16:
            raise BadAnswer("a chunk size that cannot be read")
        size = int(size_line, 16)
        if size == 0:
            while _line(conn) not in (b"\r\n", b"\n", b""):  # trailers: not passed on
                pass
            return
        while size > 0:
            part = conn.file.read1(min(CHUNK, size))
            if not part:
                raise BadAnswer("closed mid-chunk")
            size -= len(part)
            yield part
        if _line(conn) not in (b"\r\n", b"\n"):
            raise BadAnswer("a chunk without its line end")
