"""One real Redis and one real PostgreSQL for the session, a local HTTP server, and a way to run the dependency
and network checklist files against them in a subprocess (as an SRE would: `pytest -m golive`)."""

from __future__ import annotations

import http.server
import json
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import support.runs
from support.runs import REPO, clean_env, golive_pytest_command, write_config

from .servers import PostgresServer, RedisServer, running_postgres, running_redis

REDIS_PASSWORD = "r3dis-S3cret-9f2b7c"
PG_PASSWORD = "pg-S3cret-4e81d0"
MAX_CONNECTIONS = 30


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with running_redis(tmp_path_factory.mktemp("redis"), password=REDIS_PASSWORD) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with running_postgres(password=PG_PASSWORD, settings=(f"max_connections={MAX_CONNECTIONS}",)) as server:
        yield server


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, body = (200, b"web server up\n") if self.path == "/health" else (404, b"not found\n")
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 drops the network item's quick connects (SYN retried after 1 s)


@pytest.fixture(scope="session")
def web_server() -> Iterator[str]:
    """A plain HTTP server on a free loopback port: /health answers 200 'web server up', the rest 404."""
    server = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass
class Run(support.runs.Run):
    raw: str = ""  # summary.json as written, for redaction checks


def start_dependency_checks(
    tmp_path: Path,
    dependencies: list[dict[str, Any]],
    env: dict[str, str] | None = None,
    target: str = "http://127.0.0.1:9",
) -> subprocess.Popen[str]:
    """`pytest -m golive checks/test_dependencies.py checks/test_network.py` with these entries, in the
    background; no Qdrant needed. ``finish_dependency_checks`` waits for it and reads the summary."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    config = {"target": {"url": target, "grpc_port": None}, "dependencies": dependencies}
    path = write_config(tmp_path / "deps.yaml", config)
    return subprocess.Popen(
        golive_pytest_command(path, tmp_path / "reports", f"--junitxml={tmp_path / 'junit.xml'}", "-rA",
                              str(REPO / "checks" / "test_dependencies.py"), str(REPO / "checks" / "test_network.py")),
        cwd=REPO, env=clean_env() | (env or {}), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def finish_dependency_checks(tmp_path: Path, proc: subprocess.Popen[str], timeout: float = 120) -> Run:
    try:
        output, _ = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    summary_path = tmp_path / "reports" / "deps" / "latest" / "summary.json"
    assert summary_path.exists(), f"no summary written; exit {proc.returncode}\n{output[-3000:]}"
    raw = summary_path.read_text(encoding="utf-8")
    junit = (tmp_path / "junit.xml").read_text(encoding="utf-8")
    return Run(proc.returncode, output + junit, json.loads(raw), raw=raw)


def run_dependency_checks(
    tmp_path: Path,
    dependencies: list[dict[str, Any]],
    env: dict[str, str] | None = None,
    timeout: float = 120,
    target: str = "http://127.0.0.1:9",
) -> Run:
    """The items run against ``dependencies``; ``target`` is only the target.url that ``${target}`` stands for."""
    return finish_dependency_checks(tmp_path, start_dependency_checks(tmp_path, dependencies, env, target), timeout)


def redis_entry(name: str, url: str, **options: Any) -> dict[str, Any]:
    return {"name": name, "kind": "redis", "url": url, "password_env": "GL_TEST_REDIS_PASSWORD", **options}


def postgres_entry(name: str, url: str, **options: Any) -> dict[str, Any]:
    return {"name": name, "kind": "postgres", "url": url, "password_env": "GL_TEST_PG_PASSWORD", **options}


SECRETS_ENV = {"GL_TEST_REDIS_PASSWORD": REDIS_PASSWORD, "GL_TEST_PG_PASSWORD": PG_PASSWORD}
