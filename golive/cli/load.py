"""``golive load``: run a load scenario against an environment and judge its gates, or find its capacity.

    golive load run --env sandbox --scenario search --rate 1000 --duration 30s
    golive load run --env production --processes 2                    # locust master + 2 local workers
    golive load run --env production --master --expect-workers 4      # workers on other hosts:
        locust -f loadtests/search.py --worker --master-host <this host>
    golive load capacity --env sandbox --start 250 --factor 1.25 --step 10s

Exit codes as ``golive run``: 0 GO, 1 NO-GO (a gate failed, or the target is unreachable), 6 INCONCLUSIVE (the
generator could not be trusted, or the run produced no result), 7 config error, 4 usage error (bad option, an
unknown scenario or collection, a rate or duration above the ceilings).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from golive.cli import Parser
from golive.config import Settings, load_run_settings
from golive.errors import TargetError, TargetUnreachable, UsageError
from golive.fields import parse_duration, parse_rate
from golive.load.capacity import Step, find_capacity
from golive.load.judge import TrustLimits, assess_trust, decide, judge
from golive.load.report import progress_line, summary_lines, write_evidence
from golive.load.results import LoadResult
from golive.load.runner import LoadRunError, RunSpec, run, scenario_path, scenarios_dir, spec_from_settings
from golive.load.slo import Gate
from golive.outcomes import ExitCode, Verdict
from golive.probes import probe_collections as probe
from golive.session import reports_root
from golive.target import Target

DESCRIPTIONS = {
    "run": "Run one scenario at the configured rate (open model) for the steady window after a warm-up, judge "
    "thresholds.gates on it and write the evidence. Exit 0 GO, 1 NO-GO (a gate failed or the target is "
    "unreachable), 6 INCONCLUSIVE (the generator could not be trusted), 7 config error, 4 usage error.",
    "capacity": "Step the rate up from --start by --factor until a latency or error gate fails or the generator "
    "cannot be trusted; report the highest rate that held. Exit 0 when a step held, 1 when none did.",
}


# argparse names a converter in its error ("invalid rate value: 'fast'"): these names are the ones users read
def rate(text: str) -> float:
    return parse_rate(text)


def duration(text: str) -> float:
    return parse_duration(text)


def gate(text: str) -> Gate:
    return Gate.parse(text)


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="golive load", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("run", "run one scenario and judge the gates"), ("capacity", "step the rate up")):
        p = sub.add_parser(name, help=text, description=DESCRIPTIONS[name])
        p.add_argument("--env", help="environment: config/<env>.yaml (default: GOLIVE_ENV or sandbox)")
        p.add_argument("--config", help="config file path (instead of --env)")
        p.add_argument("--target", metavar="URL", help="override target.url")
        p.add_argument("--scenario", help="loadtests/<name>.py or a locustfile path (default: load.scenario)")
        p.add_argument("--collection", help="collection to query (default: load.collection)")
        p.add_argument(
            "--warmup", type=duration, metavar="DURATION", help="excluded lead-in before the steady window, e.g. 5s"
        )
        p.add_argument(
            "--arrival", choices=("constant", "poisson"), help="evenly spaced or Poisson arrivals (load.arrival)"
        )
        p.add_argument("--processes", type=int, metavar="N", help="local generator processes (locust workers)")
        p.add_argument(
            "--users",
            type=int,
            metavar="N",
            help="concurrent users (default: rate x 100 ms, at least 20 per generator process)",
        )
        p.add_argument("--master", action="store_true", help="be a locust master for remote workers")
        p.add_argument(
            "--expect-workers",
            type=int,
            default=1,
            metavar="N",
            help="with --master: remote workers to wait for (up to 60 s) before starting (default 1)",
        )
        p.add_argument(
            "--master-bind-port",
            type=int,
            default=5557,
            metavar="PORT",
            help="with --master: port the workers connect to (default 5557)",
        )
        p.add_argument("--out", type=Path, metavar="DIR", help="evidence directory (default reports/<env>/load-*)")
        p.add_argument("--gate", action="append", type=gate, metavar="EXPR", help="override the gates")
        if name == "run":
            p.add_argument("--rate", type=rate, metavar="RATE", help="arrival rate, e.g. 1000/s")
            p.add_argument("--duration", type=duration, metavar="DURATION", help="steady window, e.g. 30s")
        else:
            p.add_argument("--start", type=rate, metavar="RATE", help="first step (load.capacity_start)")
            p.add_argument("--factor", type=float, help="rate multiplier per step (load.capacity_factor)")
            p.add_argument("--step", type=duration, metavar="DURATION", help="steady window per step")
            p.add_argument("--max-rate", type=rate, metavar="RATE", help="stop here (at most load.max_rate)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return load_run_settings(env=args.env, path=args.config, target_url=args.target)


def _spec(args: argparse.Namespace, settings: Settings) -> RunSpec:
    return spec_from_settings(
        settings,
        scenario=args.scenario,
        collection=args.collection,
        rate=getattr(args, "rate", None),
        duration=getattr(args, "duration", None),
        warmup=args.warmup,
        arrival=args.arrival,
        processes=args.processes,
        users=args.users,
        master=args.master or None,
        expect_workers=args.expect_workers,
        master_bind_port=args.master_bind_port,
    )


def _out_dir(args: argparse.Namespace, settings: Settings, kind: str) -> Path:
    if args.out:
        return Path(args.out)
    return reports_root() / str(settings.env) / f"load-{kind}-{time.strftime('%Y%m%d-%H%M%S')}"


def _print(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _progress(p: dict[str, Any]) -> None:
    _print(progress_line(p))


def _preflight(spec: RunSpec, settings: Settings) -> int | None:
    """Before any load: a usable scenario and collection (else a usage error naming the value and the choices)
    and a reachable target (else NO-GO, as in the checklist). Returns an exit code to stop with, or ``None``."""
    try:
        scenario_path(spec.scenario)
    except LoadRunError:
        known = sorted(p.stem for p in scenarios_dir().glob("*.py"))
        raise UsageError(
            f"unknown scenario {spec.scenario!r} (--scenario or load.scenario): expected one of "
            f"{', '.join(known)} or a locustfile path"
        ) from None
    with Target(settings.target) as target:
        try:
            names = probe.list_collections(target.call)
        except TargetUnreachable as err:
            _print(f"golive load: target unreachable: {err}")
            _print(str(Verdict.NO_GO))
            return int(ExitCode.NO_GO)
        except TargetError as err:  # it answered, but not usably (e.g. 401 without the API key)
            _print(f"INCONCLUSIVE: {err}")
            return int(ExitCode.INCONCLUSIVE)
    if spec.collection and spec.collection not in names:
        choices = [n for n in names if not n.startswith(probe.PROBE_PREFIX)]
        raise UsageError(
            f"unknown collection {spec.collection!r} (--collection or load.collection): the target has "
            + (", ".join(sorted(choices)) if choices else "no collection")
        )
    return None


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    spec = _spec(args, settings).checked()
    stop = _preflight(spec, settings)
    if stop is not None:
        return stop
    gates: list[Gate] = args.gate or list(settings.thresholds.gates)
    mode = (
        f"master for {spec.expect_workers} workers"
        if spec.master
        else f"{spec.processes} process{'es' * (spec.processes > 1)}"
    )
    _print(
        f"golive load: {spec.scenario} on {spec.host}, {spec.rate:g}/s {spec.arrival} for {spec.duration:g}s "
        f"after {spec.warmup:g}s warm-up, {spec.users} users, {mode}"
    )
    try:
        result = run(spec, on_progress=_progress)
    except LoadRunError as err:
        _print(f"INCONCLUSIVE: {err}")
        return int(ExitCode.INCONCLUSIVE)
    limits = TrustLimits(settings.load.max_generator_cpu, settings.load.max_behind)
    decided, trust, outcomes = decide(result, gates, limits)
    for line in summary_lines(result):
        _print(line)
    for o in outcomes:
        _print(f"  {o.status}  {o.message}")
    paths = write_evidence(result, outcomes, trust, _out_dir(args, settings, "run"))
    _print(f"evidence: {paths['json']} {paths['csv']}")
    if not trust.trusted:
        _print(("not trusted: " if decided == Verdict.NO_GO else "INCONCLUSIVE: ") + "; ".join(trust.reasons))
    if decided == Verdict.NO_GO:
        _print(str(decided))
    else:  # GO and INCONCLUSIVE depend on how far the generator was trusted: say how far
        _print(f"{decided} (trust limits: {trust.limits_text})")
    return int({Verdict.GO: ExitCode.GO, Verdict.NO_GO: ExitCode.NO_GO}.get(decided, ExitCode.INCONCLUSIVE))


def cmd_capacity(args: argparse.Namespace, settings: Settings) -> int:
    load = settings.load
    spec = _spec(args, settings)
    if args.max_rate:
        spec = RunSpec(**{**spec.__dict__, "max_rate": min(args.max_rate, load.max_rate)})
    stop = _preflight(spec, settings)
    if stop is not None:
        return stop
    gates: list[Gate] = args.gate or list(settings.thresholds.gates)
    latency_gates = [g for g in gates if g.metric != "throughput"]  # the offered rate is what varies here
    limits = TrustLimits(load.max_generator_cpu, load.max_behind)
    out = _out_dir(args, settings, "capacity")

    def one(step_spec: RunSpec) -> LoadResult:
        _print(f"-- step {step_spec.rate:,.0f} req/s")
        return run(step_spec, on_progress=_progress)

    def on_step(step: Step) -> None:
        _print(f"   {step.verdict} at {step.rate:,.0f} req/s: " + "; ".join(step.details))
        if step.result is not None:
            trust = assess_trust(step.result, limits)
            write_evidence(step.result, judge(step.result, latency_gates), trust, out, stem=f"step-{step.rate:g}")

    try:
        outcome = find_capacity(
            spec,
            latency_gates,
            start=args.start or load.capacity_start,
            factor=args.factor or load.capacity_factor,
            step_duration=args.step or load.capacity_step,
            run=one,
            limits=limits,
            warmup=args.warmup if args.warmup is not None else min(load.warmup, 3.0),
            on_step=on_step,
        )
    except LoadRunError as err:
        _print(f"INCONCLUSIVE: {err}")
        return int(ExitCode.INCONCLUSIVE)
    _print(outcome.describe())
    _print(f"evidence: {out}")
    return int(ExitCode.GO if outcome.highest_held is not None else ExitCode.NO_GO)


def main(argv: list[str]) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0) and int(ExitCode.USAGE_ERROR)
    try:
        settings = _settings(args)
    except Exception as err:  # ConfigError names the file and field
        _print(f"golive load: {err}")
        return int(ExitCode.CONFIG_ERROR)
    try:
        if args.command == "run":
            return cmd_run(args, settings)
        return cmd_capacity(args, settings)
    except ValueError as err:  # ceilings: rate above max_rate, duration above max_duration, ...
        _print(f"golive load: {err}")
        return int(ExitCode.USAGE_ERROR)
