"""``isone-sim``: run the ISO-NE Web Services API simulator."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from datetime import timedelta

from .clock import SimClock
from .faults import Fault
from .server import SimulatorServer


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="isone-sim", description="ISO-NE Web Services API v1.1 simulator")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765, help="0 = pick a free port (printed)")
    p.add_argument("--user", default=os.environ.get("ISONE_SIM_USER", "demo"))
    p.add_argument("--password", default=os.environ.get("ISONE_SIM_PASSWORD", "demo"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--clock", default="real", help="real | fixed:ISO | accelerated:FACTOR[@ISO]")
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="PATTERN=KIND[:first=N|:p=P:seed=S][:retry_after=S][:delay=S][:status=N][:key=value] (repeatable)",
    )
    p.add_argument("--recorded", default=None, metavar="DIR", help="serve recorded bodies from DIR byte-exact")
    p.add_argument("--publication-lag", type=float, default=60.0, metavar="SECONDS")
    p.add_argument(
        "--final-delay-hours",
        type=float,
        default=6.0,
        help="FINAL LMPs of day D are published this long after D ends (local midnight)",
    )
    p.add_argument(
        "--cache-mb",
        type=float,
        default=256.0,
        metavar="MB",
        help="memory for cached responses of settled day paths (gzip-compressed); 0 disables",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        clock = SimClock.parse(args.clock)
        faults = [Fault.parse(s) for s in args.fault]
    except ValueError as exc:
        print(f"isone-sim: {exc}", file=sys.stderr)
        return 2
    sim = SimulatorServer(
        args.host,
        args.port,
        user=args.user,
        password=args.password,
        seed=args.seed,
        clock=clock,
        faults=faults,
        recorded_dir=args.recorded,
        publication_lag=timedelta(seconds=args.publication_lag),
        final_delay=timedelta(hours=args.final_delay_hours),
        cache_bytes=int(args.cache_mb * 2**20),
    )
    stop = threading.Event()

    def _on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    sim.start()
    print(f"isone-sim listening on {sim.base_url}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
