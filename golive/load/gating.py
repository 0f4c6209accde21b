"""One load run per session, judged gate by gate: what ``checks/test_performance.py`` stands on.

session = LoadSession.start(settings, host=qdrant.url, evidence_dir=run_dir / "load")
outcome = session.judge(gate)      # raises golive.Inconclusive if the generator could not be trusted
assert outcome.passed, outcome.message
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from golive.load.judge import GateOutcome, Trust, TrustLimits, assess_trust, gate_outcome, judge_gate
from golive.load.report import write_evidence
from golive.load.results import LoadResult
from golive.load.runner import LoadRunError, run, spec_from_settings
from golive.load.settings import GatesConfig
from golive.load.slo import Gate
from golive.outcomes import inconclusive


def skip_reason(settings: GatesConfig) -> str | None:
    """Why the load gates must not run in this environment, or ``None``."""
    if not settings.load.enabled:
        return "load gates are disabled for this environment (load.enabled: false)"
    if not settings.allow.full_load:
        return "full-rate load is not allowed against this environment (allow.full_load: false)"
    return None


@dataclass
class LoadSession:
    result: LoadResult | None
    error: str | None
    trust: Trust
    evidence: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def start(
        cls, settings: GatesConfig, host: str | None, evidence_dir: Path, run_id: str | None = None
    ) -> LoadSession:
        limits = TrustLimits(settings.load.max_generator_cpu, settings.load.max_behind)
        try:
            # the session's run id names a writing scenario's probe collection, for the plugin's sweep
            result = run(spec_from_settings(settings, host=host, run_id=run_id))
        except (LoadRunError, ValueError) as err:
            return cls(None, str(err), Trust(False, [f"the load run produced no result: {err}"]))
        trust = assess_trust(result, limits)
        gates: list[Gate] = list(settings.thresholds.gates)
        outcomes = [judge_gate(result, g) for g in gates]
        session = cls(result, None, trust)
        session.evidence = write_evidence(result, outcomes, trust, evidence_dir)
        if result.data.get("keyboard_interrupt"):
            raise KeyboardInterrupt  # the partial result is kept in the evidence above
        return session

    def judge(self, gate: Gate) -> GateOutcome:
        __tracebackhide__ = True
        if self.result is None:
            inconclusive("; ".join(self.trust.reasons))
        outcome = judge_gate(self.result, gate)
        if self.trust.trusted:
            return outcome
        if gate_outcome(self.trust, outcome) == "failed":  # despite distrust: every user waited on the target
            note = (
                " (every user was busy waiting on the target: it could not keep up with the rate)"
                if gate.metric == "throughput"
                else " (every user was busy waiting on the target, so this measured value is a lower bound)"
            )
            return GateOutcome(outcome.gate, outcome.measured, False, outcome.message + note)
        inconclusive("; ".join(self.trust.reasons) + f" (trust limits: {self.trust.limits_text})")
