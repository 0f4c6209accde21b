"""Search quality: recall@k of the default (HNSW) search against exact search, read-only, per dense vector.

``measure_recall(target.call, "documents", RecallSettings())`` -> ``RecallObservation``: query vectors are the
collection's own stored vectors with a little Gaussian noise (random vectors say nothing about an embedding
index); each is searched twice in one batch each, once by default and once with ``params.exact``. The
confidence bound is a percentile bootstrap over the queries (the neighbours of one query are not independent,
so a binomial bound on the pooled neighbours would be too narrow). The ``recall:`` section lives here.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from urllib.parse import quote

from pydantic import Field

from golive.fields import Section
from golive.probes.integrity import call_ok
from golive.probes.probe_collections import Call, sample_points

BOOTSTRAP_ROUNDS = 1000


class RecallSettings(Section):
    """``recall:``: how search quality is sampled; each collection's goal is ``collections[].recall_goal``."""

    sample: int = Field(32, ge=5, le=10_000, description="query vectors per collection")
    k: int = Field(10, ge=1, le=1000, description="recall@k")
    noise: float = Field(0.05, ge=0, le=1, description="Gaussian noise added to each stored vector, per unit norm")
    confidence: float = Field(0.95, gt=0.5, lt=1, description="one-sided confidence of the bound")
    seed: int = 0


@dataclass(frozen=True)
class RecallObservation:
    collection: str
    k: int
    per_query: tuple[float, ...]
    upper: float  # the one-sided upper confidence bound of the mean recall
    lower: float
    confidence: float
    vector: str = ""  # the named dense vector measured ("" for the unnamed one)

    @property
    def sample(self) -> int:
        return len(self.per_query)

    @property
    def recall(self) -> float:
        return math.fsum(self.per_query) / len(self.per_query) if self.per_query else 0.0

    def misses(self, goal: float) -> bool:
        """The goal is missed beyond sampling noise: even the upper bound is below it."""
        return self.upper < goal - 1e-9  # not on float rounding at the goal itself

    def describe(self) -> str:
        pct = round(self.confidence * 100)
        of = f" of vector {self.vector!r}" if self.vector else ""
        return (
            f"recall@{self.k}{of} {self.recall:.3f} over {self.sample} queries "
            f"({pct}% bounds {self.lower:.3f}..{self.upper:.3f})"
        )


def bootstrap_bounds(values: list[float], confidence: float, seed: int = 0) -> tuple[float, float]:
    """One-sided percentile-bootstrap bounds (lower, upper) of the mean of ``values``."""
    rng = random.Random(seed)
    n = len(values)
    means = sorted(math.fsum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(BOOTSTRAP_ROUNDS))
    tail = int((1 - confidence) * BOOTSTRAP_ROUNDS)
    return means[tail], means[BOOTSTRAP_ROUNDS - 1 - tail]


def noisy(vector: list[float], noise: float, rng: random.Random) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    sigma = noise * norm / math.sqrt(len(vector))
    return [x + rng.gauss(0.0, sigma) for x in vector]


def _search(
    call: Call, collection: str, queries: list[list[float]], k: int, exact: bool, using: str | None = None
) -> list[list[object]]:
    extra: dict[str, object] = {"params": {"exact": True}} if exact else {}
    if using:
        extra["using"] = using
    body = {"searches": [{"query": q, "limit": k, **extra} for q in queries]}
    results = call_ok(call, "POST", f"/collections/{quote(collection, safe='')}/points/query/batch", body)
    return [[p["id"] for p in r.get("points", [])] for r in results]


def measure_recall(
    call: Call, collection: str, settings: RecallSettings, using: str | None = None
) -> RecallObservation:
    """recall@k of one dense vector: the unnamed one, or the named vector ``using`` (queried with ``using``)."""
    rng = random.Random(settings.seed)
    stored = sample_points(call, collection, limit=max(settings.sample * 4, 64), using=using)
    chosen = rng.sample(stored.vectors, min(settings.sample, len(stored.vectors)))
    queries = [noisy(v, settings.noise, rng) for v in chosen]
    approx = _search(call, collection, queries, settings.k, exact=False, using=stored.using)
    exact = _search(call, collection, queries, settings.k, exact=True, using=stored.using)
    per_query = tuple(len(set(a) & set(e)) / len(e) if e else 1.0 for a, e in zip(approx, exact, strict=True))
    lower, upper = bootstrap_bounds(list(per_query), settings.confidence, settings.seed)
    return RecallObservation(collection, settings.k, per_query, upper, lower, settings.confidence, stored.using or "")
