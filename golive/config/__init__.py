"""One YAML per environment, validated into ``Settings`` before any check runs: the only place that knows
every section.

``load_run_settings(env="sandbox")`` is the one way in for pytest, ``golive run`` and ``golive load``: it
finds the file (``--config`` / ``--env`` / ``GOLIVE_ENV`` / the sandbox), applies the target override
(``--golive-target`` / ``--target`` / ``GOLIVE_TARGET_URL``), refuses secrets written into the file and returns
the validated settings or raises ``ConfigError``, whose message names the file, each bad field's path and
what is expected. Secrets never live in the file: the file names the environment variables that hold them
(``api_key_env: QDRANT_API_KEY``).

Each area owns its section beside its code (``golive.target.TargetSettings``, ``golive.verdict.Waiver``,
``golive.probes.host.HostSettings``, ``golive.probes.dependencies.settings.Dependency``,
``golive.probes.collections.ExpectedCollection``, ``golive.load.settings.LoadSettings``,
``golive.release.Hooks``, ``golive.report.settings.ReportSettings``); ``golive.config.settings`` assembles
them. A new area adds its section there.
"""

from __future__ import annotations

from golive.config.loading import (
    DEFAULT_ENV,
    load_run_settings,
    load_settings,
    resolve_config_path,
    secrets_in_use,
)
from golive.config.settings import Allow, Claims, Settings, Thresholds
from golive.errors import ConfigError
from golive.fields import safe_name
from golive.probes.collections import ExpectedCollection
from golive.probes.snapshots import Backups
from golive.target import TargetSettings

__all__ = [
    "DEFAULT_ENV",
    "Allow",
    "Backups",
    "Claims",
    "ConfigError",
    "ExpectedCollection",
    "Settings",
    "TargetSettings",
    "Thresholds",
    "load_run_settings",
    "load_settings",
    "resolve_config_path",
    "safe_name",
    "secrets_in_use",
]
