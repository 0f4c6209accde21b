"""The ``report:`` section of an environment's config: where the run's metrics are pushed.

report:
  pushgateway_url: http://127.0.0.1:9091   # optional; the textfile metrics.prom is always written
  push_timeout: 5s
"""

from __future__ import annotations

from pydantic import Field, field_validator

from golive.fields import Duration, Section


class ReportSettings(Section):
    pushgateway_url: str | None = Field(
        None, description="push the run's metrics to this Prometheus Pushgateway (job golive, grouped by env)"
    )
    push_timeout: Duration = Field(5.0, gt=0, description="timeout of the push; a failed push is reported, not fatal")

    @field_validator("pushgateway_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"expected an http(s):// URL of a Pushgateway, got {value!r}")
        return value.rstrip("/") if value else value
