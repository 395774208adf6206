"""The marts against values computed by hand (in Python) from a small std fixture, incl. both DST days."""

import math
import subprocess
from datetime import date, timedelta

import dagster as dg
import duckdb
import polars as pl
import pytest

from isone_platform import warehouse
from isone_platform.lib import dbt as dbt_lib
from isone_platform.lib.partitions import expected_intervals
from isone_platform.lib.schemas import LMP_DA_HOURLY, SYSTEM_LOAD_5MIN
from isone_platform.lib.settings import Settings
from isone_platform.lib.warehouse import WarehouseConfig

from . import fixture
from .conftest import ALL_MART_TABLES, MART_TABLES, RANGE, materialize_marts, read_mart


def assert_rows_equal(actual: dict, expected: dict, context: str) -> None:
    for column, want in expected.items():
        got = actual[column]
        if isinstance(want, float) and got is not None:
            assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), f"{context} {column}: {got} != {want}"
        else:
            assert got == want, f"{context} {column}: {got!r} != {want!r}"


def by_key(rows: list[dict], first: str, *rest: str) -> dict:
    key = (first, *rest)
    out = {tuple(r[k] for k in key) if rest else r[first]: r for r in rows}
    assert len(out) == len(rows), f"duplicate keys {key}"
    return out


def test_build_succeeded_with_every_check_passing(built):
    result = built["result"]
    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    for name in (
        "load_daily_reconciles_with_std",
        "lmp_daily_reconciles_with_std",
        "fuel_mix_daily_reconciles_with_std",
        "system_vs_zonal_daily_reconciles_with_std",
        "load_daily_one_row_per_day_and_area",
        "lmp_daily_one_row_per_day_and_location",
        "not_null_isone__load_daily_operating_day",
    ):
        assert name in evaluations, name
    failed = [n for n, e in evaluations.items() if not e.passed]
    assert failed == []
    materialized = {
        m.asset_key.path[-1]
        for m in result.get_asset_materialization_events()
        and [e.event_specific_data.materialization for e in result.get_asset_materialization_events()]
    }
    assert materialized == set(ALL_MART_TABLES)  # the forecast and revision marts too (empty: no such rows here)


def test_load_daily_matches_hand_computed(built):
    expected = fixture.expected_load_daily(built["frames"])
    actual = by_key(built["marts"]["isone__load_daily"], "operating_day", "area")
    assert set(actual) == set(expected)
    assert len(expected) == 4 * 3  # 4 days x (system + 2 zones)
    for key, want in expected.items():
        assert_rows_equal(actual[key], want, str(key))


def test_expected_intervals_match_python_on_normal_and_dst_days(built):
    rows = built["marts"]["isone__load_daily"]
    seen = {r["operating_day"]: r["expected_intervals"] for r in rows}
    assert seen == {d: expected_intervals(d, timedelta(minutes=5)) for d in fixture.DAYS}
    assert seen[date(2024, 3, 10)] == 276 and seen[date(2024, 11, 3)] == 300 and seen[date(2024, 7, 3)] == 288
    system = by_key(rows, "operating_day", "area")
    assert system[(date(2024, 7, 3), "SYSTEM")]["interval_count"] == 288 - 3 - 1  # 3 missing, 1 null
    assert system[(date(2024, 11, 3), "SYSTEM")]["completeness_pct"] == 100.0


def test_local_times_carry_the_dst_offset(built):
    rows = by_key(built["marts"]["isone__load_daily"], "operating_day", "area")
    for row in rows.values():
        offset = row["peak_interval_begin_local"][-6:]
        assert offset == fixture.local_iso(row["peak_interval_begin_utc"])[-6:]
        assert offset in ("-04:00", "-05:00")
    march = [r for (d, _), r in rows.items() if d == date(2024, 3, 10)]
    assert all(r["pit_interval_begin_local"].startswith("2024-03-10T") for r in march)


def test_lmp_daily_matches_hand_computed(built):
    expected = fixture.expected_lmp_daily(built["frames"])
    actual = by_key(built["marts"]["isone__lmp_daily"], "operating_day", "location_id")
    assert set(actual) == set(expected)
    for key, want in expected.items():
        assert_rows_equal(actual[key], want, str(key))


def test_onpeak_on_weekday_holiday_and_weekend(built):
    rows = by_key(built["marts"]["isone__lmp_daily"], "operating_day", "location_id")
    weekday = rows[(date(2024, 7, 3), 4000)]
    assert weekday["is_onpeak_day"] and weekday["da_onpeak_avg"] is not None and weekday["rt_onpeak_avg"] is not None
    for day in (date(2024, 7, 4), date(2024, 3, 10), date(2024, 11, 3)):  # Independence Day, two Sundays
        row = rows[(day, 4000)]
        assert not row["is_onpeak_day"] and row["da_onpeak_avg"] is None and row["rt_onpeak_avg"] is None
        assert math.isclose(row["da_offpeak_avg"], row["da_avg"]) and math.isclose(row["rt_offpeak_avg"], row["rt_avg"])
    # 16 on-peak hours (HE08-HE23) on a weekday
    hub = built["frames"][LMP_DA_HOURLY.name].filter(
        (pl.col("operating_day") == date(2024, 7, 3)) & (pl.col("location_id") == 4000)
    )
    onpeak = [r["lmp"] for r in hub.iter_rows(named=True) if fixture.is_onpeak(r["interval_begin_utc"])]
    assert len(onpeak) == 16 and math.isclose(weekday["da_onpeak_avg"], sum(onpeak) / 16)
    only_da = rows[(date(2024, 7, 3), 4002)]
    assert only_da["rt_intervals"] == 0 and only_da["rt_avg"] is None and only_da["da_rt_spread"] is None


def test_fuel_mix_daily_matches_hand_computed(built):
    expected = fixture.expected_fuel_mix_daily(built["frames"])
    actual = by_key(built["marts"]["isone__fuel_mix_daily"], "operating_day", "fuel_category")
    assert set(actual) == set(expected)
    for key, want in expected.items():
        assert_rows_equal(actual[key], want, str(key))
    for day in fixture.DAYS:
        shares = [r["energy_share_pct"] for (d, _), r in actual.items() if d == day]
        assert math.isclose(sum(shares), 100.0)


def test_system_vs_zonal_daily_matches_hand_computed(built):
    expected = fixture.expected_system_vs_zonal_daily(built["frames"])
    actual = by_key(built["marts"]["isone__system_vs_zonal_daily"], "operating_day")
    assert set(actual) == set(expected) == set(fixture.DAYS)
    for key, want in expected.items():
        assert_rows_equal(actual[key], want, str(key))


def test_nerc_holiday_macro(built):
    """The holiday rule on every 2022-2024 NERC holiday, incl. Sunday holidays observed on Monday."""
    cases = {
        "2022-01-01": True,
        "2022-05-30": True,
        "2022-07-04": True,
        "2022-09-05": True,
        "2022-11-24": True,
        "2022-12-25": True,
        "2022-12-26": True,  # Christmas 2022 was a Sunday
        "2023-01-01": True,
        "2023-01-02": True,  # New Year's Day 2023 was a Sunday
        "2021-07-05": True,  # July 4 2021 was a Sunday
        "2024-05-27": True,
        "2024-09-02": True,
        "2024-11-28": True,
        "2024-07-04": True,
        "2024-05-20": False,
        "2024-05-31": False,
        "2024-09-09": False,
        "2024-11-21": False,
        "2024-11-29": False,
        "2024-07-05": False,
        "2024-12-26": False,
        "2024-01-02": False,
        "2021-12-24": False,
        "2022-07-05": False,
        "2021-12-31": False,  # New Year's Day 2022 fell on a Saturday: not moved
    }
    values = " union all ".join(f"select date '{d}' as d" for d in cases)
    sql = f"select strftime(d, '%Y-%m-%d') || '=' || ({{{{ is_nerc_holiday('d') }}}})::varchar as r from ({values})"
    settings = Settings.from_env()
    env = settings.child_env(dbt_lib.dbt_env(WarehouseConfig.from_settings(settings), settings))
    proc = subprocess.run(
        [
            dbt_lib.dbt_executable(),
            "show",
            "--inline",
            sql,
            "--limit",
            "100",
            "--output",
            "json",
            "--log-format",
            "text",
            "--project-dir",
            str(dbt_lib.DBT_PROJECT_DIR),
            "--profiles-dir",
            str(dbt_lib.DBT_PROJECT_DIR),
            "--target-path",
            str(built["config"].data_path).rstrip("/") + "-dbt-target",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    got = dict(item.split("=") for item in __import__("re").findall(r'"r": "([0-9-]+=(?:true|false))"', proc.stdout))
    assert got == {d: str(v).lower() for d, v in cases.items()}


def test_analyst_connection_reads_the_marts(built):
    con = warehouse.connect()
    try:
        tables = {
            r[0]
            for r in con.sql("select table_name from information_schema.tables where table_schema = 'mart'").fetchall()
        }
        assert tables == set(ALL_MART_TABLES)
        for table in MART_TABLES:
            [(count,)] = con.sql(f"select count(*) from mart.{table}").fetchall()
            assert count > 0
        with pytest.raises(duckdb.Error):
            con.execute("delete from mart.isone__load_daily")
    finally:
        con.close()


def test_checks_are_blocking_and_dbt_warn_tests_are_not(built):
    from isone_platform.definitions import defs

    graph = defs().resolve_asset_graph()
    specs = {k.name: graph.get_check_spec(k) for k in graph.asset_check_keys if k.asset_key.path[0] == "mart"}
    for name in (
        "load_daily_reconciles_with_std",
        "lmp_daily_reconciles_with_std",
        "fuel_mix_daily_reconciles_with_std",
        "system_vs_zonal_daily_reconciles_with_std",
        "load_daily_one_row_per_day_and_area",
    ):
        assert specs[name].blocking, name
    assert not specs["system_vs_zonal_mean_diff_within_5_pct"].blocking  # severity warn
    marts = [graph.get(dg.AssetKey(["mart", t])) for t in MART_TABLES]
    assert {m.group_name for m in marts} == {"mart"}
    assert {str(p) for m in marts for p in m.parent_keys} == {
        str(dg.AssetKey(["std", f"isone__{n}"]))
        for n in ("system_load_5min", "zonal_load_5min", "lmp_da_hourly", "lmp_rt_5min", "fuel_mix")
    }


# Mutates the module's warehouse: keep it last.
def test_rerunning_one_day_replaces_only_that_day_then_full_refresh(built):
    config, frames = built["config"], dict(built["frames"])
    before = {t: read_mart(t) for t in MART_TABLES}
    day = date(2024, 7, 4)
    # change that day's std: loads doubled, location 4002 no longer priced day-ahead
    frames[SYSTEM_LOAD_5MIN.name] = frames[SYSTEM_LOAD_5MIN.name].with_columns(
        pl.when(pl.col("operating_day") == day)
        .then(pl.col("load_mw") * 2)
        .otherwise(pl.col("load_mw"))
        .alias("load_mw")
    )
    frames[LMP_DA_HOURLY.name] = frames[LMP_DA_HOURLY.name].filter(
        ~((pl.col("operating_day") == day) & (pl.col("location_id") == 4002))
    )
    fixture.write_std(config, frames, days=[day])
    result = materialize_marts(day, day)
    assert result.success
    after = {t: read_mart(t) for t in MART_TABLES}
    for table in MART_TABLES:
        assert [r for r in after[table] if r["operating_day"] != day] == [
            r for r in before[table] if r["operating_day"] != day
        ], table
    new_load = by_key([r for r in after["isone__load_daily"] if r["operating_day"] == day], "area")
    old_load = by_key([r for r in before["isone__load_daily"] if r["operating_day"] == day], "area")
    assert math.isclose(new_load["SYSTEM"]["energy_mwh"], 2 * old_load["SYSTEM"]["energy_mwh"])
    assert {r["location_id"] for r in after["isone__lmp_daily"] if r["operating_day"] == day} == {4000, 4001}
    # the WARN-severity dbt test now fails (zones no longer add up to the doubled system load) without stopping
    # anything; every blocking check still passes
    failed = {e.check_name: e.severity for e in result.get_asset_check_evaluations() if not e.passed}
    assert failed == {"system_vs_zonal_mean_diff_within_5_pct": dg.AssetCheckSeverity.WARN}

    # a full refresh (no day range) rebuilds every day from std: equal to the hand computation on the new std
    result = materialize_marts(*RANGE, run_config={"ops": {"isone_marts": {"config": {"full_refresh": True}}}})
    assert result.success
    expected = fixture.expected_load_daily(frames)
    actual = by_key(read_mart("isone__load_daily"), "operating_day", "area")
    assert set(actual) == set(expected)
    for key, want in expected.items():
        assert_rows_equal(actual[key], want, str(key))


def test_a_run_of_other_days_keeps_dbts_partial_parse(built):
    """The run's days reach dbt through the environment: with `--vars` dbt logged "Unable to do partial parsing
    because config vars, config profile, or config target have changed" and parsed the whole project again."""
    before = {p for p in dbt_lib.DBT_TARGET_DIR.iterdir() if p.is_dir()}
    day = date(2024, 7, 3)
    assert materialize_marts(day, day).success
    (invocation,) = [p for p in dbt_lib.DBT_TARGET_DIR.iterdir() if p.is_dir() and p not in before]
    log = (invocation / "dbt.log").read_text()
    # the vars' own reason; "profile has changed" may still appear here, because each test warehouse has its own
    # catalog path (the profile) while the shared manifest was parsed for the first one; one deployment has one
    assert "because config vars" not in log
    assert "Partial parse save file not found" not in log
    assert [r for r in read_mart("isone__load_daily") if r["operating_day"] == day]


def test_declared_column_types_match_the_built_marts(built):
    """schema.yml's `data_type` (shown in the UI as the column schema) is what DuckDB built, column for column."""
    from isone_platform.defs.marts.assets import isone_marts

    con = warehouse.connect()
    try:
        for spec in isone_marts.specs:
            table = spec.key.path[-1]
            declared = [(c.name, c.type) for c in spec.metadata["dagster/column_schema"].columns]
            built_columns = [(r[0], r[1]) for r in con.sql(f"describe mart.{table}").fetchall()]
            assert declared == built_columns, table
    finally:
        con.close()
