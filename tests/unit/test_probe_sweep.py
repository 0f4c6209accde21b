"""Which golive_probe_* collections count as left behind by an earlier run."""

from __future__ import annotations

import datetime as dt

from golive.fields import new_run_id
from golive.probes.probe_collections import STALE_PROBE_AGE, probe_name, stale_probe_collections

NOW = dt.datetime(2026, 11, 28, 12, 0, 0, tzinfo=dt.UTC)


def test_only_old_or_undatable_probe_collections_are_stale() -> None:
    old = probe_name(new_run_id(NOW - STALE_PROBE_AGE - dt.timedelta(seconds=1)), "load")
    recent = probe_name(new_run_id(NOW - STALE_PROBE_AGE + dt.timedelta(seconds=1)), "baseline")
    undatable = "golive_probe_3fa2c1d0_load"
    names = ["documents", "golive_probes_are_not_ours", old, recent, undatable]
    assert stale_probe_collections(names, NOW) == sorted([old, undatable])


def test_run_ids_name_valid_probe_collections() -> None:
    name = probe_name(new_run_id(NOW), "load")
    assert name.startswith("golive_probe_20261128T120000Z-")
    assert stale_probe_collections([name], NOW + dt.timedelta(hours=7)) == [name]


def test_a_refused_helper_call_is_a_target_error_with_a_one_line_message() -> None:
    """Without the API key the checklist must show one line (the plugin shortens TargetError), not a traceback."""
    import pytest

    from golive.probes.probe_collections import QdrantCallError, list_collections
    from golive.target import TargetError

    assert issubclass(QdrantCallError, TargetError)
    with pytest.raises(TargetError, match=r"^GET /collections answered HTTP 401: Must provide an API key"):
        list_collections(lambda method, path, body: (401, "Must provide an API key or an Authorization bearer token"))


def test_a_probe_clean_up_is_retried_once_and_a_leftover_is_named() -> None:
    """Issue 9.2: a failed DELETE of a probe collection once landed on an unrelated item and went unmentioned."""
    from golive.errors import TargetUnreachable
    from golive.probes.probe_collections import remove_probe_collection

    name = probe_name(new_run_id(NOW), "baseline")
    answers = [500, 200]
    calls: list[tuple[str, str]] = []

    def flaky(method: str, path: str, body: object) -> tuple[int, object]:
        calls.append((method, path))
        return answers.pop(0), {}

    assert remove_probe_collection(flaky, name) is None
    assert calls == [("DELETE", f"/collections/{name}")] * 2

    def failing(method: str, path: str, body: object) -> tuple[int, object]:
        return 500, {}

    assert remove_probe_collection(failing, name) == (
        f"{name} left on the target: DELETE /collections/{name} answered HTTP 500 (2 attempts)"
    )

    def slow(method: str, path: str, body: object) -> tuple[int, object]:
        raise TargetUnreachable(f"no answer to DELETE /collections/{name}")

    leftover = remove_probe_collection(slow, name)
    assert leftover is not None
    assert leftover.startswith(f"{name} left on the target: no answer")


def test_a_chosen_run_id_still_dates_its_probes() -> None:
    """Issue 9.8: a probe named after --golive-run-id=rc1 carried no date and another run swept it at once."""
    name = probe_name("rc1", "baseline", now=NOW)
    assert name == "golive_probe_20261128T120000Z-rc1_baseline"
    assert stale_probe_collections([name], NOW + dt.timedelta(seconds=5)) == []
    assert probe_name(new_run_id(NOW), "load").count("20261128T120000Z") == 1  # a generated id is dated already
