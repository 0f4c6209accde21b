"""qdrant-golive: go-live validation and benchmark suite for Qdrant deployments."""

from __future__ import annotations

__version__ = "0.1.0"
