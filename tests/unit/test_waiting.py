"""golive.waiting.wait_until: first truthy value, or a timeout that says what was seen last. No real sleeps."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest

import golive.waiting
from golive.waiting import WaitTimeout, wait_until


class FakeClock:
    """Stands in for the ``time`` module inside golive.waiting: sleeping advances the clock at once."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(golive.waiting, "time", fake)
    return fake


def sequence(*values: object) -> Callable[[], object]:
    it: Iterator[object] = iter(values)

    def predicate() -> object:
        value = next(it)
        if isinstance(value, BaseException):
            raise value
        return value

    return predicate


def test_returns_the_first_truthy_value_at_once(clock: FakeClock) -> None:
    assert wait_until(lambda: {"status": "green"}, timeout=5, describe="green") == {"status": "green"}
    assert clock.sleeps == []


def test_polls_until_truthy_and_returns_that_value(clock: FakeClock) -> None:
    assert wait_until(sequence(None, 0, "", "ready", "later"), timeout=5, describe="ready") == "ready"
    assert len(clock.sleeps) == 3


def test_backs_off_up_to_max_interval(clock: FakeClock) -> None:
    calls = itertools.count()
    wait_until(lambda: next(calls) >= 8, timeout=60, describe="x", interval=0.1, max_interval=0.3)
    assert clock.sleeps == pytest.approx([0.1, 0.15, 0.225, 0.3, 0.3, 0.3, 0.3, 0.3])


def test_timeout_says_what_was_awaited_and_the_last_value(clock: FakeClock) -> None:
    seen = itertools.count()
    with pytest.raises(WaitTimeout) as info:
        wait_until(lambda: next(seen) < 0 and "never", timeout=2, describe="readyz 200")
    assert str(info.value) == "timed out after 2 s waiting for readyz 200; last seen: False"
    assert clock.now == pytest.approx(1002.0)
    assert isinstance(info.value, TimeoutError)


def test_timeout_carries_the_last_falsy_value(clock: FakeClock) -> None:
    values = iter([None, 0, [], {}, *([""] * 50)])
    with pytest.raises(WaitTimeout, match=r"waiting for green; last seen: ''$"):
        wait_until(lambda: next(values), timeout=1, describe="green")


def test_timeout_never_sleeps_past_the_deadline(clock: FakeClock) -> None:
    with pytest.raises(WaitTimeout):
        wait_until(lambda: None, timeout=0.25, describe="x", interval=0.2)
    assert clock.now == pytest.approx(1000.25)
    assert clock.sleeps == pytest.approx([0.2, 0.05])


def test_ignored_exceptions_are_retried(clock: FakeClock) -> None:
    predicate = sequence(ConnectionError("refused"), ConnectionError("refused"), 42)
    assert wait_until(predicate, timeout=5, describe="up", ignore=(ConnectionError,)) == 42


def test_timeout_carries_the_last_ignored_exception(clock: FakeClock) -> None:
    def predicate() -> None:
        raise ConnectionError("connection refused to http://127.0.0.1:1")

    with pytest.raises(WaitTimeout) as info:
        wait_until(predicate, timeout=1, describe="the sandbox", ignore=(OSError,))
    assert str(info.value) == (
        "timed out after 1 s waiting for the sandbox; "
        "last seen: 'ConnectionError: connection refused to http://127.0.0.1:1'"
    )


def test_other_exceptions_propagate_at_once(clock: FakeClock) -> None:
    predicate = sequence(ValueError("not JSON"), 1)
    with pytest.raises(ValueError, match="not JSON"):
        wait_until(predicate, timeout=5, describe="x", ignore=(ConnectionError,))
    assert clock.sleeps == []


def test_without_ignore_every_exception_propagates(clock: FakeClock) -> None:
    with pytest.raises(ConnectionError):
        wait_until(sequence(ConnectionError("refused")), timeout=5, describe="x")


def test_zero_timeout_tries_once(clock: FakeClock) -> None:
    calls: list[int] = []
    with pytest.raises(WaitTimeout, match="timed out after 0 s"):
        wait_until(lambda: calls.append(1), timeout=0, describe="x")
    assert calls == [1]


def test_real_clock_with_a_tiny_timeout() -> None:
    with pytest.raises(WaitTimeout, match=r"timed out after 0\.05 s waiting for nothing; last seen: None"):
        wait_until(lambda: None, timeout=0.05, describe="nothing", interval=0.01)
