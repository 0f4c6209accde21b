"""Run one scenario in this process with locust's Environment API (the ``processes: 1`` mode).

``python -m golive.load.generator.engine LOCUSTFILE --host URL [locust/golive options]`` behaves like
``locust -f LOCUSTFILE --headless`` with the ``--golive-*`` options of :mod:`golive.load.generator.options`,
but without locust's CLI, web UI or CSV machinery: one process, one LocalRunner. SIGINT/SIGTERM stop the run
early and the partial result is still written. The driver (:mod:`golive.load.runner`) starts it as a subprocess
so gevent's monkey-patching never reaches the pytest or CLI process.
"""

from __future__ import annotations

import signal
import sys
import time
from typing import Any


def _user_classes(locustfile: str) -> list[Any]:
    import importlib.util
    import inspect
    from pathlib import Path

    from locust import User

    path = Path(locustfile).resolve()
    spec = importlib.util.spec_from_file_location(f"golive_scenario_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {locustfile}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    found = [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, User) and not getattr(obj, "abstract", False)
    ]
    if not found:
        raise SystemExit(f"{locustfile} defines no (non-abstract) locust User")
    return found


def main(argv: list[str] | None = None) -> int:
    from gevent import monkey

    monkey.patch_all()
    import gevent
    import locust
    from locust import argument_parser
    from locust.env import Environment
    from locust.runners import STATE_STOPPED

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0].startswith("-"):
        sys.stderr.write(
            "usage: python -m golive.load.generator.engine LOCUSTFILE --host URL -u USERS [--golive-...]\n"
        )
        return 4
    locustfile, rest = args[0], args[1:]
    classes = _user_classes(locustfile)  # importing it registers the golive listeners
    options = argument_parser.get_parser(default_config_files=[]).parse_args(["-f", locustfile, "--headless", *rest])
    if not options.host:
        sys.stderr.write("golive.load.generator.engine: --host is required\n")
        return 4
    env = Environment(
        user_classes=classes,
        host=options.host,
        events=locust.events,
        parsed_options=options,
        stop_timeout=0.0,
    )
    runner = env.create_local_runner()
    env.events.init.fire(  # type: ignore[no-untyped-call]
        environment=env, runner=runner, web_ui=None
    )

    def _interrupt(*_a: Any) -> None:
        from golive.load.generator.coordinator import active

        def stop() -> None:
            run = active()
            if run is not None:
                run.wind_down(wait=1.0)  # answers already on their way still count
            runner.quit()

        gevent.spawn(stop)

    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    users = int(options.num_users or 1)
    explicit_rate = any(a in ("-r", "--spawn-rate") or a.startswith("--spawn-rate=") for a in rest)
    runner.start(users, spawn_rate=float(options.spawn_rate) if explicit_rate else float(users))
    bound = float(options.golive_warmup) + float(options.golive_duration) + float(options.golive_grace) + 10.0
    deadline = time.monotonic() + bound
    while runner.state != STATE_STOPPED and time.monotonic() < deadline:
        gevent.sleep(0.1)
    if runner.state != STATE_STOPPED:
        runner.quit()
    env.events.quitting.fire(  # type: ignore[no-untyped-call]
        environment=env, reverse=True
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
