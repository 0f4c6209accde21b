"""Run outputs: summary JSON (the machine-readable record every other report is built from)."""
