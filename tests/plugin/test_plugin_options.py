"""Options, selection and the edges of an item's life: teardown, -m, run ids, report folders, long reasons."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., pytest.RunResult]

TWO_CHECKS_AND_A_PLAIN_TEST = '''
import pytest


@pytest.mark.golive
@pytest.mark.check("GL-DEMO-001", severity="blocker")
def test_demo(run_dir):
    """The demo item holds."""
    (run_dir / "evidence.txt").write_text("seen")


@pytest.mark.golive
@pytest.mark.check("GL-DEMO-002", severity="warning")
def test_other():
    """Another item holds."""


def test_plain():
    pass
'''


def summary_at(run_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    return data


def test_run_id_and_run_dir(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(TWO_CHECKS_AND_A_PLAIN_TEST)
    result = run("--golive-run-id=rc-1")
    assert result.ret == 0
    run_dir = reports / "scratch" / "rc-1"
    assert (run_dir / "evidence.txt").read_text(encoding="utf-8") == "seen"
    assert summary_at(run_dir)["run_id"] == "rc-1"
    result.stdout.fnmatch_lines(
        [f"golive: env scratch ({pytester.path / 'scratch.yaml'}), target http://127.0.0.1:1, run rc-1"]
    )


def test_golive_reports_from_the_environment(
    pytester: pytest.Pytester, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(TWO_CHECKS_AND_A_PLAIN_TEST)
    monkeypatch.setenv("GOLIVE_CONFIG", str(pytester.makefile(".yaml", envconf="target: {url: 'http://127.0.0.1:1'}")))
    monkeypatch.setenv("GOLIVE_REPORTS", str(pytester.path / "from-env"))
    result = pytester.runpytest("--golive-run-id=r1", "-p", "no:cacheprovider")
    assert result.ret == 0
    assert summary_at(pytester.path / "from-env" / "envconf" / "r1")["verdict"] == "GO"


def test_marker_selection_leaves_plain_tests_out(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(TWO_CHECKS_AND_A_PLAIN_TEST)
    result = run("-m", "golive", "--golive-run-id=r1")
    assert result.ret == 0
    result.assert_outcomes(passed=2, deselected=1)
    assert [c["id"] for c in summary_at(reports / "scratch" / "r1")["checks"]] == ["GL-DEMO-001", "GL-DEMO-002"]


def test_deselecting_every_check_writes_no_summary(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(TWO_CHECKS_AND_A_PLAIN_TEST)
    result = run("-m", "not golive")
    assert result.ret == 0
    result.assert_outcomes(passed=1, deselected=2)
    assert not reports.exists()


def test_nothing_collected_keeps_pytests_exit_code(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    result = run()
    assert result.ret == 5
    assert not reports.exists()


def test_failing_teardown_turns_a_passed_check_into_an_error(
    pytester: pytest.Pytester, run: Run, reports: Path
) -> None:
    pytester.makepyfile(
        '''
import pytest


@pytest.fixture
def probe_collection():
    yield "golive_probe_x"
    raise RuntimeError("could not remove golive_probe_x")


@pytest.mark.golive
@pytest.mark.check("GL-DATA-001", severity="blocker")
def test_write_read_delete(probe_collection):
    """A written point reads back."""
'''
    )
    result = run("--golive-run-id=r1")
    assert result.ret == 1
    (check,) = summary_at(reports / "scratch" / "r1")["checks"]
    assert (check["outcome"], check["message"]) == ("error", "RuntimeError: could not remove golive_probe_x")


def test_clean_teardown_keeps_the_failure(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(
        '''
import pytest


@pytest.fixture
def resource():
    yield 1


@pytest.mark.golive
@pytest.mark.check("GL-DATA-001", severity="blocker")
def test_write_read_delete(resource):
    """A written point reads back."""
    assert resource == 2, "read back 1; expected 2"
'''
    )
    result = run("--golive-run-id=r1")
    assert result.ret == 1
    (check,) = summary_at(reports / "scratch" / "r1")["checks"]
    assert (check["outcome"], check["message"]) == ("failed", "read back 1; expected 2")


def test_waived_item_is_shown_as_w_in_the_progress_line(
    pytester: pytest.Pytester, run: Run, golive_yaml: Callable[..., Path]
) -> None:
    golive_yaml("waivers: [{id: GL-DEMO-001, reason: known, approver: J. Doe, expires: 2999-12-31}]\n")
    pytester.makepyfile(
        '''
import pytest


@pytest.mark.golive
@pytest.mark.check("GL-DEMO-001", severity="blocker")
def test_demo():
    """The demo item holds."""
    assert False, "observed no"
'''
    )
    result = run()
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["test_waived_item_is_shown_as_w_in_the_progress_line.py W *", "*= 1 waived in *", "VERDICT: GO"]
    )
    assert "FAILURES" not in result.stdout.str()


def test_many_failed_blockers_are_cut_short_in_the_verdict_line(pytester: pytest.Pytester, run: Run) -> None:
    pytester.makepyfile(
        '''
import pytest


@pytest.mark.golive
@pytest.mark.check("GL-COL-001", severity="blocker")
@pytest.mark.parametrize("n", range(15))
def test_collection(n):
    """The collection exists."""
    assert False, f"collection c{n} is missing"
'''
    )
    result = run()
    assert result.ret == 1
    labels = " ".join(f"GL-COL-001[{n}]" for n in range(12))
    assert f"VERDICT: NO-GO ({labels} and 3 more)" in result.outlines


def test_stopping_early_after_a_warning_is_not_go(pytester: pytest.Pytester, run: Run, reports: Path) -> None:
    pytester.makepyfile(
        '''
import pytest

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-DEMO-001", severity="warning")
def test_warning_fails():
    """A warning item."""
    assert False, "observed no"


@pytest.mark.check("GL-DEMO-002", severity="blocker")
def test_blocker_never_runs():
    """A blocker that -x never reaches."""
    assert False, "observed no"
'''
    )
    result = run("-x", "--golive-run-id=r1")
    assert result.ret == 6
    assert "VERDICT: INCONCLUSIVE (the run was interrupted before every item finished)" in result.outlines
    summary = summary_at(reports / "scratch" / "r1")
    assert [c["id"] for c in summary["checks"]] == ["GL-DEMO-001"]
    assert summary["verdict"] == "INCONCLUSIVE"
