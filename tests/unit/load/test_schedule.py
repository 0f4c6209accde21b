"""Open-model arrivals: intended send times fixed in advance, shared by a pool of users."""

from __future__ import annotations

import itertools
import statistics

import pytest

from golive.load.generator.schedule import Pacer, arrivals


def test_constant_arrivals_are_evenly_spaced_at_the_rate():
    times = arrivals(1000.0, 1.0, "constant")
    assert len(times) == 1000
    gaps = {round(b - a, 9) for a, b in itertools.pairwise(times)}
    assert gaps == {0.001}


def test_poisson_arrivals_have_the_rate_on_average_and_exponential_gaps():
    times = arrivals(1000.0, 20.0, "poisson", seed=7)
    assert len(times) == pytest.approx(20000, rel=0.03)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert statistics.mean(gaps) == pytest.approx(0.001, rel=0.03)
    assert statistics.stdev(gaps) / statistics.mean(gaps) == pytest.approx(1.0, abs=0.05)  # CV of exponential


def test_the_process_rate_follows_the_users_that_joined():
    pacer = Pacer(per_user_rate=10.0, arrival="constant", start=0.0, end=10.0)
    for _ in range(5):
        pacer.join()
    assert pacer.rate == 50.0
    first, second = pacer.next_slot(0.0), pacer.next_slot(0.0)
    assert first is not None
    assert second is not None
    assert second.intended - first.intended == pytest.approx(0.02)


def test_users_spawned_together_do_not_send_in_bursts():
    """The constant_throughput trap: N users started at once each fire at t0; here they queue for slots."""
    pacer = Pacer(per_user_rate=5.0, arrival="constant", start=0.0, end=1.0)
    for _ in range(100):
        pacer.join()
    slots = [pacer.next_slot(0.0) for _ in range(100)]
    intended = [s.intended for s in slots if s is not None]
    assert len(set(intended)) == 100
    assert max(intended) < 0.2  # 100 slots at 500/s, one every 2 ms


def test_a_slot_already_due_when_taken_marks_the_pool_as_exhausted():
    pacer = Pacer(per_user_rate=100.0, arrival="constant", start=0.0, end=1.0)
    pacer.join()
    assert pacer.next_slot(now=0.0).taken_late is False  # type: ignore[union-attr]
    assert pacer.next_slot(now=0.5).taken_late is True  # type: ignore[union-attr]


def test_the_schedule_ends_at_the_end_and_counts_what_was_never_taken():
    pacer = Pacer(per_user_rate=10.0, arrival="constant", start=0.0, end=1.0)
    pacer.join()
    for _ in range(4):
        pacer.next_slot(0.0)
    assert len(pacer.remaining()) == 6
    assert pacer.next_slot(0.0) is None


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="arrival"):
        Pacer(1.0, "bursty", 0.0, 1.0)
    with pytest.raises(ValueError, match="positive"):
        Pacer(0.0, "constant", 0.0, 1.0)
