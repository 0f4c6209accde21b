"""The users' minimal HTTP/1.1 client: Content-Length and chunked answers, keep-alive, a closed connection."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from golive.load.generator.rawhttp import Connection, HTTPError

ANSWERS = [
    b'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{"a":true}\n',
    b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"b"\r\n6\r\n:true}\r\n0\r\n\r\n',
    b"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
]


@pytest.fixture
def server() -> Iterator[tuple[str, list[bytes]]]:
    """Answers ANSWERS in turn, one per request, closing after the third; records what it received."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        answers = iter(ANSWERS * 2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            with conn:
                buf = b""
                for answer in answers:
                    while b"\r\n\r\n" not in buf:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        buf += chunk
                    if not buf:
                        break
                    head, _, buf = buf.partition(b"\r\n\r\n")
                    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                    while len(buf) < length:
                        buf += conn.recv(65536)
                    received.append(head + b"\r\n\r\n" + buf[:length])
                    buf = buf[length:]
                    conn.sendall(answer)
                    if b"close" in answer:
                        break

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", received
    stop.set()
    listener.close()
    thread.join(timeout=5)


def test_answers_of_each_framing_come_back_whole_over_one_connection(server):
    url, received = server
    conn = Connection(url, timeout=5.0, headers={"api-key": "k"})
    try:
        assert conn.request("POST", "/x", b'{"q":1}') == (200, b'{"a":true}\n')
        assert conn.request("POST", "/y", b"") == (200, b'{"b":true}')
        assert conn.request("GET", "/z") == (503, b"")
        assert conn.request("GET", "/again") == (200, b'{"a":true}\n')  # reconnected after "close"
    finally:
        conn.close()
    assert received[0].startswith(b"POST /x HTTP/1.1\r\nContent-Length: 7\r\n")
    assert b"api-key: k\r\n" in received[0]
    assert received[0].endswith(b'{"q":1}')


def test_a_refused_connection_raises():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conn = Connection(f"http://127.0.0.1:{port}", timeout=1.0)
    with pytest.raises(ConnectionError):
        conn.request("GET", "/")


def test_only_http_urls_are_accepted():
    with pytest.raises(ValueError, match="http"):
        Connection("ftp://example", timeout=1.0)
    assert issubclass(HTTPError, Exception)
