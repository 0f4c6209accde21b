"""golive.verdict.decide: GO only when every blocker passed or is waived; NO-GO beats INCONCLUSIVE."""

from __future__ import annotations

import pytest

from golive.outcomes import ExitCode, Verdict
from golive.verdict import CheckResult, Outcome, Severity, counts, decide


def check(check_id: str, outcome: Outcome, severity: Severity = "blocker", *, param: str | None = None) -> CheckResult:
    return CheckResult(
        id=check_id,
        nodeid=f"checks/test_x.py::test_{check_id}",
        title=f"title of {check_id}",
        severity=severity,
        outcome=outcome,
        message=f"observed something on {check_id}" if outcome not in ("passed", "skipped") else "",
        param=param,
    )


def test_all_blockers_passed_is_go() -> None:
    decision = decide([check("GL-HEALTH-001", "passed"), check("GL-HEALTH-002", "passed")])
    assert (decision.verdict, decision.reasons, decision.exit_code) == (Verdict.GO, [], ExitCode.GO)
    assert int(decision.exit_code) == 0


@pytest.mark.parametrize("outcome", ["failed", "error"])
def test_a_failed_blocker_is_no_go(outcome: Outcome) -> None:
    decision = decide([check("GL-HEALTH-001", "passed"), check("GL-SEC-002", outcome)])
    assert (decision.verdict, decision.reasons) == (Verdict.NO_GO, ["blocker failed: GL-SEC-002"])
    assert decision.exit_code == ExitCode.NO_GO == 1


def test_every_failed_blocker_is_a_reason_with_its_param() -> None:
    decision = decide(
        [
            check("GL-COL-001", "failed", param="faq"),
            check("GL-COL-001", "passed", param="images"),
            check("GL-COL-003", "error", param="images"),
        ]
    )
    assert decision.reasons == ["blocker failed: GL-COL-001[faq]", "blocker failed: GL-COL-003[images]"]


@pytest.mark.parametrize("outcome", ["failed", "error", "inconclusive"])
def test_a_failed_warning_is_still_go(outcome: Outcome) -> None:
    decision = decide([check("GL-HEALTH-001", "passed"), check("GL-MON-004", outcome, "warning")])
    assert (decision.verdict, decision.exit_code) == (Verdict.GO, ExitCode.GO)


def test_a_waived_blocker_is_go() -> None:
    decision = decide([check("GL-HEALTH-001", "passed"), check("GL-SEC-001", "waived")])
    assert (decision.verdict, decision.exit_code) == (Verdict.GO, ExitCode.GO)


def test_a_skipped_blocker_is_inconclusive_never_a_silent_go() -> None:
    skipped = check("GL-SEC-001", "skipped")
    skipped.message = "claims.api_key is off"
    decision = decide([check("GL-HEALTH-001", "passed"), skipped, check("GL-MON-004", "skipped", "warning")])
    assert (decision.verdict, decision.exit_code) == (Verdict.INCONCLUSIVE, ExitCode.INCONCLUSIVE)
    assert decision.reasons == ["blocker not run: GL-SEC-001: claims.api_key is off"]


def test_a_skipped_warning_is_still_go() -> None:
    decision = decide([check("GL-HEALTH-001", "passed"), check("GL-MON-004", "skipped", "warning")])
    assert decision.verdict == Verdict.GO


def test_a_failed_blocker_beats_a_blocker_not_run() -> None:
    decision = decide([check("GL-SEC-001", "skipped"), check("GL-SEC-002", "failed")])
    assert (decision.verdict, decision.reasons) == (Verdict.NO_GO, ["blocker failed: GL-SEC-002"])


def test_an_inconclusive_blocker_is_inconclusive() -> None:
    decision = decide([check("GL-HEALTH-001", "passed"), check("GL-PERF-001", "inconclusive")])
    assert decision.verdict == Verdict.INCONCLUSIVE
    assert decision.reasons == ["measurement not trusted: GL-PERF-001: observed something on GL-PERF-001"]
    assert decision.exit_code == ExitCode.INCONCLUSIVE == 6


def test_no_go_beats_inconclusive() -> None:
    decision = decide([check("GL-PERF-001", "inconclusive"), check("GL-SEC-002", "failed")])
    assert (decision.verdict, decision.reasons) == (Verdict.NO_GO, ["blocker failed: GL-SEC-002"])


def test_an_interrupted_run_is_inconclusive() -> None:
    decision = decide([check("GL-HEALTH-001", "passed")], interrupted=True)
    assert decision.verdict == Verdict.INCONCLUSIVE
    assert decision.reasons == ["the run was interrupted before every item finished"]
    assert decision.exit_code == ExitCode.INCONCLUSIVE


def test_an_interrupted_run_with_a_failed_blocker_is_no_go() -> None:
    decision = decide([check("GL-SEC-002", "failed")], interrupted=True)
    assert decision.verdict == Verdict.NO_GO


@pytest.mark.parametrize(
    "results",
    [[], [check("GL-SEC-001", "skipped"), check("GL-SEC-002", "skipped", "warning")]],
    ids=["nothing", "all-skipped"],
)
def test_nothing_ran_is_inconclusive(results: list[CheckResult]) -> None:
    decision = decide(results)
    assert (decision.verdict, decision.reasons) == (Verdict.INCONCLUSIVE, ["no checklist item ran"])


def test_exit_codes_are_stable() -> None:
    assert {c.name: int(c) for c in ExitCode} == {
        "GO": 0,
        "NO_GO": 1,
        "INTERRUPTED": 2,
        "INTERNAL_ERROR": 3,
        "USAGE_ERROR": 4,
        "NO_CHECKS": 5,
        "INCONCLUSIVE": 6,
        "CONFIG_ERROR": 7,
    }
    assert [str(v) for v in Verdict] == ["GO", "NO-GO", "INCONCLUSIVE"]


def test_counts_and_as_dict() -> None:
    results = [check("GL-A-001", "passed"), check("GL-A-002", "passed"), check("GL-A-003", "failed", param="x")]
    assert counts(results) == {"passed": 2, "failed": 1}
    data = results[2].as_dict()
    assert (data["id"], data["label"], data["param"], data["outcome"]) == ("GL-A-003", "GL-A-003[x]", "x", "failed")
