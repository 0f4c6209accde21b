"""Host probes over pytest-testinfra: settings (``hosts:``) and the facade that observes a host.

probe = HostProbe(settings)          # local://, ssh://user@host:port, paramiko://user@host:port
probe.memory().available            # bytes; every method returns values and never asserts
"""
