"""When a response counts as a success: HTTP 200, ``"status": "ok"`` and a non-empty result.

A request that did not succeed raises nothing on the hot path: :func:`judge_response` returns the error kind
(``empty result``, ``status not ok``, ...) and Qdrant's own ``time`` field, read from the tail of the body by
byte markers for Qdrant's compact JSON (a full parse otherwise), which keeps the generator's CPU per request low::

    error, server_time = judge_response(raw, POINTS_NONEMPTY)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any


class RequestError(Exception):
    """A request that did not succeed; its text is the error kind (``HTTP 503``, ``empty result``, ...)."""


_TIME_RE = re.compile(rb'"time":\s*([0-9.eE+-]+)')


class Check:
    """Success test of a response body: byte markers for Qdrant's compact JSON, a full parse otherwise
    (keeps the generator's CPU per request low; the markers never decide on anything but compact JSON)."""

    def __init__(self, empty: tuple[bytes, ...], full: tuple[bytes, ...], parsed: Callable[[Any], str | None]):
        self.empty, self.full, self.parsed = empty, full, parsed

    def __call__(self, raw: bytes) -> str | None:
        if any(marker in raw for marker in self.empty):
            return "empty result"
        if any(marker in raw for marker in self.full):
            return None
        return self.parsed(json.loads(raw).get("result"))


def judge_response(raw: bytes, check: Check) -> tuple[str | None, float | None]:
    """(error or None, server ``time``) of an HTTP 200 answer."""
    tail = raw[-128:]
    if b'"status":"ok"' not in tail:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("status") != "ok":
            return "status not ok", None
        server = data.get("time")
        return check.parsed(data.get("result")), float(server) if isinstance(server, int | float) else None
    match = _TIME_RE.search(tail)
    return check(raw), float(match.group(1)) if match else None


def _points_parsed(result: Any) -> str | None:
    points = result.get("points") if isinstance(result, dict) else result
    return None if isinstance(points, list) and points else "empty result"


def _batch_parsed(result: Any) -> str | None:
    if not isinstance(result, list) or not result:
        return "empty result"
    return next((e for e in (_points_parsed(r) for r in result) if e), None)


def _upsert_parsed(result: Any) -> str | None:
    ok = isinstance(result, dict) and result.get("status") in ("completed", "acknowledged")
    return None if ok else "upsert not completed"


POINTS_NONEMPTY = Check((b'"points":[]',), (b'"points":[{',), _points_parsed)
BATCH_NONEMPTY = Check((b'"points":[]', b'"result":[]'), (b'"points":[{',), _batch_parsed)
UPSERTED = Check((), (b'"status":"completed"', b'"status":"acknowledged"'), _upsert_parsed)
