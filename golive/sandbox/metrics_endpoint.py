"""A stand-in for the seed deployment's own metrics endpoint (``citadel-metrics``: ``/health`` and ``/metrics``).

    python -m golive.sandbox.metrics_endpoint --port 9091 --family citadel_up --family citadel_requests_total

``GET /health`` answers 200 ``{"status": "healthy"}``; ``GET /metrics`` one gauge per ``--family`` (default:
:data:`DEFAULT_FAMILIES`, 14 like the seed's). ``PUT /__sandbox/faults {"unhealthy": true}`` makes both answer
503 ``{"status": "unhealthy"}`` until ``{"unhealthy": false}``. A test target beside the sandbox, not a
metrics server: ``golive run`` starts it when the sandbox config sets ``target.metrics_url``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType

from golive.waiting import wait_until

#: The seed's endpoint reported "14 metrics available"; its names are not recorded, so these are placeholders.
DEFAULT_FAMILIES = tuple(
    f"citadel_{name}"
    for name in (
        "up", "qdrant_up", "qdrant_collections", "qdrant_points", "qdrant_request_latency_seconds",
        "qdrant_requests_total", "qdrant_errors_total", "disk_used_bytes", "disk_free_bytes", "memory_used_bytes",
        "cpu_usage_ratio", "snapshot_age_seconds", "backup_last_success_timestamp", "scrape_duration_seconds",
    )
)  # fmt: skip
LISTENING = "golive metrics endpoint: listening on http://{host}:{port}"


class _State:
    def __init__(self, families: tuple[str, ...]) -> None:
        self.families = families
        self.unhealthy = False


def make_handler(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: str, content_type: str = "application/json") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path not in ("/health", "/metrics"):
                self._send(404, json.dumps({"error": "not found"}))
            elif state.unhealthy:
                self._send(503, json.dumps({"status": "unhealthy"}))
            elif self.path == "/health":
                self._send(200, json.dumps({"status": "healthy", "metrics": len(state.families)}))
            else:
                lines = []
                for name in state.families:
                    lines += [f"# HELP {name} golive stand-in metric", f"# TYPE {name} gauge", f"{name} 1"]
                self._send(200, "\n".join(lines) + "\n", "text/plain; version=0.0.4")

        def do_PUT(self) -> None:
            if self.path != "/__sandbox/faults":
                self._send(404, json.dumps({"error": "not found"}))
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0") or 0)) or b"{}")
                if not isinstance(body, dict) or not isinstance(body.get("unhealthy", False), bool):
                    raise ValueError('expected {"unhealthy": true|false}')
            except ValueError as err:
                self._send(400, json.dumps({"error": str(err)}))
                return
            state.unhealthy = body.get("unhealthy", state.unhealthy)
            self._send(200, json.dumps({"unhealthy": state.unhealthy}))

        def log_message(self, format: str, *args: object) -> None:  # quiet: a test target
            return

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m golive.sandbox.metrics_endpoint", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9091, help="0 picks a free port")
    parser.add_argument("--family", action="append", metavar="NAME", help="a metric family to expose (repeatable)")
    args = parser.parse_args(argv)
    state = _State(tuple(args.family or DEFAULT_FAMILIES))
    try:
        server = ThreadingHTTPServer((args.host, args.port), make_handler(state))
    except OSError as err:
        print(f"golive metrics endpoint: {args.host}:{args.port} cannot be bound: {err.strerror}", file=sys.stderr)
        return 2

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(LISTENING.format(host=args.host, port=server.server_address[1]), flush=True)
    with server:
        server.serve_forever(poll_interval=0.2)
    return 0


@contextlib.contextmanager
def running_metrics_endpoint(port: int = 0, families: tuple[str, ...] = (), timeout: float = 15.0) -> Iterator[str]:
    """Start the stand-in as a subprocess on loopback; yields its base URL; always stops it with the block."""
    args = [sys.executable, "-m", "golive.sandbox.metrics_endpoint", "--port", str(port)]
    for name in families:
        args += ["--family", name]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
        try:

            def listening() -> str | None:
                if proc.poll() is not None:
                    err.seek(0)
                    raise RuntimeError(f"metrics endpoint exited {proc.returncode}: {err.read().decode()[-500:]}")
                out.seek(0)
                found = re.search(rb"listening on (http://\S+)", out.read())
                return found[1].decode() if found else None

            url = wait_until(listening, timeout=timeout, describe="the metrics endpoint to listen", interval=0.05)
            assert url is not None  # wait_until returns only a truthy value
            yield url
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)


if __name__ == "__main__":
    sys.exit(main())
