"""qdrant-edge's exceptions as Qdrant's answers: a missing point is a 404, a value it cannot parse a 400.

>>> edge_error(Exception("No point with id 7")).message
'Not found: No point with id 7 found'
"""

from __future__ import annotations

import re

from golive.sandbox.protocol import ApiError, bad_input, bad_request

_NO_POINT = re.compile(r"No point with id (\S+?)(?: found)?$")


def input_error(exc: Exception, params: dict[str, str]) -> ApiError | None:
    """qdrant-edge's ValueError for a request value it cannot parse (a JSON path), as Qdrant's serde 400; else None."""
    text = str(exc)
    if not isinstance(exc, ValueError) or not text.startswith("invalid JSON path"):
        return None
    where = "path parameters" if params.get("field") is not None and text.endswith(params["field"]) else "JSON body"
    return ApiError(400, f"Format error in {where}: {text}")


def edge_error(exc: Exception) -> ApiError:
    """A qdrant-edge exception as Qdrant's answer: a missing point is a 404, the rest a 400."""
    if isinstance(exc, ApiError):
        return exc
    text = str(exc)
    found = _NO_POINT.search(text)
    if found:
        return ApiError(404, f"Not found: No point with id {found.group(1)} found")
    if text.startswith("No range index for `order_by`"):
        return bad_request(text)
    return bad_input(text)
