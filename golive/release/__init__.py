"""The release gate (``golive release``): its ``hooks:`` settings section and the steps it runs.

``golive.release.flow`` runs one release (lock, preflight, checkpoint, deploy hook, wait until healthy,
validate, rollback); ``steps`` (exit codes, a step's record), ``lock``, ``audit``, ``hookrun``, ``checkpoint``,
``health``, ``plan`` and ``page`` are its parts. The command line is ``golive.cli.release``.
``Hooks(deploy=Hook(command=["./deploy.sh", "v1.2"], timeout=600))``.
"""

from __future__ import annotations

from pydantic import Field

from golive.fields import PositiveDuration, Section


class Hook(Section):
    """A command the release gate runs (a string goes through the shell, a list does not) with a time bound."""

    command: str | list[str]
    timeout: PositiveDuration = 600.0


class Hooks(Section):
    """``hooks:``: how to deploy and how to roll back, and how the release gate around them behaves."""

    deploy: Hook | None = None
    rollback: Hook | None = None
    healthy_timeout: PositiveDuration = Field(300.0, description="how long /readyz and the collections may take")
    checkpoint: bool = Field(True, description="snapshot every expected collection before the deploy hook")
    checkpoint_timeout: PositiveDuration = Field(600.0, description="per snapshot: create (wait=true) and download")
    rollback_on_inconclusive: bool = Field(True, description="an INCONCLUSIVE validation rolls back too")
    kill_grace: PositiveDuration = Field(5.0, description="after SIGTERM to a timed-out hook's group, SIGKILL follows")
