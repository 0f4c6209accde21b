"""One exception tree for golive (a leaf: imports nothing of golive).

    GoliveError                  base of everything golive raises on purpose; ``str(err)`` is for the user
    ├── ConfigError              a config that cannot be used (exit 7); names the file and every bad field
    ├── UsageError               a command-line value the run cannot use (exit 4)
    ├── TargetError              the target answered, but not as Qdrant would (status, not JSON, envelope)
    │   ├── TargetUnreachable    it could not be reached or did not answer in time (one line to show)
    │   │   └── KeyRefused       it answered HTTP 401 to one of our keys: the key is wrong (one line)
    │   └── QdrantCallError      a probe helper's call was answered, but not as expected (e.g. 401)
    ├── HostError                a host in ``hosts:`` could not be observed (a probe command failed)
    │   └── HostUnreachable      no connection: refused, timed out, authentication or host key failed
    ├── Inconclusive             a check's measurement could not be trusted (verdict INCONCLUSIVE)
    └── WaitTimeout              ``wait_until`` gave up; the message carries the last observed state
                                 (also a ``TimeoutError``)

Areas keep their own narrower errors where only they raise them (``golive.load.runner.LoadRunError``,
``golive.sandbox.testing.SandboxStartError``).
"""

from __future__ import annotations

from collections.abc import Iterable


class GoliveError(Exception):
    """Base of the errors golive raises on purpose; the message is the one to show, no traceback needed."""


class ConfigError(GoliveError):
    """A config that cannot be used; ``str(err)`` is the message for the user (no traceback needed)."""

    def __init__(self, source: str, problems: Iterable[tuple[str, str]]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = [f"config error in {_clip(source)}:"]
        lines += [f"  {_clip(path or '(top level)')}: {_clip(message)}" for path, message in self.problems[:SHOWN]]
        if len(self.problems) > SHOWN:
            lines.append(f"  ... and {len(self.problems) - SHOWN:,} more problems")
        super().__init__("\n".join(lines))


SHOWN = 10  # problems shown of a config error; the rest are counted (10,000 unknown keys are not 10,000 lines)


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


class UsageError(GoliveError, ValueError):
    """A command-line value the run cannot use (exit 4)."""


class TargetError(GoliveError):
    """The target answered, but not as Qdrant would (wrong status, not JSON, error envelope)."""


class TargetUnreachable(TargetError):
    """The target could not be reached or did not answer in time; the message is the one line to show."""


class KeyRefused(TargetUnreachable):
    """The target answered HTTP 401 to a request carrying one of the configured keys: the key is wrong.

    Every later call with that key fails at once with the same line, so a wrong key is one message, not a
    traceback per item."""

    PREFIX = "the target refused the "


class QdrantCallError(TargetError):
    """The target answered a helper's call, but not as expected (e.g. HTTP 401 without the API key).

    A :class:`TargetError`, so the checklist shows its one-line message, not a traceback."""


class HostError(GoliveError):
    """A host in ``hosts:`` could not be observed; ``str(err)`` is one line for the report."""


class HostUnreachable(HostError):
    """No connection to the host (refused, timed out, authentication failed, host key rejected)."""


class Inconclusive(GoliveError):
    """Raised by a check whose measurement could not be trusted (e.g. the load generator saturated)."""

    __module__ = "golive"


class WaitTimeout(GoliveError, TimeoutError):
    """The predicate never held; the message carries the last observed value or error."""
