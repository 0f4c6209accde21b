"""Host probes over pytest-testinfra: the ``hosts:`` section, the ``thresholds.system`` limits the host items
are judged by, and the facade that observes a host (``golive.probes.host.facade``).

    probe = HostProbe(HostSettings(spec="ssh://qdrant-ops@db1:22"))  # local://, ssh://, paramiko://
    probe.memory().available                                        # bytes; values only, never a judgement
"""

from golive.probes.host.settings import HostSettings, SystemLimits

__all__ = ["HostSettings", "SystemLimits"]
