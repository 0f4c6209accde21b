"""Qdrant health: the probe endpoints answer with Qdrant's codes and texts, and the version is accepted."""

from __future__ import annotations

import pytest

from golive.config import Settings
from golive.probes.health import HEALTH_TEXT, READY_TEXT, probe_endpoint, server_info
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
