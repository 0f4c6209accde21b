"""Under pytest-xdist the run record is the controller's: the same verdict, counts, outcomes, messages and
waivers as a serial run, one summary (workers write none), one run id for every worker."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., pytest.RunResult]

MIXED = '''
import pytest

pytestmark = pytest.mark.golive


@pytest.mark.check("GL-DEMO-001", severity="blocker")
@pytest.mark.parametrize("node", ["a", "b", "c", "d"])
def test_node_is_fine(node, run_dir, record_property):
    """Each node holds."""
    record_property("golive_host", {"host": node, "cores": 2})
    (run_dir / f"evidence-{node}.txt").write_text(node)


@pytest.mark.check("GL-DEMO-002", severity="blocker")
def test_replicas():
    """Replicas hold."""
    assert 3 == 1, "observed 3 replicas; expected 1"


@pytest.mark.check("GL-DEMO-003", severity="warning")
def test_warning():
    """A warning holds."""
    assert False, "observed a warning"


@pytest.mark.check("GL-DEMO-004", severity="blocker")
def test_skipped():
    """Skips with a reason."""
    pytest.skip("claims.tls is false")
'''


def runs_of(reports: Path) -> list[Path]:
    return [p for p in (reports / "scratch").iterdir() if p.is_dir() and not p.is_symlink()]


def comparable(summary: dict[str, Any]) -> dict[str, Any]:
    checks = sorted(
        (c["label"], c["outcome"], c["message"], c["severity"], c["title"], json.dumps(c["waiver"]))
        for c in summary["checks"]
    )
    keep = ("verdict", "exit_code", "reasons", "counts", "hosts")
    return {k: summary[k] for k in keep} | {"checks": checks}


def test_parallel_run_record_matches_the_serial_one(
    pytester: pytest.Pytester, run: Run, golive_yaml: Callable[..., Path]
) -> None:
    expires = dt.date.today() + dt.timedelta(days=30)
    golive_yaml(
        f"waivers:\n  - {{id: GL-DEMO-002, reason: known, approver: J. Doe, expires: {expires}}}\n"
        f"  - {{id: GL-DEMO-004, reason: no TLS yet, approver: J. Doe, expires: {expires}}}\n"
    )
    pytester.makepyfile(test_demo=MIXED)
    records = {}
    for mode, args in (("serial", ("-p", "no:xdist")), ("parallel", ("-n", "3"))):
        reports = pytester.path / mode
        result = run(f"--golive-reports={reports}", *args, subprocess=True)
        assert result.ret == 0, result.outlines
        result.stdout.fnmatch_lines(["VERDICT: GO"])
        written = runs_of(reports)
        assert len(written) == 1, written  # the workers wrote no summary of their own
        files = {p.name for p in written[0].iterdir()}
        assert {f"evidence-{n}.txt" for n in "abcd"} | {"summary.json"} <= files  # one run id everywhere
        records[mode] = json.loads((written[0] / "summary.json").read_text())
    if "bringing up nodes" not in result.stdout.str() and "created:" not in result.stdout.str():
        pytest.fail("xdist did not start workers:\n" + result.stdout.str())
    assert comparable(records["parallel"]) == comparable(records["serial"])
    assert records["serial"]["counts"] == {"passed": 4, "waived": 2, "failed": 1}  # a skipped blocker: waived
    assert sorted(records["parallel"]["hosts"]) == ["a", "b", "c", "d"]
