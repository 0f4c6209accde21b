"""A Qdrant-compatible REST stand-in served from qdrant-edge shards, with fault injection.

It is a test target and a demo, never Qdrant: every response carries ``x-golive-sandbox``.
Start it with ``python -m golive.sandbox --demo`` or from tests with
:func:`golive.sandbox.testing.running_sandbox`.
"""

from __future__ import annotations

from importlib import metadata

from golive.protocol import SANDBOX_HEADER

#: The Qdrant release qdrant-edge-py 0.9.0 was cut after (edge bump qdrant/qdrant#10105, 2026-08-06,
#: follows the 1.19.0 release, qdrant/qdrant#10084, 2026-08-04).
QDRANT_VERSION = "1.19.0"
#: The commit Qdrant 1.19.0's release builds report in ``GET /`` (the v1.19.0 tag). qdrant-edge-py's wheel
#: carries no commit of its own, and ``GET /`` claims the Qdrant version, so it claims that build's commit.
QDRANT_COMMIT = "74f3e85b9473c62560006c043e13737ce6b48412"


def edge_version() -> str:
    """The installed qdrant-edge-py version, e.g. ``"0.9.0"``."""
    try:
        return metadata.version("qdrant-edge-py")
    except metadata.PackageNotFoundError:  # pragma: no cover - the dependency is required
        return "unknown"


SANDBOX_HEADER_VALUE = f"qdrant-edge-py {edge_version()}"

__all__ = ["QDRANT_COMMIT", "QDRANT_VERSION", "SANDBOX_HEADER", "SANDBOX_HEADER_VALUE", "edge_version"]
