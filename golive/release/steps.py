"""What a release is made of and how it ends: the settings it reads, a step's record, the exit codes and the
outcome each stands for. ``golive.release.flow`` runs the steps; ``golive.release.plan`` describes them.

    Step("deploy", "ok", 12.5, "exit 0", command="./deploy.sh v1.2", exit_code=0)
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from golive.probes.collections import ExpectedCollection
from golive.release import Hooks
from golive.target import TargetSettings

PREFLIGHT_MARKS = ["-m", "golive and not load"]  # the checklist without the full-rate load


class ReleaseExit(enum.IntEnum):
    RELEASED = 0  # validation GO: the new version stays
    INTERRUPTED = 2  # Ctrl-C before the deploy hook started: nothing deployed
    USAGE_ERROR = 4
    KEPT_INCONCLUSIVE = 6  # validation INCONCLUSIVE and hooks.rollback_on_inconclusive is false
    CONFIG_ERROR = 7
    REFUSED = 8  # lock held, preflight not GO, or the checkpoint failed: nothing deployed
    ROLLED_BACK = 9  # deploy or validation failed, rolled back, the post-rollback checklist is GO
    ROLLBACK_FAILED = 10  # the loudest: rollback missing, failed, not healthy or post-rollback not GO


class ReleaseConfig(Protocol):
    """What the release reads of the settings (the whole config stays with the command line)."""

    @property
    def env(self) -> str: ...
    @property
    def target(self) -> TargetSettings: ...
    @property
    def hooks(self) -> Hooks: ...
    @property
    def collections(self) -> list[ExpectedCollection]: ...


Checklist = Callable[[str, list[str]], int]


@dataclass
class Step:
    name: str
    outcome: str  # ok, failed, timed out, skipped, refused, interrupted
    duration_s: float = 0.0
    detail: str = ""
    command: str | None = None
    exit_code: int | None = None
    verdict: str | None = None
    report: str | None = None  # the step's checklist report folder or hook log, relative to reports/<env>/
    started: float = field(default_factory=time.time)


OUTCOMES = {
    ReleaseExit.RELEASED: "RELEASED",
    ReleaseExit.INTERRUPTED: "INTERRUPTED before the deploy: nothing deployed",
    ReleaseExit.KEPT_INCONCLUSIVE: "KEPT with an INCONCLUSIVE validation",
    ReleaseExit.REFUSED: "REFUSED: nothing deployed",
    ReleaseExit.ROLLED_BACK: "ROLLED BACK and healthy",
    ReleaseExit.ROLLBACK_FAILED: "ROLLBACK FAILED: the environment needs a human now",
}
