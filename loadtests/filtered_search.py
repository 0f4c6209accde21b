"""Filtered search: query by a stored vector with a payload filter taken from a stored point (so at least that
point matches), read-only.

    locust -f loadtests/filtered_search.py --host http://127.0.0.1:6333 -u 50 --golive-rate 200 --headless
"""

from locust import task

from golive.load.generator.user import QdrantUser


class FilteredSearchUser(QdrantUser):
    filter_keys = ("category", "tenant", "lang")

    @task
    def filtered_search(self) -> None:
        self.query(name="query_filtered", filter_json=self.payload_filter(self.filter_keys))
