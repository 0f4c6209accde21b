"""Load generation and SLO gates: locust in-process or distributed, precise histograms, verdicts."""
