"""Issue 9.4: every bad config an operator tried is a bounded exit-7 error naming the field; none crashes,
hangs or passes. The table holds the issue's cases; the property test mutates the shipped configs."""

from __future__ import annotations

import copy
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive.config import ConfigError, Settings, load_settings

REPO = Path(__file__).resolve().parents[2]
SHIPPED = {
    name: yaml.safe_load((REPO / "config" / f"{name}.yaml").read_text()) for name in ("sandbox", "production.example")
}
MAX_MESSAGE = 4000  # characters of a config error, whatever the input
WAIVER = "waivers: [{id: GL-SEC-001, reason: r, approver: a, expires: %s}]\n"
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)


def _load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "staging.yaml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, environ={})


def _refused(tmp_path: Path, text: str) -> ConfigError:
    started = time.monotonic()
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    assert time.monotonic() - started < 5
    assert len(str(info.value)) < MAX_MESSAGE
    return info.value


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (WAIVER % "2026-02-30", "waivers[0].expires"),
        (WAIVER % "2026-12-31 25:00:00", "waivers[0].expires"),
        ("target: {grpc_port: !!int abc}\ncollections: []\n", "line 1"),
        ("target: {timeout: 0}\n", "target.timeout"),
        ("target: {timeout: 1.0e+308}\n", "target.timeout"),
        ("target: {url: 'http://127.0.0.1:abc'}\n", "target.url"),
        ("target: {url: 'http://[::1'}\n", "target.url"),
        ("target: {url: 'http://127.0.0.1:9:9'}\n", "target.url"),
        ("target: {url: 'http://127.0.0.1:0'}\n", "target.url"),
        ("thresholds: {gates: []}\n", "thresholds.gates"),
        ("thresholds: {gates: ['p95 < 0ms']}\n", "thresholds.gates[0]"),
        ("thresholds: {gates: ['throughput >= 0/s']}\n", "thresholds.gates[0]"),
        ("thresholds: {version: ''}\n", "thresholds.version"),
        ("load: {rate: 0/s}\n", "load.rate"),
        ("load: {duration: 0s}\n", "load.duration"),
        ("backups: {max_age: 0s}\n", "backups.max_age"),
        ("target: {url: 'http://127.0.0.1:1'}\ntarget: {url: 'http://127.0.0.1:2'}\n", "line 2"),
    ],
)
def test_the_issues_bad_configs_are_refused_naming_the_field(tmp_path: Path, text: str, field: str) -> None:
    err = _refused(tmp_path, text)
    assert any(path.startswith(field) for path, _ in err.problems), str(err)


def test_a_duplicate_key_says_which(tmp_path: Path) -> None:
    err = _refused(tmp_path, "target: {url: 'http://127.0.0.1:1'}\ncollections: []\ntarget: {timeout: 1s}\n")
    assert "duplicate key 'target'" in str(err)


def test_an_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    assert len(ALIAS_BOMB) < 600
    assert "expands to more than" in str(_refused(tmp_path, ALIAS_BOMB))


def test_a_deeply_nested_list_is_refused(tmp_path: Path) -> None:
    assert "nest" in str(_refused(tmp_path, "x: " + "[" * 5000 + "]" * 5000 + "\n"))  # libyaml: "nesting depth"


def test_a_huge_value_and_many_unknown_keys_give_bounded_output(tmp_path: Path) -> None:
    err = _refused(tmp_path, f"target: {{url: '{'x' * 1_000_000}'}}\n")
    assert "target.url" in str(err)
    many = "".join(f"k{i}: 1\n" for i in range(10_000))
    message = str(_refused(tmp_path, many))
    assert len(message.splitlines()) <= 12
    assert "more problems" in message


# ---------------------------------------------------------------------------------------------- property test

ODD_VALUES = st.sampled_from(
    [0, -1, 1.0e308, float("nan"), "", None, [], {}, "abc", "0ms", "0/s", "0%", True, "x" * 5000, [[[[]]]],
     "http://[::1", "http://127.0.0.1:abc", "2026-02-30", "p95 < 0ms", "!!", "1e9h", {"unknown": 1}]
)  # fmt: skip


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


@st.composite
def mutated_configs(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(sorted(SHIPPED)))
    config = copy.deepcopy(SHIPPED[name])
    path = draw(st.sampled_from(list(_paths(config))[1:]))
    parent = config
    for part in path[:-1]:
        parent = parent[part]
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "delete":
        del parent[path[-1]]
    elif action == "add" and isinstance(parent, dict):
        parent[draw(st.sampled_from(["bogus", "timeout", "url", "name"]))] = draw(ODD_VALUES)
    else:
        parent[path[-1]] = draw(ODD_VALUES)
    text = yaml.safe_dump(config, sort_keys=False)
    if draw(st.booleans()):  # text-level damage YAML round trips cannot produce
        text += draw(st.sampled_from(["target: {}\n", ALIAS_BOMB, "x: " + "[" * 3000 + "\n", "\t:\n", "- a\n"]))
    return text


@pytest.mark.timeout(300)
@settings(
    max_examples=200, derandomize=True, deadline=5000, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)  # fmt: skip
@given(text=mutated_configs())
def test_mutated_shipped_configs_load_or_are_refused_naming_the_field(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        try:
            loaded = _load(Path(folder), text)
        except ConfigError as err:
            refused = err
        else:
            refused = None
    if refused is not None:
        assert refused.problems
        assert all(path or message for path, message in refused.problems)
        assert len(str(refused)) < MAX_MESSAGE
        return
    # a config that loads is one the run can use: a URL httpx accepts, timeouts that can be met, gates to judge
    httpx.URL(loaded.target.url)
    assert 0 < loaded.target.timeout <= 3600
    assert loaded.thresholds.gates
    assert loaded.load.rate > 0


@pytest.mark.parametrize("text", ["", "target: {timeout: 0}\n", ALIAS_BOMB, "a: 1\na: 2\n", WAIVER % "2026-02-30"])
def test_config_check_exits_7_with_a_bounded_message_and_no_traceback(
    tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from golive.cli import main

    path = tmp_path / "staging.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["config", "check", "--config", str(path)]) == 7
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"golive: config error in {path}:")
    assert "Traceback" not in err
    assert len(err) < MAX_MESSAGE
