"""Fetch one operating day of a dataset: run its request plan, keep every body exactly as received."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

from isone_platform.lib.datasets import Dataset, PriceStatus, Request, has_records
from isone_platform.lib.isone_client import IsoneClient
from isone_platform.lib.partitions import today_operating_day
from isone_platform.lib.raw import LandedBody, RawDay


def default_price_status(day: date | None, today: date | None = None) -> PriceStatus:
    """Days that are over get final prices (falling back to prelim where final is not yet published)."""
    if day is None:
        return "prelim"
    return "final" if day < (today or today_operating_day()) else "prelim"


def _fetch(client: IsoneClient, request: Request) -> LandedBody:
    response = client.get(request.path)
    if request.fallback and not has_records(response.body):
        response = client.get(request.fallback)
    return LandedBody(response.path, response.fetched_at, response.body, gzipped=response.gzipped)


def fetch_day(
    client: IsoneClient, ds: Dataset, day: date | None, status: PriceStatus, *, max_workers: int = 4
) -> RawDay:
    """All bodies of `ds` for `day`, in plan order. Any request that fails for good fails the whole day. A day
    before the feed existed (`Dataset.available_from`) is fetched as no bodies: an empty day, not a failure."""
    plan = ds.plan(day, status) if ds.exists_on(day) else []
    if len(plan) == 1 or max_workers <= 1:
        bodies = [_fetch(client, r) for r in plan]
    else:
        with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=f"fetch-{ds.name}") as pool:
            bodies = list(pool.map(lambda r: _fetch(client, r), plan))
    return RawDay(ds.name, day, bodies)
