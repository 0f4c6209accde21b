"""The demo table and its generator: deterministic, embedding-like, payloads of the documented shape."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import numpy as np
import pytest

from golive.sandbox.auth import Keys
from golive.sandbox.demo import (
    CATEGORIES,
    DEMO_COLLECTIONS,
    DemoCollection,
    load_demo,
    payloads,
    sparse_vectors,
    vectors,
)
from golive.sandbox.engine import Store
from golive.sandbox.server import configure_logging
from golive.sandbox.state import State


def test_the_table_is_the_seed_deployment() -> None:
    assert [(c.name, c.size, c.distance, c.points) for c in DEMO_COLLECTIONS] == [
        ("documents", 384, "Cosine", 20000),
        ("products", 256, "Dot", 10000),
        ("support_tickets", 768, "Cosine", 8000),
        ("images", 512, "Euclid", 12000),
        ("faq", 384, "Cosine", 2000),
        ("code_snippets", 768, "Cosine", 6000),
        ("user_profiles", 128, "Euclid", 30000),
        ("news_articles", 1024, "Cosine", 4000),
        ("audio_clips", 192, "Manhattan", 5000),
        ("hybrid_articles", 384, "Cosine", 4000),
    ]
    [hybrid] = [c for c in DEMO_COLLECTIONS if c.named]
    assert [(v.name, v.size, v.distance, v.hnsw) for v in hybrid.named] == [
        ("dense", 384, "Cosine", None),
        ("title", 128, "Dot", (8, 64)),
    ]
    assert hybrid.sparse == ("text",)
    assert DEMO_COLLECTIONS[0].points_at(0.05) == 1000
    assert DEMO_COLLECTIONS[0].points_at(1.0) == 20000


def test_generation_is_deterministic_per_seed() -> None:
    spec = DemoCollection("faq", 64, "Cosine", 100)
    assert np.array_equal(vectors(spec, 100, 1), vectors(spec, 100, 1))
    assert payloads(spec, 100, 1) == payloads(spec, 100, 1)
    assert not np.array_equal(vectors(spec, 100, 1), vectors(spec, 100, 2))


def test_cosine_and_dot_vectors_are_normalised_others_not() -> None:
    for distance in ("Cosine", "Dot"):
        norms = np.linalg.norm(vectors(DemoCollection("x", 32, distance, 50), 50, 0), axis=1)
        assert np.allclose(norms, 1.0, atol=1e-5)
    norms = np.linalg.norm(vectors(DemoCollection("x", 32, "Euclid", 50), 50, 0), axis=1)
    assert not np.allclose(norms, 1.0, atol=1e-2)


def test_vectors_are_embedding_like_not_iid() -> None:
    """Low-rank structure: a few principal components carry most of the variance."""
    data = vectors(DemoCollection("x", 256, "Cosine", 2000), 2000, 0)
    singular = np.linalg.svd(data - data.mean(axis=0), compute_uv=False) ** 2
    assert singular[:32].sum() / singular.sum() > 0.6


def test_payloads_have_the_documented_fields() -> None:
    rows = payloads(DemoCollection("x", 8, "Cosine", 500), 500, 0)
    assert {tuple(sorted(r)) for r in rows} == {("category", "lang", "price", "tenant", "ts")}
    assert {r["category"] for r in rows} <= set(CATEGORIES)
    assert all(0 <= r["tenant"] <= 99 and isinstance(r["price"], float) for r in rows)
    assert {r["lang"] for r in rows} == {"en", "de", "fr"}
    assert all(isinstance(r["ts"], int) and r["ts"] > 1_700_000_000 for r in rows)


def test_sparse_vectors_are_deterministic_term_weights_with_common_and_rare_terms() -> None:
    [hybrid] = [c for c in DEMO_COLLECTIONS if c.sparse]
    first, again = sparse_vectors(hybrid, "text", 300, 0), sparse_vectors(hybrid, "text", 300, 0)
    assert [(v.indices, v.values) for v in first] == [(v.indices, v.values) for v in again]
    assert [v.indices for v in first] != [v.indices for v in sparse_vectors(hybrid, "text", 300, 1)]
    for v in first:
        assert v.indices == sorted(set(v.indices))
        assert len(v.indices) == len(v.values)
        assert all(w >= 1.0 for w in v.values)
    df: dict[int, int] = {}
    for v in first:
        for i in v.indices:
            df[i] = df.get(i, 0) + 1
    assert max(df.values()) > 100  # common terms (low IDF)
    assert min(df.values()) == 1  # and rare ones (high IDF)


def test_demo_ready_is_logged_at_info_with_the_url(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    state = State(Store(tmp_path), Keys(None, None), demo=True, demo_scale=0.0001, url="http://127.0.0.1:6333")

    async def run() -> None:
        state.store.load_all()
        await load_demo(state)
        await state.store.close_all()

    with caplog.at_level(logging.INFO, logger="golive.sandbox"):
        asyncio.run(run())
    assert state.loaded
    ready = [r for r in caplog.records if "demo ready" in r.getMessage()]
    assert len(ready) == 1
    assert ready[0].levelno == logging.INFO
    assert ready[0].getMessage().endswith("serving on http://127.0.0.1:6333")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_cli_shows_the_sandbox_info_lines() -> None:
    logger = logging.getLogger("golive.sandbox")
    before = logger.level
    try:
        configure_logging()
        assert logger.isEnabledFor(logging.INFO)
    finally:
        logger.setLevel(before)
