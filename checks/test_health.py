"""Qdrant health: the probe endpoints answer with Qdrant's codes and texts, and the version is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.config import Settings
from golive.probes.health import HEALTH_TEXT, READY_TEXT, probe_endpoint, server_info
from golive.probes.telemetry import qdrant_issues, save_telemetry
from golive.target import Target

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-HEALTH-001", severity="blocker")
def test_healthz_reports_healthy(qdrant: Target) -> None:
    """/healthz answers 200 "healthz check passed"."""
    seen = probe_endpoint(qdrant, "/healthz")
    assert (seen.status, seen.text) == (200, HEALTH_TEXT), f"{seen}; expected HTTP 200 {HEALTH_TEXT!r}"


@pytest.mark.check("GL-HEALTH-002", severity="blocker")
def test_livez_reports_alive(qdrant: Target) -> None:
    """/livez answers 200 "healthz check passed"."""
    seen = probe_endpoint(qdrant, "/livez")
    assert (seen.status, seen.text) == (200, HEALTH_TEXT), f"{seen}; expected HTTP 200 {HEALTH_TEXT!r}"


@pytest.mark.check("GL-HEALTH-003", severity="blocker")
def test_readyz_reports_all_shards_ready(qdrant: Target) -> None:
    """/readyz answers 200 "all shards are ready"."""
    seen = probe_endpoint(qdrant, "/readyz")
    assert (seen.status, seen.text) == (200, READY_TEXT), f"{seen}; expected HTTP 200 {READY_TEXT!r}"


@pytest.mark.check("GL-HEALTH-004", severity="blocker")
def test_version_is_within_accepted_range(qdrant: Target, golive_config: Settings) -> None:
    """The Qdrant version reported by / is inside the configured range."""
    info = server_info(qdrant)
    accepted = golive_config.thresholds.version
    assert golive_config.thresholds.version_accepted(info.version), (
        f"server reports version {info.version!r}; expected one in {accepted!r} (thresholds.version)"
    )


@pytest.mark.check("GL-HEALTH-005", severity="blocker")
def test_qdrant_reports_no_issues(qdrant: Target, run_dir: Path) -> None:
    """/issues lists no issue (Qdrant's own warnings); the telemetry is kept with the run as evidence."""
    save_telemetry(qdrant, run_dir)
    issues = qdrant_issues(qdrant)
    assert not issues, f"/issues lists {len(issues)} issue(s): " + "; ".join(map(str, issues)) + "; expected none"
