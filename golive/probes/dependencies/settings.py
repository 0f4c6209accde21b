"""The ``dependencies:`` section: the neighbours the deployment needs, probed by ``golive.probes.dependencies``.

``Dependency(name="cache", kind="redis", url="redis://127.0.0.1:6379/0", password_env="REDIS_PASSWORD")``;
a password is never written in the file, only the name of the environment variable holding it.
"""

from __future__ import annotations

from typing import Literal

from golive.fields import EnvVarName, Section

DependencyKind = Literal["redis", "postgres", "prometheus", "grafana", "http", "tcp"]


class Dependency(Section):
    """One neighbour: what it is, where it answers, how much its failure weighs."""

    name: str
    kind: DependencyKind
    url: str
    severity: Literal["blocker", "warning"] = "blocker"
    password_env: EnvVarName | None = None
