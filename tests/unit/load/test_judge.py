"""Judging: trust in the generator first, then each gate with target, measured and margin."""

from __future__ import annotations

import re
from typing import Any

import pytest

from golive.load.generator.recorder import Recorder
from golive.load.judge import TrustLimits, assess_trust, decide, judge, verdict
from golive.load.results import Aggregate, LoadResult
from golive.load.slo import Gate
from golive.outcomes import Verdict

WINDOW = (0.0, 10.0)


def make_result(
    latency: float = 0.005,
    n: int = 1000,
    errors: int = 0,
    late: int = 0,
    not_sent: int = 0,
    cpu: float = 30.0,
    pool: bool = False,
    **meta: Any,
) -> LoadResult:
    rec = Recorder(WINDOW, tolerance=0.002)
    for i in range(n):
        t = i * 10.0 / n
        rec.on_scheduled(t)
        rec.on_sent(t, 0.01 if i < late else 0.0, pool_exhausted=pool)
        rec.on_done(t, t + latency, latency, None, "HTTP 500" if i < errors else None)
    for _ in range(not_sent):
        rec.on_not_sent(9.99)
    for s in range(10):
        rec.on_cpu(s, cpu)
    agg = Aggregate()
    agg.add("local-0-1", rec.drain())
    base = {"window": WINDOW, "t0": 0.0, "rate": n / 10.0, "tolerance": 0.002, "users": 20}
    return LoadResult.from_dict(agg.to_dict({**base, **meta}))


GATES = [Gate.parse("p95 < 10ms"), Gate.parse("throughput >= 100/s"), Gate.parse("errors < 0.1%")]


def test_a_healthy_run_is_go_with_each_gate_described():
    result = make_result()
    outcomes = judge(result, GATES)
    assert [o.passed for o in outcomes] == [True, True, True]
    assert outcomes[0].message.startswith("p95 < 10ms: measured 5.00 ms, target 10.00 ms, margin 5.00 ms")
    assert verdict(result, GATES) == Verdict.GO


def test_slow_responses_fail_the_latency_gate_with_the_measured_p95_in_the_message():
    outcome = judge(make_result(latency=0.015), GATES)[0]
    assert not outcome.passed
    assert re.search(r"measured 15\.0\d ms, target 10\.00 ms, margin -5\.0\d ms", outcome.message)


def test_errors_fail_the_error_gate_and_the_throughput_gate():
    result = make_result(errors=50)
    p95, throughput, errors = judge(result, GATES)
    assert p95.passed
    assert not errors.passed
    assert "measured 5%" in errors.message
    assert not throughput.passed
    assert throughput.measured == pytest.approx(95.0)
    assert verdict(result, GATES) == Verdict.NO_GO


def test_a_busy_generator_makes_the_result_inconclusive_not_go():
    trust = assess_trust(make_result(cpu=97.0))
    assert not trust.trusted
    assert "97% CPU" in trust.reasons[0]
    assert verdict(make_result(cpu=97.0), GATES) == Verdict.INCONCLUSIVE


def test_falling_behind_schedule_beyond_two_percent_is_inconclusive():
    assert assess_trust(make_result(late=20)).trusted  # exactly 2%
    trust = assess_trust(make_result(late=25, not_sent=10))
    assert not trust.trusted
    assert "fell behind schedule on 3.5%" in trust.reasons[0]
    assert "never sent" in trust.reasons[0]


def test_lateness_from_an_exhausted_pool_is_named_as_such():
    trust = assess_trust(make_result(late=100, pool=True))
    assert "all 20 users were busy" in trust.reasons[0]


def test_limits_are_configurable():
    assert assess_trust(make_result(cpu=95.0), TrustLimits(max_cpu=0.99)).trusted
    assert not assess_trust(make_result(late=15), TrustLimits(max_behind=0.01)).trusted


def test_an_interrupted_run_is_not_trusted():
    assert "interrupted" in str(assess_trust(make_result(interrupted=True)))


def test_no_successful_response_is_said_plainly():
    outcome = judge(make_result(errors=1000), GATES)[0]
    assert not outcome.passed
    assert "no successful response" in outcome.message


def test_a_gate_failed_while_every_user_waited_on_the_target_is_still_no_go():
    """Pool exhaustion is the target's slowness showing: latency from the intended time is a lower bound."""
    slow = make_result(latency=0.030, late=100, pool=True)
    assert not assess_trust(slow).trusted
    assert assess_trust(slow).pool_only
    assert verdict(slow, GATES) == Verdict.NO_GO


def test_an_exhausted_pool_with_passing_gates_is_inconclusive():
    assert verdict(make_result(late=100, pool=True), GATES) == Verdict.INCONCLUSIVE


def test_a_lagging_generator_cannot_fail_a_latency_gate():
    lagging = make_result(latency=0.030, late=100, pool=False)
    assert not assess_trust(lagging).pool_only
    assert verdict(lagging, GATES) == Verdict.INCONCLUSIVE


def test_a_throughput_shortfall_with_an_exhausted_pool_is_no_go_not_inconclusive():
    """The seed deployment's problem: every user busy waiting on a target that cannot keep up with the rate."""
    rec = Recorder(WINDOW, tolerance=0.002)
    for i in range(1000):  # 100/s intended; the target completes only 78/s, users queue behind it
        t = i * 0.01
        rec.on_scheduled(t)
        if i < 780:
            rec.on_sent(t, 0.5 if i > 100 else 0.0, pool_exhausted=True)
            rec.on_done(t, (i + 1) * 10.0 / 781, 0.2, None, None)
    for s in range(10):
        rec.on_cpu(s, 20.0)
    agg = Aggregate()
    agg.add("local-0-1", rec.drain())
    result = LoadResult.from_dict(
        agg.to_dict({"window": WINDOW, "t0": 0.0, "rate": 100.0, "tolerance": 0.002, "users": 20})
    )
    gates = [Gate.parse("throughput >= 100/s")]
    decided, trust, outcomes = decide(result, gates)
    assert not trust.trusted
    assert trust.pool_only
    assert outcomes[0].measured == pytest.approx(78.0, abs=0.5)
    assert decided == Verdict.NO_GO


def test_the_error_gate_says_how_many_requests_were_never_sent_next_to_a_clean_rate():
    """561 of 600 never sent: the 39 answered were all fine, but the gate must not read as a clean run."""
    result = make_result(n=39, not_sent=561)
    assert result.counts["scheduled"] == 600
    (errors,) = judge(result, [Gate.parse("errors < 0.1%")])
    assert errors.passed  # never-sent requests are the generator's shortfall, not the target's errors ...
    assert errors.message.startswith(
        "errors < 0.1%: measured 0%, target 0.1%, margin 0.1% "
        "(0 failed of 39 judged; not in the rate: 561 of 600 scheduled never sent)"
    )
    assert errors.message.endswith("39 ok, 0 errors, 561 never sent]")
    assert not assess_trust(result).trusted  # ... which makes the result INCONCLUSIVE, not GO
    assert verdict(result, [Gate.parse("errors < 0.1%")]) == Verdict.INCONCLUSIVE


def test_the_error_gate_names_its_denominator_and_the_unanswered_it_counts():
    result = make_result(errors=5, n=100)
    (errors,) = judge(result, [Gate.parse("errors < 1%")])
    assert "measured 5%" in errors.message
    assert "(5 failed of 100 judged)" in errors.message
    hung = LoadResult.from_dict({**result.data, "counts": {**result.counts, "sent": 103, "unfinished": 3}})
    (errors,) = judge(hung, [Gate.parse("errors < 1%")])
    assert "(8 failed of 103 judged, incl. 3 unanswered when the run ended)" in errors.message


def test_each_gate_is_a_checklist_outcome_and_the_checklist_rule_decides():
    from golive.load.judge import gate_outcome

    trusted, slow_pool = make_result(), make_result(latency=0.015, late=100, pool=True)
    assert [gate_outcome(assess_trust(trusted), o) for o in judge(trusted, GATES)] == ["passed"] * 3
    outcomes = judge(slow_pool, GATES)
    assert [o.passed for o in outcomes] == [False, False, True]  # p95 15 ms; 998 of 1000 done in the window
    assert [gate_outcome(assess_trust(slow_pool), o) for o in outcomes] == ["failed", "failed", "inconclusive"]
    lagging = make_result(late=100)
    assert {gate_outcome(assess_trust(lagging), o) for o in judge(lagging, GATES)} == {"inconclusive"}


def test_without_gates_the_verdict_follows_the_trust_in_the_generator():
    assert verdict(make_result(), []) == Verdict.GO
    assert verdict(make_result(cpu=99.0), []) == Verdict.INCONCLUSIVE


def _served(latency: float, server: float, n: int = 1000) -> LoadResult:
    """Every request ``latency`` s from send to answer, of which the server's own ``time`` field is ``server`` s."""
    rec = Recorder(WINDOW, tolerance=0.002)
    for i in range(n):
        t = i * 10.0 / n
        rec.on_scheduled(t)
        rec.on_sent(t, 0.0, pool_exhausted=False)
        rec.on_done(t, t + latency, latency, server, None)
    agg = Aggregate()
    agg.add("local-0-1", rec.drain())
    return LoadResult.from_dict(agg.to_dict({"window": WINDOW, "t0": 0.0, "rate": n / 10.0, "tolerance": 0.002}))


def test_a_failed_latency_gate_names_the_time_queued_before_the_servers_search():
    outcome = judge(_served(latency=0.015, server=0.0005), GATES)[0]
    assert not outcome.passed
    assert re.search(r"time spent queued before the server's search: p95 14\.\d\d ms", outcome.message)
    assert "the server's own time 500 µs" in outcome.message


def test_no_queue_note_when_the_server_itself_was_slow_or_the_gate_held_or_there_is_no_server_time():
    slow_search = judge(_served(latency=0.015, server=0.012), GATES)[0]
    assert not slow_search.passed
    assert "queued" not in slow_search.message
    held = judge(_served(latency=0.005, server=0.0005), GATES)[0]
    assert held.passed
    assert "queued" not in held.message
    no_time_field = judge(make_result(latency=0.015), GATES)[0]
    assert not no_time_field.passed
    assert "queued" not in no_time_field.message
    assert all("queued" not in o.message for o in judge(_served(latency=0.015, server=0.0005), GATES)[1:])
