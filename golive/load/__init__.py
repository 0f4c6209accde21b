"""Load generation and SLO gates, split at the process boundary.

The driver side (this package's modules: runner, capacity, gating, judge, results, report, baselines,
settings) runs in the pytest or CLI process and never imports gevent or locust. The generator side
(:mod:`golive.load.generator`) runs in the child the runner starts (or under plain ``locust -f``).
"""
