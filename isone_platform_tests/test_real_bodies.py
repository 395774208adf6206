"""Every real recorded body of our feeds parses, with the record counts documented in isone_real/README.md."""

from datetime import UTC, date, datetime

import pytest

from isone_platform.lib.datasets import dataset, standardize
from isone_platform.lib.partitions import ISONE_TZ
from isone_platform.lib.raw import LandedBody, RawDay

FETCHED = datetime(2026, 11, 21, tzinfo=UTC)

# (file under isone_real, dataset, operating day, records per isone_real/README.md)
RECORDED = [
    ("bodies/genfuelmix_day_20240101.json", "fuel_mix", date(2024, 1, 1), 2043),
    ("bodies/genfuelmix_day_20240102.json", "fuel_mix", date(2024, 1, 2), 2199),
    ("bodies/genfuelmix_day_20240309.json", "fuel_mix", date(2024, 3, 9), 2098),
    ("bodies/genfuelmix_day_20240310.json", "fuel_mix", date(2024, 3, 10), 2394),
    ("bodies/genfuelmix_day_20241102.json", "fuel_mix", date(2024, 11, 2), 1621),
    ("bodies/genfuelmix_day_20241103.json", "fuel_mix", date(2024, 11, 3), 2154),
    ("bodies/genfuelmix_current_recorded20241125T210944Z.json", "fuel_mix", date(2024, 11, 25), 9),
    ("wsclient_examples/genfuelmix_current_20260727.json", "fuel_mix", date(2026, 7, 27), 10),
    ("bodies/locations.json", "locations", None, 19),
    ("wsclient_examples/locations_all_20260727.json", "locations", None, 1302),
    ("wsclient_examples/fiveminutesystemload_current_20260727.json", "system_load_5min", date(2026, 7, 27), 1),
    ("wsclient_examples/fiveminutelmp_current_20260727.json", "lmp_rt_5min", date(2026, 7, 27), 16),
]


@pytest.mark.parametrize(("name", "ds_name", "day", "records"), RECORDED, ids=[r[0].split("/")[-1] for r in RECORDED])
def test_recorded_body_parses_with_the_right_count(real_dir, name, ds_name, day, records):
    ds = dataset(ds_name)
    result = standardize(ds, RawDay(ds_name, day, [LandedBody("/" + name, FETCHED, (real_dir / name).read_bytes())]))
    assert len(result.frame) == records
    assert result.frame.schema == ds.table.polars_schema
    assert result.warnings == []
    if day is not None:
        local_days = {ts.astimezone(ISONE_TZ).date() for ts in result.frame["interval_begin_utc"].to_list()}
        assert local_days == {day}


def test_fall_back_fuel_mix_is_monotonic_in_utc(real_dir):
    ds = dataset("fuel_mix")
    body = (real_dir / "bodies/genfuelmix_day_20241103.json").read_bytes()
    frame = standardize(ds, RawDay("fuel_mix", date(2024, 11, 3), [LandedBody("/x", FETCHED, body)])).frame
    snapshots = frame["interval_begin_utc"].unique(maintain_order=True)
    assert snapshots.is_sorted() and snapshots.n_unique() == 249  # README: 249 timestamps
    # every snapshot ends where the next begins: no gaps, no overlaps
    ends = frame.unique("interval_begin_utc").sort("interval_begin_utc")
    assert (ends["interval_end_utc"][:-1] == ends["interval_begin_utc"][1:]).all()


def test_empty_object_wrapper_recorded_2026(real_dir):
    body = (real_dir / "wsclient_examples/fifteenminutelmp_final_current_20260727.json").read_bytes()
    ds = dataset("lmp_rt_5min")
    # the recorded empty form is {"FifteenMinLmps": {}}: same shape as ours under another feed's key
    body = body.replace(b"FifteenMinLmps", b"FiveMinLmps")
    assert standardize(ds, RawDay(ds.name, date(2026, 7, 27), [LandedBody("/x", FETCHED, body)])).frame.is_empty()
