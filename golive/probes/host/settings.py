"""The ``hosts:`` entries of an environment's config: what each host claims about the Qdrant service on it.

    hosts:
      - spec: ssh://qdrant-ops@10.0.1.20:22      # local://, ssh://user@host[:port], paramiko://user@host[:port]
        name: qdrant-1
        identity_file: ~/.ssh/golive_ed25519
        known_hosts: strict                      # strict | accept-new | off
        user: qdrant                             # the service user the process must run as
        ports: {rest: 6333, grpc: 6334, metrics: 9091}
        listen_addresses: [10.0.1.20, 127.0.0.1]
        storage_path: /opt/qdrant/storage

Each optional field left out makes the items that need it skip with that reason. Passwords never go into the
spec; an SSH key passphrase (paramiko) and nothing else is read from the variable ``passphrase_env`` names.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from golive.fields import Duration, EnvVarName, Fraction, Section

SCHEMES = ("local", "ssh", "paramiko")


class Ports(Section):
    """The ports the service claims; ``rest`` defaults to the port of ``target.url``."""

    rest: int | None = Field(None, ge=1, le=65535)
    grpc: int | None = Field(None, ge=1, le=65535)
    metrics: int | None = Field(None, ge=1, le=65535)


class HostSettings(Section):
    """A host to probe with testinfra: ``spec`` is ``local://``, ``ssh://user@host:port`` or ``paramiko://...``."""

    spec: str
    name: str | None = None
    identity_file: Path | None = Field(None, description="SSH private key; must exist when set")
    known_hosts: Literal["strict", "accept-new", "off"] = "strict"
    known_hosts_file: Path | None = Field(None, description="default: the ssh client's own (~/.ssh/known_hosts)")
    connect_timeout: Duration = Field(10.0, gt=0, le=120)
    sudo: bool = Field(False, description="run the read-only probe commands through `sudo -n` (passwordless)")
    passphrase_env: EnvVarName | None = Field(None, description="variable holding the key's passphrase (paramiko)")
    service: str | None = Field(None, description="systemd unit; judged where the host runs systemd")
    user: str | None = Field(None, description="the service user the Qdrant process must run as")
    ports: Ports = Ports()
    listen_addresses: list[str] | None = Field(None, description="addresses the process may listen on")
    storage_path: Path | None = None
    config_file: Path | None = None
    log_path: Path | None = Field(None, description="the log file or directory")

    @field_validator("spec")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in SCHEMES:
            raise ValueError(
                f"expected a testinfra host spec such as local:// or ssh://user@host, got {value!r} "
                f"(backends: {', '.join(SCHEMES)})"
            )
        url = urllib.parse.urlsplit(value)
        if url.password is not None:
            raise ValueError(
                "a password written into the host spec: drop it; use identity_file (and passphrase_env for an "
                "encrypted key) instead"
            )
        if url.query or url.fragment or url.path not in ("", "/"):
            raise ValueError(
                f"expected scheme://[user@]host[:port] only, got {value!r}: options such as the identity file or "
                "sudo go in their own fields (identity_file, sudo, known_hosts)"
            )
        if scheme == "local" and url.netloc:
            raise ValueError(f"local:// takes no host, got {value!r}")
        if scheme != "local":
            if not url.hostname:
                raise ValueError(f"{scheme}:// needs a host: {scheme}://user@host[:port], got {value!r}")
            try:
                _ = url.port
            except ValueError:
                raise ValueError(f"not a port number in {value!r}") from None
        return value

    @field_validator("identity_file", "known_hosts_file")
    @classmethod
    def _existing_file(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        path = value.expanduser()
        if not path.is_file():
            raise ValueError(f"file not found: {str(value)!r} (give the path of an existing file, or leave it out)")
        return path

    @model_validator(mode="after")
    def _ssh_only(self) -> HostSettings:
        if self.scheme == "local":
            for name in ("identity_file", "known_hosts_file", "passphrase_env"):
                if getattr(self, name) is not None:
                    raise ValueError(f"{name} is for ssh:// and paramiko:// hosts; {self.spec} needs none")
        if self.scheme != "local":
            for name in ("storage_path", "config_file", "log_path"):
                value = getattr(self, name)
                if value is not None and not value.is_absolute():
                    raise ValueError(f"{name} {str(value)!r} must be an absolute path on {self.spec}")
        if self.passphrase_env and self.scheme == "ssh":
            raise ValueError(
                "passphrase_env works with paramiko:// only; for ssh:// load the key into ssh-agent instead"
            )
        return self

    @property
    def scheme(self) -> str:
        return self.spec.split("://", 1)[0]

    @property
    def label(self) -> str:
        """The name, else the spec; the item parameter: ``GL-SYS-001[qdrant-1]``."""
        return self.name or self.spec


class SystemLimits(Section):
    """``thresholds.system``: resource limits on the probed hosts (fractions: ``cpu: 85%``)."""

    cpu: Fraction = 0.85
    memory: Fraction = 0.90
    disk: Fraction = 0.85
    swap: Fraction = Field(0.10, description="share of the swap space in use")
    load_per_core: float = Field(2.0, gt=0)
    cpu_sample: Duration = Field(1.0, gt=0, le=30, description="how long the CPU busy share is sampled")
    min_open_files: int = Field(65536, ge=0)
    min_max_map_count: int = Field(262144, ge=0)
