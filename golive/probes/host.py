"""Host probes (testinfra facade): the ``hosts:`` section and the ``thresholds.system`` limits they are judged by.

The probes themselves come with the host and service checks; this module owns their settings so that the
config assembly only lists the section. ``HostSettings(spec="ssh://qdrant@db1")``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from golive.fields import Fraction, Section

#: testinfra's connection backends, as they appear before ``://`` in a host spec.
BACKENDS = ("local", "ssh", "paramiko", "docker", "podman", "kubectl", "ansible", "salt", "winrm", "lxc")


class HostSettings(Section):
    """A host to probe with testinfra: ``spec`` is a testinfra host spec (``local://``, ``ssh://user@host``)."""

    spec: str
    name: str | None = None
    service: str = "qdrant"
    user: str = "qdrant"
    storage_path: Path = Path("/var/lib/qdrant/storage")
    config_file: Path | None = Path("/etc/qdrant/config.yaml")

    @field_validator("spec")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in BACKENDS:
            raise ValueError(
                f"expected a testinfra host spec such as local:// or ssh://user@host, got {value!r} "
                f"(backends: {', '.join(BACKENDS)})"
            )
        return value

    @property
    def label(self) -> str:
        return self.name or self.spec


class SystemLimits(Section):
    """Resource limits on the probed hosts (fractions: ``cpu: 85%``)."""

    cpu: Fraction = 0.85
    memory: Fraction = 0.90
    disk: Fraction = 0.85
    load_per_core: float = Field(2.0, gt=0)
    min_open_files: int = Field(65536, ge=0)
    min_max_map_count: int = Field(262144, ge=0)
