"""Open-model arrivals: every request has an intended send time fixed in advance.

One :class:`Pacer` per generator process hands out send slots to whichever user is free (any of the pool,
like wrk2's per-connection schedule but shared). The process's rate is ``per_user_rate * users`` so the total
is right however locust spreads users over processes and while they spawn. A user that takes a slot already
in the past found the pool exhausted (every user busy waiting on the target); a user that takes a future slot
but wakes late was delayed by its own event loop. Both count as "behind schedule".

    pacer = Pacer(per_user_rate=10.0, arrival="constant", start=t0, end=t0 + 35)
    pacer.join()                 # a user started
    slot = pacer.next_slot(now())  # intended send time, or None once the run's end is reached

:func:`now` is the generator's one clock: wall-clock seconds (so processes agree) at ``perf_counter``
resolution, for the schedule, the request timings and the steady window alike.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

ARRIVALS = ("constant", "poisson")
_EPS = 1e-9  # summed gaps drift by float rounding; a slot this close to the end is past it
_OFFSET = time.time() - time.perf_counter()


def now() -> float:
    """Wall-clock seconds with perf_counter resolution (one time base for pacing, timing and windows)."""
    return time.perf_counter() + _OFFSET


@dataclass
class Slot:
    intended: float  # wall-clock seconds
    taken_late: bool  # the pool had no free user when the slot came due


class Pacer:
    def __init__(
        self,
        per_user_rate: float,
        arrival: str,
        start: float,
        end: float,
        seed: int | None = None,
    ) -> None:
        if arrival not in ARRIVALS:
            raise ValueError(f"arrival must be one of {ARRIVALS}, got {arrival!r}")
        if per_user_rate <= 0:
            raise ValueError(f"per-user rate must be positive, got {per_user_rate!r}")
        self.per_user_rate = per_user_rate
        self.arrival = arrival
        self.start = start
        self.end = end
        self.users = 0
        self.expected = 0
        self.peak_users = 0  # users leave when the run stops; unsent slots are counted at the full rate
        self.cursor = start
        self.closed = False
        self._rng = random.Random(seed)

    @property
    def rate(self) -> float:
        """The process's rate: per-user rate times the users it runs (or is about to, once all spawned)."""
        return self.per_user_rate * max(self.users, self.expected)

    def expect(self, users: int) -> None:
        """The number of users this process will run once spawning is done: the full rate from the start."""
        self.expected = max(0, users)

    def join(self) -> None:
        self.users += 1
        self.peak_users = max(self.peak_users, self.users)

    def leave(self) -> None:
        self.users = max(0, self.users - 1)

    def _gap(self, rate: float | None = None) -> float:
        rate = self.rate if rate is None else rate
        if rate <= 0:
            return math.inf
        if self.arrival == "constant":
            return 1.0 / rate
        return self._rng.expovariate(rate)

    def next_slot(self, now: float) -> Slot | None:
        """The next intended send time, or ``None`` when the run is over (or closed)."""
        if self.closed or self.cursor >= self.end - _EPS or now >= self.end:
            return None
        slot = Slot(self.cursor, taken_late=self.cursor < now)
        self.cursor += self._gap()
        return slot

    def remaining(self, until: float | None = None) -> list[float]:
        """Slots between the cursor and ``until`` (default: the end) that nobody took: requests not sent.
        Closes the pacer."""
        until = self.end if until is None else min(until, self.end)
        missed: list[float] = []
        rate = self.per_user_rate * max(self.peak_users, self.expected)
        while self.cursor < until - _EPS and rate > 0 and len(missed) < 10_000_000:
            missed.append(self.cursor)
            self.cursor += self._gap(rate)
        self.closed = True
        return missed


def arrivals(rate: float, duration: float, arrival: str, seed: int | None = 0) -> list[float]:
    """The intended send times of a whole run from 0 (what a single pacer with one user at ``rate`` gives)."""
    pacer = Pacer(rate, arrival, 0.0, duration, seed=seed)
    pacer.join()
    out = []
    while (slot := pacer.next_slot(0.0)) is not None:
        out.append(slot.intended)
    return out
