"""``Settings``: the areas' sections assembled under their top-level keys, plus the few that span areas.

The sections that belong to one area are defined beside it and only listed here; ``claims``, ``allow``
and ``thresholds`` (gates for the load gates, system limits for the host probes, the accepted
Qdrant versions for the health items) are read by several areas and stay with the assembly.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from pydantic import BeforeValidator, Field, field_validator

from golive.fields import Section, safe_name, version_in_range
from golive.load.settings import LoadSettings
from golive.load.slo import Gate
from golive.probes.cluster import ClusterSettings
from golive.probes.collections import ExpectedCollection
from golive.probes.dependencies.settings import Dependencies
from golive.probes.host import HostSettings, SystemLimits
from golive.probes.metrics import MonitoringSettings
from golive.probes.recall import RecallSettings
from golive.probes.security import SecuritySettings
from golive.probes.snapshots import Backups
from golive.release import Hooks
from golive.report.settings import ReportSettings
from golive.target import TargetSettings
from golive.verdict import Waiver, waiver_for


def _gate(value: Any) -> Gate:
    if isinstance(value, Gate):
        return value
    return Gate.parse(value)


GateExpr = Annotated[Gate, BeforeValidator(_gate)]
CHECKS_NOTHING = "a config names at least the target and the collections to check (see config/sandbox.yaml)"


class Claims(Section):
    """What the deployment claims to have; checks skip when a claim is off and fail when it is on but missing."""

    tls: bool = False
    api_key: bool = False
    read_only_api_key: bool = False
    cluster: bool = False
    restricted_cors: bool = False


class Thresholds(Section):
    gates: list[GateExpr] = Field(
        default_factory=lambda: [Gate.parse(t) for t in ("p95 < 10ms", "throughput >= 1000/s", "errors < 0.1%")]
    )

    @field_validator("gates")
    @classmethod
    def _some_gates(cls, gates: list[Gate]) -> list[Gate]:
        if not gates:
            raise ValueError("no gates: the load gates would pass on nothing; list at least one, or leave the "
                             "key out for the defaults (set load.enabled: false to skip the load gates)")  # fmt: skip
        return gates

    system: SystemLimits = SystemLimits()
    version: str = Field(">=1.10,<2", description="the Qdrant versions accepted, a PEP 440 range")

    @field_validator("version")
    @classmethod
    def _spec(cls, value: str) -> str:
        try:
            if not value.strip():
                raise InvalidSpecifier(value)
            SpecifierSet(value)
        except InvalidSpecifier:
            raise ValueError(f"expected a version range such as '>=1.15,<2', got {value!r}") from None
        return value

    def version_accepted(self, version: str) -> bool:
        return version_in_range(version, self.version)


class Allow(Section):
    """Safety switches: the suite is read-only unless the config allows more."""

    probe_writes: bool = Field(True, description="create, write and remove golive_probe_<run-id>_* collections")
    snapshot_restore: bool = False
    full_load: bool = False


class Settings(Section):
    env: str = Field(description="the environment's name: the file name, or `env:` in the file")
    source: str = Field("", exclude=True)

    @field_validator("env")
    @classmethod
    def _safe_env(cls, value: str) -> str:
        return safe_name(value, "an environment name")

    target: TargetSettings = TargetSettings()
    claims: Claims = Claims()
    hosts: list[HostSettings] = Field(default_factory=list)
    collections: list[ExpectedCollection] = Field(default_factory=list)
    thresholds: Thresholds = Thresholds()
    load: LoadSettings = LoadSettings()
    report: ReportSettings = ReportSettings()
    dependencies: Dependencies = Field(default_factory=list)
    backups: Backups = Backups()
    recall: RecallSettings = RecallSettings()
    hooks: Hooks = Hooks()
    waivers: list[Waiver] = Field(default_factory=list)
    allow: Allow = Allow()
    security: SecuritySettings = SecuritySettings()
    monitoring: MonitoringSettings = MonitoringSettings()
    cluster: ClusterSettings = ClusterSettings()

    @field_validator("collections")
    @classmethod
    def _unique_names(cls, collections: list[ExpectedCollection]) -> list[ExpectedCollection]:
        seen: set[str] = set()
        for c in collections:
            if c.name in seen:
                raise ValueError(f"collection {c.name!r} is listed twice under collections")
            seen.add(c.name)
        return collections

    @field_validator("hosts")
    @classmethod
    def _unique_hosts(cls, hosts: list[HostSettings]) -> list[HostSettings]:
        seen: set[str] = set()
        for h in hosts:
            if h.label in seen:
                raise ValueError(f"host {h.label!r} is listed twice under hosts (give each a distinct name)")
            seen.add(h.label)
        return hosts

    def waiver_for(self, check_id: str, today: dt.date, label: str | None = None) -> Waiver | None:
        """The waiver covering the item (see ``golive.verdict.waiver_for``)."""
        return waiver_for(self.waivers, check_id, today, label)
