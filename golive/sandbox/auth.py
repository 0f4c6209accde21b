"""Qdrant's API-key rules: 401 plain text without a valid key, 403 for a read-only key writing.

>>> Keys("secret", "ro").check("GET", "/collections", {"api-key": "ro"}) is None
True
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from golive.sandbox.protocol import ApiError

OPEN_PATHS = frozenset({"/", "/healthz", "/livez", "/readyz"})
MISSING = "Must provide an API key or an Authorization bearer token"
INVALID = "Invalid API key or JWT"
READ_ONLY_WRITE = "Forbidden: Global manage access is required"
# POST endpoints that only read (everything else that is not GET/HEAD writes).
READ_POSTS = re.compile(
    r"^/collections/[^/]+/points(/(query(/batch|/groups)?|search(/batch|/groups)?|scroll|count"
    r"|recommend(/batch|/groups)?|discover(/batch)?|facet))?$|^/collections/[^/]+/facet$"
)


class Unauthorized(Exception):
    """A 401, answered in plain text like Qdrant."""


@dataclass(frozen=True)
class Keys:
    api_key: str | None
    read_only_key: str | None

    @property
    def enabled(self) -> bool:
        return bool(self.api_key or self.read_only_key)

    def check(self, method: str, path: str, headers: dict[str, str]) -> None:
        """Raise :class:`Unauthorized` (401) or ``ApiError(403)``; return None when allowed."""
        if not self.enabled or path in OPEN_PATHS or method == "OPTIONS":
            return
        key = headers.get("api-key")
        if key is None:
            auth = headers.get("authorization", "")
            key = auth[len("Bearer ") :] if auth.startswith("Bearer ") else None
        if key is None:
            raise Unauthorized(MISSING)
        if self.api_key and hmac.compare_digest(key.encode(), self.api_key.encode()):
            return
        if self.read_only_key and hmac.compare_digest(key.encode(), self.read_only_key.encode()):
            if path.startswith("/__sandbox") or is_write(method, path):
                raise ApiError(403, READ_ONLY_WRITE)
            return
        raise Unauthorized(INVALID)


def check_with_fault(keys: Keys, fault: str | None, method: str, path: str, headers: dict[str, str]) -> None:
    """``keys.check`` with the sandbox's ``auth`` fault: enforcement broken on purpose, never on ``/__sandbox``.

    ``keyless`` lets requests without a key through, ``wrong_key`` accepts any key, ``read_only_writes``
    lets the read-only key write.
    """
    if fault is None or path.startswith("/__sandbox"):
        keys.check(method, path, headers)
        return
    has_key = "api-key" in headers or headers.get("authorization", "").startswith("Bearer ")
    if fault == "keyless" and not has_key:
        return
    try:
        keys.check(method, path, headers)
    except Unauthorized:
        if fault == "wrong_key" and has_key:
            return
        raise
    except ApiError:
        if fault == "read_only_writes":
            return
        raise


def is_write(method: str, path: str) -> bool:
    """Whether a request changes state (so a read-only key may not make it)."""
    if method in {"GET", "HEAD", "OPTIONS"}:
        return False
    return not (method == "POST" and READ_POSTS.match(path))
