"""A minimal open-loop reference client: the yardstick the engine's numbers are compared with.

One thread, non-blocking raw sockets and ``select()`` (microsecond timeouts), keep-alive HTTP/1.1. Requests
are scheduled evenly at ``rate`` from the start; each goes out on an idle connection at its intended time
(a new connection is opened when all are busy, up to ``max_connections``), and its latency runs from the
intended send time to the last byte of the response, so it is open-loop and free of coordinated omission, like
wrk2. No locust, no gevent, no HTTP library: as little as possible between the clock and the socket.

    latencies = open_loop("127.0.0.1", 6333, request_bytes, rate=1000, duration=10, warmup=2)

``request`` may be a list of prepared requests; they are sent in turn.
"""

from __future__ import annotations

import selectors
import socket
import time
from dataclasses import dataclass, field


def http_request(host: str, port: int, method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class _Conn:
    sock: socket.socket
    intended: float = 0.0
    buf: bytearray = field(default_factory=bytearray)
    need: int = -1  # total bytes of the current response once the header is parsed


@dataclass
class ReferenceResult:
    latencies: list[float]  # seconds, steady window only, from the intended send time
    errors: int
    sent: int
    late_sends: int  # sent more than 1 ms after the intended time (the reference's own lag)


def _connect(host: str, port: int) -> socket.socket:
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setblocking(False)
    return sock


def _parse(conn: _Conn) -> bool:
    """True when the whole response is in the buffer."""
    if conn.need < 0:
        end = conn.buf.find(b"\r\n\r\n")
        if end < 0:
            return False
        length = 0
        for line in bytes(conn.buf[:end]).split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        conn.need = end + 4 + length
    return len(conn.buf) >= conn.need


def open_loop(
    host: str,
    port: int,
    request: bytes | list[bytes],
    rate: float,
    duration: float,
    warmup: float = 1.0,
    connections: int = 16,
    max_connections: int = 256,
) -> ReferenceResult:
    requests = [request] if isinstance(request, bytes) else list(request)
    sel = selectors.SelectSelector()
    idle = [_Conn(_connect(host, port)) for _ in range(connections)]
    total = len(idle)
    busy: dict[int, _Conn] = {}
    start = time.perf_counter() + 0.05
    steady_from, end = start + warmup, start + warmup + duration
    interval = 1.0 / rate
    k = 0
    pending: list[float] = []  # intended times waiting for a connection
    result = ReferenceResult([], 0, 0, 0)
    while True:
        now = time.perf_counter()
        while start + k * interval <= now and start + k * interval < end:
            pending.append(start + k * interval)
            k += 1
        while pending and (idle or total < max_connections):
            if not idle:
                idle.append(_Conn(_connect(host, port)))
                total += 1
            conn = idle.pop()
            conn.intended, conn.buf, conn.need = pending.pop(0), bytearray(), -1
            conn.sock.sendall(requests[result.sent % len(requests)])
            if time.perf_counter() - conn.intended > 0.001:
                result.late_sends += 1
            result.sent += 1
            busy[conn.sock.fileno()] = conn
            sel.register(conn.sock, selectors.EVENT_READ, conn)
        if (not busy and not pending and start + k * interval >= end) or now > end + 10.0:
            result.errors += len(busy) + len(pending)
            break
        next_due = start + k * interval
        timeout = max(0.0, next_due - time.perf_counter()) if next_due < end else 0.05
        for key, _ in sel.select(timeout):
            conn = key.data
            chunk = conn.sock.recv(65536)
            if not chunk:
                result.errors += 1
                sel.unregister(conn.sock)
                del busy[conn.sock.fileno()]
                conn.sock.close()
                total -= 1
                continue
            conn.buf += chunk
            if _parse(conn):
                done = time.perf_counter()
                sel.unregister(conn.sock)
                del busy[conn.sock.fileno()]
                idle.append(conn)
                if conn.intended >= steady_from:
                    if conn.buf.startswith(b"HTTP/1.1 200"):
                        result.latencies.append(done - conn.intended)
                    else:
                        result.errors += 1
    for conn in idle:
        conn.sock.close()
    sel.close()
    return result
