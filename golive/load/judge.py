"""Judging a load result: can the numbers be trusted, and does each configured gate hold?

trust = assess_trust(result, limits)          # Trust(trusted=False, reasons=[...]) -> INCONCLUSIVE
for outcome in judge(result, gates):          # one GateOutcome per gate, message via Gate.describe
    print(outcome.status, outcome.message)

What a gate's outcome means for the verdict is :func:`gate_outcome` (passed, failed or inconclusive, as a
checklist item's); GO / NO-GO / INCONCLUSIVE over all gates is the checklist's rule (:func:`golive.verdict.decide`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from golive import verdict as checklist
from golive.fields import format_duration
from golive.load.results import LoadResult
from golive.load.slo import Gate
from golive.outcomes import Verdict


@dataclass(frozen=True)
class TrustLimits:
    max_cpu: float = 0.90  # fraction of one core per generator process
    max_behind: float = 0.02  # fraction of scheduled requests late beyond tolerance or not sent

    def as_dict(self, tolerance: float) -> dict[str, float]:
        """The limits in use, in config terms (fractions and seconds), for the evidence."""
        return {"max_generator_cpu": self.max_cpu, "max_behind": self.max_behind, "schedule_tolerance": tolerance}

    def describe(self, tolerance: float) -> str:
        return (
            f"generator CPU <= {self.max_cpu * 100:g}%, late or unsent <= {self.max_behind * 100:g}%, "
            f"late = more than {tolerance * 1e3:g} ms after the intended time"
        )


@dataclass
class Trust:
    trusted: bool
    reasons: list[str] = field(default_factory=list)
    # untrusted only because every user was busy waiting on the target: the generator itself kept up, and a
    # failing gate stays a failure (latency counted from the intended send time is then a lower bound)
    pool_only: bool = False
    limits: dict[str, float] = field(default_factory=dict)  # the limits judged against (TrustLimits.as_dict)
    limits_text: str = ""  # the same, for people

    def __str__(self) -> str:
        return "trusted" if self.trusted else "; ".join(self.reasons)


def assess_trust(result: LoadResult, limits: TrustLimits | None = None) -> Trust:
    """Whether the load generator kept up: CPU below the limit and (almost) every request on schedule."""
    limits = limits or TrustLimits()
    reasons: list[str] = []
    c = result.counts
    tol_ms = float(result.data.get("tolerance", 0.0)) * 1e3
    if result.data.get("interrupted"):
        reasons.append("the run was interrupted before its end: partial result")
    if c["scheduled"] == 0:
        reasons.append("no request was scheduled in the steady window (run too short or never started)")
    for source, cpu in sorted(result.data.get("generator_cpu", {}).items()):
        if cpu > limits.max_cpu * 100:
            reasons.append(
                f"load generator {source} used {cpu:.0f}% CPU during the steady window "
                f"(limit {limits.max_cpu * 100:.0f}%): it, not the target, may be the bottleneck"
            )
    behind = result.behind
    pool_only = False
    if c["scheduled"] and behind > limits.max_behind:
        pool_only = not reasons and c["late"] - c["late_pool"] <= limits.max_behind * c["scheduled"]
        parts = []
        loop_late = c["late"] - c["late_pool"]
        if loop_late:
            parts.append(f"{loop_late} sent more than {tol_ms:g} ms late by a lagging generator")
        if c["late_pool"]:
            parts.append(
                f"{c['late_pool']} late because all {result.data.get('users', '?')} users were busy "
                "(target too slow for the pool: raise load.users)"
            )
        if c["not_sent"]:
            parts.append(f"{c['not_sent']} never sent")
        reasons.append(
            f"load generator fell behind schedule on {behind * 100:.1f}% of {c['scheduled']} requests "
            f"(limit {limits.max_behind * 100:g}%): " + ", ".join(parts)
        )
    tolerance = float(result.data.get("tolerance", 0.0))
    return Trust(
        not reasons,
        reasons,
        pool_only=pool_only and bool(reasons),
        limits=limits.as_dict(tolerance),
        limits_text=limits.describe(tolerance),
    )


@dataclass(frozen=True)
class GateOutcome:
    gate: Gate
    measured: float
    passed: bool
    message: str

    @property
    def status(self) -> str:
        return "PASS" if self.passed else "FAIL"


def judge_gate(result: LoadResult, gate: Gate) -> GateOutcome:
    measured = result.metric(gate.metric)
    passed = gate.holds(measured)
    if gate.unit == "s" and measured == float("inf"):
        message = f"{gate.text}: no successful response in the steady window (errors {result.error_rate:.1%})"
    else:
        message = gate.describe(measured)
    if not passed:
        message += queued_note(result, gate)
    c = result.counts
    if gate.metric == "errors":
        message += " " + error_denominator(result)
    unfinished = (
        f", {c['unfinished']} unfinished when interrupted (not counted)"
        if result.interrupted and c["unfinished"]
        else ""
    )
    not_sent = f", {c['not_sent']} never sent" if c.get("not_sent") else ""
    message += (
        f" [steady {result.window_seconds:.1f}s at {result.rate:g}/s intended, {result.sent_rate:.1f}/s sent, "
        f"{c['ok']} ok, {result.failed} errors{unfinished}{not_sent}]"
    )
    return GateOutcome(gate, measured, passed, message)


#: queueing "dominates" a latency figure when service time minus server time is more than this share of it
QUEUED_SHARE = 0.5


def queued_note(result: LoadResult, gate: Gate) -> str:
    """For a latency gate: ``; time spent queued before the server's search: p95 X`` when the target's own
    ``time`` field is a small part of the figure, else ``""``.

    Service time (send to answer) minus the server's own time, both at the gate's metric, is what the request
    spent in sockets and the target's queues before and after the search itself. When that is more than
    :data:`QUEUED_SHARE` of the measured latency, the target was saturated or descheduled (e.g. the suite's
    sandbox on a busy machine), not slow at searching; the note keeps one from being read as the other. Empty
    when the target reports no ``time`` field (no server samples)."""
    summaries = result.data.get("summary", {})
    service_summary, server_summary = summaries.get("service") or {}, summaries.get("server") or {}
    service, server = service_summary.get(gate.metric), server_summary.get(gate.metric)
    if gate.unit != "s" or service is None or server is None or not server_summary.get("count"):
        return ""
    queued = float(service) - float(server)
    if queued <= QUEUED_SHARE * result.metric(gate.metric):
        return ""
    return (
        f"; time spent queued before the server's search: {gate.metric} {format_duration(queued)} "
        f"(service {format_duration(float(service))}, the server's own time {format_duration(float(server))}): "
        "the target was saturated or starved of CPU, its searches were not slow"
    )


def error_denominator(result: LoadResult) -> str:
    """What the error rate was taken over, and what it leaves out, e.g.
    ``(0 failed of 39 judged; not in the rate: 561 of 600 scheduled never sent)``.

    Never-sent requests are not in the rate: they say nothing about the target (the generator did not send
    them), and counting them as errors would turn a lagging generator into a failing target (NO-GO instead of
    INCONCLUSIVE). They count against trust instead (:func:`assess_trust`, ``load.max_behind``); this text keeps
    a rate measured over a handful of requests from reading as a clean run."""
    c = result.counts
    judged = f"{result.failed} failed of {result.completed} judged"
    if result.unanswered_errors:
        judged += f", incl. {result.unanswered_errors} unanswered when the run ended"
    left_out = []
    if c.get("not_sent"):
        left_out.append(f"{c['not_sent']} of {c['scheduled']} scheduled never sent")
    if result.interrupted and c["unfinished"]:
        left_out.append(f"{c['unfinished']} unfinished when interrupted")
    return f"({judged}; not in the rate: {', '.join(left_out)})" if left_out else f"({judged})"


def judge(result: LoadResult, gates: list[Gate]) -> list[GateOutcome]:
    return [judge_gate(result, gate) for gate in gates]


def counts_despite_distrust(trust: Trust, outcome: GateOutcome) -> bool:
    """A failed gate still counts when the only doubt is an exhausted user pool (the target was too slow).

    That holds for throughput too: every user was busy waiting on the target, so the completions per second
    measured are what the target could deliver; a target that cannot keep up with the rate is NO-GO."""
    return trust.pool_only and not outcome.passed


def gate_outcome(trust: Trust, outcome: GateOutcome) -> checklist.Outcome:
    """A gate as a checklist item: passed or failed when the generator is trusted, failed despite distrust
    (:func:`counts_despite_distrust`), inconclusive otherwise."""
    if trust.trusted:
        return "passed" if outcome.passed else "failed"
    return "failed" if counts_despite_distrust(trust, outcome) else "inconclusive"


def _item(name: str, outcome: checklist.Outcome, message: str) -> checklist.CheckResult:
    return checklist.CheckResult(id=name, nodeid=name, title=name, severity="blocker", outcome=outcome, message=message)


def decide(
    result: LoadResult, gates: list[Gate], limits: TrustLimits | None = None
) -> tuple[Verdict, Trust, list[GateOutcome]]:
    """The checklist's verdict over the trust of the generator and every gate (each a blocker): GO when trusted
    and every gate holds; NO-GO when a gate failed (trusted, or failed despite an exhausted pool);
    INCONCLUSIVE otherwise."""
    trust = assess_trust(result, limits)
    outcomes = judge(result, gates)
    items = [_item("load generator trust", "passed" if trust.trusted else "inconclusive", str(trust))]
    items += [_item(o.gate.text, gate_outcome(trust, o), o.message) for o in outcomes]
    return checklist.decide(items).verdict, trust, outcomes


def verdict(result: LoadResult, gates: list[Gate], limits: TrustLimits | None = None) -> Verdict:
    return decide(result, gates, limits)[0]
