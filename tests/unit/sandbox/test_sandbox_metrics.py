"""Prometheus rendering uses Qdrant's metric names and labels."""

from __future__ import annotations

from golive.sandbox.metrics import RequestStats, Snapshot, process_metrics, render


def _text() -> str:
    stats = RequestStats()
    stats.observe("POST", "/collections/{name}/points/query", 200, 0.002)
    stats.observe("POST", "/collections/{name}/points/query", 200, 0.004)
    stats.observe("GET", "/collections/{name}", 404, 0.001)
    return render(Snapshot("1.19.0", [("docs", 10, 10), ("faq", 5, 5)], stats), process={"process_max_fds": 1024})


def test_families_and_labels_match_qdrant() -> None:
    text = _text()
    assert 'app_info{name="qdrant",version="1.19.0"} 1' in text
    assert "app_status_recovery_mode 0" in text
    assert "collections_total 2" in text
    assert "collections_vector_total 15" in text
    assert 'collection_points{id="docs"} 10' in text
    assert "process_max_fds 1024" in text
    labels = 'method="POST",endpoint="/collections/{name}/points/query",status="200"'
    assert f"rest_responses_total{{{labels}}} 2" in text
    assert 'rest_responses_fail_total{method="GET",endpoint="/collections/{name}",status="404"} 1' in text
    assert f"rest_responses_avg_duration_seconds{{{labels}}} 0.003" in text
    assert f"rest_responses_min_duration_seconds{{{labels}}} 0.002" in text
    assert f"rest_responses_max_duration_seconds{{{labels}}} 0.004" in text


def test_histogram_is_cumulative() -> None:
    text = _text()
    labels = 'method="POST",endpoint="/collections/{name}/points/query",status="200"'
    assert f'rest_responses_duration_seconds_bucket{{{labels},le="0.001"}} 0' in text
    assert f'rest_responses_duration_seconds_bucket{{{labels},le="0.005"}} 2' in text
    assert f'rest_responses_duration_seconds_bucket{{{labels},le="+Inf"}} 2' in text
    assert f"rest_responses_duration_seconds_count{{{labels}}} 2" in text


def test_every_sample_line_belongs_to_a_typed_family() -> None:
    text = _text()
    typed = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")}
    for line in text.splitlines():
        if not line.startswith("#"):
            name = line.split("{")[0].split()[0]
            base = name.removesuffix("_bucket").removesuffix("_sum").removesuffix("_count")
            assert name in typed or base in typed, line


def test_process_metrics_on_linux() -> None:
    values = process_metrics()
    assert values["process_open_fds"] > 0
    assert values["process_max_fds"] >= values["process_open_fds"]
    assert values["memory_resident_bytes"] > 0


def test_per_collection_families_carry_the_collection_label_instead() -> None:
    stats = RequestStats()
    stats.observe("POST", "/collections/{name}/points/query", 200, 0.002, "docs")
    stats.observe("POST", "/collections/{name}/points/query", 200, 0.004, "faq")
    stats.observe("GET", "/metrics", 200, 0.001)  # not about a collection: only in the global families
    text = render(Snapshot("1.19.0", [], stats, per_collection=True), process={})
    labels = 'collection="docs",method="POST",endpoint="/collections/{name}/points/query",status="200"'
    assert f"rest_responses_total{{{labels}}} 1" in text
    assert f"rest_responses_duration_seconds_count{{{labels}}} 1" in text
    assert 'endpoint="/metrics"' not in text
    plain = render(Snapshot("1.19.0", [], stats), process={})
    assert 'rest_responses_total{method="POST",endpoint="/collections/{name}/points/query",status="200"} 2' in plain
    assert "collection=" not in plain
