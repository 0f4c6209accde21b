"""``golive load capacity``: step the rate up until a gate breaks; report the highest rate that held.

    outcome = find_capacity(spec, gates, start=250, factor=1.25, step_duration=10, run=runner.run)
    outcome.highest_held   # e.g. 1953.1 (req/s), or None if even the first step failed

Each step is a full open-model run (warm-up + steady window). The search stops at the first step that fails a
gate (NO-GO) or cannot be trusted (INCONCLUSIVE: the generator, not the target, reached its limit; then the
capacity is "at least" the last rate that held), or at ``max_rate``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from golive.load.judge import TrustLimits, decide
from golive.load.results import LoadResult
from golive.load.runner import RunSpec
from golive.load.slo import Gate
from golive.outcomes import Verdict


@dataclass
class Step:
    rate: float
    verdict: Verdict
    details: list[str]
    result: LoadResult | None = None


@dataclass
class CapacityOutcome:
    steps: list[Step] = field(default_factory=list)
    stopped_by: str = ""

    @property
    def highest_held(self) -> float | None:
        held = [s.rate for s in self.steps if s.verdict == Verdict.GO]
        return max(held) if held else None

    def describe(self) -> str:
        best = self.highest_held
        if best is None:
            return f"no rate held the SLO (first step: {self.stopped_by})"
        qualifier = "at least " if self.steps and self.steps[-1].verdict == Verdict.INCONCLUSIVE else ""
        return f"highest rate that held the SLO: {qualifier}{best:,.0f} req/s (stopped: {self.stopped_by})"


def rates(start: float, factor: float, max_rate: float) -> list[float]:
    out = []
    rate = start
    while rate <= max_rate + 1e-9:
        out.append(round(rate, 1))
        rate *= factor
    return out


def find_capacity(
    spec: RunSpec,
    gates: list[Gate],
    start: float,
    factor: float,
    step_duration: float,
    run: Callable[[RunSpec], LoadResult],
    limits: TrustLimits | None = None,
    warmup: float = 3.0,
    on_step: Callable[[Step], None] | None = None,
) -> CapacityOutcome:
    outcome = CapacityOutcome()
    for rate in rates(start, factor, spec.max_rate):
        step_spec = replace(spec, rate=rate, duration=step_duration, warmup=warmup, users=None)
        result = run(step_spec)
        decided, trust, judged = decide(result, gates, limits)
        failed = [o.message for o in judged if not o.passed]
        details = trust.reasons if decided == Verdict.INCONCLUSIVE else failed or [o.message for o in judged]
        step = Step(rate, decided, details, result)
        outcome.steps.append(step)
        if on_step is not None:
            on_step(step)
        if step.verdict != Verdict.GO:
            outcome.stopped_by = f"{step.verdict} at {rate:,.0f} req/s: {'; '.join(step.details)}"
            return outcome
    outcome.stopped_by = f"max_rate {spec.max_rate:,.0f} req/s reached"
    return outcome
