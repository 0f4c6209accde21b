"""Prometheus and Grafana as the deployment's watchers, through their HTTP APIs.

``prometheus_state("http://127.0.0.1:9090", job="qdrant", timeout=5)`` -> ``PrometheusState(ready=True,
targets=[ScrapeTarget(url=..., health="up", age_s=3.1, error="")], rules={"QdrantDown": "ok"},
reload_ok=True)``. Probes observe; ``checks/test_monitoring.py`` judges.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class ScrapeTarget:
    url: str
    health: str  # "up", "down", "unknown"
    age_s: float | None  # seconds since the last scrape
    error: str

    def __str__(self) -> str:
        age = "never scraped" if self.age_s is None else f"last scrape {self.age_s:.0f} s ago"
        return f"{self.url} {self.health} ({age}{'; ' + self.error if self.error else ''})"


@dataclass(frozen=True)
class PrometheusState:
    url: str
    ready: bool
    ready_text: str
    targets: list[ScrapeTarget] = field(default_factory=list)
    rules: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (health, last error)
    reload_ok: bool | None = None  # the last configuration (and rule file) reload succeeded
    error: str | None = None


def _api(client: httpx.Client, path: str) -> Any:
    response = client.get(path)
    response.raise_for_status()
    body = response.json()
    if body.get("status") != "success":
        raise ValueError(f"{path}: {body.get('error', body)}")
    return body["data"]


_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


def _age(last_scrape: str, now: dt.datetime) -> float | None:
    """Seconds since Prometheus's ``lastScrape`` (RFC 3339 with nanoseconds); None if never scraped."""
    match = _STAMP.match(last_scrape)
    if not match or last_scrape.startswith("0001-"):
        return None
    zone = "+00:00" if match[3] == "Z" else match[3]
    stamp = dt.datetime.fromisoformat(f"{match[1]}.{(match[2] or '0')[:6]:0<6}{zone}")
    return max(0.0, (now - stamp).total_seconds())


def prometheus_state(url: str, job: str, timeout: float) -> PrometheusState:
    """Readiness, the active targets of ``job``, every loaded rule's health, and whether the last reload worked."""
    base = url.rstrip("/")
    now = dt.datetime.now(dt.UTC)
    with httpx.Client(base_url=base, timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0))) as client:
        try:
            ready = client.get("/-/ready")
        except httpx.HTTPError as err:
            return PrometheusState(base, False, "", error=f"{type(err).__name__} talking to {base}: {err}")
        try:
            targets = [
                ScrapeTarget(
                    t.get("scrapeUrl", "?"),
                    t.get("health", "unknown"),
                    _age(t.get("lastScrape", ""), now),
                    t.get("lastError", ""),
                )
                for t in _api(client, "/api/v1/targets?state=active")["activeTargets"]
                if t.get("labels", {}).get("job") == job
            ]
            rules = {
                r["name"]: (r.get("health", "unknown"), r.get("lastError", ""))
                for group in _api(client, "/api/v1/rules")["groups"]
                for r in group.get("rules", [])
            }
            runtime = _api(client, "/api/v1/status/runtimeinfo")
        except (httpx.HTTPError, ValueError, KeyError) as err:
            return PrometheusState(base, ready.status_code == 200, ready.text.strip(), error=f"API error: {err}")
    return PrometheusState(
        base, ready.status_code == 200, ready.text.strip(), targets, rules, bool(runtime.get("reloadConfigSuccess"))
    )


@dataclass(frozen=True)
class GrafanaHealth:
    url: str
    status: int | None
    database: str | None
    error: str | None = None

    def __str__(self) -> str:
        return f"GET {self.url} -> " + (self.error or f"HTTP {self.status}, database: {self.database}")


def grafana_health(url: str, timeout: float) -> GrafanaHealth:
    """``GET /api/health``: ``{"database": "ok", ...}`` when Grafana is healthy."""
    health_url = url.rstrip("/") + "/api/health"
    try:
        with httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0))) as client:
            response = client.get(health_url)
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    except (httpx.HTTPError, ValueError) as err:
        return GrafanaHealth(health_url, None, None, error=f"{type(err).__name__}: {err}")
    return GrafanaHealth(health_url, response.status_code, body.get("database") if isinstance(body, dict) else None)
