"""The demo deployment: nine collections shaped like the seed and one hybrid-search collection (named dense
and sparse vectors), deterministic from a seed.

Vectors are embedding-like (clustered low-rank structure plus noise, normalised for Cosine/Dot),
because HNSW recall on i.i.d. random vectors is meaningless for quality checks.

    >>> [c.name for c in DEMO_COLLECTIONS][:2]
    ['documents', 'products']
    >>> DEMO_COLLECTIONS[0].points_at(0.05)
    1000
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import qdrant_edge as qe

from golive.sandbox.engine import DEFAULT_HNSW, DEFAULT_OPTIMIZERS, SCHEMA_TYPES, Store
from golive.sandbox.state import State

log = logging.getLogger("golive.sandbox")

CATEGORIES = (
    "electronics", "books", "clothing", "home", "sports",
    "toys", "beauty", "garden", "automotive", "grocery",
)  # fmt: skip
LANGS = ("en", "de", "fr")
TS_START = 1_704_067_200  # 2024-01-01T00:00:00Z
TS_SPAN = 2 * 365 * 86_400
BATCH = 2_000
DEMO_HNSW = dict(DEFAULT_HNSW)  # Qdrant defaults: m=16, ef_construct=100
# Payload indexes on the fields the filtered-search scenario filters on, as a production deployment has them:
# without them a 1 %-selective filter costs ~24 ms a query on `documents` (measured), with them ~0.7 ms.
DEMO_PAYLOAD_INDEXES = (("category", "keyword"), ("tenant", "integer"), ("lang", "keyword"))
DEMO_OPTIMIZERS = {**DEFAULT_OPTIMIZERS, "indexing_threshold": 10}  # KB: every demo collection is indexed


@dataclass(frozen=True)
class NamedDense:
    """One named dense vector of a demo collection, with its own HNSW ``m`` / ``ef_construct`` when given."""

    name: str
    size: int
    distance: str
    hnsw: tuple[int, int] | None = None


@dataclass(frozen=True)
class DemoCollection:
    name: str
    size: int  # of the unnamed vector; of the first named one when ``named`` is set
    distance: str
    points: int
    named: tuple[NamedDense, ...] = ()  # named dense vectors instead of the unnamed one
    sparse: tuple[str, ...] = ()  # sparse vectors (modifier idf), BM25-like term weights

    def points_at(self, scale: float) -> int:
        """Number of points at ``scale`` (at least 10)."""
        return max(10, round(self.points * scale))

    def config(self, scale: float, seed: int) -> dict[str, Any]:
        config: dict[str, Any] = {
            "vectors": {"size": self.size, "distance": self.distance, "on_disk": None},
            "hnsw_config": dict(DEMO_HNSW),
            "optimizers_config": dict(DEMO_OPTIMIZERS),
            "on_disk_payload": True,
            "demo": {"scale": scale, "seed": seed, "points": self.points_at(scale), "complete": False},
        }
        if self.named:
            config["vectors"] = {v.name: _named_config(v) for v in self.named}
        if self.sparse:
            config["sparse_vectors"] = {name: {"modifier": "idf"} for name in self.sparse}
        return config

    def expected(self, scale: float) -> dict[str, Any]:
        """Its ``collections:`` entry (golive.probes.collections.ExpectedCollection) at ``scale``."""
        entry: dict[str, Any] = {"name": self.name, "min_points": self.points_at(scale)}
        if self.named:
            entry["vectors"] = {v.name: {"size": v.size, "distance": v.distance} for v in self.named}
        else:
            entry.update(vector_size=self.size, distance=self.distance)
        if self.sparse:
            entry["sparse_vectors"] = {name: {"modifier": "idf"} for name in self.sparse}
        return entry


def _named_config(vector: NamedDense) -> dict[str, Any]:
    out: dict[str, Any] = {"size": vector.size, "distance": vector.distance, "on_disk": None}
    if vector.hnsw:
        out["hnsw_config"] = {"m": vector.hnsw[0], "ef_construct": vector.hnsw[1]}
    return out


DEMO_COLLECTIONS: tuple[DemoCollection, ...] = (
    DemoCollection("documents", 384, "Cosine", 20_000),
    DemoCollection("products", 256, "Dot", 10_000),
    DemoCollection("support_tickets", 768, "Cosine", 8_000),
    DemoCollection("images", 512, "Euclid", 12_000),
    DemoCollection("faq", 384, "Cosine", 2_000),
    DemoCollection("code_snippets", 768, "Cosine", 6_000),
    DemoCollection("user_profiles", 128, "Euclid", 30_000),
    DemoCollection("news_articles", 1024, "Cosine", 4_000),
    DemoCollection("audio_clips", 192, "Manhattan", 5_000),
    # Hybrid search: a text embedding, a smaller title embedding with its own HNSW, and BM25-like sparse terms.
    DemoCollection(
        "hybrid_articles",
        384,
        "Cosine",
        4_000,
        named=(NamedDense("dense", 384, "Cosine"), NamedDense("title", 128, "Dot", hnsw=(8, 64))),
        sparse=("text",),
    ),
)
SPARSE_VOCABULARY = 5_000
SPARSE_TERMS = (8, 40)  # distinct terms per point, uniform in this range


def _rng(seed: int, name: str, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode()), stream])


def vectors(spec: DemoCollection, count: int, seed: int) -> np.ndarray[Any, np.dtype[np.float32]]:
    """``count`` embedding-like vectors: 64 clusters in a rank-32 subspace, plus isotropic noise."""
    rng = _rng(seed, spec.name, 0)
    rank = min(32, spec.size)
    basis = rng.standard_normal((rank, spec.size)).astype(np.float32) / np.sqrt(rank)
    centers = rng.standard_normal((64, rank)).astype(np.float32)
    labels = rng.integers(0, 64, size=count)
    latent = centers[labels] + 0.6 * rng.standard_normal((count, rank)).astype(np.float32)
    out = latent @ basis + 0.15 * rng.standard_normal((count, spec.size)).astype(np.float32)
    if spec.distance in {"Cosine", "Dot"}:
        out /= np.linalg.norm(out, axis=1, keepdims=True)
    result: np.ndarray[Any, np.dtype[np.float32]] = out.astype(np.float32)
    return result


def sparse_vectors(spec: DemoCollection, name: str, count: int, seed: int) -> list[qe.SparseVector]:
    """BM25-like sparse vectors: Zipf-distributed term ids (common terms in many points), weights 1 + log(tf)."""
    rng = _rng(seed, f"{spec.name}/{name}", 2)
    ranks = np.arange(1, SPARSE_VOCABULARY + 1, dtype=np.float64)
    weights = 1.0 / ranks
    weights /= weights.sum()
    out = []
    for n in rng.integers(SPARSE_TERMS[0], SPARSE_TERMS[1] + 1, size=count):
        terms, tf = np.unique(rng.choice(SPARSE_VOCABULARY, size=int(n), p=weights), return_counts=True)
        out.append(qe.SparseVector(terms.tolist(), (1.0 + np.log(tf)).tolist()))
    return out


def point_vectors(spec: DemoCollection, count: int, seed: int) -> Callable[[int], Any]:
    """Point ``i``'s vector: a list for the unnamed one, else ``{name: dense list | sparse vector}``."""
    if not spec.named and not spec.sparse:
        plain = vectors(spec, count, seed)
        return lambda i: plain[i].tolist()
    dense = {
        v.name: vectors(DemoCollection(f"{spec.name}/{v.name}", v.size, v.distance, count), count, seed)
        for v in spec.named
    }
    sparse = {name: sparse_vectors(spec, name, count, seed) for name in spec.sparse}
    return lambda i: {**{n: d[i].tolist() for n, d in dense.items()}, **{n: s[i] for n, s in sparse.items()}}


def payloads(spec: DemoCollection, count: int, seed: int) -> list[dict[str, Any]]:
    """Deterministic payloads: category, tenant 0..99, price, ts (epoch s), lang."""
    rng = _rng(seed, spec.name, 1)
    cats = rng.integers(0, len(CATEGORIES), size=count)
    tenants = rng.integers(0, 100, size=count)
    prices = np.round(rng.gamma(2.0, 40.0, size=count), 2)
    ts = TS_START + rng.integers(0, TS_SPAN, size=count)
    langs = rng.integers(0, len(LANGS), size=count)
    return [
        {"category": CATEGORIES[c], "tenant": int(t), "price": float(p), "ts": int(s), "lang": LANGS[g]}
        for c, t, p, s, g in zip(cats, tenants, prices, ts, langs, strict=True)
    ]


def _fill(shard: qe.EdgeShard, spec: DemoCollection, count: int, seed: int, stopping: Callable[[], bool]) -> bool:
    """Upsert, index and flush one demo collection; False if shutdown interrupted it (left incomplete)."""
    vector_of = point_vectors(spec, count, seed)
    pays = payloads(spec, count, seed)
    for start in range(0, count, BATCH):
        if stopping():
            shard.flush()
            return False
        stop = min(count, start + BATCH)
        points = [qe.Point(i, vector_of(i), pays[i]) for i in range(start, stop)]
        shard.update(qe.UpdateOperation.upsert_points(points))
    ensure_payload_indexes(shard)
    shard.optimize()
    shard.flush()
    return True


def ensure_payload_indexes(shard: qe.EdgeShard) -> bool:
    """Create the demo's payload indexes that are missing (data dirs made before they existed); True if any."""
    missing = [(f, t) for f, t in DEMO_PAYLOAD_INDEXES if f not in shard.info().payload_schema]
    for field, schema in missing:
        shard.update(qe.UpdateOperation.create_field_index(field, SCHEMA_TYPES[schema]))
    if missing:
        shard.flush()
    return bool(missing)


def is_complete(store: Store, spec: DemoCollection, scale: float, seed: int) -> bool:
    c = store.collections.get(spec.name)
    if c is None:
        return False
    demo = c.config.get("demo") or {}
    return bool(
        demo.get("complete")
        and demo.get("scale") == scale
        and demo.get("seed") == seed
        and c.info().points_count == spec.points_at(scale)
    )


async def load_demo(state: State) -> None:
    """Create any missing or incomplete demo collection, index it, then mark the sandbox ready."""
    store, scale, seed = state.store, state.demo_scale, state.demo_seed
    started = time.perf_counter()
    try:
        for spec in DEMO_COLLECTIONS:
            if state.stopping:
                return
            if is_complete(store, spec, scale, seed):
                existing = store.collections[spec.name]
                async with existing.lock:
                    await asyncio.to_thread(ensure_payload_indexes, existing.shard)
                continue
            await store.delete(spec.name)
            config = spec.config(scale, seed)
            collection = await store.create(spec.name, config)
            async with collection.lock:
                count = spec.points_at(scale)
                done = await asyncio.to_thread(_fill, collection.shard, spec, count, seed, lambda: state.stopping)
                if not done:
                    return
                collection.config["demo"]["complete"] = True
                collection.save_config()
            log.info("demo: %s ready (%d points)", spec.name, spec.points_at(scale))
    except Exception as exc:
        state.load_error = str(exc)
        log.exception("demo load failed")
        raise
    state.loaded = True
    where = f" on {state.url}" if state.url else ""
    log.info("golive sandbox: demo ready in %.1f s, serving%s", time.perf_counter() - started, where)
