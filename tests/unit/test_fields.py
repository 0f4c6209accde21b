"""golive.fields: durations, rates, percentages and sizes as written in configs; bad values say what is expected."""

from __future__ import annotations

import re

import pytest

from golive.fields import format_duration, parse_duration, parse_percent, parse_rate, parse_size

DURATION = "expected a duration such as 250ms, 5s, 10m or 26h, got "
RATE = "expected a rate such as 1000/s, got "
PERCENT = "expected a percentage such as 0.1% or 85%"
SIZE = "expected a size such as 512MiB or 10GB, got "


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("250ms", 0.25),
        ("5s", 5.0),
        (" 5 s ", 5.0),
        ("10m", 600.0),
        ("10min", 600.0),
        ("26h", 93600.0),
        ("30d", 2592000.0),
        ("1.5h", 5400.0),
        (".5s", 0.5),
        ("800us", 0.0008),
        ("800µs", 0.0008),
        (3, 3.0),
        (0.25, 0.25),
        (0, 0.0),
    ],
)
def test_parse_duration(text: str | float, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fast", DURATION + "'fast'"),
        ("5", DURATION + "'5'"),
        ("5 seconds", DURATION + "'5 seconds'"),
        ("-5s", DURATION + "'-5s'"),
        ("5S", DURATION + "'5S'"),
        ("", DURATION + "''"),
        (-1, DURATION + "a negative number -1"),
        (True, DURATION + "True"),
        (None, DURATION + "None"),
        ([5], DURATION + "[5]"),
        (float("nan"), DURATION + "nan"),
        (float("inf"), DURATION + "inf"),
    ],
)
def test_parse_duration_rejects(text: object, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse_duration(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "rate"),
    [("1000/s", 1000.0), ("1000 rps", 1000.0), ("250 req/s", 250.0), ("12.5", 12.5), (800, 800.0), (0, 0.0)],
)
def test_parse_rate(text: str | int, rate: float) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1000/min", RATE + "'1000/min'"),
        ("lots", RATE + "'lots'"),
        ("-5/s", RATE + "'-5/s'"),
        (-5, RATE + "a negative number -5"),
        (False, RATE + "False"),
        (None, RATE + "None"),
        (float("inf"), RATE + "inf"),
    ],
)
def test_parse_rate_rejects(text: object, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse_rate(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "fraction"),
    [("0.1%", 0.001), ("85%", 0.85), (" 100 % ", 1.0), ("0%", 0.0), (0.85, 0.85), (1, 1.0), (0, 0.0)],
)
def test_parse_percent(text: str | float, fraction: float) -> None:
    assert parse_percent(text) == pytest.approx(fraction)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("85", PERCENT + ", got '85'"),
        ("lots%", PERCENT + ", got 'lots%'"),
        ("101%", PERCENT + " of at most 100%, got '101%'"),
        (85, PERCENT + " (a bare number is a fraction 0..1), got 85"),
        (-0.1, PERCENT + " (a bare number is a fraction 0..1), got -0.1"),
        (float("nan"), PERCENT + " (a bare number is a fraction 0..1), got nan"),
        (True, PERCENT + ", got True"),
        (None, PERCENT + ", got None"),
    ],
)
def test_parse_percent_rejects(text: object, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse_percent(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("512MiB", 512 * 1024**2),
        ("10GB", 10 * 1000**3),
        ("10 gb", 10 * 1000**3),
        ("1.5KiB", 1536),
        ("2TiB", 2 * 1024**4),
        ("100", 100),
        ("100B", 100),
        (4096, 4096),
    ],
)
def test_parse_size(text: str | int, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10 GiBs", SIZE + "'10 GiBs'"),
        ("big", SIZE + "'big'"),
        (-1, SIZE + "a negative number -1"),
        (True, SIZE + "True"),
        (1.5, SIZE + "1.5"),
        (None, SIZE + "None"),
    ],
)
def test_parse_size_rejects(text: object, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse_size(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.0096, "9.60 ms"), (0.00042, "420 µs"), (0.0, "0 µs"), (0.001, "1.00 ms"), (1.0, "1.00 s"), (93.5, "93.50 s")],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
