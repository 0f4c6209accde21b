"""The plugin end to end on scratch checks: outcomes, verdict, exit codes, terminal lines and summary.json."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., pytest.RunResult]

PASSING = '''
import pytest

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-DEMO-001", severity="blocker")
def test_demo_passes(golive_config):
    """The demo item holds."""
    assert golive_config.env == "scratch"
'''

FAILING_BLOCKER = '''
import pytest

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-DEMO-001", severity="blocker")
def test_demo_passes():
    """The demo item holds."""


@pytest.mark.check("GL-DEMO-002", severity="blocker")
def test_demo_fails():
    """The demo blocker holds."""
    assert 3 == 1, "observed 3 replicas; expected 1"
'''


def read_summary(reports: Path, env: str = "scratch") -> dict[str, Any]:
    runs = [p for p in (reports / env).iterdir() if p.is_dir() and p.name != "latest"]  # history.jsonl beside them
    assert len(runs) == 1, runs
    data: dict[str, Any] = json.loads((reports / env / "latest" / "summary.json").read_text(encoding="utf-8"))
    assert data["run_id"] == runs[0].name
    return data


def golive_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if line.startswith(("VERDICT:", "golive", "summary:"))]


def verdict_line(result: pytest.RunResult) -> str:
    lines = golive_lines(result)
    assert lines, result.outlines
    return lines[-1]


def test_passing_check_is_go_with_a_summary(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(test_demo=PASSING)
    result = run()
    assert result.ret == 0
    assert verdict_line(result) == "VERDICT: GO"
    result.stdout.fnmatch_lines(
        ["*golive scratch: http://127.0.0.1:1*", f"summary: {reports}/scratch/*/summary.json", "VERDICT: GO"]
    )
    summary = read_summary(reports)
    assert (summary["verdict"], summary["exit_code"], summary["reasons"]) == ("GO", 0, [])
    assert summary["env"] == "scratch"
    assert summary["config"] == str(pytester.path / "scratch.yaml")
    assert summary["target"]["url"] == "http://127.0.0.1:1"
    assert summary["counts"] == {"passed": 1}
    (check,) = summary["checks"]
    assert {k: check[k] for k in ("id", "label", "param", "nodeid", "title", "severity", "outcome", "message")} == {
        "id": "GL-DEMO-001",
        "label": "GL-DEMO-001",
        "param": None,
        "nodeid": "test_demo.py::test_demo_passes",
        "title": "The demo item holds.",
        "severity": "blocker",
        "outcome": "passed",
        "message": "",
    }
    assert isinstance(check["duration"], float)
    assert 0 <= check["duration"] < 5


def test_the_terminal_ends_with_pytest_counts_then_the_verdict(pytester: pytest.Pytester, run: Run) -> None:
    pytester.makepyfile(test_demo=PASSING)
    result = run()
    tail = [line for line in result.outlines if line.strip()][-2:]
    assert tail[0].startswith("=")
    assert " 1 passed in " in tail[0]
    assert tail[1] == "VERDICT: GO"


def test_on_a_no_go_the_verdict_is_the_last_line_after_pytests_short_summary(
    pytester: pytest.Pytester, run: Run
) -> None:
    """Issue 9.10: pytest's short test summary (64 lines for an unreachable target) once followed the verdict."""
    pytester.makepyfile(test_demo=PASSING.replace('== "scratch"', '== "other"'))
    result = run("-rfE")
    lines = [line for line in result.outlines if line.strip()]
    assert any(line.startswith("FAILED ") for line in lines)
    assert lines[-1] == "VERDICT: NO-GO (GL-DEMO-001)"
    assert sum(line.startswith("VERDICT:") for line in lines) == 1


def test_failing_blocker_is_no_go_naming_the_id(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(test_demo=FAILING_BLOCKER)
    result = run()
    assert result.ret == 1
    assert verdict_line(result) == "VERDICT: NO-GO (GL-DEMO-002)"
    result.stdout.fnmatch_lines(
        ["blockers failed: GL-DEMO-002 The demo blocker holds.", "    observed 3 replicas; expected 1"]
    )
    summary = read_summary(reports)
    assert (summary["verdict"], summary["exit_code"]) == ("NO-GO", 1)
    assert summary["reasons"] == ["blocker failed: GL-DEMO-002"]
    outcomes = {c["id"]: (c["outcome"], c["message"]) for c in summary["checks"]}
    assert outcomes == {
        "GL-DEMO-001": ("passed", ""),
        "GL-DEMO-002": ("failed", "observed 3 replicas; expected 1"),
    }


def test_failing_warning_is_still_go(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(
        test_demo=FAILING_BLOCKER.replace('"GL-DEMO-002", severity="blocker"', '"GL-DEMO-002", severity="warning"')
    )
    result = run()
    assert result.ret == 0
    assert verdict_line(result) == "VERDICT: GO"
    result.stdout.fnmatch_lines(["warnings failed: GL-DEMO-002 The demo blocker holds."])
    assert not [line for line in result.outlines if line.startswith("blockers failed:")]
    summary = read_summary(reports)
    assert summary["verdict"] == "GO"
    assert {c["id"]: c["outcome"] for c in summary["checks"]} == {"GL-DEMO-001": "passed", "GL-DEMO-002": "failed"}


def waiver(expires: dt.date) -> str:
    return (
        "waivers:\n"
        f"  - {{id: GL-DEMO-002, reason: replicas arrive next sprint, approver: J. Doe, expires: {expires}}}\n"
    )


def test_active_waiver_turns_a_failed_blocker_into_waived(
    pytester: pytest.Pytester, run: Run, reports: Path, golive_yaml: Callable[..., Path]
) -> None:
    expires = dt.date.today() + dt.timedelta(days=30)
    golive_yaml(waiver(expires))
    pytester.makepyfile(test_demo=FAILING_BLOCKER)
    result = run("-v")
    assert result.ret == 0
    assert verdict_line(result) == "VERDICT: GO"
    result.stdout.fnmatch_lines(
        [
            "test_demo.py::test_demo_fails WAIVED*",
            f"waived: GL-DEMO-002 The demo blocker holds. "
            f"(waived until {expires} by J. Doe: replicas arrive next sprint)",
        ]
    )
    summary = read_summary(reports)
    check: dict[str, Any] = next(c for c in summary["checks"] if c["id"] == "GL-DEMO-002")
    assert check["outcome"] == "waived"
    assert check["waiver"] == {
        "reason": "replicas arrive next sprint",
        "approver": "J. Doe",
        "expires": expires.isoformat(),
        "active": "true",
    }
    assert summary["counts"] == {"passed": 1, "waived": 1}


def test_expired_waiver_does_not_hide_a_failed_blocker(
    pytester: pytest.Pytester, run: Run, reports: Path, golive_yaml: Callable[..., Path]
) -> None:
    expired = dt.date.today() - dt.timedelta(days=1)
    golive_yaml(waiver(expired))
    pytester.makepyfile(test_demo=FAILING_BLOCKER)
    result = run()
    assert result.ret == 1
    assert verdict_line(result) == "VERDICT: NO-GO (GL-DEMO-002)"
    result.stdout.fnmatch_lines(
        [f"    observed 3 replicas; expected 1 (waiver expired on {expired}; approved by J. Doe)"]
    )
    check = next(c for c in read_summary(reports)["checks"] if c["id"] == "GL-DEMO-002")
    assert check["outcome"] == "failed"
    assert "waiver expired" in check["message"]
    assert check["waiver"]["active"] == "false"


def test_waiver_for_one_item_of_a_family_leaves_the_others_failing(
    pytester: pytest.Pytester, run: Run, reports: Path, golive_yaml: Callable[..., Path]
) -> None:
    expires = dt.date.today() + dt.timedelta(days=30)
    golive_yaml(
        f"waivers:\n  - {{id: 'GL-DEMO-003[faq]', reason: reindex tonight, approver: J. Doe, expires: {expires}}}\n"
    )
    pytester.makepyfile(
        test_demo='''
import pytest

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-DEMO-003", severity="blocker")
@pytest.mark.parametrize("name", ["faq", "documents"])
def test_collection_is_green(name):
    """The collection is green."""
    assert False, f"collection {name} is yellow; expected green"
'''
    )
    result = run()
    assert result.ret == 1
    assert verdict_line(result) == "VERDICT: NO-GO (GL-DEMO-003[documents])"
    outcomes = {c["label"]: c["outcome"] for c in read_summary(reports)["checks"]}
    assert outcomes == {"GL-DEMO-003[faq]": "waived", "GL-DEMO-003[documents]": "failed"}


def test_inconclusive_check_makes_the_run_inconclusive(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(
        test_demo='''
import pytest
from golive.outcomes import inconclusive

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-PERF-001", severity="blocker")
def test_latency_gate():
    """p95 stays under 10 ms at 1000 req/s."""
    inconclusive("load generator CPU at 97%")


@pytest.mark.check("GL-DEMO-001", severity="blocker")
def test_demo_passes():
    """The demo item holds."""
'''
    )
    result = run("-v")
    assert result.ret == 6
    assert (
        verdict_line(result)
        == "VERDICT: INCONCLUSIVE (measurement not trusted: GL-PERF-001: load generator CPU at 97%)"
    )
    result.stdout.fnmatch_lines(
        [
            "test_demo.py::test_latency_gate INCONCLUSIVE*",
            "inconclusive: GL-PERF-001 p95 stays under 10 ms at 1000 req/s.",
            "    load generator CPU at 97%",
        ]
    )
    summary = read_summary(reports)
    assert (summary["verdict"], summary["exit_code"]) == ("INCONCLUSIVE", 6)
    assert summary["checks"][0]["outcome"] == "inconclusive"
    assert summary["checks"][0]["message"] == "load generator CPU at 97%"


def test_inconclusive_does_not_hide_a_failed_blocker(pytester: pytest.Pytester, run: Run) -> None:
    pytester.makepyfile(
        test_demo=FAILING_BLOCKER
        + '''

@pytest.mark.check("GL-PERF-001", severity="blocker")
def test_latency_gate():
    """p95 stays under 10 ms."""
    from golive.outcomes import Inconclusive
    raise Inconclusive("samples lost")
'''
    )
    result = run()
    assert result.ret == 1
    assert verdict_line(result) == "VERDICT: NO-GO (GL-DEMO-002)"


def test_fixture_error_fails_a_blocker(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(
        test_demo='''
import pytest

pytestmark = pytest.mark.golive


@pytest.fixture
def broken():
    raise RuntimeError("cannot read /etc/qdrant/config.yaml")


@pytest.mark.check("GL-SVC-004", severity="blocker")
def test_config_file_is_owned_by_qdrant(broken):
    """The config file belongs to the qdrant user."""
'''
    )
    result = run()
    assert result.ret == 1
    assert verdict_line(result) == "VERDICT: NO-GO (GL-SVC-004)"
    (check,) = read_summary(reports)["checks"]
    assert (check["outcome"], check["message"]) == ("error", "RuntimeError: cannot read /etc/qdrant/config.yaml")


def test_only_skipped_checks_is_inconclusive(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(
        test_demo='''
import pytest

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-SEC-001", severity="blocker")
def test_writes_need_a_key():
    """Writes are rejected without an API key."""
    pytest.skip("claims.api_key is off")
'''
    )
    result = run()
    assert result.ret == 6
    assert verdict_line(result) == "VERDICT: INCONCLUSIVE (no checklist item ran)"
    (check,) = read_summary(reports)["checks"]
    assert (check["outcome"], check["message"]) == ("skipped", "claims.api_key is off")


def test_interrupted_run_writes_an_inconclusive_summary(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(
        test_demo=PASSING
        + '''

@pytest.mark.check("GL-DEMO-002", severity="blocker")
def test_interrupted():
    """Ctrl-C arrives here."""
    raise KeyboardInterrupt


@pytest.mark.check("GL-DEMO-003", severity="blocker")
def test_never_runs():
    """Never reached."""
'''
    )
    result = run(subprocess=True)  # in-process, the KeyboardInterrupt would reach this session too
    assert result.ret == 2
    summary = read_summary(reports)
    assert summary["verdict"] == "INCONCLUSIVE"
    assert summary["reasons"] == ["the run was interrupted before every item finished"]
    assert "GL-DEMO-003" not in {c["id"] for c in summary["checks"]}


def test_parametrized_items_each_get_an_entry(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(
        test_demo='''
import pytest

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-COL-001", severity="blocker")
@pytest.mark.parametrize("name", ["faq", "images", "documents"])
def test_collection_exists(name):
    """The collection exists."""
    assert name != "images", f"collection {name!r} does not exist"
'''
    )
    result = run()
    assert result.ret == 1
    assert verdict_line(result) == "VERDICT: NO-GO (GL-COL-001[images])"
    checks = read_summary(reports)["checks"]
    assert [(c["id"], c["param"], c["label"], c["outcome"]) for c in checks] == [
        ("GL-COL-001", "faq", "GL-COL-001[faq]", "passed"),
        ("GL-COL-001", "images", "GL-COL-001[images]", "failed"),
        ("GL-COL-001", "documents", "GL-COL-001[documents]", "passed"),
    ]
    assert checks[1]["nodeid"] == "test_demo.py::test_collection_exists[images]"
    assert checks[1]["message"] == "collection 'images' does not exist"


def test_unreachable_target_fails_with_one_line(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(
        test_demo='''
import pytest

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-HEALTH-001", severity="blocker")
def test_healthz(qdrant):
    """/healthz answers 200."""
    assert qdrant.get("/healthz").status_code == 200


@pytest.mark.check("GL-HEALTH-002", severity="blocker")
def test_livez(qdrant):
    """/livez answers 200."""
    assert qdrant.get("/livez").status_code == 200
'''
    )
    result = run()
    assert result.ret == 1
    assert verdict_line(result) == "VERDICT: NO-GO (GL-HEALTH-001 GL-HEALTH-002)"
    result.stdout.fnmatch_lines(
        [
            "*_ test_healthz _*",
            "GL-HEALTH-001: connection refused to http://127.0.0.1:1 (decided by GET /; later calls not tried)",
            "*_ test_livez _*",
            "GL-HEALTH-002: connection refused to http://127.0.0.1:1 (decided by GET /; later calls not tried)",
        ]
    )
    output = result.stdout.str()
    for noise in ("Traceback", "httpx", "httpcore", "def test_healthz", "ConnectError", "raise "):
        assert noise not in output
    summary = read_summary(reports)
    refused = "connection refused to http://127.0.0.1:1 (decided by GET /; later calls not tried)"
    assert [c["message"] for c in summary["checks"]] == [refused] * 2
    assert summary["target"]["server"] == {"sandbox": None}


def test_secrets_are_redacted_from_the_summary_and_terminal(
    pytester: pytest.Pytester, run: Run, reports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "k3y-Adm1n-0123456789"
    monkeypatch.setenv("QDRANT_API_KEY", key)
    pytester.makepyfile(
        test_demo='''
import os
import pytest

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-SEC-002", severity="blocker")
def test_key_is_not_echoed(qdrant):
    """The API key never shows up in responses."""
    key = os.environ["QDRANT_API_KEY"]
    print(f"sent api-key {key}")
    assert False, f"the server echoed api-key {key}"
'''
    )
    result = run()
    assert result.ret == 1
    (check,) = read_summary(reports)["checks"]
    assert check["message"] == "the server echoed api-key ***"
    assert key not in (reports / "scratch" / "latest" / "summary.json").read_text(encoding="utf-8")
    assert key not in result.stdout.str()
    result.stdout.fnmatch_lines(["E       AssertionError: the server echoed api-key ***", "sent api-key ***"])


def test_non_golive_tests_are_left_out_of_the_verdict(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(
        test_demo=PASSING,
        test_plain="""
def test_plain_fails():
    assert 1 == 2
""",
    )
    result = run()
    assert result.ret == 0
    assert verdict_line(result) == "VERDICT: GO"
    assert [c["nodeid"] for c in read_summary(reports)["checks"]] == ["test_demo.py::test_demo_passes"]


def test_a_session_without_golive_items_writes_no_summary(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(test_plain="def test_plain_fails():\n    assert 1 == 2\n")
    result = run()
    assert result.ret == 1  # pytest's own: tests failed
    assert [line for line in golive_lines(result) if not line.startswith("golive: env ")] == []  # header only
    assert not reports.exists()


def test_a_session_without_golive_items_and_without_config_options(
    pytester: pytest.Pytester, run: Run, reports: Path
) -> None:
    pytester.makepyfile(test_plain="def test_plain_passes():\n    pass\n")
    result = run(config=None)
    assert result.ret == 0
    assert not [line for line in result.outlines if line.startswith(("golive", "VERDICT"))]
    assert not reports.exists()


def test_collect_only_writes_no_summary(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(test_demo=PASSING)
    result = run("--collect-only", "-q")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["test_demo.py::test_demo_passes"])
    assert not [line for line in result.outlines if line.startswith("VERDICT")]
    assert not reports.exists()


def test_golive_env_reads_config_from_the_root(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    (pytester.path / "config").mkdir()
    (pytester.path / "config" / "stage.yaml").write_text("target: {url: 'http://127.0.0.1:1'}\n", encoding="utf-8")
    pytester.makepyfile(test_demo=PASSING.replace('== "scratch"', '== "stage"'))
    result = run("--golive-env=stage", config=None)
    assert result.ret == 0
    assert read_summary(reports, env="stage")["config"] == str(pytester.path / "config" / "stage.yaml")


def test_golive_target_overrides_the_config(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(test_demo=PASSING)
    result = run("--golive-target=http://127.0.0.1:2")
    assert result.ret == 0
    assert read_summary(reports)["target"]["url"] == "http://127.0.0.1:2"


def test_dependency_password_is_redacted_without_the_qdrant_fixture(
    pytester: pytest.Pytester,
    run: Run,
    reports: Path,
    monkeypatch: pytest.MonkeyPatch,
    golive_yaml: Callable[..., Path],
) -> None:
    password = "r3dis-Pa55-0123456789"
    monkeypatch.setenv("REDIS_PASSWORD", password)
    golive_yaml(
        "dependencies: [{name: redis, kind: redis, url: 'redis://10.0.1.40:6379', password_env: REDIS_PASSWORD}]\n"
    )
    pytester.makepyfile(
        test_demo='''
import os
import pytest

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-DEP-001", severity="blocker")
def test_redis_answers(golive_config):
    """Redis answers PING."""
    password = os.environ[golive_config.dependencies[0].password_env]
    raise ConnectionError(f"AUTH {password} refused")
'''
    )
    result = run()
    assert result.ret == 1
    (check,) = read_summary(reports)["checks"]
    assert check["message"] == "ConnectionError: AUTH *** refused"
    assert password not in result.stdout.str()
    assert password not in (reports / "scratch" / "latest" / "summary.json").read_text(encoding="utf-8")


def test_skipped_blockers_are_listed_and_make_the_run_inconclusive(
    pytester: pytest.Pytester, run: Run, reports: Path
) -> None:
    pytester.makepyfile(
        test_demo='''
import pytest

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-DEMO-001", severity="blocker")
def test_ok():
    """Holds."""


@pytest.mark.check("GL-DEMO-004", severity="blocker")
@pytest.mark.parametrize("gate", ["p95", "throughput"])
def test_gate(gate):
    """The gate holds."""
    pytest.skip("full-rate load is not allowed here (allow.full_load: false)")
'''
    )
    result = run()
    assert result.ret == 6  # no silent GO: a blocker that did not run and that no waiver names
    result.stdout.fnmatch_lines(
        [
            "blockers not run (no waiver names them): GL-DEMO-004[p95] GL-DEMO-004[throughput]",
            "    full-rate load is not allowed here (allow.full_load: false)",
            "summary: *",
            "VERDICT: INCONCLUSIVE (GL-DEMO-004[p95] GL-DEMO-004[throughput])",
        ]
    )
    reasons = read_summary(reports)["reasons"]
    assert reasons == [
        f"blocker not run: GL-DEMO-004[{gate}]: full-rate load is not allowed here (allow.full_load: false)"
        for gate in ("p95", "throughput")
    ]


def test_a_waiver_naming_a_blocker_not_run_keeps_go(
    pytester: pytest.Pytester, run: Run, golive_yaml: Callable[..., Path], reports: Path
) -> None:
    expires = dt.date.today() + dt.timedelta(days=30)
    golive_yaml(
        "waivers:\n"
        f"  - {{id: GL-DEMO-004, reason: load runs in the maintenance window, approver: J. Doe, expires: {expires}}}\n"
    )
    pytester.makepyfile(
        test_demo='''
import pytest

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-DEMO-001", severity="blocker")
def test_ok():
    """Holds."""


@pytest.mark.check("GL-DEMO-004", severity="blocker")
def test_gate():
    """The gate holds."""
    pytest.skip("full-rate load is not allowed here (allow.full_load: false)")
'''
    )
    result = run()
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["waived: GL-DEMO-004 The gate holds. (waived until * by J. Doe: load runs *)", "VERDICT: GO"]
    )
    check = next(c for c in read_summary(reports)["checks"] if c["id"] == "GL-DEMO-004")
    assert check["outcome"] == "waived"
    assert check["message"] == "not run: full-rate load is not allowed here (allow.full_load: false)"
