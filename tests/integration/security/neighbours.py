"""Real neighbours for the monitoring items: a Prometheus (Debian's) scraping a sandbox with a rules file, and
tiny HTTP stubs (a Grafana health endpoint, a Qdrant whose /metrics disagrees with its API)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from support.ports import free_port

from golive.cli.sandbox_prometheus import running_prometheus as launch_prometheus

RULES = """groups:
  - name: qdrant
    rules:
      - alert: QdrantDown
        expr: up{job="qdrant"} == 0
        for: 1m
      - alert: QdrantTooManyFailedResponses
        expr: sum(rate(rest_responses_fail_total[5m])) > 1
"""
BROKEN_RULES = "groups:\n  - name: qdrant\n    rules:\n      - alert: Broken\n        expr: up{{\n"


@dataclass
class Prometheus:
    url: str
    rules_file: Path

    def reload(self, rules: str) -> bool:
        """Write ``rules`` and ask Prometheus to reload; True when the reload succeeded."""
        self.rules_file.write_text(rules, encoding="utf-8")
        return httpx.post(self.url + "/-/reload", timeout=10).status_code == 200


@contextlib.contextmanager
def running_prometheus(folder: Path, scrape: dict[str, str]) -> Iterator[Prometheus]:
    """``prometheus`` on a free loopback port scraping ``{job: "host:port"}`` every second, with :data:`RULES`
    (golive run's own launcher, ``golive.cli.sandbox_prometheus``, with the lifecycle API for reloads)."""
    folder.mkdir(parents=True, exist_ok=True)
    rules = folder / "rules.yml"
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(rules)],
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": [address]}]} for job, address in scrape.items()
        ],
    }
    with launch_prometheus(folder, config, RULES, free_port(), lifecycle=True) as url:
        yield Prometheus(url, rules)


Route = Callable[[], tuple[int, str]]


@contextlib.contextmanager
def http_stub(routes: dict[str, Route]) -> Iterator[str]:
    """A loopback HTTP server answering GET ``path`` with ``routes[path]()`` -> (status, JSON or text)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = routes.get(self.path.split("?", 1)[0])
            status, body = route() if route else (404, "{}")
            data = body.encode()
            self.send_response(status)
            is_json = body.startswith(("{", "["))
            self.send_header("content-type", "application/json" if is_json else "text/plain; version=0.0.4")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def qdrant_root() -> tuple[int, str]:
    return 200, json.dumps({"title": "qdrant - vector search engine", "version": "1.19.0", "commit": None})
