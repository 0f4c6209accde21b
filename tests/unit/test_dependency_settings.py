"""The dependencies: section: per-kind options and defaults; bad entries stop with the field named (exit 7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.cli import main
from golive.config import ConfigError, load_settings
from golive.probes.dependencies.settings import Dependency, MissingPassword
from golive.probes.dependencies.timing import Burst, percentile


def deps_problems(tmp_path: Path, entries: str) -> dict[str, str]:
    path = tmp_path / "staging.yaml"
    path.write_text(f"dependencies:\n{entries}", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    return dict(info.value.problems)


def entry(**fields: object) -> Dependency:
    return Dependency.model_validate(fields)


# ---------------------------------------------------------------------------------------------- good entries


def test_each_kind_gets_its_own_options_with_defaults() -> None:
    redis = entry(name="cache", kind="redis", url="redis://10.0.1.40", password_env="REDIS_PASSWORD")
    assert redis.redis is not None
    assert redis.postgres is None
    assert redis.http is None
    assert (redis.redis.role, redis.redis.max_memory, redis.redis.latency.p99) == ("master", 0.9, 0.010)
    assert (redis.host, redis.port, redis.address) == ("10.0.1.40", 6379, "10.0.1.40:6379")
    pg = entry(name="db", kind="postgres", url="postgresql://golive@10.0.1.41/app", postgres={"version": ">=14,<17"})
    assert pg.postgres is not None
    assert pg.postgres.sslmode == "prefer"
    assert not pg.postgres.standby
    assert pg.postgres.version_accepted("15.8")
    assert not pg.postgres.version_accepted("17.0")
    assert pg.port == 5432
    assert pg.network is not None
    assert (pg.network.p50, pg.network.p99) == (0.001, 0.005)


def test_prometheus_and_grafana_are_probed_on_their_health_paths() -> None:
    assert (
        entry(name="p", kind="prometheus", url="http://10.0.1.30:9090/").http_url == "http://10.0.1.30:9090/-/healthy"
    )
    assert entry(name="g", kind="grafana", url="https://10.0.1.30").http_url == "https://10.0.1.30/api/health"
    assert entry(name="g", kind="grafana", url="https://10.0.1.30").port == 443
    web = entry(name="w", kind="http", url="http://10.0.1.38/health", http={"text": "ok", "within": "250ms"})
    assert web.http_url == "http://10.0.1.38/health"
    assert web.http is not None
    assert web.http.within == 0.25


def test_grafana_items_are_warnings_unless_the_entry_says_blocker() -> None:
    assert entry(name="g", kind="grafana", url="http://10.0.1.30:3000").severity == "warning"
    assert entry(name="g", kind="grafana", url="http://10.0.1.30:3000", severity="blocker").severity == "blocker"
    assert entry(name="p", kind="prometheus", url="http://10.0.1.30:9090").severity == "blocker"
    assert entry(name="w", kind="http", url="http://10.0.1.38/health").severity == "blocker"


def test_tcp_entry_and_network_switched_off() -> None:
    tcp = entry(name="web", kind="tcp", url="tcp://10.0.1.38:443", network={"p50": "500us", "p99": "2ms"})
    assert (tcp.port, tcp.network and tcp.network.p50) == (443, 0.0005)
    assert entry(name="r", kind="redis", url="rediss://r.internal:6380", network=None).network is None


def test_target_ref_is_the_targets_url() -> None:
    dep = entry(name="self", kind="http", url="${target}/healthz", network={"p99": "20ms"})
    resolved = dep.resolved("http://127.0.0.1:6345/")
    assert (resolved.url, resolved.http_url, resolved.port) == (
        "http://127.0.0.1:6345/healthz",
        "http://127.0.0.1:6345/healthz",
        6345,
    )
    assert resolved.network == dep.network
    plain = entry(name="web", kind="http", url="http://10.0.1.38/health")
    assert plain.resolved("http://127.0.0.1:6345") is plain


@pytest.mark.parametrize(
    ("kind", "url", "text"),
    [
        ("redis", "${target}", "stands only at the start of an http URL"),
        ("http", "${target}healthz", "followed by a path such as /healthz"),
        ("http", "http://${target}/healthz", "'${target}' is not a host name or IP address"),
    ],
)
def test_target_ref_misuse_names_the_field(tmp_path: Path, kind: str, url: str, text: str) -> None:
    problems = deps_problems(tmp_path, f"  - {{name: d, kind: {kind}, url: '{url}'}}\n")
    assert list(problems) == ["dependencies[0].url"]
    assert text in problems["dependencies[0].url"]


def test_password_comes_from_the_named_variable_only() -> None:
    dep = entry(name="cache", kind="redis", url="redis://10.0.1.40", password_env="REDIS_PASSWORD")
    assert dep.password({"REDIS_PASSWORD": "pw"}) == "pw"
    with pytest.raises(MissingPassword, match="REDIS_PASSWORD \\(password_env of cache\\) is not set"):
        dep.password({})
    assert entry(name="open", kind="redis", url="redis://10.0.1.40").password({}) is None


def test_shipped_configs_list_their_dependencies() -> None:
    repo = Path(__file__).resolve().parents[2]
    sandbox = load_settings(repo / "config" / "sandbox.yaml", environ={})
    assert [(d.name, d.kind, d.resolved(sandbox.target.url).http_url) for d in sandbox.dependencies] == [
        ("sandbox-health", "http", "https://127.0.0.1:6333/healthz"),
        ("prometheus", "prometheus", "http://127.0.0.1:9095/-/healthy"),  # golive run starts it for the demo
    ]
    production = load_settings(repo / "config" / "production.example.yaml", environ={})
    assert {d.kind for d in production.dependencies} >= {"redis", "postgres", "prometheus", "grafana", "http", "tcp"}


# ---------------------------------------------------------------------------------------------- bad entries


def test_unknown_kind_names_the_field(tmp_path: Path) -> None:
    problems = deps_problems(tmp_path, "  - {name: db, kind: mysql, url: 'mysql://10.0.1.41:3306'}\n")
    assert list(problems) == ["dependencies[0].kind"]
    assert "'redis', 'postgres', 'http', 'prometheus', 'grafana' or 'tcp'" in problems["dependencies[0].kind"]


@pytest.mark.parametrize(
    ("kind", "url", "text"),
    [
        ("redis", "redis:///0", "a URL without a host"),
        ("postgres", "postgresql:///app", "a URL without a host"),
        ("http", "http://", "a URL without a host"),
        ("redis", "http://10.0.1.40:6379", "expected a redis:// or rediss:// URL"),
        ("postgres", "10.0.1.41:5432", "expected a postgresql:// or postgres:// URL"),
        ("tcp", "tcp://10.0.1.38", "a tcp:// URL needs a port"),
        ("redis", "redis://10.0.1.40:99999", "not a usable URL"),
    ],
)
def test_bad_url_names_the_field(tmp_path: Path, kind: str, url: str, text: str) -> None:
    problems = deps_problems(tmp_path, f"  - {{name: d, kind: {kind}, url: '{url}'}}\n")
    assert list(problems) == ["dependencies[0].url"]
    assert text in problems["dependencies[0].url"]


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://golive@10.0.1.41/app?password=hunter2",
        "postgresql://golive:hunter2@10.0.1.41/app",
        "redis://:hunter2@10.0.1.40:6379",
    ],
)
def test_inline_password_is_refused_without_echoing_it(tmp_path: Path, url: str) -> None:
    kind = "redis" if url.startswith("redis") else "postgres"
    problems = deps_problems(tmp_path, f"  - {{name: d, kind: {kind}, url: '{url}'}}\n")
    assert list(problems) == ["dependencies[0].url"]
    assert "a URL with a password in it" in problems["dependencies[0].url"]
    assert "hunter2" not in str(problems)


def test_a_password_where_its_variable_name_goes_is_refused(tmp_path: Path) -> None:
    problems = deps_problems(
        tmp_path, "  - {name: c, kind: redis, url: 'redis://10.0.1.40', password_env: Xk9fQ2mZ7pL4vR8tW1yB}\n"
    )
    assert list(problems) == ["dependencies[0].password_env"]
    assert "NAME of an environment variable" in problems["dependencies[0].password_env"]


def test_options_of_another_kind_are_refused(tmp_path: Path) -> None:
    problems = deps_problems(
        tmp_path, "  - {name: c, kind: redis, url: 'redis://10.0.1.40', postgres: {standby: true}}\n"
    )
    assert problems == {
        "dependencies[0]": "`postgres:` options do not apply to kind redis (use the `redis:` section, or fix kind)"
    }


def test_unknown_option_lists_the_kinds_options(tmp_path: Path) -> None:
    problems = deps_problems(tmp_path, "  - {name: c, kind: redis, url: 'redis://10.0.1.40', redis: {rol: master}}\n")
    assert problems == {
        "dependencies[0].redis.rol": "unknown key; expected one of: role, max_memory, latency, burst, watch"
    }


def test_bad_values_name_their_fields(tmp_path: Path) -> None:
    problems = deps_problems(
        tmp_path,
        "  - {name: db, kind: postgres, url: 'postgresql://10.0.1.41/app',"
        " postgres: {version: 'fifteen', max_connections: 180%, sslmode: maybe}}\n"
        "  - {name: 'no spaces', kind: tcp, url: 'tcp://10.0.1.38:443', network: {p99: fast}}\n",
    )
    assert set(problems) == {
        "dependencies[0].postgres.version",
        "dependencies[0].postgres.max_connections",
        "dependencies[0].postgres.sslmode",
        "dependencies[1].name",
        "dependencies[1].network.p99",
    }
    assert "'>=14,<17'" in problems["dependencies[0].postgres.version"]
    assert "at most 100%" in problems["dependencies[0].postgres.max_connections"]


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    problems = deps_problems(
        tmp_path, "  - {name: c, kind: redis, url: 'redis://a'}\n  - {name: c, kind: tcp, url: 'tcp://b:1'}\n"
    )
    assert problems == {"dependencies": "dependency name 'c' is used twice: each entry's items are keyed on its name"}


def test_config_check_exits_7_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "staging.yaml"
    path.write_text("dependencies: [{name: c, kind: memcached, url: 'tcp://10.0.1.40:11211'}]\n", encoding="utf-8")
    assert main(["config", "check", "--config", str(path)]) == 7
    assert "dependencies[0].kind:" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------- bursts


def test_burst_percentiles_are_measured_values() -> None:
    samples = [i / 1000 for i in range(1, 101)]  # 1 ms .. 100 ms
    assert percentile(samples, 0.5) == 0.050
    assert percentile(samples, 0.99) == 0.099
    burst = Burst.of(samples)
    assert (burst.count, burst.max) == (100, 0.100)
    assert burst.over(0.060, 0.100) == []
    assert burst.over(0.050, None) == ["p50 50.00 ms >= 50.00 ms"]
    assert str(Burst.of([0.0004])) == "p50 400 µs, p99 400 µs, max 400 µs over 1"


def test_config_check_lists_each_dependency_and_its_address(capsys: pytest.CaptureFixture[str]) -> None:
    repo = Path(__file__).resolve().parents[2]
    assert main(["config", "check", "--config", str(repo / "config" / "production.example.yaml")]) == 0
    out = capsys.readouterr().out
    assert "  dependency redis (redis, blocker): 10.0.1.40:6379\n" in out
    assert "  dependency grafana (grafana, warning): 10.0.1.30:3000\n" in out
