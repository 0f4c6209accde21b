"""The Prometheus `golive run` starts beside the sandbox demo (golive/cli/sandbox_prometheus.py), built exactly as
the demo builds it (scrape config with the read-only key and the CA, the demo's rules, the shipped
``monitoring`` section) against the session's secured sandbox: the Prometheus items pass, and fail for their own
reason when the sandbox's /metrics breaks (the scrape target goes down) or the config names a rule the demo's
rules file lacks."""

from __future__ import annotations

import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from support.ports import free_port

from golive.cli.sandbox_prometheus import demo_rules, running_prometheus, scrape_config, wait_for_scrape
from golive.sandbox.certs import CA
from golive.sandbox.metrics_endpoint import running_metrics_endpoint
from golive.sandbox.testing import SandboxHandle
from golive.waiting import wait_until

from .conftest import API_KEY, READ_ONLY_KEY, REPO, keys_env, run_area, secured_config

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SHIPPED = yaml.safe_load((REPO / "config" / "sandbox.yaml").read_text(encoding="utf-8"))
JOB = SHIPPED.get("monitoring", {}).get("prometheus_job", "qdrant")


@pytest.fixture(scope="module")
def demo_watch(
    tmp_path_factory: pytest.TempPathFactory, secured: SandboxHandle, ca: CA
) -> Iterator[tuple[str, str, Path]]:
    """The demo's Prometheus watching the secured sandbox and a metrics stand-in: (its URL, metrics URL, folder)."""
    folder = tmp_path_factory.mktemp("demo-prometheus")
    families = tuple(SHIPPED["monitoring"]["endpoint_families"])
    with running_metrics_endpoint(families=families) as metrics_url:
        config = scrape_config(
            folder, job=JOB, target_url=secured.url, key=READ_ONLY_KEY, ca_file=ca.cert_file, metrics_url=metrics_url
        )
        with running_prometheus(folder, config, demo_rules(JOB), free_port()) as url:
            assert wait_for_scrape(url, JOB, since=time.time(), timeout=30) is None
            yield url, metrics_url, folder


def _config(sb: SandboxHandle, ca: CA, watch: tuple[str, str, Path], **monitoring: Any) -> dict[str, Any]:
    """The shipped sandbox config's monitoring section and Prometheus entry, pointed at this run's servers."""
    url, metrics_url, _ = watch
    config = secured_config(sb, ca.cert_file)
    config["target"]["metrics_url"] = metrics_url
    config["monitoring"] = SHIPPED["monitoring"] | monitoring
    entry = next(d for d in SHIPPED["dependencies"] if d["kind"] == "prometheus")
    config["dependencies"] = [entry | {"url": url}]
    return config


def _target_health(url: str) -> str:
    body = httpx.get(url + "/api/v1/targets?state=active", timeout=5).json()
    return next(t["health"] for t in body["data"]["activeTargets"] if t["labels"]["job"] == JOB)


def test_the_demo_prometheus_passes_the_prometheus_items(
    tmp_path: Path, secured_clean: SandboxHandle, ca: CA, demo_watch: tuple[str, str, Path]
) -> None:
    run = run_area(tmp_path, _config(secured_clean, ca, demo_watch), "monitoring", env=keys_env())
    outcomes = run.outcomes("GL-MON-")
    assert {i: outcomes[i] for i in ("GL-MON-005", "GL-MON-006", "GL-MON-007")} == dict.fromkeys(
        ("GL-MON-005", "GL-MON-006", "GL-MON-007"), "passed"
    ), run.output[-3000:]
    # the key is read from a private file, never written into Prometheus's config
    folder = demo_watch[2]
    assert stat.S_IMODE((folder / "scrape-credentials").stat().st_mode) == 0o600
    for name in ("prometheus.yml", "rules.yml", "prometheus.log"):
        text = (folder / name).read_text(encoding="utf-8", errors="replace")
        assert READ_ONLY_KEY not in text
        assert API_KEY not in text
    assert "tls_config" in (folder / "prometheus.yml").read_text(encoding="utf-8")


def test_the_demo_scrape_target_down_fails_gl_mon_006(
    tmp_path: Path, secured_clean: SandboxHandle, ca: CA, demo_watch: tuple[str, str, Path]
) -> None:
    """The sandbox's /metrics answers 500 (a sandbox fault): Prometheus marks the target down, GL-MON-006 fails."""
    secured_clean.set_faults(error_rate=1.0, paths=["/metrics"])
    try:
        wait_until(lambda: _target_health(demo_watch[0]) == "down", timeout=30, describe="the target to go down")
        run = run_area(tmp_path, _config(secured_clean, ca, demo_watch), "monitoring", env=keys_env())
    finally:
        secured_clean.clear_faults()
        wait_until(lambda: _target_health(demo_watch[0]) == "up", timeout=30, describe="the target to be up again")
    assert run.outcome("GL-MON-005") == "passed"
    assert run.outcome("GL-MON-006") == "failed", run.output[-3000:]
    assert f"job '{JOB}'" in run.message("GL-MON-006")
    assert " down (" in run.message("GL-MON-006")
    assert "500" in run.message("GL-MON-006")
    assert run.outcome("GL-MON-007") == "passed"
    assert run.summary["verdict"] == "NO-GO"


def test_a_rule_the_config_names_but_the_demo_lacks_fails_gl_mon_007(
    tmp_path: Path, secured_clean: SandboxHandle, ca: CA, demo_watch: tuple[str, str, Path]
) -> None:
    wanted = [*SHIPPED["monitoring"]["alert_rules"], "QdrantDiskFull"]
    run = run_area(tmp_path, _config(secured_clean, ca, demo_watch, alert_rules=wanted), "monitoring", env=keys_env())
    assert run.outcome("GL-MON-006") == "passed"
    assert run.outcome("GL-MON-007") == "failed", run.output[-3000:]
    assert "rules not loaded: ['QdrantDiskFull'] (monitoring.alert_rules)" in run.message("GL-MON-007")
    assert run.summary["verdict"] == "NO-GO"
