"""The network to a neighbour: a short burst of plain TCP connects to its service port.

``observe_connect("10.0.1.40", 6379, count=20, timeout=2.0)`` -> ``ConnectObservation`` with the connect
times (``burst``), or ``error`` — "connection refused by 10.0.1.40:6379" — at the first connect that fails.
Each connect is closed at once; nothing is sent.
"""

from __future__ import annotations

import errno
import socket
import time
from dataclasses import dataclass

from golive.probes.dependencies.timing import Burst


@dataclass(frozen=True)
class ConnectObservation:
    host: str
    port: int
    error: str | None = None
    burst: Burst | None = None

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def observe_connect(host: str, port: int, *, count: int, timeout: float) -> ConnectObservation:
    samples: list[float] = []
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    for _ in range(count):
        start = time.perf_counter()
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except TimeoutError:
            return ConnectObservation(host, port, error=f"TCP connect to {address} timed out after {timeout:g} s")
        except ConnectionRefusedError:
            return ConnectObservation(host, port, error=f"connection refused by {address}")
        except OSError as err:
            reason = errno.errorcode.get(err.errno or 0, "") or type(err).__name__
            return ConnectObservation(host, port, error=f"cannot connect to {address}: {reason} {err.strerror or err}")
        samples.append(time.perf_counter() - start)
        sock.close()
    return ConnectObservation(host, port, burst=Burst.of(samples))
