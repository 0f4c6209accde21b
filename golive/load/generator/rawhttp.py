"""A minimal keep-alive HTTP/1.1 client over one socket: what each paced user sends its requests with.

Why not geventhttpclient (locust's FastHttpUser): against the sandbox at 1000 req/s it showed a service-time
p95 of ~12 ms where a raw socket on the same gevent loop showed ~2 ms (see benchmarks/load_fidelity.py); this
client is that raw socket: one ``sendall`` per request (head and body together, TCP_NODELAY), then ``recv``
until the ``Content-Length`` (or the last chunk) is in. Under locust the socket module is gevent's.

    conn = Connection("http://127.0.0.1:6333", timeout=5.0, headers={"api-key": key})
    status, body = conn.request("POST", "/collections/c/points/query", b'{"query": [...]}')
"""

from __future__ import annotations

import socket
import ssl
from urllib.parse import urlsplit


class HTTPError(Exception):
    """The connection failed or the answer was not HTTP/1.x; the text names what happened."""


class Connection:
    def __init__(self, url: str, timeout: float, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an http(s)://host[:port] URL, got {url!r}")
        self.tls = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.tls else 80)
        self.base = parts.path.rstrip("/")
        self.timeout = timeout
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self._head_tail = f"Host: {self.host}:{self.port}\r\n{extra}".encode("latin-1")
        self._sock: socket.socket | None = None
        self._buf = bytearray()

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None
                self._buf.clear()

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        return sock

    def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        head = f"{method} {self.base}{path} HTTP/1.1\r\nContent-Length: {len(body)}\r\n".encode("latin-1")
        data = head + self._head_tail + b"\r\n" + body
        reused = self._sock is not None
        try:
            return self._exchange(data)
        except (ConnectionError, HTTPError) as exc:
            self.close()
            if not reused:
                raise
            if isinstance(exc, HTTPError) and "closed" not in str(exc):
                raise
        return self._exchange(data)  # a kept-alive connection the server had closed: once more, fresh

    def _exchange(self, data: bytes) -> tuple[int, bytes]:
        if self._sock is None:
            self._sock = self._connect()
            self._buf.clear()
        sock = self._sock
        try:
            sock.sendall(data)
            status, body, keep = self._read(sock)
        except BaseException:
            self.close()
            raise
        if not keep:
            self.close()
        return status, body

    def _fill(self, sock: socket.socket) -> None:
        chunk = sock.recv(65536)
        if not chunk:
            raise HTTPError("connection closed by the server")
        self._buf += chunk

    def _read(self, sock: socket.socket) -> tuple[int, bytes, bool]:
        buf = self._buf
        while (end := buf.find(b"\r\n\r\n")) < 0:
            self._fill(sock)
        lines = bytes(buf[:end]).split(b"\r\n")
        del buf[: end + 4]
        status_line = lines[0].split(None, 2)
        if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/1."):
            raise HTTPError(f"not an HTTP/1.x answer: {lines[0][:80]!r}")
        status = int(status_line[1])
        length, chunked, keep = -1, False, status_line[0] == b"HTTP/1.1"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                keep = value.strip().lower() == b"keep-alive" or (keep and value.strip().lower() != b"close")
        if chunked:
            return status, self._read_chunked(sock), keep
        if length < 0:  # body until close
            while True:
                try:
                    self._fill(sock)
                except HTTPError:
                    break
            body = bytes(buf)
            buf.clear()
            return status, body, False
        while len(buf) < length:
            self._fill(sock)
        body = bytes(buf[:length])
        del buf[:length]
        return status, body, keep

    def _read_chunked(self, sock: socket.socket) -> bytes:
        buf, out = self._buf, bytearray()
        while True:
            while (end := buf.find(b"\r\n")) < 0:
                self._fill(sock)
            size = int(bytes(buf[:end]).split(b";")[0], 16)
            del buf[: end + 2]
            while len(buf) < size + 2:
                self._fill(sock)
            out += buf[:size]
            del buf[: size + 2]
            if size == 0:
                return bytes(out)
