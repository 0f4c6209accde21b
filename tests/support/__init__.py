"""Helpers shared by the suite's own test folders (tests/integration/*/conftest.py and their tests).

Imported as ``support`` (``from support.waivers import UNCLAIMED_IDS``): tests/conftest.py puts tests/ on
``sys.path``. Plain functions and classes only; fixtures stay in each folder's conftest, built from these.

- ``waivers``: the checklist ids a plain test sandbox cannot pass (load gates kept off, capabilities it does
  not claim) and waivers naming them.
- ``runs``: the real checklist under ``pytest -m golive`` in a subprocess with a user's clean environment,
  and its summary.
- ``sandboxes``: a shared sandbox handed to one test with its faults cleared before and after.
- ``ports``: free loopback ports for the servers the tests start, and whether one is free again.
"""
