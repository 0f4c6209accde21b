"""Dependency probes (Redis, PostgreSQL, HTTP and TCP neighbours); their settings are in ``settings``."""
