"""Probes observe the deployment and return values; they never assert. Checks judge."""
