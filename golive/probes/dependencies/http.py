"""HTTP dependencies (a web server, an API gateway, Prometheus, Grafana): one ``GET`` of the health URL.

``observe_http(dep)`` -> ``HttpObservation(url, status=200, text="...", elapsed=0.0042)``, or one with
``error`` set when the URL cannot be reached or does not answer within the entry's timeout.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass
from typing import Any

import httpx

from golive.probes.dependencies.settings import Dependency


@dataclass(frozen=True)
class HttpObservation:
    url: str
    error: str | None = None
    status: int = 0
    text: str = ""
    elapsed: float = 0.0  # from the request to the last byte of the body
    server: str | None = None  # the Server header, kept as evidence

    @property
    def evidence(self) -> dict[str, Any]:
        return {"url": self.url, "status": self.status, "server": self.server}


def _verify(dep: Dependency) -> ssl.SSLContext | bool:
    if not dep.tls.verify:
        return False
    if dep.tls.ca_file:
        return ssl.create_default_context(cafile=str(dep.tls.ca_file))
    return True


def observe_http(dep: Dependency) -> HttpObservation:
    url = dep.http_url
    try:
        with httpx.Client(timeout=httpx.Timeout(dep.timeout), verify=_verify(dep), follow_redirects=False) as client:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - start
    except httpx.TimeoutException:
        return HttpObservation(url, error=f"timed out after {dep.timeout:g} s: GET {url}")
    except httpx.ConnectError as err:
        return HttpObservation(url, error=f"cannot connect to {dep.address} (GET {url}): {err}")
    except httpx.HTTPError as err:
        return HttpObservation(url, error=f"GET {url} failed: {type(err).__name__}: {err}")
    return HttpObservation(
        url, status=response.status_code, text=response.text, elapsed=elapsed, server=response.headers.get("server")
    )
