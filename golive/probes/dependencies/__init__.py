"""Probes of the deployment's neighbours: Redis, PostgreSQL, HTTP services and the TCP network to them.

Each probe connects with the entry's timeout, observes read-only (Redis ``PING``/``INFO``; PostgreSQL queries
in a read-only transaction; an HTTP ``GET``; TCP connects) and returns an observation; checks judge it.
A dependency that refuses or hangs costs at most its ``timeout`` and comes back as ``error``, never raises.
The settings (``settings.py``) import nothing but pydantic and golive's leaves, so the config loads without
redis-py or psycopg.
"""
