"""What `isone-platform backfill` will do, decided without Dagster I/O: which operating days, which assets, which
days are already there, how the in-process mode batches them, and the per-dataset summary of what happened.

Everything here is a pure function of its arguments (the asset selection reads the definitions' asset graph, which
is in memory), so the command's rules are unit-tested without an instance, a webserver or the simulator.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import dagster as dg

YEAR_RANGE = re.compile(r"^(\d{4})(?:-(\d{4}))?$")
MART_LAYER = "mart"
INGEST_LAYERS = ("raw", "std")


class PlanError(ValueError):
    """The command's arguments name days or assets it cannot backfill: the message says what and why."""


# ---------------------------------------------------------------------------------------------------------------
# which days


@dataclass(frozen=True)
class Window:
    """The operating days the instance has partitions for: from the first partition (`ISONE_HISTORY_START`) to
    today, whose partial day is a partition too (polling fills it)."""

    first: date
    today: date

    @property
    def last_complete(self) -> date:
        return self.today - timedelta(days=1)


def day_range(first: date, last: date) -> list[date]:
    """Every calendar day from `first` to `last` inclusive: one partition each, whatever its length (23, 24 or 25
    hours on DST days)."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def last_days(n: int, window: Window) -> list[date]:
    """The last `n` complete operating days (today, still being published, is not one)."""
    if n < 1:
        raise PlanError(f"--days {n}: give a number of days of at least 1")
    return day_range(window.last_complete - timedelta(days=n - 1), window.last_complete)


def period_days(period: str, window: Window) -> list[date]:
    """The days of `2024` (a year) or `2019-2023` (whole years), the current year up to its last complete day."""
    match = YEAR_RANGE.match(period.strip())
    if not match:
        raise PlanError(f"{period!r} is not a year (2024) or a range of years (2019-2023)")
    first_year, last_year = int(match[1]), int(match[2] or match[1])
    if last_year < first_year:
        raise PlanError(f"{period!r}: the range of years runs backwards")
    first, last = date(first_year, 1, 1), min(date(last_year, 12, 31), window.last_complete)
    if first > last:
        raise PlanError(f"{period!r} has no complete operating day yet (the last one is {window.last_complete})")
    return day_range(first, last)


def parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PlanError(f"{option} {text!r} is not a day (YYYY-MM-DD)") from None


def requested_days(
    window: Window,
    *,
    start: str | None = None,
    end: str | None = None,
    days: int | None = None,
    periods: Sequence[str] = (),
) -> list[date]:
    """The sorted, distinct operating days the arguments ask for, each checked to be a partition of `window`.

    One way of saying which days: `--start` (and `--end`, default the last complete day), `--days N`, or years
    and ranges of years (several may be given)."""
    ways = [start is not None or end is not None, days is not None, bool(periods)]
    if sum(ways) != 1:
        raise PlanError("say which days one way: --start/--end, --days N, or years such as 2024 or 2019-2023")
    if days is not None:
        chosen = last_days(days, window)
    elif periods:
        chosen = [d for period in periods for d in period_days(period, window)]
    else:
        if start is None:
            raise PlanError("--end needs --start (the first day to backfill)")
        first = parse_day(start, "--start")
        last = parse_day(end, "--end") if end is not None else window.last_complete
        if last < first:
            raise PlanError(f"--end {last} is before --start {first}")
        chosen = day_range(first, last)
    return check_in_window(sorted(set(chosen)), window)


def check_in_window(days: list[date], window: Window) -> list[date]:
    """`days`, or a `PlanError` naming the first day outside the partitions and the setting that moves them."""
    if days and days[0] < window.first:
        raise PlanError(
            f"{days[0]} is before the first operating-day partition, {window.first}: set ISONE_HISTORY_START "
            f"(YYYY-MM-DD) to {days[0]} or earlier, in the environment of this command and of the instance"
        )
    if days and days[-1] > window.today:
        raise PlanError(f"{days[-1]} is after today's operating day, {window.today}: it has no partition yet")
    return days


# ---------------------------------------------------------------------------------------------------------------
# which assets


def backfillable(graph: dg.AssetGraph) -> set[dg.AssetKey]:
    """The assets a backfill can run: partitioned and executable (the revisions tables are specs that std steps
    write, the reference data has no partitions)."""
    return {key for key in graph.get_all_asset_keys() if graph.get(key).is_partitioned and graph.get(key).is_executable}


def dataset_assets(graph: dg.AssetGraph, names: Iterable[str], known: Mapping[str, str]) -> set[dg.AssetKey]:
    """The raw and std assets of the named datasets, a name being a dataset (`system_load_5min`, with or without
    `isone__`) or a domain (`load`, `lmp`, …). `known` maps each dataset name to its domain."""
    wanted: set[str] = set()
    for raw_name in names:
        name = raw_name.strip().removeprefix("isone__")
        matches = {ds for ds, domain in known.items() if name in (ds, domain)}
        if not matches:
            domains = sorted(set(known.values()))
            raise PlanError(f"unknown dataset or domain {raw_name!r}: domains {domains}; datasets {sorted(known)}")
        wanted |= matches
    candidates = backfillable(graph)
    return {dg.AssetKey([layer, f"isone__{ds}"]) for ds in wanted for layer in INGEST_LAYERS} & candidates


def with_marts(graph: dg.AssetGraph, keys: set[dg.AssetKey]) -> set[dg.AssetKey]:
    """`keys` and the marts downstream of them, so a backfill leaves the marts of its days built from the new
    rows (with the shared backfill policy they run in the same runs, after their std tables)."""
    downstream = dg.AssetSelection.assets(*keys).downstream().resolve(graph) if keys else set()
    marts = {key for key in downstream if key.path[0] == MART_LAYER}
    return keys | (marts & backfillable(graph))


def selection_assets(graph: dg.AssetGraph, selection: str) -> set[dg.AssetKey]:
    """The backfillable assets of a Dagster asset selection string (`key:std/* and tag:domain=lmp`)."""
    try:
        chosen = dg.AssetSelection.from_string(selection).resolve(graph)
    except Exception as exc:  # Dagster's parser raises several types; the message says what was wrong
        raise PlanError(f"--assets {selection!r} is not an asset selection Dagster understands: {exc}") from None
    keys = set(chosen) & backfillable(graph)
    if chosen and not keys:
        raise PlanError(f"--assets {selection!r} selects no partitioned, executable asset (only {sorted(chosen)})")
    return keys


def select_assets(
    graph: dg.AssetGraph,
    known: Mapping[str, str],
    *,
    datasets: str | None = None,
    assets: str | None = None,
    marts: bool = True,
) -> list[dg.AssetKey]:
    """The assets to backfill, sorted: the named datasets (and, unless `marts` is off, their marts), an asset
    selection as given, or every backfillable asset."""
    if datasets is not None and assets is not None:
        raise PlanError("give --datasets or --assets, not both")
    if assets is not None:
        keys = selection_assets(graph, assets)
    elif datasets is not None:
        keys = dataset_assets(graph, [n for n in datasets.split(",") if n.strip()], known)
        keys = with_marts(graph, keys) if marts else keys
    else:
        keys = backfillable(graph) if marts else {k for k in backfillable(graph) if k.path[0] != MART_LAYER}
    if not keys:
        raise PlanError("the selection holds no asset to backfill")
    return sorted(keys, key=lambda k: k.to_user_string())


def dataset_label(key: dg.AssetKey) -> str:
    """The summary's row for an asset: the dataset of a raw/std asset, `mart.<model>` for a mart."""
    name = key.path[-1].removeprefix("isone__")
    return f"{MART_LAYER}.{name}" if key.path[0] == MART_LAYER else name


# ---------------------------------------------------------------------------------------------------------------
# what to skip, how to batch


@dataclass(frozen=True)
class Plan:
    """The days asked for, the assets, and the days each asset already has (materialized successfully)."""

    days: tuple[date, ...]
    assets: tuple[dg.AssetKey, ...]
    present: Mapping[dg.AssetKey, frozenset[date]] = field(default_factory=dict)
    force: bool = False

    @property
    def complete(self) -> tuple[date, ...]:
        """The days every selected asset has already materialized."""
        return tuple(d for d in self.days if all(d in self.present.get(k, frozenset()) for k in self.assets))

    @property
    def to_run(self) -> tuple[date, ...]:
        """Every day with --force; otherwise the days some selected asset lacks. A day is run for every selected
        asset (a backfill has one partition range), so a day one dataset lacks is redone for the others too."""
        if self.force:
            return self.days
        complete = set(self.complete)
        return tuple(d for d in self.days if d not in complete)

    @property
    def skipped(self) -> tuple[date, ...]:
        return () if self.force else self.complete


def batches(days: Sequence[date], size: int) -> list[list[date]]:
    """Consecutive days in runs of at most `size` (the backfill policy's days per run); a gap starts a new batch,
    since a run covers one partition range."""
    out: list[list[date]] = []
    for day in sorted(days):
        if out and len(out[-1]) < size and out[-1][-1] + timedelta(days=1) == day:
            out[-1].append(day)
        else:
            out.append([day])
    return out


def expand_ranges(ranges: Iterable[tuple[str, str]]) -> frozenset[date]:
    """The days of partition-key ranges (first and last key inclusive), as Dagster reports them."""
    return frozenset(d for start, end in ranges for d in day_range(date.fromisoformat(start), date.fromisoformat(end)))


# ---------------------------------------------------------------------------------------------------------------
# what happened


@dataclass(frozen=True)
class RunOutcome:
    """One run of the backfill: its days, which (asset, day) it materialized, the std rows it wrote, and the
    first line of its first error when it failed."""

    run_id: str
    days: tuple[date, ...]
    materialized: frozenset[tuple[dg.AssetKey, date]]
    rows: int = 0
    error: str | None = None


@dataclass(frozen=True)
class DatasetSummary:
    label: str
    materialized: int
    skipped: int
    failed: int
    error: str = ""
    run_id: str = ""


def first_line(message: str | None) -> str:
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    return lines[0] if lines else ""


def summarize(plan: Plan, outcomes: Sequence[RunOutcome]) -> list[DatasetSummary]:
    """Per dataset (its raw and std assets together) and per mart: the days of the plan materialized by the runs,
    skipped as already present, and failed (not materialized by the run that had them), with that run's first
    error. A day no run reached (the backfill was canceled) counts as failed too, without a run."""
    done = {pair for outcome in outcomes for pair in outcome.materialized}
    run_of = {day: outcome for outcome in outcomes for day in outcome.days}
    labels: dict[str, list[dg.AssetKey]] = {}
    for key in plan.assets:
        labels.setdefault(dataset_label(key), []).append(key)
    return [_summary(label, keys, plan, done, run_of) for label, keys in labels.items()]


def _summary(
    label: str,
    keys: list[dg.AssetKey],
    plan: Plan,
    done: set[tuple[dg.AssetKey, date]],
    run_of: Mapping[date, RunOutcome],
) -> DatasetSummary:
    failed = [d for d in plan.to_run if any((k, d) not in done for k in keys)]
    blamed = next((run_of[d] for d in failed if d in run_of), None)
    return DatasetSummary(
        label=label,
        materialized=len(plan.to_run) - len(failed),
        skipped=len(plan.skipped),
        failed=len(failed),
        error=first_line(blamed.error) if blamed else ("not run" if failed else ""),
        run_id=blamed.run_id if blamed else "",
    )


def summary_table(rows: Sequence[DatasetSummary]) -> str:
    """The summary as a fixed-width table, one line per dataset."""
    header = ("dataset", "materialized", "skipped", "failed", "run", "first error")
    body = [(r.label, str(r.materialized), str(r.skipped), str(r.failed), r.run_id, r.error) for r in rows]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header) - 1)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in [header, *body]
    ]
    return "\n".join(line.rstrip() for line in lines)
