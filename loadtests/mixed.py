"""Mixed read/write: nine searches to one upsert. Writes go only to this run's probe collection
``golive_probe_<run-id>_load``, created in ``test_start`` and removed in ``test_stop``.

    locust -f loadtests/mixed.py --host http://127.0.0.1:6333 -u 50 --golive-rate 200 --headless
"""

from locust import task

from golive.load.generator.user import QdrantUser


class MixedUser(QdrantUser):
    writes = True

    @task(9)
    def search(self) -> None:
        self.query()

    @task(1)
    def upsert(self) -> None:
        self.upsert_probe(n=1)
