"""Outcomes a check can end in besides pass/fail, and the verdict they add up to.

A check that measured something it cannot trust raises ``Inconclusive`` (``golive.inconclusive(reason)``);
the plugin records the outcome ``inconclusive`` and the run's verdict becomes INCONCLUSIVE unless a blocker
failed outright.
"""

from __future__ import annotations

import enum
from typing import NoReturn

from golive.errors import Inconclusive

__all__ = ["ExitCode", "Inconclusive", "Verdict", "inconclusive"]


def inconclusive(reason: str) -> NoReturn:
    """End the current check as INCONCLUSIVE: ``inconclusive("load generator CPU at 97%")``."""
    __tracebackhide__ = True
    raise Inconclusive(reason)


class Verdict(enum.StrEnum):
    GO = "GO"
    NO_GO = "NO-GO"
    INCONCLUSIVE = "INCONCLUSIVE"


class ExitCode(enum.IntEnum):
    """Process exit codes of ``pytest -m golive`` and ``golive run``; documented in the README."""

    GO = 0
    NO_GO = 1
    INTERRUPTED = 2  # pytest's own: Ctrl-C
    INTERNAL_ERROR = 3  # pytest's own
    USAGE_ERROR = 4  # pytest's own: bad command line
    NO_CHECKS = 5  # pytest's own: nothing collected
    INCONCLUSIVE = 6
    CONFIG_ERROR = 7
