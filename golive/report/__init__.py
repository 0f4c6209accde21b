"""Run outputs, written from the run record: summary JSON (``summary``), the approver's HTML (``html``,
``charts``, ``templates/``), JUnit XML (``junit``), Prometheus text and push (``prometheus``), allure extras
(``allure_results``), the environment's history (``history``), sign-offs (``signoff``); ``writers`` wires them
to the ``pytest_golive_*`` hooks."""
