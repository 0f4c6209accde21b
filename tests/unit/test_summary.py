"""golive.report.summary: summary.json fields, redaction everywhere, the ``latest`` link, run ids."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import re
import socket
from pathlib import Path
from typing import Any

import golive
from golive.fields import new_run_id
from golive.outcomes import Verdict
from golive.report.summary import REDACTED, SCHEMA_VERSION, build_summary, redact, write_summary
from golive.verdict import CheckResult, Decision

KEY = "k3y-Adm1n-0123456789"
RO_KEY = "k3y-R0-9876543210"
STARTED = dt.datetime(2026, 11, 28, 0, 44, 12, tzinfo=dt.UTC)


def results() -> list[CheckResult]:
    return [
        CheckResult(
            id="GL-HEALTH-001",
            nodeid="checks/test_health.py::test_healthz_reports_healthy",
            title='/healthz answers 200 "healthz check passed"',
            severity="blocker",
            outcome="passed",
            duration=0.012,
        ),
        CheckResult(
            id="GL-SEC-002",
            nodeid="checks/test_security.py::test_writes_need_a_key[faq]",
            title="Writes are rejected without an API key",
            severity="blocker",
            outcome="failed",
            duration=0.5,
            message=f"PUT /collections/faq accepted with api-key {KEY}; expected 401",
            param="faq",
            waiver={"reason": f"rotating {RO_KEY}", "approver": "J. Doe", "expires": "2026-12-31", "active": "false"},
        ),
    ]


def summary(run_id: str = "20261128T004412Z-3fa2", **target: Any) -> dict[str, Any]:
    return build_summary(
        run_id=run_id,
        env="staging",
        config="config/staging.yaml",
        target={"url": "http://127.0.0.1:6333", "sandbox": False, "server": {"version": "1.15.0"}, **target},
        started_at=STARTED,
        finished_at=STARTED + dt.timedelta(seconds=3.25),
        decision=Decision(Verdict.NO_GO, ["blocker failed: GL-SEC-002[faq]"]),
        results=results(),
    )


def test_write_summary_writes_the_schema(tmp_path: Path) -> None:
    run_dir = tmp_path / "staging" / "20261128T004412Z-3fa2"
    path = write_summary(run_dir, summary())
    assert path == run_dir / "summary.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {k: v for k, v in data.items() if k != "checks"} == {
        "schema_version": SCHEMA_VERSION,
        "run_id": "20261128T004412Z-3fa2",
        "env": "staging",
        "config": "config/staging.yaml",
        "target": {"url": "http://127.0.0.1:6333", "sandbox": False, "server": {"version": "1.15.0"}},
        "started_at": "2026-11-28T00:44:12+00:00",
        "finished_at": "2026-11-28T00:44:15.250000+00:00",
        "duration": 3.25,
        "verdict": "NO-GO",
        "exit_code": 1,
        "reasons": ["blocker failed: GL-SEC-002[faq]"],
        "counts": {"passed": 1, "failed": 1},
        "suite_version": golive.__version__,
        "config_sha256": None,  # config/staging.yaml does not exist here
        "ran_by": f"{getpass.getuser()}@{socket.gethostname()}",
    }
    first, second = data["checks"]
    assert first == {
        "id": "GL-HEALTH-001",
        "label": "GL-HEALTH-001",
        "param": None,
        "nodeid": "checks/test_health.py::test_healthz_reports_healthy",
        "title": '/healthz answers 200 "healthz check passed"',
        "severity": "blocker",
        "outcome": "passed",
        "duration": 0.012,
        "message": "",
        "waiver": None,
        "properties": {},
    }
    assert (second["label"], second["param"], second["outcome"]) == ("GL-SEC-002[faq]", "faq", "failed")
    assert not list(run_dir.glob("*.tmp"))


def test_write_summary_redacts_secrets_everywhere(tmp_path: Path) -> None:
    data = summary(
        headers={"api-key": KEY, KEY: "as a key"},
        seen=(f"Bearer {KEY}", [{"deep": f"ro={RO_KEY}"}]),
        path=Path(f"/tmp/{KEY}"),
    )
    path = write_summary(tmp_path / "staging" / "run", data, secrets=[KEY, RO_KEY, ""])
    text = path.read_text(encoding="utf-8")
    assert KEY not in text
    assert RO_KEY not in text
    written = json.loads(text)
    assert written["checks"][1]["message"] == f"PUT /collections/faq accepted with api-key {REDACTED}; expected 401"
    assert written["checks"][1]["waiver"]["reason"] == f"rotating {REDACTED}"
    assert written["target"]["headers"] == {"api-key": REDACTED, REDACTED: "as a key"}
    assert written["target"]["seen"] == [f"Bearer {REDACTED}", [{"deep": f"ro={REDACTED}"}]]
    assert written["target"]["path"] == f"/tmp/{REDACTED}"


def test_write_summary_without_secrets_writes_everything(tmp_path: Path) -> None:
    path = write_summary(tmp_path / "staging" / "run", summary())
    assert KEY in path.read_text(encoding="utf-8")


def test_redact_hides_a_secret_that_contains_another_whole() -> None:
    assert redact(f"key {KEY}", [KEY[:8], KEY]) == f"key {REDACTED}"
    assert redact(f"key {KEY}", [KEY, KEY[:8]]) == f"key {REDACTED}"


def test_redact_leaves_other_values_alone() -> None:
    value = {"n": 3, "ok": True, "none": None, "text": "nothing secret"}
    assert redact(value, [KEY]) == value
    assert redact(value, []) is value


def test_latest_points_at_the_newest_run(tmp_path: Path) -> None:
    env_dir = tmp_path / "staging"
    first = write_summary(env_dir / "20261128T004412Z-aaaa", summary("20261128T004412Z-aaaa"))
    latest = env_dir / "latest"
    assert latest.is_symlink()
    assert latest.resolve() == first.parent.resolve()
    second = write_summary(env_dir / "20261128T004500Z-bbbb", summary("20261128T004500Z-bbbb"))
    assert latest.is_symlink()
    assert str(latest.readlink()) == "20261128T004500Z-bbbb"  # relative: the folder can be moved
    assert json.loads((latest / "summary.json").read_text(encoding="utf-8"))["run_id"] == "20261128T004500Z-bbbb"
    assert second.parent.resolve() == latest.resolve()
    assert sorted(p.name for p in env_dir.iterdir()) == ["20261128T004412Z-aaaa", "20261128T004500Z-bbbb", "latest"]


def test_rewriting_a_run_keeps_latest_on_it(tmp_path: Path) -> None:
    run_dir = tmp_path / "staging" / "run-1"
    write_summary(run_dir, summary("run-1"))
    write_summary(run_dir, summary("run-1"))
    assert str((tmp_path / "staging" / "latest").readlink()) == "run-1"


def test_new_run_id_format() -> None:
    run_id = new_run_id(dt.datetime(2026, 11, 28, 0, 44, 12, 999, tzinfo=dt.UTC))
    assert re.fullmatch(r"20261128T004412Z-[0-9a-f]{6}", run_id), run_id


def test_new_run_id_defaults_to_now_in_utc() -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    run_id = new_run_id()
    after = dt.datetime.now(dt.UTC)
    stamp = dt.datetime.strptime(run_id.split("-")[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    assert before <= stamp <= after


def test_new_run_ids_in_the_same_second_differ() -> None:
    now = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    ids = {new_run_id(now) for _ in range(3)}
    assert len(ids) == 3


def test_redaction_is_by_token_not_by_substring() -> None:
    """Issue 9.7: with QDRANT_API_KEY=GO, summary.json once said '"verdict": "***"'."""
    key = "Zk3y-0123456789"
    assert redact(f"api-key: {key}", [key]) == "api-key: ***"
    assert redact(f"http://h:6333/x?api-key={key}&y=1", [key]) == "http://h:6333/x?api-key=***&y=1"
    assert redact({"key": key, key: "seen"}, [key]) == {"key": "***", "***": "seen"}
    assert redact(f'"{key}"', [key]) == '"***"'
    assert redact(f"x{key}9", [key]) == f"x{key}9"  # part of a longer word: another value, not the key
    assert redact({"verdict": "GO", "note": "GOOD"}, ["GOOD"]) == {"verdict": "GO", "note": "***"}
