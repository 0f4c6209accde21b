"""The one waiting helper: poll a predicate until it holds or a deadline passes, then say what was seen last.

``wait_until(lambda: target.get("/readyz").status_code == 200, timeout=30, describe="readyz 200")``
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from golive.errors import WaitTimeout

T = TypeVar("T")
__all__ = ["WaitTimeout", "wait_until"]


def wait_until(
    predicate: Callable[[], T],
    *,
    timeout: float,
    describe: str,
    interval: float = 0.1,
    max_interval: float = 1.0,
    ignore: tuple[type[BaseException], ...] = (),
) -> T:
    """Return the first truthy value of ``predicate()``; raise ``WaitTimeout`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            value = predicate()
            last = value
            if value:
                return value
        except ignore as err:
            last = f"{type(err).__name__}: {err}"
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise WaitTimeout(f"timed out after {timeout:g} s waiting for {describe}; last seen: {last!r}")
        time.sleep(min(interval, remaining))
        interval = min(interval * 1.5, max_interval)
