"""The demo Prometheus's generated files (golive/cli/sandbox_prometheus.py): the scrape config carries no key,
verifies the sandbox's TLS with the run's CA, and the rules file has every rule config/sandbox.yaml names."""

from __future__ import annotations

import stat
from pathlib import Path

import yaml

from golive.cli.sandbox_prometheus import DEMO_RULES, ENDPOINT_JOB, demo_prometheus, demo_rules, scrape_config
from golive.config import load_settings
from golive.probes.dependencies.settings import Dependency

REPO = Path(__file__).resolve().parents[2]


def test_scrape_config_reads_the_key_from_a_private_file_and_verifies_tls(tmp_path: Path) -> None:
    config = scrape_config(
        tmp_path, job="qdrant", target_url="https://127.0.0.1:6333", key="s3cret-key", ca_file=tmp_path / "ca.pem",
        metrics_url="http://127.0.0.1:9091",
    )  # fmt: skip
    assert "s3cret-key" not in yaml.safe_dump(config)
    credentials = tmp_path / "scrape-credentials"
    assert credentials.read_text() == "s3cret-key"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    qdrant, endpoint = config["scrape_configs"]
    assert qdrant == {
        "job_name": "qdrant",
        "scheme": "https",
        "static_configs": [{"targets": ["127.0.0.1:6333"]}],
        "authorization": {"type": "Bearer", "credentials_file": str(credentials)},
        "tls_config": {"ca_file": str((tmp_path / "ca.pem").resolve())},
    }
    assert endpoint == {"job_name": ENDPOINT_JOB, "scheme": "http", "static_configs": [{"targets": ["127.0.0.1:9091"]}]}
    assert config["rule_files"] == [str(tmp_path / "rules.yml")]


def test_plain_keyless_target_gets_neither_authorization_nor_tls(tmp_path: Path) -> None:
    config = scrape_config(tmp_path, job="q", target_url="http://127.0.0.1:6333", key=None, ca_file=None)
    assert config["scrape_configs"] == [
        {"job_name": "q", "scheme": "http", "static_configs": [{"targets": ["127.0.0.1:6333"]}]}
    ]
    assert not (tmp_path / "scrape-credentials").exists()


def test_the_rules_file_has_every_rule_the_shipped_sandbox_config_names() -> None:
    settings = load_settings(REPO / "config" / "sandbox.yaml", environ={})
    rules = yaml.safe_load(demo_rules(settings.monitoring.prometheus_job))["groups"][0]["rules"]
    assert [r["alert"] for r in rules] == list(DEMO_RULES)
    assert settings.monitoring.alert_rules
    assert set(settings.monitoring.alert_rules) <= set(DEMO_RULES)
    assert rules[0]["expr"] == 'up{job="qdrant"} == 0'
    entry = demo_prometheus(settings.dependencies)
    assert entry is not None
    assert (entry.name, entry.host, entry.severity) == ("prometheus", "127.0.0.1", "blocker")


def test_only_a_loopback_prometheus_entry_is_started_for_the_demo() -> None:
    remote = Dependency.model_validate({"name": "p", "kind": "prometheus", "url": "http://10.0.1.30:9090"})
    local = Dependency.model_validate({"name": "l", "kind": "prometheus", "url": "http://localhost:9095"})
    assert demo_prometheus([remote]) is None
    assert demo_prometheus([remote, local]) is local
