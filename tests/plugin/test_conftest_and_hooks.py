"""The top-level conftest.py loads the plugin exactly once, installed or not; the pytest_golive_* hooks are
called with the finished run record, so writers and the release gate plug in without editing the plugin."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., pytest.RunResult]
TOP_CONFTEST = Path(__file__).resolve().parents[2] / "conftest.py"

ONE_CHECK = '''
import pytest


@pytest.mark.golive
@pytest.mark.check("GL-DEMO-001", severity="blocker")
def test_demo(run_dir):
    """The demo item holds."""
    (run_dir / "evidence.txt").write_text("seen")


def test_the_plugin_is_registered_once(pytestconfig):
    import golive.plugin

    names = [n for n, p in pytestconfig.pluginmanager.list_name_plugin() if p is golive.plugin]
    assert names == ["golive"]
'''


@pytest.mark.parametrize("autoload", ["installed", "not installed"])
def test_top_level_conftest_loads_the_plugin_once(
    pytester: pytest.Pytester, run: Run, monkeypatch: pytest.MonkeyPatch, autoload: str
) -> None:
    """Installed: the pytest11 entry point loads it and conftest.py leaves it be; not installed (no entry point
    loaded, as in a bare checkout): conftest.py registers it."""
    if autoload == "not installed":
        monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makeconftest(TOP_CONFTEST.read_text(encoding="utf-8"))
    pytester.makepyfile(ONE_CHECK)
    result = run("--golive-run-id=r1", subprocess=True)
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["*VERDICT: GO*"])
    help_text = pytester.runpytest_subprocess("--help").stdout.str()
    assert help_text.count("--golive-env=NAME") == 1


def test_without_the_conftest_and_the_entry_point_there_is_no_plugin(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counter-case: what the conftest adds is real (no conftest, no autoload: no golive options)."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert "--golive-env" not in pytester.runpytest_subprocess("--help").stdout.str()


WRITER_CONFTEST = """
import json


def pytest_golive_write_report(record, run_dir):
    path = run_dir / "verdict.txt"
    path.write_text(f"{record.env} {record.verdict}")
    return [path]


def pytest_golive_run_finished(record, run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    (run_dir / "finished.json").write_text(json.dumps({"verdict": str(record.verdict), "seen": summary["verdict"],
                                                       "evidence": summary["evidence"]}))


def pytest_golive_generate_tests(metafunc, settings):
    if "env_name" in metafunc.fixturenames:
        metafunc.parametrize("env_name", [settings.env])
"""


def test_hooks_get_the_run_record_and_write_evidence(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makeconftest(WRITER_CONFTEST)
    pytester.makepyfile(
        ONE_CHECK
        + '''

@pytest.mark.golive
@pytest.mark.check("GL-DEMO-002", severity="blocker")
def test_env(env_name):
    """The settings reach the parametrizing hook."""
    assert env_name == "nope"
'''
    )
    result = run("--golive-run-id=r1")
    assert result.ret == 1
    run_dir = reports / "scratch" / "r1"
    assert (run_dir / "verdict.txt").read_text() == "scratch NO-GO"
    finished = json.loads((run_dir / "finished.json").read_text())
    evidence = finished.pop("evidence")
    assert finished == {"verdict": "NO-GO", "seen": "NO-GO"}
    # the conftest's writer beside golive's own (golive.report.writers): HTML, JUnit, Prometheus text, allure
    assert evidence == ["allure-results/", "evidence.txt", "junit.xml", "metrics.prom", "report.html", "verdict.txt"]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert [c["label"] for c in summary["checks"] if c["outcome"] == "failed"] == ["GL-DEMO-002[scratch]"]
