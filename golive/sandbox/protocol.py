"""Requests, responses and Qdrant's JSON envelopes for the plain ASGI app.

>>> ok({"exists": True}, started=time.perf_counter()).status
200
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson

JSON_TYPE = b"application/json"
TEXT_TYPE = b"text/plain; charset=utf-8"


class ApiError(Exception):
    """An error answered in Qdrant's envelope: ``{"status": {"error": msg}, "time": t}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_input(description: str) -> ApiError:
    """Qdrant's 400 ``Wrong input: ...``."""
    return ApiError(400, f"Wrong input: {description}")


def bad_request(description: str) -> ApiError:
    """Qdrant's 400 ``Bad request: ...`` (malformed JSON, wrong shapes)."""
    return ApiError(400, f"Bad request: {description}")


def collection_not_found(name: str) -> ApiError:
    """Qdrant's 404 for an unknown collection."""
    return ApiError(404, f"Not found: Collection `{name}` doesn't exist!")


@dataclass(slots=True)
class Request:
    """One HTTP request, body already read."""

    method: str
    path: str
    query_string: bytes
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    parsed: Any = field(default=None, repr=False)  # the JSON body once read (validation, then the handler)

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.query_string.decode("latin-1"), keep_blank_values=True))

    def json(self) -> Any:
        """The JSON body; an empty body reads as ``{}``; malformed JSON is a 400."""
        if self.parsed is not None:
            return self.parsed
        if not self.body.strip():
            return {}
        try:
            self.parsed = orjson.loads(self.body)
        except orjson.JSONDecodeError as exc:
            raise bad_request(f"Json deserialize error: {exc}") from None
        return self.parsed

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise bad_request("Json deserialize error: expected a JSON object")
        return data

    def flag(self, name: str, default: bool) -> bool:
        value = self.query.get(name)
        if value is None:
            return default
        return value == "true"  # validation.query_flags refused anything but true and false


@dataclass(slots=True)
class Response:
    status: int
    body: bytes
    content_type: bytes = JSON_TYPE
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


def _dumps(data: Any) -> bytes:
    return orjson.dumps(data)


def ok(result: Any, *, started: float, status: int = 200, status_text: str = "ok") -> Response:
    """Qdrant's success envelope ``{"result": ..., "status": "ok", "time": seconds}``."""
    body = {"result": result, "status": status_text, "time": time.perf_counter() - started}
    return Response(status, _dumps(body))


def error(status: int, message: str, *, started: float) -> Response:
    """Qdrant's error envelope ``{"status": {"error": ...}, "time": seconds}``."""
    return Response(status, _dumps({"status": {"error": message}, "time": time.perf_counter() - started}))


def text(status: int, body: str, headers: Mapping[bytes, bytes] | None = None) -> Response:
    """A plain-text response (health texts, 401s, metrics)."""
    return Response(status, body.encode(), TEXT_TYPE, list((headers or {}).items()))


def raw_json(data: Any, status: int = 200) -> Response:
    """A JSON body without envelope (``GET /``, ``/issues``...)."""
    return Response(status, _dumps(data))
