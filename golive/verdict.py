"""Checklist results, waivers and the verdict they add up to; pure logic, tested without pytest.

GO: every blocker ran and passed (or was waived). NO-GO: a blocker failed. INCONCLUSIVE: a blocker's
measurement could not be trusted, a blocker did not run and no waiver names it (never a silent GO), the run
was interrupted, or no checklist item ran at all. The ``waivers:`` section of the config (``Waiver``) lives
here, beside the rule it bends.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, cast

from pydantic import Field, field_validator

from golive.fields import Section
from golive.outcomes import ExitCode, Verdict

Severity = Literal["blocker", "warning"]
Outcome = Literal["passed", "failed", "error", "skipped", "inconclusive", "waived"]
SEVERITIES: tuple[str, ...] = ("blocker", "warning")
CHECK_ID_RE = re.compile(r"^GL-[A-Z]+-\d{3}$")
WAIVER_ID_RE = re.compile(r"^GL-[A-Z]+-\d{3}(\[[^\[\]]+\])?$")


class Waiver(Section):
    """One entry of ``waivers:``: a known failure turned into a visible, expiring exception."""

    id: str
    reason: str = Field(min_length=1)
    approver: str = Field(min_length=1)
    expires: dt.date

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not WAIVER_ID_RE.match(value):
            raise ValueError(
                f"expected a check id such as GL-SEC-002, or one item of a family such as GL-COL-003[faq], "
                f"got {value!r}"
            )
        return value

    def covers(self, check_id: str, label: str) -> bool:
        """``GL-COL-003`` waives every collection's item; ``GL-COL-003[faq]`` only faq's."""
        return self.id in (check_id, label)

    def active(self, today: dt.date) -> bool:
        return today <= self.expires


def waiver_for(waivers: Iterable[Waiver], check_id: str, today: dt.date, label: str | None = None) -> Waiver | None:
    """The waiver covering the item (``label`` such as ``GL-COL-003[faq]``), active or not; an active one
    wins over an expired one, and one naming the exact item over one naming the whole family."""
    matches = [w for w in waivers if w.covers(check_id, label or check_id)]
    matches.sort(key=lambda w: (not w.active(today), w.id != label))
    return matches[0] if matches else None


def check_marker_args(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[str, Severity]:
    """``(id, severity)`` from the arguments of ``@pytest.mark.check("GL-SEC-002", severity="blocker")``;
    ValueError saying what is wrong otherwise."""
    rest, options = list(args), dict(kwargs)
    check_id = rest.pop(0) if rest else options.pop("id", None)
    severity = rest.pop(0) if rest else options.pop("severity", "blocker")
    if rest or options:
        raise ValueError(f"unexpected check marker arguments {rest or ''}{options or ''}: takes (id, severity=)")
    if not isinstance(check_id, str) or not CHECK_ID_RE.match(check_id):
        raise ValueError(f"check id {check_id!r} is not of the form GL-AREA-NNN (e.g. GL-SEC-002)")
    if severity not in SEVERITIES:
        raise ValueError(f"severity {severity!r} of {check_id} is not one of: {', '.join(SEVERITIES)}")
    return check_id, cast(Severity, severity)


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
    blockers_not_run = not_run_blockers(results)
    ran = [r for r in results if r.outcome != "skipped"]
    if blockers_failed:
        return Decision(Verdict.NO_GO, [f"blocker failed: {r.label}" for r in blockers_failed])
    if interrupted:
        return Decision(Verdict.INCONCLUSIVE, ["the run was interrupted before every item finished"])
    if not ran:
        return Decision(Verdict.INCONCLUSIVE, ["no checklist item ran"])
    if blockers_unsure or blockers_not_run:
        return Decision(
            Verdict.INCONCLUSIVE,
            [f"measurement not trusted: {r.label}: {r.message}" for r in blockers_unsure]
            + [f"blocker not run: {r.label}: {r.message or 'skipped'}" for r in blockers_not_run],
        )
    return Decision(Verdict.GO, [])


def not_run_blockers(results: list[CheckResult]) -> list[CheckResult]:
    """Blockers that were skipped and that no active waiver names: each one keeps the run from being GO."""
    return [r for r in results if r.severity == "blocker" and r.outcome == "skipped"]


def counts(results: list[CheckResult]) -> dict[str, int]:
    return dict(Counter(r.outcome for r in results))
