"""Polling today: fetch only what is new, at most two requests per feed, and merge it into the day's raw bodies.

A poll of one feed for one operating day:
  1. GET the feed's `current` endpoint: the latest published interval (for LMPs, every node at that interval).
  2. If that interval belongs to another operating day, or nothing is new since the latest landed interval, stop.
  3. If intervals were missed (the previous poll is more than one interval behind), GET once more to fill the
     gap: the whole published day for the small feeds, or, for the all-node LMPs, the `starthour` chunk of the
     hour holding the first missing interval (the next poll continues from there).
  4. Merge: a body re-fetched under the same day/chunk path replaces the older one (it is a superset), and
     `current` bodies that a newer day or chunk body covers are dropped, so a day's raw stays compact.
Standardizing merges the bodies by primary key with the newest fetch winning, so a corrected interval replaces
the old one and re-polling the same interval changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from isone_platform.lib.datasets import Dataset, has_records
from isone_platform.lib.isone_client import IsoneClient
from isone_platform.lib.parse.common import ParseContext
from isone_platform.lib.partitions import ISONE_TZ, day_bounds_utc
from isone_platform.lib.raw import LandedBody, RawDay

POLL_FOR_TAG = "isone/poll_for"
"""Run tag of a poll run: the begin (ISO 8601, UTC offset) of the latest interval ISO-NE reported published when
the sensor launched it. The run's checks evaluate at that time (`check_time`): ISO-NE's clock, not the worker's."""


def check_time(run_tags: Mapping[str, str]) -> datetime | None:
    """The time a run's checks evaluate at, when the run says (a poll run's `POLL_FOR_TAG`); else None."""
    value = run_tags.get(POLL_FOR_TAG)
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


@dataclass
class PollReport:
    dataset: str
    day: date
    requests: int = 0
    bytes: int = 0
    latest_published_utc: datetime | None = None
    new_bodies: list[str] = field(default_factory=list)
    note: str = ""


def interval_span(ds: Dataset, landed: LandedBody, day: date | None) -> tuple[datetime, datetime] | None:
    """First and last interval begin in a body (None when it holds no records)."""
    if not has_records(landed.body):
        return None
    frame = ds.parse(landed.body, ParseContext(ds.name, day, landed.path, landed.fetched_at, landed.sha256)).frame
    if frame.is_empty():
        return None
    begins = frame["interval_begin_utc"]
    return begins.min(), begins.max()  # type: ignore[return-value]


def is_current(path: str) -> bool:
    return "/current" in path


def compact(ds: Dataset, bodies: list[LandedBody], day: date | None) -> list[LandedBody]:
    """Drop bodies that newer ones supersede (same day/chunk path; `current` bodies covered by a later full body)."""
    newest_by_path: dict[str, LandedBody] = {}
    currents: list[LandedBody] = []
    for body in sorted(bodies, key=lambda b: b.fetched_at):
        if is_current(body.path):
            currents.append(body)
        else:
            newest_by_path[body.path] = body
    full = list(newest_by_path.values())
    covers = _chunk_coverage(ds, full, day) if ds.polling and ds.polling.chunked else _day_coverage(full)
    kept_currents = [body for body in currents if not covers(body)]
    return sorted(full + kept_currents, key=lambda b: b.fetched_at)


def _day_coverage(full: list[LandedBody]) -> Callable[[LandedBody], bool]:
    """Day bodies hold the whole published day: one fetched at or after a `current` body covers it."""
    return lambda current: any(b.fetched_at >= current.fetched_at for b in full)


def _chunk_coverage(ds: Dataset, full: list[LandedBody], day: date | None) -> Callable[[LandedBody], bool]:
    """A chunk body covers a `current` body only if it was fetched at or after it and spans its interval."""
    spans = [(b, interval_span(ds, b, day)) for b in full]

    def covers(current: LandedBody) -> bool:
        span = interval_span(ds, current, day)
        return span is not None and any(
            s is not None and b.fetched_at >= current.fetched_at and s[0] <= span[0] <= s[1] for b, s in spans
        )

    return covers


def first_missing(ds: Dataset, day: date, landed: list[datetime], until: datetime) -> datetime | None:
    """The first interval of `day` up to `until` that is not landed yet (None when the day is complete so far).

    Fixed-grain feeds: the first expected interval begin that is absent. Irregular snapshots (the fuel mix): the
    start of the first stretch longer than the declared `Polling.gap` without a snapshot.
    """
    start, _ = day_bounds_utc(day)
    have = sorted(t for t in landed if start <= t <= until)
    if ds.grain is not None:
        present = set(have)
        t = start
        while t <= until:
            if t not in present:
                return t
            t += ds.grain
        return None
    assert ds.polling is not None and ds.polling.gap is not None
    gap = ds.polling.gap
    previous = start
    for t in have:
        if t - previous > gap:
            return previous
        previous = t
    return previous if until - previous > gap else None


def poll_day(
    client: IsoneClient,
    ds: Dataset,
    day: date,
    existing: RawDay | None,
    landed: list[datetime],
) -> tuple[RawDay, PollReport]:
    """Poll one feed for one operating day, given the interval begins already landed for that day."""
    polling = ds.polling
    if polling is not None and issue_column(ds) is not None:
        return poll_issues(client, ds, day, existing, landed)
    if polling is None or (ds.grain is None and polling.gap is None):
        raise ValueError(f"{ds.asset_name} is not a polled dataset")
    report = PollReport(ds.name, day)
    bodies = list(existing.bodies) if existing else []

    def get(path: str) -> LandedBody:
        response = client.get(path)
        report.requests += 1
        report.bytes += len(response.body)
        return LandedBody(response.path, response.fetched_at, response.body, gzipped=response.gzipped)

    current = get(polling.current_path)
    span = interval_span(ds, current, day)
    if span is None:
        report.note = "nothing published"
        return RawDay(ds.name, day, bodies), report
    latest = report.latest_published_utc = span[1]
    start, end = day_bounds_utc(day)
    if not start <= latest < end:
        report.note = f"latest published interval {latest.isoformat()} is outside operating day {day}"
        return RawDay(ds.name, day, bodies), report
    new = [] if latest in set(landed) else [current]
    missing = first_missing(ds, day, landed + [latest], latest)
    if missing is not None:
        new.append(get(polling.gap_request(day, missing)))
        report.note = f"gap filled from {missing.isoformat()}"
    elif not new:
        report.note = "nothing new"
    report.new_bodies = [b.path for b in new]
    return RawDay(ds.name, day, compact(ds, bodies + new, day)), report


def issue_column(ds: Dataset) -> str | None:
    """The column that tells a feed's issues apart, for a feed that is polled by issue (forecasts, reports)."""
    if ds.rules.issues is not None:
        return ds.rules.issues.column
    if ds.rules.reports is not None:
        return ds.rules.reports.columns[0]
    return None


def newest_issue(ds: Dataset, landed: LandedBody, day: date) -> tuple[datetime | None, bool]:
    """(the newest issue time in a `current` body, whether that issue belongs to operating day `day`'s partition).

    A forecast issue belongs to its issue day … + `Issues.span_days`; a report to the operating day it names
    (parsed without a partition day, so its own)."""
    column = issue_column(ds)
    assert column is not None
    if not has_records(landed.body):
        return None, False
    own_day = None if ds.rules.reports is not None else day
    ctx = ParseContext(ds.name, own_day, landed.path, landed.fetched_at, landed.sha256)
    frame = ds.parse(landed.body, ctx).frame
    if frame.is_empty():
        return None, False
    issued = frame[column].max()
    if ds.rules.issues is None:
        return issued, day in set(frame.filter(frame[column] == issued)["operating_day"])  # type: ignore[arg-type]
    issue_day = issued.astimezone(ISONE_TZ).date()  # type: ignore[union-attr]
    return issued, issue_day <= day <= issue_day + timedelta(days=ds.rules.issues.span_days)  # type: ignore[return-value]


def poll_issues(
    client: IsoneClient, ds: Dataset, day: date, existing: RawDay | None, landed: list[datetime]
) -> tuple[RawDay, PollReport]:
    """Poll a forecast that keeps every issue: ask `current` for the newest issue; when the day's std table lacks
    it, fetch the day's path (every issue so far), which replaces the older body of that path. 1 or 2 requests."""
    assert ds.polling is not None
    report = PollReport(ds.name, day)
    bodies = list(existing.bodies) if existing else []
    current = client.get(ds.polling.current_path)
    report.requests, report.bytes = 1, len(current.body)
    probe = LandedBody(current.path, current.fetched_at, current.body, gzipped=current.gzipped)
    issued, belongs = newest_issue(ds, probe, day)
    report.latest_published_utc = issued
    if issued is None or issued in set(landed) or (landed and issued < max(landed)):
        report.note = "nothing published" if issued is None else "no new issue"
        return RawDay(ds.name, day, bodies), report
    if not belongs:
        report.note = f"the newest issue {issued.isoformat()} does not cover operating day {day}"
        return RawDay(ds.name, day, bodies), report
    response = client.get(ds.polling.gap_request(day, issued))
    report.requests += 1
    report.bytes += len(response.body)
    fetched = LandedBody(response.path, response.fetched_at, response.body, gzipped=response.gzipped)
    report.new_bodies, report.note = [fetched.path], f"new issue {issued.isoformat()}"
    return RawDay(ds.name, day, compact(ds, bodies + [fetched], day)), report
