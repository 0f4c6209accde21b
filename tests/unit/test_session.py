"""The run session in plain Python, without pytest's machinery: settings once, results, waivers, the record."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from golive.config import ConfigError
from golive.report.summary import write_record
from golive.session import Item, RunSession, reports_root

CONFIG = """\
target: {url: "http://127.0.0.1:1", api_key_env: SESSION_TEST_KEY}
waivers:
  - {id: GL-DEMO-002, reason: known, approver: ops, expires: 2999-01-01}
  - {id: GL-DEMO-003, reason: old, approver: ops, expires: 2000-01-01}
"""
BLOCKER = Item("t.py::test_a", "GL-DEMO-001", "blocker", "A holds")


@pytest.fixture
def session(tmp_path: Path) -> RunSession:
    path = tmp_path / "demo.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    environ = {"SESSION_TEST_KEY": "s3cret-key"}
    return RunSession(
        config=path, reports=tmp_path / "out", run_id="r1", target_url="http://127.0.0.1:2", environ=environ
    )


def test_settings_load_once_with_the_override_and_the_secrets(session: RunSession, tmp_path: Path) -> None:
    assert session.loaded is None
    settings = session.settings
    assert session.settings is settings
    assert settings.target.url == "http://127.0.0.1:2"
    assert session.secrets == ["s3cret-key"]
    assert session.run_dir == tmp_path / "out" / "demo" / "r1"


def test_a_bad_config_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        _ = RunSession(config=tmp_path / "missing.yaml").settings


def test_results_waivers_and_the_verdict(session: RunSession) -> None:
    session.selected = {BLOCKER.nodeid, "t.py::test_b", "t.py::test_c"}
    session.record_phase(BLOCKER, "setup", "passed", "", 0.1)
    session.record_phase(BLOCKER, "call", "passed", "", 0.2)
    waived = Item("t.py::test_b", "GL-DEMO-002", "blocker", "B holds")
    assert session.record_phase(waived, "call", "failed", "saw s3cret-key", 0.1).outcome == "waived"
    expired = Item("t.py::test_c", "GL-DEMO-003", "warning", "C holds")
    result = session.record_phase(expired, "call", "failed", "no", 0.1)
    assert (result.outcome, result.message) == ("failed", "no (waiver expired on 2000-01-01; approved by ops)")
    record = session.finish()
    assert str(record.verdict) == "GO"
    assert session.results[waived.nodeid].message == "saw ***"
    assert round(session.results[BLOCKER.nodeid].duration, 3) == 0.3


def test_a_clean_teardown_does_not_hide_a_failure_and_unfinished_items_are_inconclusive(session: RunSession) -> None:
    session.selected = {BLOCKER.nodeid, "t.py::never_ran"}
    session.record_phase(BLOCKER, "call", "passed", "", 0.1)
    assert str(session.finish().verdict) == "INCONCLUSIVE"
    session.record_phase(BLOCKER, "call", "failed", "boom", 0.1)
    session.record_phase(BLOCKER, "teardown", "passed", "", 0.1)
    assert session.results[BLOCKER.nodeid].outcome == "failed"
    assert str(session.finish().verdict) == "NO-GO"


def test_the_record_is_what_summary_json_holds_plus_evidence(session: RunSession) -> None:
    session.selected = {BLOCKER.nodeid}
    session.record_phase(BLOCKER, "call", "failed", "key s3cret-key seen", 0.1)
    record = session.finish()
    record.run_dir.mkdir(parents=True)
    (record.run_dir / "load").mkdir()
    (record.run_dir / "load" / "result.json").write_text("{}")
    record.collect_evidence()
    path = write_record(record)
    summary = json.loads(path.read_text())
    assert (summary["verdict"], summary["exit_code"]) == ("NO-GO", 1)
    assert summary["evidence"] == ["load/result.json"]
    assert summary["checks"][0]["message"] == "key *** seen"
    assert dt.datetime.fromisoformat(summary["finished_at"]) >= record.started_at
    assert (record.run_dir.parent / "latest").resolve() == record.run_dir.resolve()


def test_reports_root_option_then_environment_then_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GOLIVE_REPORTS", raising=False)
    assert reports_root() == Path("reports")
    assert reports_root(root=tmp_path) == tmp_path / "reports"
    monkeypatch.setenv("GOLIVE_REPORTS", "/elsewhere")
    assert reports_root(root=tmp_path) == Path("/elsewhere")
    assert reports_root("mine", root=tmp_path) == Path("mine")


def test_writers_may_name_one_path_a_list_or_nothing(session: RunSession, tmp_path: Path) -> None:
    record = session.finish()
    record.run_dir.mkdir(parents=True)
    (record.run_dir / "report.html").write_text("<html>")
    outside = tmp_path / "pushed.prom"
    record.collect_evidence([record.run_dir / "report.html", [str(outside)], None])
    assert record.evidence == [str(outside), "report.html"]


def test_call_properties_are_kept_redacted(session: RunSession) -> None:
    """An item's user_properties (a dependency's version and role) land in its result, secrets redacted."""
    seen = {"dependency": {"version": "7.0.15", "role": "master", "url": "redis://:s3cret-key@r"}}
    session.record_phase(BLOCKER, "setup", "passed", "", 0.1, {"ignored": "setup"})
    result = session.record_phase(BLOCKER, "call", "passed", "", 0.1, seen)
    assert result.properties == {"dependency": {"version": "7.0.15", "role": "master", "url": "redis://:***@r"}}
    assert result.as_dict()["properties"] == result.properties


def test_a_run_folder_is_marked_incomplete_until_its_summary_is_written(session: RunSession) -> None:
    """Issue 9.3: a folder a killed run left behind says so, and ``latest`` never points at it."""
    run_dir = session.open_run_dir()
    assert "no summary.json was written" in (run_dir / "INCOMPLETE").read_text()
    assert not (run_dir.parent / "latest").exists()
    write_record(session.finish())
    assert not (run_dir / "INCOMPLETE").exists()
    assert (run_dir.parent / "latest").resolve() == run_dir.resolve()


def test_leftover_probe_collections_are_in_the_summary_and_the_terminal(session: RunSession) -> None:
    """Issue 9.2: every probe collection the run could not remove is listed, in summary.json and the terminal."""
    from golive.report.terminal import write_verdict

    leftover = "golive_probe_r1_baseline left on the target: DELETE ... answered HTTP 500 (2 attempts)"
    session.leftovers = [leftover]
    record = session.finish()
    summary = json.loads(write_record(record).read_text())
    assert summary["target"]["leftover_probe_collections"] == [leftover]

    class Lines:
        def __init__(self) -> None:
            self.lines: list[str] = []

        def section(self, title: str, sep: str = "=", **markup: bool) -> None:
            self.lines.append(title)

        def write_line(self, line: str, **markup: bool) -> None:
            self.lines.append(line)

    terminal = Lines()
    write_verdict(terminal, record)
    assert f"probe collection NOT removed: {leftover}" in terminal.lines


def test_a_chosen_run_id_never_silently_replaces_a_finished_run(tmp_path: Path) -> None:
    """Issue 9.8: reusing --golive-run-id=rc1 silently overwrote the earlier summary and baseline."""
    path = tmp_path / "demo.yaml"
    path.write_text(CONFIG, encoding="utf-8")

    def session(**kw: Any) -> RunSession:
        return RunSession(config=path, reports=tmp_path / "out", run_id="rc1", environ={}, **kw)

    write_record(session().finish())
    with pytest.raises(ConfigError, match=r"already holds a finished run.*--golive-overwrite"):
        _ = session().settings
    assert session(overwrite=True).settings.env == "demo"


@pytest.mark.parametrize("bad", ["rc1.0", "rc_1", "-rc", "a/b", "latest", "x" * 65])
def test_one_run_id_form(bad: str) -> None:
    from golive.fields import check_run_id

    with pytest.raises(ValueError, match=r"run id|reserved"):
        check_run_id(bad)
    assert check_run_id("rc1-2026") == "rc1-2026"
