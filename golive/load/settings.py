"""The ``load:`` section of an environment's config: how the load gates run and their ceilings.

:func:`check_ceilings` is the one bound on rate and duration: the section's own validation and every run spec
(:meth:`golive.load.runner.RunSpec.checked`, where command-line overrides land) go through it. The protocols at
the end name what the load side reads of the whole config, so it never imports the config assembly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from golive.fields import Duration, Percent, PositiveDuration, PositiveRate
from golive.load.slo import Gate

# Caps on the self-distrust settings: looser values would silently switch off the INCONCLUSIVE verdict for a
# saturated or lagging load generator. (name, cap, how the cap reads, why)
TRUST_CAPS: dict[str, tuple[float, str, str]] = {
    "max_generator_cpu": (0.95, "95%", "a generator process busier than that cannot be trusted to keep time"),
    "max_behind": (0.10, "10%", "with more requests late or unsent the rate was not the one intended"),
    "schedule_tolerance": (0.010, "10ms", "a request later than that no longer arrived at the intended rate"),
}


class LoadSettings(BaseModel):
    """``load: {rate: 1000/s, duration: 30s, warmup: 5s, ...}`` — bounded by ``max_rate``/``max_duration``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="run the load gates at all (they are heavy: full rate)")
    scenario: str = "search"
    collection: str | None = Field(None, description="collection the read scenarios query; default: the first")
    vector: str | None = Field(
        None, min_length=1, description="named dense vector the scenarios query; default: the first by name"
    )
    rate: PositiveRate = 1000.0
    duration: PositiveDuration = 30.0
    warmup: Duration = 5.0
    arrival: Literal["constant", "poisson"] = "constant"
    processes: int = Field(1, ge=1, le=64)
    max_rate: PositiveRate = 5000.0
    max_duration: PositiveDuration = 600.0
    grace: Duration = 5.0
    users: int | None = Field(
        None, ge=1, le=20000, description="concurrent users (connections); default: enough for 100 ms at the rate"
    )
    timeout: PositiveDuration | None = Field(None, description="per-request timeout; default: target.timeout")
    schedule_tolerance: Duration = Field(0.002, description="a request sent later than this is 'late'")
    max_behind: Percent = Field(0.02, description="late or unsent share above which the run is INCONCLUSIVE")
    max_generator_cpu: Percent = Field(0.90, description="generator CPU above which the run is INCONCLUSIVE")
    capacity_start: PositiveRate = Field(250.0, description="`golive load capacity`: first step's rate")
    capacity_factor: float = Field(1.25, gt=1.0, le=4.0, description="rate multiplier between capacity steps")
    capacity_step: PositiveDuration = Field(10.0, description="steady window of each capacity step")
    baseline_rounds: int = Field(50, ge=5, le=10000, description="rounds per single-request baseline")
    baseline_regression: Percent = Field(0.20, description="slower median than the previous baseline warns")

    @field_validator("max_generator_cpu", "max_behind", "schedule_tolerance")
    @classmethod
    def _trust_capped(cls, value: float, info: ValidationInfo) -> float:
        cap, text, why = TRUST_CAPS[str(info.field_name)]
        if value < 0 or value > cap + 1e-12:
            shown = f"{value * 1e3:g}ms" if info.field_name == "schedule_tolerance" else f"{value * 100:g}%"
            raise ValueError(
                f"load.{info.field_name} {shown} is outside 0..{text}: {why} "
                "(the cap keeps the self-distrust of the load gates from being switched off)"
            )
        return value

    @model_validator(mode="after")
    def _within_ceilings(self) -> LoadSettings:
        check_ceilings(self.rate, self.duration, self.warmup, self.max_rate, self.max_duration)
        return self


def check_ceilings(rate: float, duration: float, warmup: float, max_rate: float, max_duration: float) -> None:
    """Raise ``ValueError`` naming the ceiling when ``rate`` or ``warmup + duration`` exceeds it."""
    if rate > max_rate:
        raise ValueError(f"rate {rate:g}/s exceeds max_rate {max_rate:g}/s")
    if duration + warmup > max_duration:
        raise ValueError(f"duration + warmup ({duration + warmup:g}s) exceeds max_duration {max_duration:g}s")


class TargetConfig(Protocol):
    """What a load run needs of the target's settings."""

    @property
    def url(self) -> str: ...
    @property
    def timeout(self) -> float: ...
    @property
    def api_key_env(self) -> str: ...


class NamedCollection(Protocol):
    @property
    def name(self) -> str: ...


class LoadConfig(Protocol):
    """What a load run reads of an environment's config (``golive.config.Settings`` has all of it)."""

    @property
    def load(self) -> LoadSettings: ...
    @property
    def target(self) -> TargetConfig: ...
    @property
    def collections(self) -> Sequence[NamedCollection]: ...


class FullLoadAllowance(Protocol):
    @property
    def full_load(self) -> bool: ...


class GateThresholds(Protocol):
    @property
    def gates(self) -> Sequence[Gate]: ...


class GatesConfig(LoadConfig, Protocol):
    """What the checklist's load gates read besides the run: the safety switch and the gates."""

    @property
    def allow(self) -> FullLoadAllowance: ...
    @property
    def thresholds(self) -> GateThresholds: ...
