"""checks/test_monitoring.py against real servers: a sandbox, the metrics-endpoint stand-in, a real Prometheus
scraping the sandbox with a rules file, and small stubs; each item passes, and fails for its own reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.ports import free_port

from golive.sandbox.metrics_endpoint import running_metrics_endpoint
from golive.sandbox.testing import SandboxHandle, running_sandbox
from golive.waiting import wait_until

from .conftest import run_area
from .neighbours import BROKEN_RULES, RULES, Prometheus, http_stub, qdrant_root, running_prometheus

pytestmark = [pytest.mark.integration, pytest.mark.slow]
FAMILIES = ("citadel_up", "citadel_qdrant_up", "citadel_qdrant_points")


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxHandle, Prometheus]]:
    """A sandbox with two collections, scraped by a real Prometheus (job qdrant), plus a job on a dead port."""
    folder = tmp_path_factory.mktemp("watched")
    with running_sandbox(folder / "data") as sb:
        for name in ("alpha", "beta"):
            httpx.put(f"{sb.url}/collections/{name}", json={"vectors": {"size": 4, "distance": "Dot"}}, timeout=10)
        jobs = {"qdrant": f"127.0.0.1:{sb.port}", "qdrant-down": f"127.0.0.1:{free_port()}"}
        with running_prometheus(folder / "prometheus", jobs) as prom:

            def scraped() -> bool:
                body = httpx.get(prom.url + "/api/v1/targets", timeout=5).json()
                return any(
                    t["labels"]["job"] == "qdrant" and t["health"] == "up" for t in body["data"]["activeTargets"]
                )

            wait_until(scraped, timeout=30, describe="the first scrape of the sandbox")
            yield sb, prom


def _config(sb: SandboxHandle, prom: Prometheus | None = None, **monitoring: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"target": {"url": sb.url, "grpc_port": None}, "monitoring": monitoring}
    if prom is not None:
        config["dependencies"] = [{"name": "prom", "kind": "prometheus", "url": prom.url}]
    return config


def test_watched_sandbox_passes_the_monitoring_items(tmp_path: Path, watched: tuple[SandboxHandle, Prometheus]) -> None:
    sb, prom = watched
    with running_metrics_endpoint(families=FAMILIES) as metrics_url:
        config = _config(sb, prom, endpoint_families=list(FAMILIES), alert_rules=["QdrantDown"])
        config["target"]["metrics_url"] = metrics_url
        run = run_area(tmp_path, config, "monitoring")
    outcomes = run.outcomes("GL-MON-")
    assert {k: v for k, v in outcomes.items() if k != "GL-MON-008"} == dict.fromkeys(
        [f"GL-MON-00{i}" for i in range(1, 8)], "passed"
    ), run.output[-3000:]
    assert outcomes["GL-MON-008"] == "skipped"
    assert "no dependency of kind grafana" in run.message("GL-MON-008")


def test_unconfigured_neighbours_skip_with_reason(tmp_path: Path, watched: tuple[SandboxHandle, Prometheus]) -> None:
    run = run_area(tmp_path, _config(watched[0]), "monitoring")
    assert run.outcome("GL-MON-003") == "skipped"
    assert "target.metrics_url is not set" in run.message("GL-MON-003")
    assert run.outcome("GL-MON-005") == "skipped"
    assert "no dependency of kind prometheus" in run.message("GL-MON-005")


def test_a_missing_qdrant_family_fails(tmp_path: Path, watched: tuple[SandboxHandle, Prometheus]) -> None:
    run = run_area(tmp_path, _config(watched[0], qdrant_families=["app_info", "qdrant_made_up_family"]), "monitoring")
    assert run.outcome("GL-MON-001") == "failed"
    assert "lacks ['qdrant_made_up_family']" in run.message("GL-MON-001")


def test_metrics_disagreeing_with_the_api_fail(tmp_path: Path) -> None:
    collections = {"result": {"collections": [{"name": "a"}, {"name": "b"}]}, "status": "ok", "time": 0}
    routes = {
        "/": qdrant_root,
        "/collections": lambda: (200, json.dumps(collections)),
        "/metrics": lambda: (200, "# TYPE collections_total gauge\ncollections_total 5\n"),
    }
    with http_stub(routes) as url:
        run = run_area(tmp_path, {"target": {"url": url, "grpc_port": None}}, "monitoring")
    assert run.outcome("GL-MON-002") == "failed"
    assert "collections_total = 5, GET /collections lists 2" in run.message("GL-MON-002")


def test_unhealthy_metrics_endpoint_fails(tmp_path: Path, watched: tuple[SandboxHandle, Prometheus]) -> None:
    with running_metrics_endpoint(families=FAMILIES) as metrics_url:
        httpx.put(metrics_url + "/__sandbox/faults", json={"unhealthy": True}, timeout=5).raise_for_status()
        config = _config(watched[0], endpoint_families=[*FAMILIES, "citadel_missing"])
        config["target"]["metrics_url"] = metrics_url
        run = run_area(tmp_path, config, "monitoring")
        httpx.put(metrics_url + "/__sandbox/faults", json={"unhealthy": False}, timeout=5).raise_for_status()
        healthy = run_area(tmp_path / "healthy", config, "monitoring")
    assert run.outcome("GL-MON-003") == "failed"
    assert 'HTTP 503 \'{"status": "unhealthy"}\'' in run.message("GL-MON-003")
    assert run.outcome("GL-MON-004") == "failed"
    assert healthy.outcome("GL-MON-003") == "passed"
    assert healthy.outcome("GL-MON-004") == "failed"  # the endpoint is up but lacks a configured family
    assert "lacks ['citadel_missing']" in healthy.message("GL-MON-004")


def test_prometheus_down_fails(tmp_path: Path, watched: tuple[SandboxHandle, Prometheus]) -> None:
    config = _config(watched[0])
    config["dependencies"] = [{"name": "prom", "kind": "prometheus", "url": f"http://127.0.0.1:{free_port()}"}]
    run = run_area(tmp_path, config, "monitoring")
    assert run.outcome("GL-MON-005") == "failed"
    assert "ConnectError talking to http://127.0.0.1:" in run.message("GL-MON-005")


def test_a_down_scrape_target_fails(tmp_path: Path, watched: tuple[SandboxHandle, Prometheus]) -> None:
    sb, prom = watched
    run = run_area(tmp_path, _config(sb, prom, prometheus_job="qdrant-down"), "monitoring")
    assert run.outcome("GL-MON-005") == "passed"
    assert run.outcome("GL-MON-006") == "failed"
    assert "job 'qdrant-down'" in run.message("GL-MON-006")
    assert " down (" in run.message("GL-MON-006")


def test_a_missing_or_broken_rule_fails(tmp_path: Path, watched: tuple[SandboxHandle, Prometheus]) -> None:
    sb, prom = watched
    missing = run_area(tmp_path / "missing", _config(sb, prom, alert_rules=["QdrantDown", "QdrantDiskFull"]),
                       "monitoring")  # fmt: skip
    assert missing.outcome("GL-MON-007") == "failed"
    assert "rules not loaded: ['QdrantDiskFull']" in missing.message("GL-MON-007")
    try:
        assert not prom.reload(BROKEN_RULES)  # Prometheus keeps the old rules and reports the failed reload
        broken = run_area(tmp_path / "broken", _config(sb, prom, alert_rules=["QdrantDown"]), "monitoring")
    finally:
        assert prom.reload(RULES)
    assert broken.outcome("GL-MON-007") == "failed"
    assert "the last configuration/rule reload failed" in broken.message("GL-MON-007")


@pytest.mark.parametrize(
    ("status", "database", "severity", "outcome", "counted_as"),
    [
        (200, "ok", None, "passed", "warning"),
        (503, "failing", None, "failed", "warning"),  # a grafana entry's items are warnings by default
        (503, "failing", "blocker", "failed", "blocker"),  # unless the entry says blocker: then NO-GO
    ],
)
def test_grafana_health(
    tmp_path: Path,
    watched: tuple[SandboxHandle, Prometheus],
    status: int,
    database: str,
    severity: str | None,
    outcome: str,
    counted_as: str,
) -> None:
    with http_stub({"/api/health": lambda: (status, json.dumps({"database": database}))}) as grafana:
        config = _config(watched[0])
        entry = {"name": "grafana", "kind": "grafana", "url": grafana}
        config["dependencies"] = [entry | ({"severity": severity} if severity else {})]
        run = run_area(tmp_path, config, "monitoring")
    assert run.outcome("GL-MON-008") == outcome, run.message("GL-MON-008")
    assert run.check("GL-MON-008")["severity"] == counted_as
    checks = run.summary["checks"]
    failed_blockers = {c["id"] for c in checks if c["severity"] == "blocker" and c["outcome"] == "failed"}
    assert ("GL-MON-008" in failed_blockers) == (counted_as == "blocker" and outcome == "failed")
    assert (run.summary["verdict"] == "NO-GO") == ("GL-MON-008" in failed_blockers), run.output[-2000:]
