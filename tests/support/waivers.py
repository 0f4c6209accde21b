"""The checklist ids a plain test sandbox cannot pass, and waivers naming them (a GO needs every blocker that
did not run waived by name: never a silent GO).

    config["waivers"] = load_waivers() + unclaimed_waivers()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

#: The load gates: runs that keep ``allow.full_load`` off (the gates have their own tests in tests/integration/load).
LOAD_GATE_IDS = ("GL-PERF-001", "GL-PERF-002", "GL-PERF-003")
#: Blockers for what a plain sandbox does not claim or have (keys, TLS, a CORS policy, gRPC, a metrics endpoint,
#: Prometheus, a cluster): they skip with that reason and are tested in tests/integration/security.
UNCLAIMED_IDS = (
    *(f"GL-SEC-{i:03d}" for i in (1, 2, 3, 4, 5, 6, 7, 9, 10, 11)),
    *(f"GL-MON-{i:03d}" for i in (3, 4, 5, 6, 7)),
    "GL-CLU-001", "GL-CLU-002", "GL-CLU-003",
)  # fmt: skip


def waivers(ids: Iterable[str], reason: str, approver: str = "suite tests", days: int = 30) -> list[dict[str, str]]:
    """One config waiver per id, all with ``reason`` and ``approver``, expiring ``days`` from today."""
    expires = (dt.date.today() + dt.timedelta(days=days)).isoformat()
    return [{"id": i, "reason": reason, "approver": approver, "expires": expires} for i in ids]


def load_waivers() -> list[dict[str, str]]:
    """Waivers for :data:`LOAD_GATE_IDS`, for runs that keep ``allow.full_load`` off."""
    return waivers(
        LOAD_GATE_IDS, "load gates are tested in tests/integration/load; these runs keep allow.full_load off"
    )


def unclaimed_waivers(reason: str = "") -> list[dict[str, str]]:
    """Waivers for :data:`UNCLAIMED_IDS`: what a plain test sandbox is not started to have."""
    default = "the plain test sandbox claims no keys, TLS, CORS, gRPC, metrics endpoint, Prometheus or cluster"
    return waivers(UNCLAIMED_IDS, reason or default)
