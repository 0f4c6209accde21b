"""Batch query: eight searches by stored vectors in one request (``/points/query/batch``), read-only.

locust -f loadtests/batch_query.py --host http://127.0.0.1:6333 -u 50 --golive-rate 100 --headless
"""

from locust import task

from golive.load.generator.user import QdrantUser


class BatchQueryUser(QdrantUser):
    @task
    def batch_query(self) -> None:
        self.query_batch(size=8)
