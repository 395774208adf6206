"""`isone-platform export` on a small hand-made warehouse: each format round-trips, directory targets are hive
partitioned, `--locations`/`--columns` filter, a mart exports, and every bad input exits 1 with nothing written.
The pure query building is tested without a warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from isone_platform import export
from isone_platform.lib.schemas import HUB_LOCATION, LOAD_ZONES
from isone_platform_tests import export_warehouse as wh
from isone_platform_tests.helpers import query

DAY = wh.LMP_DAY.isoformat()
LMP_WHERE = f"std.isone__lmp_rt_5min WHERE operating_day = DATE '{DAY}'"


def listing(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json"])
def test_each_format_round_trips(export_warehouse, tmp_path, fmt):
    out = tmp_path / f"lmp{export.SUFFIXES[fmt]}"
    assert wh.export("lmp_rt_5min", "--start", DAY, "--end", DAY, "--format", fmt, "--out", str(out)) == 0
    got = wh.file_checksum(wh.LMP_CHECKSUM, wh.READERS[fmt].format(out))
    assert got == wh.warehouse_checksum(wh.LMP_CHECKSUM, LMP_WHERE)
    assert got[0] == 288 * 12 and listing(tmp_path) == [out.name]  # no staging left behind


def test_the_format_follows_the_out_suffix(export_warehouse, tmp_path):
    out = tmp_path / "load.csv"
    assert wh.export("isone__system_load_5min", "--start", "2024-11-07", "--end", "2024-11-08", "--out", str(out)) == 0
    assert out.read_text().startswith("interval_begin_utc,")
    assert wh.file_checksum("count(*), round(sum(load_mw), 6)", f"read_csv('{out}')") == wh.warehouse_checksum(
        "count(*), round(sum(load_mw), 6)", "std.isone__system_load_5min"
    )


def test_a_directory_target_writes_one_operating_day_directory_per_day(export_warehouse, tmp_path):
    out = tmp_path / "zonal"
    out.mkdir()  # an existing, empty directory is a directory target too
    assert wh.export("zonal_load_5min", "--start", "2024-11-01", "--end", "2024-11-30", "--out", str(out)) == 0
    assert listing(out) == [
        "operating_day=2024-11-07",
        "operating_day=2024-11-07/data_0.parquet",
        "operating_day=2024-11-08",
        "operating_day=2024-11-08/data_0.parquet",
    ]
    per_day = "SELECT operating_day::DATE, count(*), round(sum(load_mw), 6) FROM {} GROUP BY 1 ORDER BY 1"
    got = wh.file_rows(per_day.format(f"read_parquet('{out}/*/*.parquet', hive_partitioning = true)"))
    assert got == query(per_day.format("std.isone__zonal_load_5min"))


def test_csv_can_be_partitioned_with_a_trailing_slash(export_warehouse, tmp_path):
    assert wh.export("fuel_mix", "--start", DAY, "--end", DAY, "--format", "csv", "--out", f"{tmp_path}/fuel/") == 0
    assert listing(tmp_path / "fuel") == [f"operating_day={DAY}", f"operating_day={DAY}/data_0.csv"]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("hub", [HUB_LOCATION[0]]), ("zones", sorted(LOAD_ZONES)), ("10001, 4000", [4000, 10001])],
)
def test_locations_and_columns_filter(export_warehouse, tmp_path, spec, expected):
    out = tmp_path / "lmp.csv"
    columns = "location_id,interval_begin_utc,lmp"
    assert (
        wh.export(
            "lmp_rt_5min", "--start", DAY, "--end", DAY, "--out", str(out), "--locations", spec, "--columns", columns
        )
        == 0
    )
    assert out.read_text().splitlines()[0] == columns  # in the order asked for
    select = "list(DISTINCT location_id ORDER BY location_id), count(*), round(sum(lmp), 6)"
    ids = ", ".join(str(i) for i in expected)
    assert wh.file_checksum(select, f"read_csv('{out}')") == wh.warehouse_checksum(
        select, f"{LMP_WHERE} AND location_id IN ({ids})"
    )


def test_zones_filter_a_load_table_on_zone_id(export_warehouse, tmp_path):
    out = tmp_path / "zones.parquet"
    assert (
        wh.export("zonal_load_5min", "--start", DAY, "--end", DAY, "--out", str(out), "--locations", "4001,4008") == 0
    )
    assert wh.file_checksum("list(DISTINCT zone_id ORDER BY zone_id), count(*)", f"read_parquet('{out}')") == (
        [4001, 4008],
        2 * 288,
    )


def test_a_mart_exports(export_warehouse, tmp_path):
    out = tmp_path / "lmp_daily.jsonl"
    assert (
        wh.export("mart.isone__lmp_daily", "--start", DAY, "--end", DAY, "--out", str(out), "--locations", "hub") == 0
    )
    assert wh.file_checksum("count(*), max(da_rt_spread)", f"read_json('{out}')") == (1, 2.0)


def test_the_default_out_is_named_after_the_table_and_days_in_the_current_directory(
    export_warehouse, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert wh.export("lmp_da_hourly", "--start", DAY, "--end", DAY) == 0
    assert listing(tmp_path) == [f"isone__lmp_da_hourly_{DAY}_{DAY}.parquet"]


def test_overwrite_replaces_a_file_and_a_directory(export_warehouse, tmp_path):
    out = tmp_path / "load.csv"
    assert wh.export("system_load_5min", "--start", DAY, "--end", DAY, "--out", str(out), "--columns", "load_mw") == 0
    first = out.read_text()
    assert wh.export("system_load_5min", "--start", DAY, "--end", DAY, "--out", str(out), "--overwrite") == 0
    assert out.read_text() != first and out.read_text().startswith("interval_begin_utc,")

    parts = f"{tmp_path}/parts/"
    assert wh.export("system_load_5min", "--start", "2024-11-07", "--end", DAY, "--out", parts) == 0
    assert wh.export("system_load_5min", "--start", DAY, "--end", DAY, "--out", parts, "--overwrite") == 0
    assert listing(tmp_path / "parts") == [f"operating_day={DAY}", f"operating_day={DAY}/data_0.parquet"]
    assert listing(tmp_path) == [
        "load.csv",
        "parts",
        f"parts/operating_day={DAY}",
        f"parts/operating_day={DAY}/data_0.parquet",
    ]


ONE_DAY = ("--start", DAY, "--end", DAY)
ERRORS = {
    "unknown dataset": (
        ["no_such_feed", *ONE_DAY],
        ["unknown dataset 'no_such_feed'", "lmp_rt_5min", "mart.isone__lmp_daily"],
    ),
    "unknown mart": (["mart.isone__nope", *ONE_DAY], ["unknown mart", "mart.isone__fuel_mix_daily"]),
    "empty range": (
        ["lmp_rt_5min", "--start", "2024-01-01", "--end", "2024-01-31"],
        ["no rows in std.isone__lmp_rt_5min", "nothing written"],
    ),
    "no such location": (["lmp_rt_5min", *ONE_DAY, "--locations", "99999"], ["no rows", "--locations 99999"]),
    "unknown column": (["lmp_rt_5min", *ONE_DAY, "--columns", "lmp,price"], ["unknown column(s)", "'price'", "lmp"]),
    "unknown mart column": (
        ["mart.isone__lmp_daily", *ONE_DAY, "--columns", "nope"],
        ["unknown column(s)", "'nope'", "da_avg"],
    ),
    "no locations": (["fuel_mix", *ONE_DAY, "--locations", "hub"], ["has no locations"]),
    "hub of zones": (["zonal_load_5min", *ONE_DAY, "--locations", "hub"], ["load zones only"]),
    "bad location": (["lmp_rt_5min", *ONE_DAY, "--locations", "hub,x"], ["--locations 'hub,x'"]),
    "start after end": (["lmp_rt_5min", "--start", DAY, "--end", "2024-11-01"], ["is after --end"]),
    "bad day": (
        ["lmp_rt_5min", "--start", "11/08/2024", "--end", DAY],
        ["--start '11/08/2024' is not an operating day"],
    ),
    "unpartitioned": (["locations", *ONE_DAY], ["has no operating days"]),
    "json directory": (
        ["lmp_rt_5min", *ONE_DAY, "--format", "json", "--out", "dir/"],
        ["partitioned output is parquet or csv"],
    ),
}


@pytest.mark.parametrize(("argv", "fragments"), list(ERRORS.values()), ids=list(ERRORS))
def test_bad_input_exits_1_naming_the_problem_and_writes_nothing(
    export_warehouse, tmp_path, monkeypatch, capsys, argv, fragments
):
    monkeypatch.chdir(tmp_path)
    assert wh.export(*argv) == 1
    err = capsys.readouterr().err
    assert all(f in err for f in fragments), err
    assert listing(tmp_path) == []


def test_an_existing_output_is_kept_without_overwrite(export_warehouse, tmp_path, capsys):
    out = tmp_path / "lmp.csv"
    out.write_text("an earlier export\n")
    parts = tmp_path / "parts"
    (parts / "operating_day=2024-11-01").mkdir(parents=True)
    assert wh.export("lmp_rt_5min", "--start", DAY, "--end", DAY, "--out", str(out)) == 1
    assert f"{out} exists: pass --overwrite" in capsys.readouterr().err
    assert wh.export("lmp_rt_5min", "--start", DAY, "--end", DAY, "--out", str(parts)) == 1
    assert f"{parts} exists: pass --overwrite" in capsys.readouterr().err
    assert out.read_text() == "an earlier export\n"
    assert listing(tmp_path) == ["lmp.csv", "parts", "parts/operating_day=2024-11-01"]


def test_an_empty_range_keeps_an_existing_output_even_with_overwrite(export_warehouse, tmp_path):
    out = tmp_path / "lmp.parquet"
    out.write_bytes(b"keep")
    assert (
        wh.export("lmp_rt_5min", "--start", "2024-01-01", "--end", "2024-01-02", "--out", str(out), "--overwrite") == 1
    )
    assert out.read_bytes() == b"keep" and listing(tmp_path) == ["lmp.parquet"]


# --- the pure half, without a warehouse ------------------------------------------------------------------------


def test_query_sql_filters_days_and_locations_and_quotes_columns():
    table = export.resolve_table("std.isone__lmp_rt_5min")
    args = export.ExportArgs("lmp_rt_5min", DAY, DAY, "csv", "x.csv", columns="lmp", locations="hub")
    assert table.columns is not None
    query = export.build_query(table, table.columns, date(2024, 11, 1), date(2024, 11, 30), args)
    assert query.select_sql() == (
        "SELECT \"lmp\" FROM std.isone__lmp_rt_5min WHERE operating_day BETWEEN DATE '2024-11-01' AND "
        "DATE '2024-11-30' AND \"location_id\" IN (4000)"
    )
    partitioned = export.ExportArgs("lmp_rt_5min", DAY, DAY, "parquet", "out/", columns="lmp")
    assert export.build_query(table, table.columns, date(2024, 11, 1), date(2024, 11, 1), partitioned).columns == [
        "operating_day",
        "lmp",
    ]


def test_copy_sql_quotes_the_path_and_partitions_by_day():
    sql = export.copy_sql("SELECT 1", Path("/tmp/it's/x"), "csv", partitioned=True)
    assert sql == "COPY (SELECT 1) TO '/tmp/it''s/x' (FORMAT csv, HEADER true, PARTITION_BY (operating_day))"


@pytest.mark.parametrize(
    ("fmt", "out", "expected"),
    [
        (None, "a.csv", "csv"),
        (None, "a.jsonl", "json"),
        (None, "a.json", "json"),
        (None, None, "parquet"),
        ("csv", "a.parquet", "csv"),
    ],
)
def test_the_format_comes_from_the_flag_then_the_suffix(fmt, out, expected):
    assert export.infer_format(fmt, out) == expected


def test_the_export_session_writes_only_into_its_staging_directory(export_warehouse, tmp_path):
    import duckdb

    from isone_platform.lib.warehouse import open_export_connection

    stage = tmp_path / "stage"
    stage.mkdir()
    con = open_export_connection(export_warehouse, stage)
    try:
        con.execute(f"COPY (SELECT 1 AS x) TO '{stage}/ok.csv'")
        for outside in (tmp_path / "outside.csv", Path(f"{stage}-sibling.csv")):
            with pytest.raises(duckdb.PermissionException):
                con.execute(f"COPY (SELECT 1 AS x) TO '{outside}'")
        with pytest.raises(duckdb.Error):  # the catalog is attached read-only
            con.execute(f"DELETE FROM std.isone__system_load_5min WHERE operating_day = DATE '{DAY}'")
    finally:
        con.close()
    assert listing(tmp_path) == ["stage", "stage/ok.csv"]
