"""The pure parts of the security, metrics, Prometheus and cluster probes."""

from __future__ import annotations

import datetime as dt

from golive.probes.cluster import ClusterState, ShardReplicas, growing_failures
from golive.probes.metrics import EndpointHealth, healthy, missing, parse
from golive.probes.prometheus import _age
from golive.probes.security import Preflight, TLSState

TEXT = """# HELP rest_responses_total total number of responses
# TYPE rest_responses_total counter
rest_responses_total{method="GET",endpoint="/collections",status="200"} 3
# TYPE collections_total gauge
collections_total 9
# TYPE rest_responses_duration_seconds histogram
rest_responses_duration_seconds_bucket{le="+Inf"} 3
rest_responses_duration_seconds_sum 0.01
rest_responses_duration_seconds_count 3
"""


def test_parse_knows_counters_by_their_total_name_and_histograms_by_family() -> None:
    seen = parse("u", 200, TEXT)
    assert seen.ok
    assert missing(seen, ["rest_responses_total", "collections_total", "rest_responses_duration_seconds"]) == []
    assert missing(seen, ["app_info"]) == ["app_info"]
    assert seen.values["collections_total"] == [9.0]


def test_text_that_is_not_prometheus_is_an_error_not_an_exception() -> None:
    seen = parse("u", 200, "<html>oops</html>\n")
    assert not seen.ok
    assert "not Prometheus text" in (seen.error or "")


def test_healthy_needs_200_and_no_bad_word() -> None:
    assert healthy(EndpointHealth("u", 200, '{"status": "healthy"}'))
    assert not healthy(EndpointHealth("u", 200, '{"status": "unhealthy"}'))
    assert not healthy(EndpointHealth("u", 503, "ok"))


def test_prometheus_scrape_age_reads_nanoseconds_and_zones() -> None:
    now = dt.datetime(2026, 12, 2, 17, 0, 10, tzinfo=dt.UTC)
    assert _age("2026-12-02T18:00:01.123456789+01:00", now) == 8.876544
    assert _age("2026-12-02T17:00:01Z", now) == 9.0
    assert _age("0001-01-01T00:00:00Z", now) is None


def test_growing_failures_only_names_peers_whose_count_rose() -> None:
    before = ClusterState(True, 3, 1, 0, {"a": 4, "b": 1})
    after = ClusterState(True, 3, 1, 0, {"a": 4, "b": 2, "c": 1})
    assert growing_failures(before, after) == {"b": (1, 2), "c": (0, 1)}


def test_replicas_not_active_and_under_replicated() -> None:
    seen = ShardReplicas("docs", 2, {0: ["Active", "Dead"], 1: ["Active", "Active"]}, 0)
    assert seen.not_active() == {0: ["Active", "Dead"]}
    assert seen.under_replicated() == {0: 1}


def test_preflight_allowed_only_for_that_origin_or_any() -> None:
    assert Preflight("https://x", 200, "*").allowed
    assert not Preflight("https://x", 400, None).allowed
    assert not Preflight("https://x", 200, "https://console").allowed


def test_days_left_of_a_certificate() -> None:
    now = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    state = TLSState("TLSv1.3", None, now + dt.timedelta(days=5, hours=12), "CN=x")
    assert state.days_left(now) == 5.5
