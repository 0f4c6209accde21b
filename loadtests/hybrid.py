"""Hybrid search: a stored dense vector and a stored sparse vector of the collection, each prefetching 20
candidates, fused with RRF (``/points/query``), read-only. Needs a collection with sparse vectors.

locust -f loadtests/hybrid.py --host http://127.0.0.1:6333 -u 50 --golive-rate 200 --headless \\
    --golive-collection hybrid_articles [--golive-vector title]
"""

from locust import task

from golive.load.generator.user import QdrantUser


class HybridUser(QdrantUser):
    needs_sparse = True

    @task
    def hybrid(self) -> None:
        self.hybrid_query()
