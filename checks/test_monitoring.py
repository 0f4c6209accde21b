"""Monitoring: Qdrant's /metrics serves what a dashboard needs and agrees with the API, the deployment's own
metrics endpoint is healthy, and Prometheus (and Grafana) are watching."""

from __future__ import annotations

import pytest

from golive.config import Settings
from golive.probes.dependencies.settings import Dependency
from golive.probes.metrics import endpoint_health, endpoint_scrape, healthy, missing, scrape
from golive.probes.prometheus import PrometheusState, grafana_health, prometheus_state
from golive.target import Target

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-MON-001", severity="blocker")
def test_qdrant_metrics_expose_the_dashboard_families(qdrant: Target, golive_config: Settings) -> None:
    """Qdrant's /metrics parses as Prometheus text and exposes the families in ``monitoring.qdrant_families``."""
    seen = scrape(qdrant)
    assert seen.ok, f"{seen.describe()}; expected HTTP 200 with Prometheus text"
    absent = missing(seen, golive_config.monitoring.qdrant_families)
    assert not absent, f"{seen.url} lacks {absent} (monitoring.qdrant_families); it has {len(seen.names)} names"


@pytest.mark.check("GL-MON-002", severity="warning")
def test_qdrant_metrics_agree_with_the_api(qdrant: Target) -> None:
    """``collections_total`` on /metrics equals the number of collections GET /collections lists."""
    seen = scrape(qdrant)
    assert seen.ok, f"{seen.describe()}; expected HTTP 200 with Prometheus text"
    listed = len(qdrant.result("/collections")["collections"])
    values = seen.values.get("collections_total")
    assert values, f"{seen.url} has no collections_total sample"
    assert values[0] == listed, f"/metrics collections_total = {values[0]:g}, GET /collections lists {listed}"


def _metrics_url(settings: Settings) -> str:
    url = settings.target.metrics_url
    if url is None:
        pytest.skip("target.metrics_url is not set: the deployment has no separate metrics endpoint")
    return url


@pytest.mark.check("GL-MON-003", severity="blocker")
def test_metrics_endpoint_is_healthy(golive_config: Settings) -> None:
    """The deployment's metrics endpoint (``target.metrics_url``) answers /health healthy."""
    seen = endpoint_health(_metrics_url(golive_config), golive_config.target.timeout)
    assert healthy(seen), f"{seen}; expected HTTP 200 and a healthy body"


@pytest.mark.check("GL-MON-004", severity="blocker")
def test_metrics_endpoint_exposes_its_families(golive_config: Settings) -> None:
    """The metrics endpoint's /metrics parses and exposes ``monitoring.endpoint_families``."""
    seen = endpoint_scrape(_metrics_url(golive_config), golive_config.target.timeout)
    assert seen.ok, f"{seen.describe()}; expected HTTP 200 with Prometheus text"
    wanted = golive_config.monitoring.endpoint_families
    assert seen.names, f"{seen.url} exposes no metric at all"
    absent = missing(seen, wanted)
    assert not absent, f"{seen.url} lacks {absent} of the {len(wanted)} families in monitoring.endpoint_families"


@pytest.fixture(scope="session")
def _prometheus_states() -> dict[str, PrometheusState]:
    return {}


@pytest.fixture
def watcher(
    prometheus: Dependency | None, golive_config: Settings, _prometheus_states: dict[str, PrometheusState]
) -> PrometheusState:
    """What the configured Prometheus reports (read once per run), or a skip where none is configured."""
    if prometheus is None:
        pytest.skip("no dependency of kind prometheus in dependencies: nothing to check")
    if prometheus.url not in _prometheus_states:
        job = golive_config.monitoring.prometheus_job
        _prometheus_states[prometheus.url] = prometheus_state(prometheus.url, job, golive_config.target.timeout)
    return _prometheus_states[prometheus.url]


@pytest.mark.check("GL-MON-005", severity="blocker")
def test_prometheus_is_ready(watcher: PrometheusState) -> None:
    """Prometheus answers /-/ready and its API."""
    assert watcher.error is None, f"Prometheus at {watcher.url}: {watcher.error}"
    assert watcher.ready, f"{watcher.url}/-/ready answered {watcher.ready_text!r}"


@pytest.mark.check("GL-MON-006", severity="blocker")
def test_prometheus_scrapes_qdrant(watcher: PrometheusState, golive_config: Settings) -> None:
    """Every target of the Qdrant scrape job is up and was scraped recently."""
    assert watcher.error is None, f"Prometheus at {watcher.url}: {watcher.error}"
    job, limit = golive_config.monitoring.prometheus_job, golive_config.monitoring.max_scrape_age
    assert watcher.targets, f"Prometheus has no active target in job {job!r} (monitoring.prometheus_job)"
    bad = [str(t) for t in watcher.targets if t.health != "up" or t.age_s is None or t.age_s > limit]
    assert not bad, f"job {job!r}: {bad}; expected up, scraped within {limit:g} s"


@pytest.mark.check("GL-MON-007", severity="blocker")
def test_prometheus_alert_rules_are_loaded(watcher: PrometheusState, golive_config: Settings) -> None:
    """The rule files loaded at the last reload, and every rule in ``monitoring.alert_rules`` is there, not in error."""
    assert watcher.error is None, f"Prometheus at {watcher.url}: {watcher.error}"
    assert watcher.reload_ok, f"Prometheus at {watcher.url}: the last configuration/rule reload failed"
    wanted = golive_config.monitoring.alert_rules
    absent = [name for name in wanted if name not in watcher.rules]
    assert not absent, f"rules not loaded: {absent} (monitoring.alert_rules); loaded: {sorted(watcher.rules)}"
    failing = {name: watcher.rules[name][1] for name in wanted if watcher.rules[name][0] == "err"}
    assert not failing, f"rules in error: {failing}"


@pytest.mark.check("GL-MON-008", severity="warning")
def test_grafana_is_healthy(grafana: Dependency | None, golive_config: Settings) -> None:
    """Grafana's /api/health answers 200 with its database ok (a warning unless the entry says blocker)."""
    if grafana is None:
        pytest.skip("no dependency of kind grafana in dependencies: nothing to check")
    seen = grafana_health(grafana.url, golive_config.target.timeout)
    assert seen.status == 200, f"{seen}; expected HTTP 200"
    assert seen.database == "ok", f"{seen}; expected database: ok"
