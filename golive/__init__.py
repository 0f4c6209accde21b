"""qdrant-golive: go-live validation and benchmark suite for Qdrant deployments."""

from __future__ import annotations

from golive.outcomes import Inconclusive, inconclusive

__all__ = ["Inconclusive", "__version__", "inconclusive"]
__version__ = "0.1.0"
