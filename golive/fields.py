"""Shared field types of the settings sections: durations, rates, percentages, sizes, safe names, run ids.

A leaf: imports nothing of golive, so every area's settings section (target, verdict, probes, load, release)
can use it without reaching the config assembly. Every parser raises ``ValueError`` with a message saying
what was expected, so the config loader can name the field. ``parse_duration("250ms") == 0.25``;
``parse_rate("1000/s") == 1000.0``; ``parse_percent("0.1%") == 0.001``. The pydantic types
(``Duration``, ``Rate``, ``Percent``, ``EnvVarName``, ``Url``) and the ``Section`` base apply them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets as _secrets
from typing import Annotated
from urllib.parse import urlsplit

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

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

MAX_DURATION = 366 * 86400.0  # longer than a year is a typo (1.0e+308), not a setting
MAX_RATE = 10_000_000.0
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
    seconds = found if isinstance(found, float) else float(found.group(1)) * _DURATION_UNITS[found.group(2)]
    if seconds > MAX_DURATION:
        raise ValueError(f"expected {DURATION_HINT} of at most 366d, got {text!r}")
    return seconds


def parse_positive_duration(text: str | float | int) -> float:
    """As ``parse_duration``, but zero is refused: a timeout or window of 0 s cannot be met."""
    seconds = parse_duration(text)
    if seconds <= 0:
        raise ValueError(f"expected {DURATION_HINT} greater than zero, got {text!r}")
    return seconds


def parse_rate(text: str | float | int) -> float:
    """Requests per second from ``"1000/s"``, ``"1000 rps"`` or a bare number."""
    found = _quantity(text, _RATE_RE, RATE_HINT)
    rate = found if isinstance(found, float) else float(found.group(1))
    if rate > MAX_RATE:
        raise ValueError(f"expected {RATE_HINT} of at most {MAX_RATE:,.0f}/s, got {text!r}")
    return rate


def parse_positive_rate(text: str | float | int) -> float:
    """As ``parse_rate``, but zero is refused: a rate of 0/s sends nothing and measures nothing."""
    rate = parse_rate(text)
    if rate <= 0:
        raise ValueError(f"expected {RATE_HINT} greater than zero, got {text!r}")
    return rate


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


# ---------------------------------------------------------------------------------------------- names

_SAFE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
RESERVED_RUN_IDS = ("latest", "benchmarks")  # siblings of the run folders under reports/<env>/


def safe_name(value: str, what: str) -> str:
    """A name that becomes one path segment under reports/ (environment, run id): no separators, no ``..``."""
    if not _SAFE_NAME_RE.match(value) or ".." in value:
        raise ValueError(
            f"{what} starts with a letter or digit, then letters, digits, '.', '_' or '-' (one folder name "
            f"under reports/, no '..'), got {value!r}"
        )
    return value


def new_run_id(now: dt.datetime | None = None) -> str:
    """``20261128T004412Z-3fa2c1``: sortable by time, unique across parallel runs (probe names date by it)."""
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{_secrets.token_hex(3)}"


_RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")


def check_run_id(value: str) -> str:
    """A run id given by the user: letters, digits and '-' (it names a folder under reports/<env>/ and is part of
    probe collection names), not one of the reserved siblings; ValueError if not."""
    if not _RUN_ID_RE.match(value):
        raise ValueError(
            f"a run id is 1-64 letters, digits and '-', starting with a letter or digit (it becomes a folder "
            f"under reports/<env>/ and part of probe collection names), got {_clip(repr(value))}"
        )
    if value in RESERVED_RUN_IDS:
        raise ValueError(f"{value!r} is reserved under reports/<env>/; pick another run id")
    return value


def version_in_range(version: str, spec: str) -> bool:
    """Whether ``version`` lies in the PEP 440 range ``spec`` (``">=1.10,<2"``); an unparsable version does not."""
    try:
        return Version(version) in SpecifierSet(spec)
    except InvalidVersion:
        return False


def _looks_like_a_token(value: str) -> bool:
    """A long run of letters and digits without an underscore: a key pasted where its variable's name goes."""
    return len(value) >= 20 and "_" not in value and any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def _env_var_name(value: str) -> str:
    if not _ENV_NAME_RE.match(value) or _looks_like_a_token(value):
        raise ValueError(
            "expected the NAME of an environment variable (e.g. QDRANT_API_KEY), not a secret value: "
            "secrets are read from the environment, never from the config file"
        )
    return value


def _url(value: str) -> str:
    hint = f"expected an http:// or https:// URL such as http://127.0.0.1:6333, got {_clip(repr(value))}"
    if not re.match(r"^https?://[^/\s]+", value) or any(c.isspace() or ord(c) < 32 for c in value):
        raise ValueError(hint)
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as err:  # 'http://[::1', 'http://127.0.0.1:abc', 'http://h:9:9'
        raise ValueError(f"{hint} ({err})") from None
    if not parts.hostname:
        raise ValueError(f"{hint} (no host)")
    if port == 0:
        raise ValueError(f"{hint} (port 0)")
    return value.rstrip("/")


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


# ---------------------------------------------------------------------------------------------- pydantic types

Duration = Annotated[float, BeforeValidator(parse_duration)]
PositiveDuration = Annotated[float, BeforeValidator(parse_positive_duration)]
Rate = Annotated[float, BeforeValidator(parse_rate)]
PositiveRate = Annotated[float, BeforeValidator(parse_positive_rate)]
Percent = Annotated[float, BeforeValidator(parse_percent)]
Fraction = Percent
EnvVarName = Annotated[str, AfterValidator(_env_var_name)]
Url = Annotated[str, AfterValidator(_url)]


class Section(BaseModel):
    """Base of every settings section: unknown keys are errors, values are frozen once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)
