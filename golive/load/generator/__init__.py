"""The generator side of a load run: the only code in golive that imports gevent or locust.

It runs in the child process :mod:`golive.load.runner` starts (``python -m golive.load.generator.engine`` or
``locust``), or under plain ``locust -f loadtests/<scenario>.py``:

- ``user``: the abstract paced ``QdrantUser`` the locustfiles in ``loadtests/`` subclass;
- ``schedule``: open-model pacing (intended send times) and the clock;
- ``recorder``: per-process counts and HdrHistograms, drained once a second;
- ``responses``: when a response counts as a success;
- ``rawhttp``: the keep-alive HTTP/1.1 client each user sends with;
- ``coordinator``: what one locust process knows about the run (deltas, progress, result file, ending);
- ``listeners`` and ``options``: the locust events and ``--golive-*`` options that wire it in;
- ``engine``: ``python -m golive.load.generator.engine``, one LocalRunner without locust's CLI.

This ``__init__`` imports nothing, so that the pure modules (schedule, recorder, rawhttp) load without locust.
"""
