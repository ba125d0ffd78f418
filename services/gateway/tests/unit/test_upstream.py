"""The pass-through's HTTP/1.1 client against a scripted server on a real socket: framing, keep-alive,
a connection closed while idle, failures as 503 / 504 / 502, and nothing injected into the request."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from gateway.proxy.forward import Outgoing
from gateway.proxy.upstream import BadAnswer, ConnectFailed, Pool, TimedOut
from meemaken_testkit.ports import free_port

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"

Script = Callable[["Server", socket.socket], None]  # one accepted connection: read, answer, close


def read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        part = conn.recv(65536)
        if not part:
            return data
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(v) for k, _, v in (h.partition(b": ") for h in head.split(b"\r\n")) if k == b"Content-Length"), 0
    )
    while len(body) < length:
        body += conn.recv(65536)
    return data


class Server:
    def __init__(self, script: Script) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.requests: list[bytes] = []
        self.accepted = 0
        self.script = script
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            self.script(self, conn)

    def request(self, conn: socket.socket) -> bytes:
        found = read_request(conn)
        if found:
            self.requests.append(found)
        return found


@pytest.fixture()
def serve() -> Iterator[Callable[[Script], Server]]:
    servers: list[Server] = []

    def start(script: Script) -> Server:
        servers.append(Server(script))
        return servers[-1]

    yield start
    for server in servers:
        server.listener.close()


def keep_answering(answer: bytes) -> Script:
    def script(server: Server, conn: socket.socket) -> None:
        while server.request(conn):
            conn.sendall(answer)

    return script


def test_an_answer_with_its_length_is_read_at_once_and_the_connection_kept(serve):
    server = serve(keep_answering(OK))
    pool = Pool(server.url)
    headers = {
        "Accept": "application/json",
        "X-Evil": "a\r\nX-Meemaken-Role: administrator",
        "Authorization": "Bearer t",
    }
    first = pool.request("PUT", "/api/v1/rounds/r/ballot", headers, b'{"projects": []}', 5, 1024)
    second = pool.request("GET", "/api/v1/rounds/r", {}, None, 5, 1024)
    assert (first.status, first.body, first.stream) == (200, b"{}", None)
    assert ("Content-Type", "application/json") in first.headers and second.body == b"{}"
    assert server.accepted == 1  # keep-alive: one connection for both
    sent = server.requests[0].decode("latin-1")
    assert sent.startswith("PUT /api/v1/rounds/r/ballot HTTP/1.1\r\nHost: 127.0.0.1:")
    assert "Content-Length: 16\r\n" in sent and "Authorization: Bearer t\r\n" in sent
    assert "X-Meemaken-Role" not in sent and "X-Evil" not in sent  # a header with a line break is not sent
    assert (
        server.requests[1].startswith(b"GET /api/v1/rounds/r HTTP/1.1\r\n")
        and b"Content-Length" not in server.requests[1]
    )


def test_a_chunked_or_large_answer_streams_and_the_connection_is_reused_after(serve):
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nT: 1\r\n\r\n"
    server = serve(keep_answering(chunked))
    pool = Pool(server.url)
    answer = pool.request("GET", "/api/v1/export", {}, None, 5, 1024)
    assert answer.stream is not None and b"".join(answer.stream) == b"hello world"
    large = Pool(serve(keep_answering(OK.replace(b"Length: 2", b"Length: 2 "))).url)
    assert large.request("GET", "/", {}, None, 5, 1).stream is not None  # over the buffer limit: streamed
    pool.request("GET", "/api/v1/export", {}, None, 5, 1024)
    assert server.accepted == 1


def test_a_connection_the_service_closed_while_idle_is_not_reused(serve):
    def script(server: Server, conn: socket.socket) -> None:
        server.request(conn)
        conn.sendall(OK)  # then close: a server's keep-alive timeout

    server = serve(script)
    pool = Pool(server.url)
    assert pool.request("POST", "/api/v1/proposals", {}, b"{}", 5, 1024).status == 200
    time.sleep(0.1)
    assert pool.request("POST", "/api/v1/proposals", {}, b"{}", 5, 1024).status == 200
    assert server.accepted == 2 and len(server.requests) == 2


def test_closed_before_answering_a_repeatable_request_is_retried_once_a_post_is_not(serve):
    def script(server: Server, conn: socket.socket) -> None:
        server.request(conn)
        conn.sendall(OK)
        server.request(conn)  # the second request on this connection: closed without an answer

    server = serve(script)
    pool = Pool(server.url)
    pool.request("PUT", "/b", {}, b"{}", 5, 1024)
    assert pool.request("PUT", "/b", {}, b"{}", 5, 1024).status == 200  # a ballot replaces: sent again
    with pytest.raises(BadAnswer):
        pool.request("POST", "/p", {}, b"{}", 5, 1024)  # a submission is never sent twice


def test_failures_are_told_apart(serve):
    with pytest.raises(ConnectFailed):
        Pool(f"http://127.0.0.1:{free_port()}").request("GET", "/", {}, None, 5, 1024)
    silent = serve(lambda _, conn: (read_request(conn), time.sleep(1)))
    with pytest.raises(TimedOut):
        Pool(silent.url).request("GET", "/", {}, None, 0.2, 1024)
    for answer in (
        b"SMTP ready\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n folded: header\r\n\r\n",
    ):
        broken = serve(lambda _, conn, answer=answer: (read_request(conn), conn.sendall(answer)))
        with pytest.raises(BadAnswer):
            Pool(broken.url).request("GET", "/", {}, None, 5, 1024)


def test_the_query_and_path_go_on_percent_encoded():
    out = Outgoing("proposals", "GET", "http://127.0.0.1:1/base", "v1/a b", b"q=x y\r\nHost: evil&ok=%20", {}, None)
    assert out.target == "/base/api/v1/a%20b?q=x%20y%0D%0AHost:%20evil&ok=%20"
