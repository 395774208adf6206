"""Raw -> std through Dagster against the simulator: row counts, DST days, idempotence, faults, secrets."""

import base64
import json
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest

from isone_platform.lib.lake import lake_from_url, read_day
from isone_platform.lib.partitions import day_bounds_utc, expected_intervals
from isone_platform.lib.resources import build_resources
from isone_platform.simulator import Fault, SimulatorServer

from .helpers import materializable_assets, query, step_error

FIVE = timedelta(minutes=5)


@pytest.fixture(scope="module")
def all_assets():
    from isone_platform.definitions import defs

    return materializable_assets(defs())


def run(all_assets, *names, layers=("raw", "std"), partition="2024-11-03", instance=None, raise_on_error=True):
    selection = [dg.AssetKey([layer, f"isone__{n}"]) for n in names for layer in layers]
    return dg.materialize(
        all_assets,
        selection=selection,
        partition_key=partition,
        resources=build_resources(),
        instance=instance,
        raise_on_error=raise_on_error,
    )


@pytest.mark.parametrize("day", [date(2024, 7, 15), date(2024, 3, 10), date(2024, 11, 3)], ids=str)
def test_rows_per_feed_on_normal_and_dst_days(platform_env, all_assets, day):
    run(
        all_assets,
        "system_load_5min",
        "zonal_load_5min",
        "lmp_da_hourly",
        "lmp_rt_hourly",
        "fuel_mix",
        partition=day.isoformat(),
    )
    five_min = expected_intervals(day, FIVE)
    hours = expected_intervals(day, timedelta(hours=1))
    assert (five_min, hours) == {
        date(2024, 7, 15): (288, 24),
        date(2024, 3, 10): (276, 23),
        date(2024, 11, 3): (300, 25),
    }[day]
    start, end = day_bounds_utc(day)

    [(n, first, last)] = query(
        "select count(*), min(interval_begin_utc), max(interval_begin_utc) from std.isone__system_load_5min"
    )
    assert n == five_min
    assert (first, last) == (start, end - FIVE)  # UTC conversion right at both DST boundaries

    per_zone = query(
        "select zone_id, count(distinct interval_begin_utc) from std.isone__zonal_load_5min group by 1 order by 1"
    )
    assert per_zone == [(z, five_min) for z in range(4001, 4009)]

    for table in ("lmp_da_hourly", "lmp_rt_hourly"):
        counts = query(f"select count(*) from std.isone__{table} group by location_id")
        assert {c for (c,) in counts} == {hours}, table
        assert len(counts) > 1150

    [(snapshots, outside)] = query(
        f"select count(distinct interval_begin_utc), count(*) filter (where interval_begin_utc < '{start}' "
        f"or interval_begin_utc >= '{end}') from std.isone__fuel_mix"
    )
    assert snapshots > 150 and outside == 0


def test_all_nodes_rt_5min_on_fall_back_day_join_locations(platform_env, all_assets):
    dg.materialize(
        all_assets,
        selection=[dg.AssetKey(["raw", "isone__locations"]), dg.AssetKey(["std", "isone__locations"])],
        resources=build_resources(),
    )
    run(all_assets, "lmp_rt_5min")
    [(rows, locations, statuses)] = query(
        "select count(*), count(distinct location_id), list(distinct price_status) from std.isone__lmp_rt_5min"
    )
    assert locations > 1150 and rows == 300 * locations
    assert statuses == ["final"]  # the day is over on the simulator clock: final prices
    assert query(
        "select count(*) from std.isone__lmp_rt_5min l anti join std.isone__locations x using (location_id)"
    ) == [(0,)]
    # 24 starthour chunks landed, each exactly as served
    raw = read_day(lake_from_url(platform_env["ISONE_LAKE_URL"]), "lmp_rt_5min", date(2024, 11, 3))
    assert len(raw.bodies) == 24 and all("/final/day/20241103/starthour/" in b.path for b in raw.bodies)


def test_restandardize_is_identical_and_refetch_changes_only_provenance(platform_env, all_assets):
    sql = "select * exclude (fetched_at_utc) from std.isone__system_load_5min order by interval_begin_utc"
    run(all_assets, "system_load_5min")
    first = query("select * from std.isone__system_load_5min order by interval_begin_utc")
    for _ in range(2):
        run(all_assets, "system_load_5min", layers=("std",))
        assert query("select * from std.isone__system_load_5min order by interval_begin_utc") == first
    run(all_assets, "system_load_5min")
    assert query(sql) == [row[:-2] + row[-1:] for row in first] and len(first) == 300


def _requests_for(sim, fragment):
    return [r for r in sim.requests if fragment in r.path]


def test_429_retry_after_is_honoured(platform_env, all_assets, sim):
    sim.reset_requests()
    sim.add_fault(Fault("/fiveminutesystemload/day/*", "429", first_n=1, retry_after=1.5))
    run(all_assets, "system_load_5min", layers=("raw",))
    hits = _requests_for(sim, "/fiveminutesystemload/day/20241103")
    assert [r.status for r in hits] == [429, 200]
    assert (hits[1].time - hits[0].time).total_seconds() >= 1.5


def test_503_is_retried_then_succeeds(platform_env, all_assets, sim):
    sim.reset_requests()
    sim.add_fault(Fault("/genfuelmix/day/*", "503", first_n=2))
    run(all_assets, "fuel_mix")
    assert [r.status for r in _requests_for(sim, "/genfuelmix/day/20241103")] == [503, 503, 200]
    assert query("select count(*) > 0 from std.isone__fuel_mix") == [(True,)]


def test_401_is_not_retried_and_explained(platform_env, all_assets, sim, monkeypatch):
    monkeypatch.setenv("ISONE_PASSWORD", "wrong-password")
    sim.reset_requests()
    result = run(all_assets, "system_load_5min", layers=("raw",), raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    message = step_error(failure).to_string()
    assert "HTTP 401" in message and "ISONE_USERNAME" in message and "/fiveminutesystemload/day/20241103" in message
    assert "wrong-password" not in message
    assert [r.status for r in _requests_for(sim, "/fiveminutesystemload/day/20241103")] == [401]


def test_truncated_json_fails_loudly_and_keeps_the_previous_partition(platform_env, all_assets, sim):
    run(all_assets, "system_load_5min")
    lake = lake_from_url(platform_env["ISONE_LAKE_URL"])
    before_rows = query("select * from std.isone__system_load_5min order by 1")
    before_raw = read_day(lake, "system_load_5min", date(2024, 11, 3)).bodies
    sim.add_fault(Fault("/fiveminutesystemload/day/*", "truncated_json"))
    result = run(all_assets, "system_load_5min", raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "not valid JSON" in step_error(failure).to_string()
    assert query("select * from std.isone__system_load_5min order by 1") == before_rows
    assert read_day(lake, "system_load_5min", date(2024, 11, 3)).bodies == before_raw


def test_no_credentials_in_logs_events_metadata_or_lake(tmp_path, monkeypatch, all_assets, capfd, caplog):
    user, secret = "analyst7", "pw-Zq81-never-print"
    token = base64.b64encode(f"{user}:{secret}".encode()).decode()
    with SimulatorServer(port=0, clock="fixed:2024-11-21T12:00:00-05:00", seed=3, user=user, password=secret) as server:
        for name, value in {
            "ISONE_BASE_URL": server.base_url,
            "ISONE_USERNAME": user,
            "ISONE_PASSWORD": secret,
            "ISONE_LAKE_URL": str(tmp_path / "lake"),
            "ISONE_CATALOG_URL": str(tmp_path / "c.sqlite"),
            "ISONE_MAX_ATTEMPTS": "2",
        }.items():
            monkeypatch.setenv(name, value)
        instance = dg.DagsterInstance.ephemeral()
        server.add_fault(Fault("/fiveminuteestimatedzonalload/*", "503", first_n=1))
        ok = run(all_assets, "system_load_5min", instance=instance)
        retried = run(all_assets, "zonal_load_5min", instance=instance)
        monkeypatch.setenv("ISONE_PASSWORD", secret + "-wrong")
        denied = run(all_assets, "fuel_mix", instance=instance, raise_on_error=False)
    assert ok.success and retried.success and not denied.success
    texts = [capfd.readouterr().out, capfd.readouterr().err, caplog.text]
    for result in (ok, retried, denied):
        for entry in instance.all_logs(result.run_id):
            texts.append(entry.user_message or "")
            texts.append(json.dumps(str(entry.dagster_event)) if entry.dagster_event else "")
    texts += [p.read_bytes().decode("latin-1") for p in Path(tmp_path).rglob("*") if p.is_file() and "lake" in str(p)]
    blob = "\n".join(texts)
    assert "HTTP 503" in blob and "HTTP 401" in blob  # the failures were recorded...
    assert secret not in blob and token not in blob  # ...without the credentials


def test_every_partitioned_asset_shares_one_backfill_policy():
    """Dagster puts a child in its parent's backfill run only when both have the same policy: one policy for the
    whole graph lets a backfill run carry its days from raw through the marts."""
    from isone_platform.definitions import defs
    from isone_platform.lib.partitions import backfill_policy

    graph = defs().resolve_asset_graph()
    # executable ones: the revisions tables (AssetSpecs written by std steps) have no step, hence no policy
    partitioned = [node for node in graph.asset_nodes if node.is_partitioned and node.is_executable]
    assert len(partitioned) >= 16 and len(partitioned) < len([n for n in graph.asset_nodes if n.is_partitioned])
    assert {node.backfill_policy for node in partitioned} == {backfill_policy()}
    assert backfill_policy().max_partitions_per_run == 15
