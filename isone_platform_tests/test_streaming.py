"""Multi-day runs hold one operating day at a time: raw days are landed before the next is fetched, std days are
read lazily and written one at a time, still all in one warehouse transaction."""

import weakref
from collections.abc import Iterator
from datetime import UTC, date, datetime

import dagster as dg
import pytest

from isone_platform.lib.lake import (
    MANIFEST,
    LandedDays,
    LocalLake,
    RawLakeIOManager,
    day_prefix,
    lake_from_url,
    land_days,
    read_day,
    write_day,
)
from isone_platform.lib.raw import LandedBody, RawDay
from isone_platform.lib.resources import build_resources
from isone_platform.simulator import Fault

from .helpers import materializable_assets, query, step_error

DAYS = [date(2024, 11, 1), date(2024, 11, 2), date(2024, 11, 3), date(2024, 11, 4)]
FETCHED = datetime(2024, 11, 21, tzinfo=UTC)


@pytest.fixture(scope="module")
def all_assets():
    from isone_platform.definitions import defs

    return materializable_assets(defs())


def run_range(all_assets, name, first: date, last: date, layers=("raw", "std"), raise_on_error=True):
    return dg.materialize(
        all_assets,
        selection=[dg.AssetKey([layer, f"isone__{name}"]) for layer in layers],
        resources=build_resources(),
        raise_on_error=raise_on_error,
        tags={
            "dagster/asset_partition_range_start": first.isoformat(),
            "dagster/asset_partition_range_end": last.isoformat(),
        },
    )


def raw_day(day: date, *bodies: bytes, dataset: str = "system_load_5min") -> RawDay:
    return RawDay(dataset, day, [LandedBody(f"/x/{day:%Y%m%d}/{i}", FETCHED, b) for i, b in enumerate(bodies)])


# --- raw: fetch, land, then fetch the next day ---------------------------------------------------------------


def test_landing_lands_each_day_before_asking_for_the_next(tmp_path):
    lake = LocalLake(tmp_path / "lake")
    produced: list[weakref.ref] = []

    def fetch() -> Iterator[RawDay]:
        for day in DAYS[:3]:
            for earlier, ref in zip(DAYS, produced, strict=False):  # only the days produced so far
                assert lake.exists(f"{day_prefix('system_load_5min', earlier)}/{MANIFEST}"), f"{earlier} not landed"
                assert ref() is None, f"{earlier}'s bodies are still in memory while fetching {day}"
            raw = raw_day(day, b'{"a": 1}', day.isoformat().encode())
            produced.append(weakref.ref(raw))
            yield raw
            del raw

    report = land_days(lake, fetch())
    assert [read_day(lake, "system_load_5min", d).bodies[1].body for d in DAYS[:3]] == [
        d.isoformat().encode() for d in DAYS[:3]
    ]
    assert report.metadata() == {
        "run_days": [d.isoformat() for d in DAYS[:3]],
        "run_bodies": 6,
        "run_body_bytes": 3 * (8 + 10),
    }
    assert report.per_day == {d.isoformat(): {"bodies": 2, "body_bytes": 8 + 10} for d in DAYS[:3]}


def test_a_failed_landing_closes_the_producer(tmp_path):
    closed = []

    def fetch() -> Iterator[RawDay]:
        try:
            yield raw_day(DAYS[0], b"[1]")
            yield "not a day"  # type: ignore[misc]
            yield raw_day(DAYS[1], b"[2]")
        finally:
            closed.append(True)

    with pytest.raises(TypeError, match="expected RawDay"):
        land_days(LocalLake(tmp_path / "lake"), fetch())
    assert closed == [True]


def test_the_raw_io_manager_stores_days_an_asset_returns(tmp_path):
    context = dg.build_output_context(asset_key=dg.AssetKey(["raw", "isone__system_load_5min"]))
    RawLakeIOManager(lake_url=str(tmp_path / "lake")).handle_output(context, [raw_day(DAYS[0], b"[1]")])
    assert read_day(LocalLake(tmp_path / "lake"), "system_load_5min", DAYS[0]).bodies[0].body == b"[1]"
    assert {k: v.value for k, v in context.get_logged_metadata().items()}["run_days"] == [DAYS[0].isoformat()]


def test_failure_on_day_3_leaves_days_1_2_landed_and_day_3_untouched(platform_env, all_assets, sim):
    lake = lake_from_url(platform_env["ISONE_LAKE_URL"])
    run_range(all_assets, "system_load_5min", DAYS[2], DAYS[2], layers=("raw",))
    good = read_day(lake, "system_load_5min", DAYS[2]).bodies
    sim.reset_requests()
    sim.add_fault(Fault("/fiveminutesystemload/day/20241103", "http_error", status=404))
    result = run_range(all_assets, "system_load_5min", DAYS[0], DAYS[3], layers=("raw",), raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "HTTP 404" in step_error(failure).to_string()

    assert all(read_day(lake, "system_load_5min", d).bodies for d in DAYS[:2])
    assert read_day(lake, "system_load_5min", DAYS[2]).bodies == good  # the earlier good copy
    with pytest.raises(FileNotFoundError):
        read_day(lake, "system_load_5min", DAYS[3])
    paths = [r.path for r in sim.requests]
    assert not any("20241104" in p for p in paths)  # the run stopped at day 3
    assert [p.rsplit("/", 1)[-1].removesuffix(".json") for p in paths] == ["20241101", "20241102", "20241103"]
    # day 1 was landed (its manifest written) before day 2 was requested
    assert isinstance(lake, LocalLake)  # platform_env's lake is a local directory
    manifest = lake.root / day_prefix("system_load_5min", DAYS[0]) / MANIFEST
    day2 = next(r for r in sim.requests if "20241102" in r.path)
    assert datetime.fromtimestamp(manifest.stat().st_mtime, UTC) <= day2.time


# --- raw -> std: one day's bodies at a time -------------------------------------------------------------------


class CountingLake(LocalLake):
    def __init__(self, root):
        super().__init__(root)
        self.gets: list[str] = []

    def get(self, key: str) -> bytes:
        self.gets.append(key)
        return super().get(key)


def test_landed_days_are_read_lazily_and_again_on_every_pass(tmp_path):
    lake = CountingLake(tmp_path / "lake")
    for day in DAYS[:3]:
        write_day(lake, raw_day(day, b"[1]", b"[2]"))
    days_to_read: list[date | None] = list(DAYS[:3])
    landed = LandedDays(lake, "system_load_5min", days_to_read)
    assert lake.gets == [] and len(landed) == 3
    days = iter(landed)
    first = next(days)
    assert first.day == DAYS[0] and all("2024-11-01" in key for key in lake.gets)  # nothing of day 2 or 3 yet
    assert len(lake.gets) == 3  # manifest + 2 bodies
    assert [d.day for d in days] == DAYS[1:3]
    assert [d.day for d in landed] == DAYS[:3] and len(lake.gets) == 18  # a second pass reads again


# --- std: several days, one transaction -----------------------------------------------------------------------


def test_std_run_writes_its_days_in_one_transaction(platform_env, all_assets):
    first, last = DAYS[0], DAYS[2]
    result = run_range(all_assets, "system_load_5min", first, last)
    # each day's materialization carries that day's own figures; the run's totals are named as such
    mats = {m.partition: m.metadata for m in result.asset_materializations_for_node("std__isone__system_load_5min")}
    assert sorted(str(p) for p in mats) == [d.isoformat() for d in DAYS[:3]]
    expected = {"2024-11-01": (288, "2024-11-02T03:55:00+00:00"), "2024-11-02": (288, "2024-11-03T03:55:00+00:00")}
    expected["2024-11-03"] = (300, "2024-11-04T04:55:00+00:00")  # the fall-back day: 25 hours
    for day, (n, latest) in expected.items():
        md = mats[day]
        assert md["dagster/row_count"].value == n and md["intervals"].value == f"{n}/{n}", day
        assert md["latest_interval_utc"].value == latest and md["parse_warnings"].value == 0
    md = mats["2024-11-03"]
    assert md["run_rows"].value == 288 + 288 + 300 and md["run_parse_warnings"].value == 0
    assert "| 2024-11-01 | 288 | 288/288 |" in str(md["run_days"].value)
    assert not {"intervals_per_day", "partition_days"} & set(md)
    rows_sql = "select * from std.isone__system_load_5min order by interval_begin_utc"
    before = query(rows_sql)

    # New raw for days 1-2 (new fetch times), a broken body for day 3: the std run fails on its last day...
    run_range(all_assets, "system_load_5min", first, DAYS[1], layers=("raw",))
    lake = lake_from_url(platform_env["ISONE_LAKE_URL"])
    write_day(
        lake, RawDay("system_load_5min", last, [LandedBody("/fiveminutesystemload/day/20241103", FETCHED, b'{"trunc')])
    )
    failed = run_range(all_assets, "system_load_5min", first, last, layers=("std",), raise_on_error=False)
    assert not failed.success
    [failure] = [e for e in failed.all_events if e.is_step_failure]
    assert "day 2024-11-03 (/fiveminutesystemload/day/20241103): invalid JSON" in step_error(failure).to_string()
    # ...after standardizing and inserting days 1-2 in the open transaction: every old day is still there
    assert query(rows_sql) == before


def test_landing_copies_the_servers_gzip_and_skips_bodies_already_in_the_lake(tmp_path):
    import gzip

    from isone_platform.lib.lake import LocalLake, read_day, write_day

    class CountingLake(LocalLake):
        puts: list[str] = []

        def put(self, key, data):
            self.puts.append(key)
            super().put(key, data)

    lake = CountingLake(tmp_path)
    body = b'{"FiveMinSystemLoads":""}'
    wire = gzip.compress(body, compresslevel=1, mtime=0)
    landed = LandedBody("/fiveminutesystemload/day/20241103", datetime(2024, 11, 4, tzinfo=UTC), body, gzipped=wire)
    manifest = write_day(lake, RawDay("system_load_5min", date(2024, 11, 3), [landed]))
    key = manifest["bodies"][0]["key"]
    assert (tmp_path / key).read_bytes() == wire  # stored as received, not compressed again
    assert read_day(lake, "system_load_5min", date(2024, 11, 3)).bodies == [landed]
    lake.puts.clear()
    write_day(lake, RawDay("system_load_5min", date(2024, 11, 3), [landed]))
    assert lake.puts == [f"{key.rsplit('/', 1)[0]}/_manifest.json"]  # the unchanged body is not written again
