"""Checklist results and the verdict they add up to; pure logic, tested without pytest.

GO: every blocker passed (or was waived). NO-GO: a blocker failed. INCONCLUSIVE: a blocker's measurement
could not be trusted, the run was interrupted, or no checklist item ran at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from golive.outcomes import ExitCode, Verdict

Severity = Literal["blocker", "warning"]
Outcome = Literal["passed", "failed", "error", "skipped", "inconclusive", "waived"]
SEVERITIES: tuple[str, ...] = ("blocker", "warning")


@dataclass
class CheckResult:
    id: str
    nodeid: str
    title: str
    severity: Severity
    outcome: Outcome
    duration: float = 0.0
    message: str = ""
    param: str | None = None
    waiver: dict[str, str] | None = None
    properties: dict[str, Any] = field(default_factory=dict)  # the item's user_properties: a dependency's version

    @property
    def label(self) -> str:
        """``GL-COL-001[faq]``: the id, with the parameter when the item is one of a family."""
        return f"{self.id}[{self.param}]" if self.param else self.id

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"label": self.label}


@dataclass
class Decision:
    verdict: Verdict
    reasons: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        return {
            Verdict.GO: ExitCode.GO,
            Verdict.NO_GO: ExitCode.NO_GO,
            Verdict.INCONCLUSIVE: ExitCode.INCONCLUSIVE,
        }[self.verdict]


def decide(results: list[CheckResult], *, interrupted: bool = False) -> Decision:
    """The verdict and the reasons an approver reads first, most severe first."""
    blockers_failed = [r for r in results if r.severity == "blocker" and r.outcome in ("failed", "error")]
    blockers_unsure = [r for r in results if r.severity == "blocker" and r.outcome == "inconclusive"]
    ran = [r for r in results if r.outcome != "skipped"]
    if blockers_failed:
        return Decision(Verdict.NO_GO, [f"blocker failed: {r.label}" for r in blockers_failed])
    if interrupted:
        return Decision(Verdict.INCONCLUSIVE, ["the run was interrupted before every item finished"])
    if blockers_unsure:
        return Decision(
            Verdict.INCONCLUSIVE,
            [f"measurement not trusted: {r.label}: {r.message}" for r in blockers_unsure],
        )
    if not ran:
        return Decision(Verdict.INCONCLUSIVE, ["no checklist item ran"])
    return Decision(Verdict.GO, [])


def counts(results: list[CheckResult]) -> dict[str, int]:
    return dict(Counter(r.outcome for r in results))
