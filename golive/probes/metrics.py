"""Prometheus text endpoints: Qdrant's ``/metrics`` and the deployment's own metrics endpoint (``target.metrics_url``).

``scrape(qdrant, "/metrics")`` -> ``Scrape(status=200, names={"app_info", "collections_total", ...},
values={"collections_total": [9.0]}, error=None)``; ``missing(scrape, families)`` lists what a dashboard needs
and is not there. Probes observe; ``checks/test_monitoring.py`` judges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from pydantic import Field

from golive.fields import Duration, Section
from golive.target import Target

#: What a Qdrant dashboard of this deployment needs (Qdrant's own names; rest_* appear after the first request).
DEFAULT_QDRANT_FAMILIES = [
    "app_info",
    "collections_total",
    "collections_vector_total",
    "cluster_enabled",
    "rest_responses_total",
    "rest_responses_fail_total",
    "rest_responses_duration_seconds",
    "memory_resident_bytes",
    "process_open_fds",
]


class MonitoringSettings(Section):
    """``monitoring:``: the metric families that must be exposed and what Prometheus must be doing."""

    qdrant_families: list[str] = Field(
        default_factory=lambda: list(DEFAULT_QDRANT_FAMILIES), description="families Qdrant's /metrics must expose"
    )
    endpoint_families: list[str] = Field(
        default_factory=list, description="families target.metrics_url's /metrics must expose (empty: any one)"
    )
    prometheus_job: str = Field("qdrant", description="the Prometheus scrape job whose targets are Qdrant")
    alert_rules: list[str] = Field(default_factory=list, description="rule names Prometheus must have loaded")
    max_scrape_age: Duration = Field(120.0, description="the last scrape of each Qdrant target is at most this old")


@dataclass(frozen=True)
class Scrape:
    url: str
    status: int | None
    names: frozenset[str] = frozenset()  # family names, sample names and counters' *_total names
    values: dict[str, list[float]] = field(default_factory=dict)  # sample name -> values (all label sets)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status == 200

    def describe(self) -> str:
        return f"GET {self.url} -> " + (self.error or f"HTTP {self.status}")


def parse(url: str, status: int, text: str) -> Scrape:
    """A ``Scrape`` of Prometheus exposition text; a text that does not parse is an ``error``."""
    from prometheus_client.parser import text_string_to_metric_families

    names: set[str] = set()
    values: dict[str, list[float]] = {}
    try:
        for family in text_string_to_metric_families(text):
            names.add(family.name)
            if family.type == "counter":
                names.add(family.name + "_total")
            for sample in family.samples:
                names.add(sample.name)
                values.setdefault(sample.name, []).append(float(sample.value))
    except (ValueError, TypeError, IndexError) as err:
        return Scrape(url, status, error=f"HTTP {status}, not Prometheus text ({err})")
    return Scrape(url, status, frozenset(names), values)


def scrape(target: Target, path: str = "/metrics") -> Scrape:
    """Qdrant's metrics, read with the admin key (the read-only key is enough on Qdrant too)."""
    response = target.get(path)
    url = f"{target.url}{path}"
    if response.status_code != 200:
        return Scrape(url, response.status_code, error=f"HTTP {response.status_code} {response.text[:120]!r}")
    return parse(url, response.status_code, response.text)


def missing(seen: Scrape, families: list[str]) -> list[str]:
    return [f for f in families if f not in seen.names]


@dataclass(frozen=True)
class EndpointHealth:
    url: str
    status: int | None
    text: str
    error: str | None = None

    def __str__(self) -> str:
        return f"GET {self.url} -> " + (self.error or f"HTTP {self.status} {self.text[:120]!r}")


def _client(timeout: float) -> httpx.Client:
    return httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)))


def endpoint_health(base_url: str, timeout: float) -> EndpointHealth:
    """``GET <metrics_url>/health`` of the deployment's own metrics endpoint."""
    url = base_url.rstrip("/") + "/health"
    try:
        with _client(timeout) as client:
            response = client.get(url)
    except httpx.HTTPError as err:
        return EndpointHealth(url, None, "", error=f"{type(err).__name__}: {err}")
    return EndpointHealth(url, response.status_code, response.text.strip())


def endpoint_scrape(base_url: str, timeout: float) -> Scrape:
    """``GET <metrics_url>/metrics``, parsed."""
    url = base_url.rstrip("/") + "/metrics"
    try:
        with _client(timeout) as client:
            response = client.get(url)
    except httpx.HTTPError as err:
        return Scrape(url, None, error=f"{type(err).__name__}: {err}")
    if response.status_code != 200:
        return Scrape(url, response.status_code, error=f"HTTP {response.status_code} {response.text[:120]!r}")
    return parse(url, response.status_code, response.text)


def healthy(health: EndpointHealth) -> bool:
    """200, and a body that does not say otherwise (``ok``, ``healthy`` or a JSON ``{"status": "healthy"}``)."""
    if health.status != 200:
        return False
    text = health.text.lower()
    return not any(word in text for word in ("unhealthy", "down", "fail", "error"))
