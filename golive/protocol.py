"""Qdrant's REST protocol as the suite relies on it, in one leaf both the probes and the sandbox read.

The envelope ``{"status": "ok", "result": ..., "time": ...}`` is checked in one place,
``envelope_result(method, path, status, body)``; the health texts and the header by which the sandbox names
itself live here too, so a probe need not import the sandbox to recognise it.
"""

from __future__ import annotations

from typing import Any

from golive.errors import QdrantCallError

HEALTH_TEXT = "healthz check passed"
READY_TEXT = "all shards are ready"
NOT_READY_TEXT = "some shards are not ready"
ROOT_TITLE = "qdrant - vector search engine"

#: Every sandbox response carries this header; a real Qdrant server never does.
SANDBOX_HEADER = "x-golive-sandbox"


def envelope_result(method: str, path: str, status: int, body: Any) -> Any:
    """The ``result`` of a Qdrant envelope answered with HTTP 200; ``QdrantCallError`` naming the call, the
    status and the start of the body otherwise (``GET /collections answered HTTP 401: Must provide ...``)."""
    __tracebackhide__ = True
    if status != 200 or not isinstance(body, dict) or body.get("status") not in ("ok", None):
        raise QdrantCallError(f"{method} {path} answered HTTP {status}: {str(body)[:200]}")
    return body.get("result")
