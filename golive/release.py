"""The release gate (``golive release``): for now its ``hooks:`` settings section, the commands it runs.

The gate itself (lock, preflight, checkpoint, deploy hook, validate, rollback, audit) plugs in through
``golive.hookspec.pytest_golive_run_finished``, which hands it the finished run record.
``Hooks(deploy=Hook(command=["./deploy.sh", "v1.2"], timeout=600))``.
"""

from __future__ import annotations

from golive.fields import PositiveDuration, Section


class Hook(Section):
    """A command the release gate runs (a string goes through the shell, a list does not) with a time bound."""

    command: str | list[str]
    timeout: PositiveDuration = 600.0


class Hooks(Section):
    """``hooks:``: how to deploy and how to roll back; either may be absent."""

    deploy: Hook | None = None
    rollback: Hook | None = None
