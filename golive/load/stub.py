"""A minimal Qdrant-shaped HTTP endpoint for testing and benchmarking the load engine itself.

Not the sandbox: it answers only what the load scenarios call, with canned points, and exists so the engine's
timing can be checked against a known truth (a fixed delay) and its generation capacity measured against a
trivially fast endpoint. asyncio, one process, keep-alive HTTP/1.1.

    python -m golive.load.stub --port 0 --delay-ms 5          # prints "listening on http://127.0.0.1:PORT"
    python -m golive.load.stub --error-rate 0.2 --hang-after 3

Faults: ``--delay-ms`` (fixed, added to every query), ``--error-rate`` (share of queries answered 500),
``--hang-after N`` (after N seconds stop answering queries at all).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import selectors
import sys
import time
from typing import Any

from golive.sandbox.faults import precise_sleep

DIM = 8
POINTS = [
    {
        "id": i,
        "vector": [((i * 7 + j) % 13) / 13.0 for j in range(DIM)],
        "payload": {"category": f"c{i % 3}", "tenant": i % 5},
    }
    for i in range(32)
]
HITS = json.dumps([{"id": i, "version": 0, "score": 0.9} for i in range(10)])


# The delay is timed from when the request was parsed; the answer goes out this much early, which is about
# what reading the request off the socket and writing the answer cost, so the client sees ~5.0 ms.
_HANDOFF = 0.00015


class Faults:
    def __init__(self, delay: float, error_rate: float, hang_after: float | None) -> None:
        self.delay = delay
        self.error_rate = error_rate
        self.hang_at = None if hang_after is None else time.monotonic() + hang_after


def _route(method: str, path: str, faults: Faults) -> tuple[int, str, bool]:
    """(status, body, is_query)"""
    path = path.split("?", 1)[0]
    parts = [p for p in path.split("/") if p]
    if method == "GET" and parts == ["collections"]:
        return 200, json.dumps({"result": {"collections": [{"name": "stub"}]}, "status": "ok", "time": 1e-5}), False
    if len(parts) == 2 and parts[0] == "collections":
        if method == "GET":
            cfg = {"config": {"params": {"vectors": {"size": DIM, "distance": "Cosine"}}}, "points_count": 32}
            return 200, json.dumps({"result": cfg, "status": "ok", "time": 1e-5}), False
        if method in ("PUT", "DELETE"):
            return 200, '{"result":true,"status":"ok","time":0.00001}', False
    if len(parts) >= 4 and parts[2] == "points":
        action = parts[3] if len(parts) > 3 else ""
        if action == "scroll":
            body = {"result": {"points": POINTS, "next_page_offset": None}, "status": "ok", "time": 1e-5}
            return 200, json.dumps(body), False
        if action == "query" and len(parts) == 5:  # batch
            return (
                200,
                '{"result":[' + ",".join(['{"points":' + HITS + "}"] * 8) + '],"status":"ok","time":0.00002}',
                True,
            )
        if action == "query":
            return 200, '{"result":{"points":' + HITS + '},"status":"ok","time":0.00002}', True
    if len(parts) == 3 and parts[2] == "points" and method == "PUT":
        return 200, '{"result":{"operation_id":1,"status":"completed"},"status":"ok","time":0.00003}', True
    return 404, '{"status":{"error":"not found"}}', False


class _Protocol(asyncio.Protocol):
    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.buf = b""
        self.transport: Any = None
        self.queue: asyncio.Queue[tuple[str, str, float]] = asyncio.Queue()
        self.task = asyncio.get_running_loop().create_task(self._serve())

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.task.cancel()

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            head_end = self.buf.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buf[:head_end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if len(self.buf) < head_end + 4 + length:
                return
            self.buf = self.buf[head_end + 4 + length :]
            method, path = head.split(" ", 2)[:2]
            self.queue.put_nowait((method, path, time.perf_counter()))

    async def _serve(self) -> None:
        while True:
            method, path, arrived = await self.queue.get()
            status, body, is_query = _route(method, path, self.faults)
            if is_query:
                if self.faults.hang_at is not None and time.monotonic() >= self.faults.hang_at:
                    await asyncio.sleep(3600)
                if self.faults.delay:  # timed from arrival, to the perf_counter deadline (the loop's timers are ms)
                    await precise_sleep(arrived + self.faults.delay - _HANDOFF - time.perf_counter())
                if self.faults.error_rate and random.random() < self.faults.error_rate:
                    status, body = 500, '{"status":{"error":"injected"},"time":0.0}'
            data = body.encode()
            self.transport.write(
                b"HTTP/1.1 %d X\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                % (status, len(data), data)
            )


async def serve(port: int, faults: Faults) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Protocol(faults), "127.0.0.1", port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"listening on http://127.0.0.1:{bound}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m golive.load.stub", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--hang-after", type=float, default=None)
    args = parser.parse_args(argv)
    # select() takes microsecond timeouts; epoll rounds up to whole milliseconds, which would add ~0.5 ms
    loop = asyncio.SelectorEventLoop(selectors.SelectSelector())
    with contextlib.suppress(KeyboardInterrupt):
        loop.run_until_complete(serve(args.port, Faults(args.delay_ms / 1e3, args.error_rate, args.hang_after)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
