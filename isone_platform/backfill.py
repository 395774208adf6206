"""`isone-platform backfill`: one Dagster partition backfill of a range of operating days, launched on the running
instance (or run in this process with `--in-process`) and followed to the end, with a progress line and a
per-dataset summary; exit 1 if any day failed.

Which days: `--start 2024-01-01 [--end 2024-12-31]`, `--days N` (the last N complete operating days), or years and
ranges of years (`2024 2019-2023`). Which assets: `--datasets lmp,load_hourly` (datasets or domains: their raw
and std assets and, unless `--no-marts`, the marts downstream of them, so the marts of those days are rebuilt
from the new rows), `--assets "key:std/* and tag:domain=lmp"` (a Dagster selection, as given), or every
partitioned asset. Only executable partitioned assets can be backfilled.

Resumable: a day every selected asset has already materialized is skipped (`--force` redoes it), so the same
command picks up where an interrupted or partly failed one stopped. The planning rules are in
`lib/backfill_plan.py`, the Dagster I/O in `lib/backfill_runner.py`.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import TextIO

from isone_platform.lib.backfill_plan import (
    Plan,
    RunOutcome,
    Window,
    requested_days,
    select_assets,
    summarize,
    summary_table,
)

POLL_SECONDS = 3.0
BAR_WIDTH = 24
INTERRUPTED = 130  # the shell's status for a command stopped by Ctrl-C


# ---------------------------------------------------------------------------------------------------------------
# progress


def clock(seconds: float) -> str:
    """h:mm:ss, the way a progress line reads a duration."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def progress_line(done: int, total: int, rows: int, elapsed: float, tty: bool) -> str:
    """Days done of total, std rows written, elapsed and ETA (from the pace so far); a bar on a terminal."""
    eta = clock(elapsed * (total - done) / done) if 0 < done < total else ("0:00:00" if done >= total else "?")
    figures = f"{done}/{total} days, {rows:,} rows, {clock(elapsed)} elapsed, ETA {eta}"
    if not tty:
        return f"backfill: {figures}"
    filled = BAR_WIDTH * done // total if total else BAR_WIDTH
    return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {figures}"


class ProgressPrinter:
    """One line redrawn in place on a terminal; otherwise a plain line whenever the figures change (logs, CI)."""

    def __init__(self, total_days: int, out: TextIO | None = None, now: Callable[[], float] = time.monotonic):
        self.total, self.out, self.now = total_days, out or sys.stdout, now
        self.started = now()
        self.tty = self.out.isatty()
        self.last: tuple[int, int] | None = None

    def __call__(self, done: int, rows: int) -> None:
        if not self.tty and (done, rows) == self.last:
            return
        self.last = (done, rows)
        line = progress_line(min(done, self.total), self.total, rows, self.now() - self.started, self.tty)
        self.out.write(f"\r{line}\x1b[K" if self.tty else f"{line}\n")
        self.out.flush()

    def close(self) -> None:
        if self.tty and self.last is not None:
            self.out.write("\n")


# ---------------------------------------------------------------------------------------------------------------
# the command


def resume_command(args: argparse.Namespace, days: list[date]) -> str:
    """The command that resumes this backfill: the same days (as a fixed range) and the same selection."""
    words = ["isone-platform", "backfill", "--start", days[0].isoformat(), "--end", days[-1].isoformat()]
    if args.datasets:
        words += ["--datasets", args.datasets]
    if args.assets:
        words += ["--assets", args.assets]
    if args.no_marts:
        words.append("--no-marts")
    if args.in_process:
        words.append("--in-process")
    return shlex.join(words)


def _definitions():
    from isone_platform.definitions import defs

    return defs()


def _known_datasets() -> dict[str, str]:
    """Every partitioned dataset's name and domain."""
    from isone_platform.lib.datasets import DATASETS

    return {ds.name: ds.group for ds in DATASETS.values() if ds.partitioned}


def _plan(args: argparse.Namespace, definitions, present_of: Callable) -> tuple[Plan, list[date]]:  # noqa: ANN001
    from isone_platform.lib.partitions import today_operating_day
    from isone_platform.lib.settings import current_settings

    window = Window(current_settings().history_start, today_operating_day())
    days = requested_days(window, start=args.start, end=args.end, days=args.days, periods=args.periods)
    graph = definitions.resolve_asset_graph()
    keys = select_assets(graph, _known_datasets(), datasets=args.datasets, assets=args.assets, marts=not args.no_marts)
    return Plan(tuple(days), tuple(keys), present_of(keys), args.force), days


def _announce(plan: Plan, where: str) -> None:
    first, last = plan.days[0], plan.days[-1]
    print(
        f"backfill of {len(plan.assets)} assets over {len(plan.days)} days ({first} .. {last}) {where}: "
        f"{len(plan.to_run)} days to run, {len(plan.complete)} already materialized"
        + (" (--force: redone)" if plan.force else " (skipped)"),
        flush=True,
    )


def _finish(plan: Plan, outcomes: list[RunOutcome], started: float) -> int:
    """Print the summary table; 1 if any dataset has a failed day."""
    rows = summarize(plan, outcomes)
    print(summary_table(rows))
    written = sum(o.rows for o in outcomes)
    print(f"{len(outcomes)} runs, {written:,} std rows written, {clock(time.monotonic() - started)}")
    return 1 if any(r.failed for r in rows) else 0


def _interrupted(message: str, resume: str) -> int:
    print(f"\ninterrupted: {message}\nresume with the same command (done days are skipped):\n  {resume}")
    return INTERRUPTED


def _on_webserver(args: argparse.Namespace, url: str) -> int:
    from isone_platform.lib.backfill_runner import Webserver, follow

    web = Webserver(url)
    try:
        web.gql("{ __typename }")  # before loading the definitions: say at once when nothing answers
        plan, days = _plan(args, _definitions(), web.materialized_days)
        _announce(plan, f"on {url}")
        started = time.monotonic()
        if not plan.to_run:
            return _finish(plan, [], started)
        backfill_id = web.launch(list(plan.assets), plan.to_run, f"isone-platform backfill {days[0]} .. {days[-1]}")
        print(f"launched backfill {backfill_id}: {url}/runs/b/{backfill_id}", flush=True)
        printer = ProgressPrinter(len(plan.to_run))
        try:
            outcomes = follow(web, backfill_id, len(plan.assets), printer, lambda: time.sleep(args.poll_seconds))
        except KeyboardInterrupt:
            printer.close()
            cancel = f"isone-platform backfill --cancel {backfill_id}"
            return _interrupted(
                f"backfill {backfill_id} goes on in the instance; cancel it with:\n  {cancel}",
                resume_command(args, days),
            )
        printer.close()
        return _finish(plan, outcomes, started)
    finally:
        web.close()


def _in_process(args: argparse.Namespace) -> int:
    import dagster as dg

    from isone_platform.lib.backfill_runner import materialized_in, run_in_process
    from isone_platform.lib.settings import current_settings

    settings = current_settings()
    home = settings.dagster_home
    instance = dg.DagsterInstance.from_config(str(home)) if home else dg.DagsterInstance.ephemeral()
    try:
        definitions = _definitions()
        plan, days = _plan(args, definitions, lambda keys: materialized_in(instance, keys))
        _announce(plan, f"in this process, recording into {home}" if home else "in this process")
        if not home:
            print("note: DAGSTER_HOME is not set, so nothing is recorded: a rerun cannot skip these days")
        started = time.monotonic()
        if not plan.to_run:
            return _finish(plan, [], started)
        printer = ProgressPrinter(len(plan.to_run))
        done: list[RunOutcome] = []

        def on_run(outcome: RunOutcome) -> None:
            done.append(outcome)
            printer(sum(len(o.days) for o in done), sum(o.rows for o in done))

        printer(0, 0)
        job = definitions.resolve_job_def("isone_ingest")
        try:
            outcomes = run_in_process(job, instance, plan, settings.isone_backfill_days_per_run, on_run)
        except KeyboardInterrupt:
            printer.close()
            return _interrupted(f"{len(done)} runs had finished", resume_command(args, days))
        printer.close()
        return _finish(plan, outcomes, started)
    finally:
        instance.dispose()


def _cancel(url: str, backfill_id: str) -> int:
    from isone_platform.lib.backfill_runner import Webserver

    web = Webserver(url)
    try:
        web.cancel(backfill_id)
    finally:
        web.close()
    print(f"canceling backfill {backfill_id}: its queued runs will not start, its running ones are stopped")
    return 0


def _main(args: argparse.Namespace) -> int:
    from isone_platform.lib.backfill_runner import NoWebserver
    from isone_platform.lib.settings import current_settings

    url = current_settings().isone_dagster_url.rstrip("/")
    if args.cancel:
        return _cancel(url, args.cancel)
    if args.in_process:
        return _in_process(args)
    try:
        return _on_webserver(args, url)
    except NoWebserver as exc:
        raise NoWebserver(
            f"{exc}: start the instance (make demo, or dagster dev with DAGSTER_HOME set), point "
            "ISONE_DAGSTER_URL at it, or run the backfill in this process: add --in-process"
        ) from None


def register(subparsers) -> None:  # noqa: ANN001 - argparse's private _SubParsersAction
    """Add `backfill` to the `isone-platform` CLI."""
    from isone_platform.lib.settings import DEFAULT_DAGSTER_URL

    parser = subparsers.add_parser(
        "backfill",
        help="backfill a range of operating days on the running instance (or --in-process), with progress",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("periods", nargs="*", metavar="YEARS", help="whole years: 2024, 2019-2023 (several allowed)")
    parser.add_argument("--start", help="first operating day, YYYY-MM-DD")
    parser.add_argument("--end", help="last operating day, YYYY-MM-DD (default: the last complete one)")
    parser.add_argument("--days", type=int, help="the last N complete operating days")
    picked = parser.add_mutually_exclusive_group()
    picked.add_argument("--datasets", help="datasets or domains, comma-separated: lmp,load_hourly,fuel_mix")
    picked.add_argument("--assets", help='a Dagster asset selection: "key:std/* and tag:domain=lmp"')
    parser.add_argument("--no-marts", action="store_true", help="leave the marts downstream of --datasets out")
    parser.add_argument("--force", action="store_true", help="redo days already materialized")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run here, ISONE_BACKFILL_DAYS_PER_RUN days per run, recording into DAGSTER_HOME when set",
    )
    parser.add_argument("--cancel", metavar="BACKFILL_ID", help="cancel a backfill this command launched")
    parser.add_argument(
        "--poll-seconds", type=float, default=POLL_SECONDS, help=f"progress poll interval (default {POLL_SECONDS:g})"
    )
    parser.epilog = f"The webserver: ISONE_DAGSTER_URL (default {DEFAULT_DAGSTER_URL})."
    parser.set_defaults(func=_main)
