"""golive.config: the shipped configs load; every bad config stops with file, field path and what is expected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from golive.config import ConfigError, Settings, load_settings, resolve_config_path

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str, name: str = "staging.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str) -> tuple[str, dict[str, str]]:
    """Load a config that must fail; return the message and its problems by field path."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    message = str(info.value)
    assert message.startswith(f"config error in {path}:"), message
    return message, dict(info.value.problems)


# ---------------------------------------------------------------------------------------------- shipped configs


def test_sandbox_config_loads() -> None:
    settings = load_settings(REPO / "config" / "sandbox.yaml", environ={})
    assert settings.env == "sandbox"
    assert settings.target.url == "https://127.0.0.1:6333"  # golive run gives the sandbox a throwaway CA
    assert settings.target.is_sandbox
    assert (settings.claims.api_key, settings.claims.read_only_api_key, settings.claims.tls) == (True, True, True)
    assert settings.claims.restricted_cors
    assert len(settings.monitoring.endpoint_families) == 14  # the seed's "14 metrics available"
    assert len(settings.collections) == 10
    hybrid = settings.collections[-1]
    assert hybrid.dense == {"dense": (384, "Cosine"), "title": (128, "Dot")}
    assert hybrid.sparse == {"text": "idf"}
    assert [g.text for g in settings.thresholds.gates] == ["p95 < 10ms", "throughput >= 1000/s", "errors < 0.1%"]


def test_production_example_config_loads() -> None:
    settings = load_settings(REPO / "config" / "production.example.yaml", environ={})
    assert settings.env == "production.example"
    assert settings.target.url == "http://10.0.1.20:6333"
    assert not settings.target.is_sandbox
    assert settings.target.timeout == 5.0
    assert settings.target.tls.cert_expiry_warning == 30 * 86400
    assert settings.backups.max_age == 26 * 3600
    assert settings.hooks.deploy is not None
    assert settings.hooks.deploy.timeout == 15 * 60
    assert settings.thresholds.system.cpu == pytest.approx(0.85)
    assert settings.load.max_rate == 3000
    assert [h.label for h in settings.hosts] == ["qdrant-1"]
    assert settings.source.endswith("production.example.yaml")


@pytest.mark.parametrize("text", ["", "  \n", "# only a comment\n", "---\n", "null\n", "{}\n"])
def test_an_empty_file_checks_nothing_and_is_refused(tmp_path: Path, text: str) -> None:
    """Issue 9.4: an empty config once gave 'ok' and a GO of 8 passed items."""
    with pytest.raises(ConfigError, match=r"\(top level\): the file is empty"):
        load_settings(write(tmp_path, text), environ={})


def test_defaults_and_env_from_file_name(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "collections: []\n"), environ={})
    assert settings.env == "staging"
    assert settings.target.url == "http://127.0.0.1:6333"
    assert settings.waivers == []


def test_claims_switched_on_are_not_mistaken_for_secrets(tmp_path: Path) -> None:
    text = "claims: {tls: true, api_key: true, read_only_api_key: true}\n"
    settings = load_settings(write(tmp_path, text), environ={})
    assert settings.claims.api_key is True
    assert settings.claims.read_only_api_key is True


def test_url_without_password_is_accepted(tmp_path: Path) -> None:
    text = "dependencies: [{name: pg, kind: postgres, url: 'postgresql://golive@10.0.1.41:5432/app'}]\n"
    settings = load_settings(write(tmp_path, text), environ={})
    assert settings.dependencies[0].url == "postgresql://golive@10.0.1.41:5432/app"


# ---------------------------------------------------------------------------------------------- file errors


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert str(info.value) == (
        f"config error in {path}:\n  (top level): file not found (create it, or pick an existing one in {tmp_path}/)"
    )


def test_missing_file_in_missing_folder_says_check_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "nope.yaml"
    with pytest.raises(ConfigError, match=r"file not found \(check the path\)"):
        load_settings(path, environ={})


def test_unparsable_yaml_names_line_and_column(tmp_path: Path) -> None:
    message, problems = problems_of(tmp_path, "target:\n  url: [unclosed\nclaims: {}\n")
    (where,) = problems
    assert where.startswith("line 3, column"), message
    assert problems[where].startswith("not valid YAML: "), message


def test_top_level_list_is_rejected(tmp_path: Path) -> None:
    _, problems = problems_of(tmp_path, "- a\n- b\n")
    assert problems == {"": "expected a mapping of sections, got list"}


# ---------------------------------------------------------------------------------------------- schema errors


def test_unknown_top_level_key_lists_the_expected_keys(tmp_path: Path) -> None:
    _, problems = problems_of(tmp_path, "targets: {url: http://127.0.0.1:6333}\n")
    assert problems == {
        "targets": "unknown key; expected one of: env, target, claims, hosts, collections, thresholds, load, report, "
        "dependencies, backups, recall, hooks, waivers, allow, security, monitoring, cluster"
    }


def test_unknown_nested_key_names_the_path_and_expected_keys(tmp_path: Path) -> None:
    _, problems = problems_of(tmp_path, "target: {url: http://127.0.0.1:6333, timout: 5s}\n")
    assert problems == {
        "target.timout": "unknown key; expected one of: url, grpc_port, metrics_url, tls, api_key_env, "
        "read_only_api_key_env, timeout, connect_timeout, sandbox"
    }


def test_unknown_key_inside_a_list_item(tmp_path: Path) -> None:
    text = "collections: [{name: a, vector_size: 3, distance: Cosine, colour: red}]\n"
    _, problems = problems_of(tmp_path, text)
    assert problems == {
        "collections[0].colour": "unknown key; expected one of: name, vector_size, distance, vectors, sparse_vectors, "
        "min_points, recall_goal"
    }


def test_wrong_type_names_the_field_and_the_value(tmp_path: Path) -> None:
    text = "collections: [{name: a, vector_size: big, distance: Cosine}]\nallow: {full_load: maybe}\n"
    _, problems = problems_of(tmp_path, text)
    assert set(problems) == {"collections[0].vector_size", "allow.full_load"}
    assert problems["collections[0].vector_size"].endswith("(got 'big')")
    assert "valid integer" in problems["collections[0].vector_size"]
    assert problems["allow.full_load"].endswith("(got 'maybe')")


def test_bad_enum_value_lists_the_choices(tmp_path: Path) -> None:
    _, problems = problems_of(tmp_path, "collections: [{name: a, vector_size: 3, distance: Cosinus}]\n")
    assert "'Cosine', 'Dot', 'Euclid' or 'Manhattan'" in problems["collections[0].distance"]


def test_bad_url(tmp_path: Path) -> None:
    _, problems = problems_of(tmp_path, "target: {url: '10.0.1.20:6333'}\n")
    assert problems == {
        "target.url": "expected an http:// or https:// URL such as http://127.0.0.1:6333, got '10.0.1.20:6333'"
    }


def test_unparsable_threshold_names_the_gate_index(tmp_path: Path) -> None:
    _, problems = problems_of(tmp_path, "thresholds: {gates: ['errors < 1%', 'p95 < fast']}\n")
    assert problems == {
        "thresholds.gates[1]": "in gate 'p95 < fast': expected a duration such as 250ms, 5s, 10m or 26h, got 'fast'"
    }


def test_unparsable_threshold_at_index_zero(tmp_path: Path) -> None:
    _, problems = problems_of(tmp_path, "thresholds: {gates: ['p95 < fast']}\n")
    assert list(problems) == ["thresholds.gates[0]"]


def test_unparsable_system_limit(tmp_path: Path) -> None:
    _, problems = problems_of(tmp_path, "thresholds: {system: {cpu: 185%}}\n")
    assert problems == {
        "thresholds.system.cpu": "expected a percentage such as 0.1% or 85% of at most 100%, got '185%'"
    }


@pytest.mark.parametrize(
    ("text", "path", "got"),
    [
        ("target: {timeout: soon}\n", "target.timeout", "'soon'"),
        ("target: {timeout: -1}\n", "target.timeout", "a negative number -1"),
        ("target: {connect_timeout:}\n", "target.connect_timeout", "None"),
        ("backups: {max_age: [26h]}\n", "backups.max_age", "['26h']"),
        ("hooks: {deploy: {command: x, timeout: 15 minutes}}\n", "hooks.deploy.timeout", "'15 minutes'"),
    ],
)
def test_unparsable_duration(tmp_path: Path, text: str, path: str, got: str) -> None:
    _, problems = problems_of(tmp_path, text)
    assert problems == {path: f"expected a duration such as 250ms, 5s, 10m or 26h, got {got}"}


def test_waiver_without_expiry(tmp_path: Path) -> None:
    text = "waivers: [{id: GL-SEC-001, reason: deferred, approver: J. Doe}]\n"
    _, problems = problems_of(tmp_path, text)
    assert problems == {
        "waivers[0].expires": "required but missing: every waiver needs an expiry date (expires: YYYY-MM-DD)"
    }


def test_waiver_with_bad_id(tmp_path: Path) -> None:
    text = "waivers: [{id: SEC-1, reason: deferred, approver: J. Doe, expires: 2026-12-31}]\n"
    _, problems = problems_of(tmp_path, text)
    assert problems == {
        "waivers[0].id": "expected a check id such as GL-SEC-002, or one item of a family such as "
        "GL-COL-003[faq], got 'SEC-1'"
    }


def test_waiver_with_unparsable_date(tmp_path: Path) -> None:
    text = "waivers: [{id: GL-SEC-001, reason: deferred, approver: J. Doe, expires: soon}]\n"
    _, problems = problems_of(tmp_path, text)
    assert list(problems) == ["waivers[0].expires"]
    assert problems["waivers[0].expires"].endswith("(got 'soon')")


def test_duplicate_collection(tmp_path: Path) -> None:
    text = (
        "collections:\n"
        "  - {name: faq, vector_size: 384, distance: Cosine}\n"
        "  - {name: faq, vector_size: 384, distance: Cosine}\n"
    )
    _, problems = problems_of(tmp_path, text)
    assert problems == {"collections": "collection 'faq' is listed twice under collections"}


def test_bad_host_spec(tmp_path: Path) -> None:
    _, problems = problems_of(tmp_path, "hosts: [{spec: qdrant-1}]\n")
    assert list(problems) == ["hosts[0].spec"]
    assert problems["hosts[0].spec"].startswith(
        "expected a testinfra host spec such as local:// or ssh://user@host, got 'qdrant-1' (backends: local, ssh,"
    )


def test_bad_version_range(tmp_path: Path) -> None:
    _, problems = problems_of(tmp_path, "thresholds: {version: 'one point twelve'}\n")
    assert problems == {"thresholds.version": "expected a version range such as '>=1.15,<2', got 'one point twelve'"}


def test_load_rate_above_max_rate(tmp_path: Path) -> None:
    _, problems = problems_of(tmp_path, "load: {rate: 4000/s, max_rate: 3000/s}\n")
    assert problems == {"load": "rate 4000/s exceeds max_rate 3000/s"}


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    message, problems = problems_of(tmp_path, "target: {timeout: soon}\nhosts: [{spec: qdrant-1}]\n")
    assert set(problems) == {"target.timeout", "hosts[0].spec"}
    assert "\n  target.timeout: " in message
    assert "\n  hosts[0].spec: " in message


# ---------------------------------------------------------------------------------------------- secrets


SECRET_HINT = "a secret written into the config file: remove it, put it in an environment variable"
NO_SUCH_FIELD_HINT = "the config names such variables in its *_env fields"


def test_api_key_in_the_file_is_refused(tmp_path: Path) -> None:
    _, problems = problems_of(tmp_path, "target: {api_key: abc}\n")
    assert problems == {"target.api_key": f"{SECRET_HINT} and name that variable in target.api_key_env"}


@pytest.mark.parametrize(
    ("text", "path"),
    [
        (
            "dependencies: [{name: r, kind: redis, url: 'redis://r:6379', password: hunter2}]\n",
            "dependencies[0].password",
        ),
        ("hooks: {deploy: {command: x, token: 12345}}\n", "hooks.deploy.token"),
        ("password: hunter2\n", "password"),
        ("target: {tls: {client_secret: s3cr3t}}\n", "target.tls.client_secret"),
    ],
)
def test_secret_anywhere_is_refused(tmp_path: Path, text: str, path: str) -> None:
    message, problems = problems_of(tmp_path, text)
    assert list(problems) == [path]
    assert problems[path].startswith(SECRET_HINT)
    if path == "dependencies[0].password":  # names the field that exists for it, and no invented one
        assert problems[path].endswith("name that variable in dependencies[0].password_env")
    else:
        assert NO_SUCH_FIELD_HINT in problems[path]
        assert f" {path}_env" not in problems[path]  # an invented field would follow "in "
    for secret in ("hunter2", "12345", "s3cr3t"):
        assert secret not in message


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("redis://admin:hunter2@10.0.1.40:6379", "dependencies[0].url"),
        ("redis://:hunter2@10.0.1.40:6379", "dependencies[0].url"),
    ],
)
def test_url_with_password_is_refused(tmp_path: Path, url: str, path: str) -> None:
    message, problems = problems_of(tmp_path, f"dependencies: [{{name: r, kind: redis, url: '{url}'}}]\n")
    assert problems == {
        path: "a URL with a password in it: drop the password and name its environment variable instead"
    }
    assert "hunter2" not in message


def test_url_with_password_inside_a_hook_command_is_refused(tmp_path: Path) -> None:
    text = "hooks: {deploy: {command: 'curl -fsS https://ops:hunter2@deploy.internal/go'}}\n"
    _, problems = problems_of(tmp_path, text)
    assert list(problems) == ["hooks.deploy.command"]


@pytest.mark.parametrize(
    "value",
    ["sk-live-9f8e7d6c5b4a", "my secret key", "3f9a8b7c6d5e4f3a2b1c", "a3f9c0d1e2b4a5c6d7e8f9a0b1c2d3e4"],
)
def test_secret_value_in_api_key_env_is_refused(tmp_path: Path, value: str) -> None:
    message, problems = problems_of(tmp_path, f"target: {{api_key_env: '{value}'}}\n")
    assert list(problems) == ["target.api_key_env"]
    assert problems["target.api_key_env"].startswith(
        "expected the NAME of an environment variable (e.g. QDRANT_API_KEY), not a secret value"
    )
    assert value not in message


@pytest.mark.parametrize("name", ["QDRANT_API_KEY", "PGPASSWORD", "qdrant_key_2", "PROD_QDRANT_API_KEY_2024_ROTATED"])
def test_plausible_env_var_names_are_accepted(tmp_path: Path, name: str) -> None:
    settings = load_settings(write(tmp_path, f"target: {{api_key_env: {name}}}\n"), environ={})
    assert settings.target.api_key_env == name


def test_secret_value_in_dependency_password_env_is_refused(tmp_path: Path) -> None:
    text = "dependencies: [{name: r, kind: redis, url: 'redis://r:6379', password_env: 'hunter2!'}]\n"
    _, problems = problems_of(tmp_path, text)
    assert list(problems) == ["dependencies[0].password_env"]


# ---------------------------------------------------------------------------------------------- overrides


def test_golive_target_url_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "target: {url: http://10.0.1.20:6333, timeout: 3s}\n")
    settings = load_settings(path, environ={"GOLIVE_TARGET_URL": "http://127.0.0.1:6399/"})
    assert settings.target.url == "http://127.0.0.1:6399"
    assert settings.target.timeout == 3.0
    assert load_settings(path, environ={}).target.url == "http://10.0.1.20:6333"


def test_golive_target_url_override_without_a_target_section(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "claims: {}\n"), environ={"GOLIVE_TARGET_URL": "http://127.0.0.1:1"})
    assert settings.target.url == "http://127.0.0.1:1"


def test_bad_golive_target_url_is_named_at_target_url(tmp_path: Path) -> None:
    path = write(tmp_path, "claims: {}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={"GOLIVE_TARGET_URL": "localhost:6333"})
    assert list(dict(info.value.problems)) == ["target.url"]


def test_load_settings_reads_os_environ_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_TARGET_URL", "http://127.0.0.1:7777")
    assert load_settings(write(tmp_path, "collections: []\n"), environ=None).target.url == "http://127.0.0.1:7777"


def test_resolve_explicit_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_ENV", "production")
    assert resolve_config_path(env="staging", path=tmp_path / "x.yaml", root=tmp_path) == tmp_path / "x.yaml"


def test_resolve_env_argument_then_golive_env_then_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOLIVE_CONFIG_DIR", raising=False)
    monkeypatch.delenv("GOLIVE_ENV", raising=False)
    assert resolve_config_path(root=tmp_path) == tmp_path / "config" / "sandbox.yaml"
    monkeypatch.setenv("GOLIVE_ENV", "production")
    assert resolve_config_path(root=tmp_path) == tmp_path / "config" / "production.yaml"
    assert resolve_config_path(env="staging", root=tmp_path) == tmp_path / "config" / "staging.yaml"


def test_resolve_uses_golive_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_CONFIG_DIR", str(tmp_path / "envs"))
    monkeypatch.delenv("GOLIVE_ENV", raising=False)
    assert resolve_config_path(env="staging", root=Path("/elsewhere")) == tmp_path / "envs" / "staging.yaml"


def test_resolve_defaults_to_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOLIVE_CONFIG_DIR", raising=False)
    monkeypatch.delenv("GOLIVE_ENV", raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_config_path() == tmp_path / "config" / "sandbox.yaml"


@pytest.mark.parametrize("name", ["../etc/passwd", "prod uction"])
def test_resolve_rejects_a_bad_env_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_config_path(env=name, root=tmp_path)
    assert str(info.value) == (
        f"config error in {name!r}:\n  (top level): an environment name starts with a letter or digit, then "
        f"letters, digits, '.', '_' or '-' "
        f"(one folder name under reports/, no '..'), got {name!r}"
    )


@pytest.mark.parametrize(("text", "problem"), [
    ("env: ../../elsewhere\n", ("env", "an environment name starts with a letter or digit")),
    ("source: /etc/passwd\n", ("source", "unknown key")),
])  # fmt: skip
def test_env_and_source_cannot_send_reports_elsewhere(tmp_path: Path, text: str, problem: tuple[str, str]) -> None:
    path = tmp_path / "env.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    field, start = problem
    assert [p[0] for p in info.value.problems] == [field]
    assert info.value.problems[0][1].startswith(start)


def test_resolve_rejects_a_bad_golive_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_ENV", "a/b")
    with pytest.raises(ConfigError, match="an environment name starts with a letter or digit"):
        resolve_config_path(root=tmp_path)


# ---------------------------------------------------------------------------------------------- helpers on Settings


def waivers_config(tmp_path: Path) -> Settings:
    text = (
        "waivers:\n"
        "  - {id: GL-SEC-001, reason: old, approver: A, expires: 2026-01-31}\n"
        "  - {id: GL-SEC-001, reason: renewed, approver: B, expires: 2026-06-30}\n"
        "  - {id: GL-COL-003, reason: reindexing, approver: C, expires: 2026-03-01}\n"
    )
    return load_settings(write(tmp_path, text), environ={})


def test_waiver_for_prefers_an_active_waiver(tmp_path: Path) -> None:
    settings = waivers_config(tmp_path)
    waiver = settings.waiver_for("GL-SEC-001", dt.date(2026, 3, 1))
    assert waiver is not None
    assert (waiver.reason, waiver.approver, waiver.active(dt.date(2026, 3, 1))) == ("renewed", "B", True)


def test_waiver_for_is_active_through_its_expiry_day(tmp_path: Path) -> None:
    settings = waivers_config(tmp_path)
    waiver = settings.waiver_for("GL-COL-003", dt.date(2026, 3, 1))
    assert waiver is not None
    assert waiver.active(dt.date(2026, 3, 1))
    assert not waiver.active(dt.date(2026, 3, 2))


def test_waiver_for_returns_an_expired_waiver_for_the_caller_to_judge(tmp_path: Path) -> None:
    settings = waivers_config(tmp_path)
    waiver = settings.waiver_for("GL-COL-003", dt.date(2026, 4, 1))
    assert waiver is not None
    assert waiver.reason == "reindexing"
    assert not waiver.active(dt.date(2026, 4, 1))


def test_waiver_for_an_unwaived_id_is_none(tmp_path: Path) -> None:
    assert waivers_config(tmp_path).waiver_for("GL-HEALTH-001", dt.date(2026, 1, 1)) is None


@pytest.mark.parametrize(
    ("version", "accepted"),
    [("1.12.0", True), ("1.15.4", True), ("1.11.9", False), ("2.0.0", False), ("not-a-version", False)],
)
def test_version_accepted(tmp_path: Path, version: str, accepted: bool) -> None:
    settings = load_settings(write(tmp_path, "thresholds: {version: '>=1.12,<2'}\n"), environ={})
    assert settings.thresholds.version_accepted(version) is accepted


def test_target_host_and_port(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "target: {url: 'https://qdrant.example.com/'}\n"), environ={})
    assert (settings.target.url, settings.target.host, settings.target.port) == (
        "https://qdrant.example.com",
        "qdrant.example.com",
        443,
    )


def test_union_field_error_names_the_field_not_the_union_member(tmp_path: Path) -> None:
    path = write(tmp_path, "hooks: {deploy: {command: 5}}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert info.value.problems == [
        ("hooks.deploy.command", "Input should be a valid string (got 5)"),
        ("hooks.deploy.command", "Input should be a valid list (got 5)"),
    ]


def test_waiver_for_prefers_the_exact_item_and_an_active_waiver(tmp_path: Path) -> None:
    later, earlier = dt.date.today() + dt.timedelta(days=9), dt.date.today() - dt.timedelta(days=1)
    path = tmp_path / "w.yaml"
    path.write_text(
        "waivers:\n"
        f"  - {{id: GL-COL-003, reason: family, approver: A, expires: {later}}}\n"
        f"  - {{id: 'GL-COL-003[faq]', reason: faq only, approver: B, expires: {later}}}\n"
        f"  - {{id: 'GL-COL-004[faq]', reason: expired, approver: C, expires: {earlier}}}\n"
    )
    settings = load_settings(path, environ={})
    today = dt.date.today()
    assert settings.waiver_for("GL-COL-003", today, label="GL-COL-003[faq]").reason == "faq only"
    assert settings.waiver_for("GL-COL-003", today, label="GL-COL-003[documents]").reason == "family"
    assert settings.waiver_for("GL-COL-004", today, label="GL-COL-004[documents]") is None
    assert settings.waiver_for("GL-COL-004", today, label="GL-COL-004[faq]").reason == "expired"


def test_target_override_with_a_password_is_refused_without_echoing_it(tmp_path: Path) -> None:
    path = tmp_path / "env.yaml"
    path.write_text("target: {url: http://127.0.0.1:6333}\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, environ={"GOLIVE_TARGET_URL": "http://ops:hunter2@127.0.0.1:6333"})
    assert "GOLIVE_TARGET_URL" in str(err.value)
    assert "url: a URL with a password in it" in str(err.value)
    assert "hunter2" not in str(err.value)


def test_a_file_name_that_is_no_environment_name_asks_for_env(tmp_path: Path) -> None:
    path = tmp_path / "_local copy.yaml"
    path.write_text("target: {url: http://127.0.0.1:6333}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert [p[0] for p in info.value.problems] == ["env"]
    assert info.value.problems[0][1].endswith("set env: NAME")
    (tmp_path / "named.yaml").write_text("env: local-copy\n")
    assert load_settings(tmp_path / "named.yaml", environ={}).env == "local-copy"


@pytest.mark.parametrize(
    ("variable", "field"),
    [("QDRANT_API_KEY", "target.api_key_env"), ("QDRANT_READ_ONLY_API_KEY", "target.read_only_api_key_env")],
)
def test_a_key_too_short_to_redact_is_refused(tmp_path: Path, variable: str, field: str) -> None:
    """Issue 9.7: a key such as GO would be redacted out of every 'GO' in the reports."""
    path = write(tmp_path, "collections: []\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={variable: "GO"})
    (problem,) = info.value.problems
    assert problem[0] == field
    assert f"${variable} holds 2 characters" in problem[1]
    assert "GO" not in str(info.value).replace("GOLIVE", "")
    assert load_settings(path, environ={variable: "a-long-enough-key"}).env == "staging"
