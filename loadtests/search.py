"""Search: query by vector (vectors drawn from the collection's own stored points), read-only.

locust -f loadtests/search.py --host http://127.0.0.1:6333 -u 50 --golive-rate 200 --headless
"""

from locust import task

from golive.load.generator.user import QdrantUser


class SearchUser(QdrantUser):
    @task
    def search(self) -> None:
        self.query()
