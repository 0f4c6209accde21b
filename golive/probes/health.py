"""Qdrant's health surface: ``/``, ``/healthz``, ``/livez``, ``/readyz``, ``/issues``.

``probe_endpoint(target, "/readyz")`` -> ``Endpoint(path="/readyz", status=200, text="all shards are ready")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from golive.errors import TargetError
from golive.protocol import HEALTH_TEXT, NOT_READY_TEXT, READY_TEXT, ROOT_TITLE, SANDBOX_HEADER
from golive.target import Target

__all__ = ["HEALTH_TEXT", "NOT_READY_TEXT", "READY_TEXT", "ROOT_TITLE", "Endpoint", "ServerInfo"]


@dataclass(frozen=True)
class Endpoint:
    path: str
    status: int
    text: str

    def __str__(self) -> str:
        return f"GET {self.path} -> HTTP {self.status} {self.text[:120]!r}"


@dataclass(frozen=True)
class ServerInfo:
    title: str
    version: str
    commit: str | None
    sandbox: str | None  # the sandbox's self-description header, None for a real server


def probe_endpoint(target: Target, path: str) -> Endpoint:
    response = target.get(path, key="none")
    return Endpoint(path=path, status=response.status_code, text=response.text.strip())


def server_info(target: Target) -> ServerInfo:
    response = target.get("/", key="none")
    try:
        body: Any = response.json()
    except ValueError:
        raise TargetError(f"GET / -> HTTP {response.status_code}, not JSON: {response.text[:200]!r}") from None
    if response.status_code != 200 or not isinstance(body, dict) or "version" not in body:
        raise TargetError(f"GET / -> HTTP {response.status_code}, expected {{title, version, commit}}, got {body!r}")
    return ServerInfo(
        title=str(body.get("title", "")),
        version=str(body["version"]),
        commit=body.get("commit"),
        sandbox=response.headers.get(SANDBOX_HEADER),
    )
