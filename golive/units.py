"""Parsing of the quantities people write in configs: durations, rates, percentages, sizes.

Every parser raises ``ValueError`` with a message saying what was expected, so the config loader can name
the field. ``parse_duration("250ms") == 0.25``; ``parse_rate("1000/s") == 1000.0``;
``parse_percent("0.1%") == 0.001``.
"""

from __future__ import annotations

import math
import re

_DURATION_UNITS = {
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}
_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_DURATION_RE = re.compile(rf"^\s*{_NUMBER}\s*(us|µs|ms|s|min|m|h|d)\s*$")
_RATE_RE = re.compile(rf"^\s*{_NUMBER}\s*(/s|rps|req/s)?\s*$")
_PERCENT_RE = re.compile(rf"^\s*{_NUMBER}\s*%\s*$")
_SIZE_RE = re.compile(rf"^\s*{_NUMBER}\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "kib": 1024,
    "mb": 1000**2,
    "mib": 1024**2,
    "gb": 1000**3,
    "gib": 1024**3,
    "tb": 1000**4,
    "tib": 1024**4,
}

DURATION_HINT = "a duration such as 250ms, 5s, 10m or 26h"
RATE_HINT = "a rate such as 1000/s"
PERCENT_HINT = "a percentage such as 0.1% or 85%"
SIZE_HINT = "a size such as 512MiB or 10GB"


def _quantity(value: object, pattern: re.Pattern[str], hint: str) -> float | re.Match[str]:
    """A bare finite, non-negative number as float, or the match of a string; ValueError naming ``hint``."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected {hint}, got {value!r}")
    if isinstance(value, str):
        match = pattern.match(value)
        if not match:
            raise ValueError(f"expected {hint}, got {value!r}")
        return match
    if not math.isfinite(value):
        raise ValueError(f"expected {hint}, got {value!r}")
    if value < 0:
        raise ValueError(f"expected {hint}, got a negative number {value!r}")
    return float(value)


def parse_duration(text: str | float | int) -> float:
    """Seconds from ``"250ms"``, ``"5s"``, ``"10m"``, ``"26h"``; a bare number is seconds."""
    found = _quantity(text, _DURATION_RE, DURATION_HINT)
    if isinstance(found, float):
        return found
    return float(found.group(1)) * _DURATION_UNITS[found.group(2)]


def parse_rate(text: str | float | int) -> float:
    """Requests per second from ``"1000/s"``, ``"1000 rps"`` or a bare number."""
    found = _quantity(text, _RATE_RE, RATE_HINT)
    return found if isinstance(found, float) else float(found.group(1))


def parse_percent(text: str | float | int) -> float:
    """A fraction from ``"0.1%"`` (0.001); a bare number must already be a fraction in [0, 1]."""
    if isinstance(text, bool):
        raise ValueError(f"expected {PERCENT_HINT}, got {text!r}")
    if isinstance(text, int | float):
        if not 0 <= text <= 1:
            raise ValueError(f"expected {PERCENT_HINT} (a bare number is a fraction 0..1), got {text!r}")
        return float(text)
    if not isinstance(text, str):
        raise ValueError(f"expected {PERCENT_HINT}, got {text!r}")
    match = _PERCENT_RE.match(text)
    if not match:
        raise ValueError(f"expected {PERCENT_HINT}, got {text!r}")
    value = float(match.group(1)) / 100.0
    if value > 1:
        raise ValueError(f"expected {PERCENT_HINT} of at most 100%, got {text!r}")
    return value


def parse_size(text: str | int) -> int:
    """Bytes from ``"512MiB"``, ``"10GB"`` or a bare number of bytes."""
    if isinstance(text, bool):
        raise ValueError(f"expected {SIZE_HINT}, got {text!r}")
    if isinstance(text, int):
        if text < 0:
            raise ValueError(f"expected {SIZE_HINT}, got a negative number {text!r}")
        return text
    if not isinstance(text, str):
        raise ValueError(f"expected {SIZE_HINT}, got {text!r}")
    match = _SIZE_RE.match(text)
    if not match:
        raise ValueError(f"expected {SIZE_HINT}, got {text!r}")
    return int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()])


def format_duration(seconds: float) -> str:
    """Human figure with a sensible unit: ``format_duration(0.0096) == "9.60 ms"``."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"
