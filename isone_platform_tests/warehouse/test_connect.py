"""isone_platform.warehouse.connect(): read-only analyst sessions (the whole session: nothing written, nothing
reached outside the warehouse), std tables and the four views; config from env; a lost catalog is never
re-created over existing data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from isone_platform import warehouse as analyst
from isone_platform.lib import warehouse
from isone_platform.lib.schemas import (
    FUEL_MIX,
    LMP_DA_HOURLY,
    LMP_RT_5MIN,
    LMP_RT_HOURLY,
    SYSTEM_LOAD_5MIN,
    ZONAL_LOAD_5MIN,
)
from isone_platform.lib.warehouse import WarehouseConfig, WarehouseNotFoundError, parse_catalog_url

from . import helpers as h

DAY = date(2024, 7, 1)


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("ISONE_CATALOG_URL", str(tmp_path / "data" / "catalog.sqlite"))
    monkeypatch.setenv("ISONE_LAKE_URL", str(tmp_path / "data" / "lake"))
    monkeypatch.delenv("ISONE_WAREHOUSE_DATA_PATH", raising=False)
    return WarehouseConfig.from_env()


def _fill(config: WarehouseConfig) -> None:
    warehouse.replace_partitions(config, SYSTEM_LOAD_5MIN, h.system_load(DAY), [DAY])
    warehouse.replace_partitions(config, ZONAL_LOAD_5MIN, h.zonal_load(DAY), [DAY])
    warehouse.replace_partitions(config, LMP_RT_5MIN, h.lmp(DAY, LMP_RT_5MIN), [DAY])
    warehouse.replace_partitions(config, LMP_DA_HOURLY, h.lmp(DAY, LMP_DA_HOURLY, minutes=60), [DAY])
    warehouse.replace_partitions(config, LMP_RT_HOURLY, h.lmp(DAY, LMP_RT_HOURLY, minutes=60, version=2), [DAY])
    warehouse.replace_partitions(config, FUEL_MIX, h.fuel_mix(DAY), [DAY])


def test_connect_reads_tables_and_views(env):
    _fill(env)
    # with every table present, ensure_tables finds the four views up to date: no new catalog snapshot
    writer = warehouse.open_connection(env, read_only=False)
    try:
        snapshots = writer.sql("select count(*) from ducklake_snapshots('isone')").fetchone()
        warehouse.ensure_tables(writer, [SYSTEM_LOAD_5MIN, ZONAL_LOAD_5MIN, LMP_RT_5MIN, LMP_DA_HOURLY, FUEL_MIX])
        assert writer.sql("select count(*) from ducklake_snapshots('isone')").fetchone() == snapshots
    finally:
        writer.close()
    con = analyst.connect()
    assert isinstance(con, analyst.GuardedConnection)  # the read-only connection is the guarded one
    try:
        assert con.sql("select count(*) from std.isone__system_load_5min").fetchone() == (288,)
        assert con.sql("select count(*) from isone.std.isone__zonal_load_5min").fetchone() == (576,)

        assert [c[0] for c in con.sql("select * from system_load").description] == [
            "ts_utc", "operating_day", "load_mw", "native_load_mw", "ard_demand_mw",
            "system_load_btm_pv_mw", "native_load_btm_pv_mw",
        ]  # fmt: skip
        ts, load = con.sql("select ts_utc, load_mw from system_load order by ts_utc limit 1").fetchone()
        assert ts.isoformat() == "2024-07-01T04:00:00+00:00" and load == 1000.0  # UTC session

        assert [c[0] for c in con.sql("select * from zonal_load").description] == [
            "ts_utc", "operating_day", "zone_id", "zone_name", "load_mw", "btm_pv_mw",
        ]  # fmt: skip
        assert con.sql("select count(distinct zone_name) from zonal_load").fetchone() == (2,)

        lmp_cols = [c[0] for c in con.sql("select * from lmp").description]
        assert lmp_cols == [
            "ts_utc", "operating_day", "market", "resolution", "location_id", "location_name", "location_type",
            "lmp", "energy", "congestion", "loss", "price_status",
        ]  # fmt: skip
        per_market = con.sql(
            "select market, resolution, count(*), max(energy) from lmp group by all order by all"
        ).fetchall()
        assert per_market == [("DA", "hourly", 72, 10.0), ("RT", "5min", 864, 10.0), ("RT", "hourly", 72, 20.0)]

        assert [c[0] for c in con.sql("select * from fuel_mix").description] == [
            "ts_utc", "operating_day", "fuel_category", "fuel_category_rollup", "gen_mw", "is_marginal",
        ]  # fmt: skip
        assert con.sql("select count(*) from fuel_mix where is_marginal").fetchone() == (24,)
    finally:
        con.close()


def test_views_follow_new_tables_and_stay_put(env):
    warehouse.replace_partitions(env, LMP_RT_5MIN, h.lmp(DAY, LMP_RT_5MIN), [DAY])
    con = analyst.connect()
    assert con.sql("select distinct market || '/' || resolution from lmp").fetchall() == [("RT/5min",)]
    views = {r[0] for r in con.sql("select view_name from duckdb_views() where database_name = 'isone'").fetchall()}
    assert views == {"lmp"}
    con.close()
    warehouse.replace_partitions(env, LMP_DA_HOURLY, h.lmp(DAY, LMP_DA_HOURLY, minutes=60), [DAY])
    con = analyst.connect()
    assert sorted(con.sql("select distinct market from lmp").fetchall()) == [("DA",), ("RT",)]
    con.close()
    # ensure_tables on up-to-date tables and views changes nothing (no new catalog snapshot)
    con = warehouse.open_connection(env, read_only=False)
    try:
        snapshots = con.sql("select count(*) from ducklake_snapshots('isone')").fetchone()
        warehouse.ensure_tables(con, [LMP_RT_5MIN, LMP_DA_HOURLY])
        assert con.sql("select count(*) from ducklake_snapshots('isone')").fetchone() == snapshots
    finally:
        con.close()


def test_read_only_connection_cannot_write(env):
    _fill(env)
    con = analyst.connect()
    try:
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("delete from std.isone__system_load_5min")
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("create table std.scratch (x int)")
    finally:
        con.close()
    assert warehouse.read_partitions(env, SYSTEM_LOAD_5MIN, None).height == 288


def test_open_reader_sees_new_commits(env):
    _fill(env)
    con = analyst.connect()
    try:
        assert con.sql("select max(native_load_mw) from system_load").fetchone() == (1.0,)
        warehouse.replace_partitions(env, SYSTEM_LOAD_5MIN, h.system_load(DAY, 7), [DAY])
        assert con.sql("select max(native_load_mw), count(*) from system_load").fetchone() == (7.0, 288)
    finally:
        con.close()


def test_connect_without_catalog_is_a_clear_error(env, tmp_path):
    with pytest.raises(WarehouseNotFoundError, match=r"no warehouse catalog at .*catalog\.sqlite.*materialize"):
        analyst.connect()
    assert not (tmp_path / "data" / "catalog.sqlite").exists()  # a reader never creates one


def test_from_env_defaults(monkeypatch, tmp_path):
    for var in ("ISONE_CATALOG_URL", "ISONE_LAKE_URL", "ISONE_WAREHOUSE_DATA_PATH"):
        monkeypatch.delenv(var, raising=False)
    cfg = WarehouseConfig.from_env(tmp_path)
    root = tmp_path.resolve()
    assert cfg == WarehouseConfig(catalog=f"sqlite:{root}/data/catalog.sqlite", data_path=f"{root}/data/lake/tables/")
    monkeypatch.chdir(tmp_path)
    assert WarehouseConfig.from_env() == cfg


def test_from_env_overrides(monkeypatch, tmp_path):
    root = tmp_path.resolve()
    monkeypatch.setenv("ISONE_CATALOG_URL", "cat/c.sqlite")
    monkeypatch.setenv("ISONE_LAKE_URL", "s3://bucket/isone/")
    monkeypatch.delenv("ISONE_WAREHOUSE_DATA_PATH", raising=False)
    cfg = WarehouseConfig.from_env(tmp_path)
    assert cfg.catalog == f"sqlite:{root}/cat/c.sqlite"
    assert cfg.data_path == "s3://bucket/isone/tables/"
    monkeypatch.setenv("ISONE_WAREHOUSE_DATA_PATH", "wh/files")
    assert WarehouseConfig.from_env(tmp_path).data_path == f"{root}/wh/files/"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/abs/c.sqlite", "sqlite:/abs/c.sqlite"),
        ("rel/c.sqlite", "sqlite:/root/rel/c.sqlite"),
        ("sqlite:/abs/c.sqlite", "sqlite:/abs/c.sqlite"),
        ("sqlite:rel/c.sqlite", "sqlite:/root/rel/c.sqlite"),
        ("sqlite:///rel/c.sqlite", "sqlite:/root/rel/c.sqlite"),
        ("sqlite:////abs/c.sqlite", "sqlite:/abs/c.sqlite"),
        ("ducklake:sqlite:/abs/c.sqlite", "sqlite:/abs/c.sqlite"),
        ("postgres:dbname=isone host=db", "postgres:dbname=isone host=db"),
        ("ducklake:postgres:dbname=isone", "postgres:dbname=isone"),
        ("postgresql://u:p@db:5432/isone", "postgres:postgresql://u:p@db:5432/isone"),
    ],
)
def test_parse_catalog_url(url, expected):
    from pathlib import Path

    assert parse_catalog_url(url, Path("/root")) == expected


def test_parse_catalog_url_rejects_unknown():
    from pathlib import Path

    with pytest.raises(ValueError, match="unsupported catalog"):
        parse_catalog_url("mysql://x", Path("/root"))


def test_attach_errors_hide_catalog_passwords():
    cfg = WarehouseConfig(
        catalog="postgres:dbname=nope password=hunter2 host=127.0.0.1 port=1 connect_timeout=1", data_path="/tmp/x/"
    )
    with pytest.raises(warehouse.WarehouseError) as err:
        warehouse.open_connection(cfg, read_only=True)
    assert "hunter2" not in str(err.value) and "password=***" in str(err.value)
    assert warehouse.redact("postgresql://u:pw@h:5/db") == "postgresql://u:***@h:5/db"


REFUSED = {
    (
        "ATTACH 'ducklake:sqlite:{catalog}' AS rw (DATA_PATH '{data}'); DELETE FROM rw.std.isone__system_load_5min"
    ): "attaches another database",
    "ATTACH '{catalog}' AS meta (TYPE sqlite)": "attaches another database",
    "ATTACH ':memory:' AS scratch": "attaches another database",
    "DETACH isone": "detaches a database",
    "COPY (SELECT 1 AS x) TO '{out}/x.parquet'": "copies data to or from files",
    "COPY FROM DATABASE isone TO memory": "copies a database",
    "EXPORT DATABASE '{out}/export'": "exports the database",
    "INSTALL httpfs": "installs or loads an extension",
    "FORCE INSTALL httpfs": "installs or loads an extension",
    "LOAD httpfs": "installs or loads an extension",
    "CREATE SECRET s (TYPE s3, KEY_ID 'k', SECRET 's')": "creates a secret",
    "CREATE OR REPLACE PERSISTENT SECRET s (TYPE http)": "creates a secret",
    "SET enable_external_access = true": "changes the setting 'enable_external_access'",
    "RESET lock_configuration": "changes the setting 'lock_configuration'",
    "SET GLOBAL allowed_directories = ['/']": "changes the setting 'allowed_directories'",
    "PRAGMA threads = 8": "changes the setting 'threads'",
    "UPDATE EXTENSIONS": "not a read",
    "SELECT * FROM sqlite_scan('{catalog}', 'ducklake_snapshot')": "calls sqlite_scan()",
    "CALL postgres_execute('__ducklake_metadata_isone', 'DELETE FROM ducklake_snapshot')": "calls postgres_execute()",
    "SELECT * FROM query('SELECT 1')": "calls query()",
    "EXPLAIN ANALYZE COPY (SELECT 1) TO '{out}/y.csv'": "copies data to or from files",
    "SELECT 1; ATTACH '{out}/other.db' AS other": "attaches another database",
    "EXPLAIN (FORMAT json) SELECT * FROM sqlite_scan('{catalog}', 'ducklake_file')": "calls sqlite_scan()",
    "PREPARE snoop AS SELECT * FROM sqlite_scan('{catalog}', 'ducklake_file')": "calls sqlite_scan()",
    "CREATE MACRO sneaky() AS TABLE SELECT * FROM sqlite_scan('{catalog}', 'ducklake_snapshot')": "calls sqlite_scan()",
}


@pytest.mark.parametrize("template", list(REFUSED))
def test_read_only_connection_refuses_what_writes_or_reaches_outside(env, tmp_path, template):
    warehouse.replace_partitions(env, SYSTEM_LOAD_5MIN, h.system_load(DAY), [DAY])
    out = tmp_path / "out"
    out.mkdir()
    sql = template.format(catalog=env.sqlite_path, data=env.data_path, out=out)
    with analyst.connect() as con:
        with pytest.raises(
            analyst.ReadOnlyViolation,
            match=rf"refused on the read-only warehouse connection: .*"
            rf"{REFUSED[template].replace('(', '[(]').replace(')', '[)]')}",
        ):
            con.execute(sql)
        assert con.sql("select count(*) from system_load").fetchone() == (288,)  # still usable
    assert list(out.iterdir()) == []
    assert warehouse.read_partitions(env, SYSTEM_LOAD_5MIN, [DAY]).height == 288


def test_the_engine_refuses_too_where_the_guard_is_bypassed(env, tmp_path):
    """The lock holds on the raw connection underneath the guard (what a library given `con.raw` uses)."""
    warehouse.replace_partitions(env, SYSTEM_LOAD_5MIN, h.system_load(DAY), [DAY])
    with analyst.connect() as con:
        assert isinstance(con, analyst.GuardedConnection)  # the read-only connection is the guarded one
        raw = con.raw
        with pytest.raises(duckdb.PermissionException, match="disabled by configuration"):
            raw.execute(f"COPY (SELECT 1) TO '{tmp_path}/x.csv'")
        with pytest.raises(duckdb.PermissionException):
            raw.execute("SELECT * FROM read_csv('/etc/hostname')")
        with pytest.raises(duckdb.Error, match="configuration has been locked"):
            raw.execute("SET enable_external_access = true")
        with pytest.raises(analyst.ReadOnlyViolation, match="writes a file"):
            con.sql("select 1 as x").to_parquet(f"{tmp_path}/y.parquet")
        with pytest.raises(analyst.ReadOnlyViolation, match="attaches another database"):
            con.cursor().execute(f"ATTACH '{tmp_path}/z.db' AS z")
        with pytest.raises(analyst.ReadOnlyViolation, match="attaches another database"):
            # GuardedConnection.execute is annotated `query: str`, but like DuckDB's it takes a parsed Statement
            con.execute(raw.extract_statements(f"ATTACH '{tmp_path}/z.db' AS z")[0])  # pyright: ignore[reportArgumentType]
        with pytest.raises(analyst.ReadOnlyViolation, match="attaches another database"):
            con.sql("select 1 as x").query("t", f"ATTACH '{tmp_path}/z.db' AS z")
    assert not any(tmp_path.glob("*.csv")) and not any(tmp_path.glob("*.parquet")) and not any(tmp_path.glob("z.db"))


def test_read_only_connection_reads_everything_of_the_warehouse(env):
    _fill(env)
    with analyst.connect() as con:
        assert isinstance(con, analyst.GuardedConnection)  # the read-only connection is the guarded one
        for view in ("system_load", "zonal_load", "lmp", "fuel_mix"):
            assert con.sql(f"select count(*) from {view}").fetchone()[0] > 0, view
        assert con.sql("summarize std.isone__lmp_rt_5min").pl().height > 0  # every Parquet column read
        assert con.execute("select max(load_mw) from system_load where operating_day = ?", [DAY]).fetchone()
        assert len(con.sql("select * from ducklake_snapshots('isone')").fetchall()) > 1
        assert con.sql("select * from system_load").filter("load_mw > 0").aggregate("count(*)").fetchone() == (288,)
        assert con.sql("explain analyze select 1 as x from system_load").fetchall()
        con.execute("prepare peak as select max(load_mw) as mw from system_load")
        assert con.execute("execute peak").fetchone()[0] > 0
        con.execute("SET TimeZone = 'America/New_York'")  # display settings stay changeable
        assert con.sql("select min(ts_utc)::varchar from system_load").fetchone() == ("2024-07-01 00:00:00-04",)
        con.execute("SET VARIABLE day = DATE '2024-07-01'")
        con.execute(
            "create table memory.main.daily as select operating_day, max(load_mw) as peak from system_load group by 1"
        )
        assert con.sql("select count(*) from memory.main.daily").fetchone() == (1,)
        con.execute("USE memory")
        assert con.sql("select count(*) from isone.std.isone__fuel_mix").fetchone()[0] > 0


def test_writer_connections_keep_full_access(env, tmp_path):
    """The lock belongs to the analysts' own DuckDB: the pipeline's shared session and maintenance are untouched."""
    warehouse.replace_partitions(env, SYSTEM_LOAD_5MIN, h.system_load(DAY), [DAY])
    analyst.connect().close()
    writer = analyst.connect(read_only=False)
    try:
        writer.execute(f"COPY (SELECT 1 AS x) TO '{tmp_path}/x.csv'")
    finally:
        writer.close()
    assert (tmp_path / "x.csv").is_file()
    warehouse.replace_partitions(env, SYSTEM_LOAD_5MIN, h.system_load(DAY, 5), [DAY])
    assert warehouse.read_partitions(env, SYSTEM_LOAD_5MIN, [DAY])["native_load_mw"].unique().to_list() == [5.0]


def test_a_writer_never_creates_a_catalog_over_existing_data(env, tmp_path):
    _fill(env)
    files = sorted(Path(env.data_path).rglob("*.parquet"))
    for path in env.sqlite_path.parent.glob("catalog.sqlite*"):
        path.unlink()
    with pytest.raises(warehouse.CatalogLostError) as err:
        warehouse.replace_partitions(env, SYSTEM_LOAD_5MIN, h.system_load(DAY), [DAY])
    message = str(err.value)
    assert f"ducklake:sqlite:{env.sqlite_path}" in message and f"holds {len(files)} data file(s)" in message
    assert "restore-catalog" in message and not env.sqlite_path.exists()
    env.sqlite_path.write_bytes(b"")  # an empty file (what a crashed first attach leaves) is no catalog either
    with pytest.raises(warehouse.CatalogLostError, match=f"holds {len(files)} data file"):
        warehouse.replace_partitions(env, SYSTEM_LOAD_5MIN, h.system_load(DAY), [DAY])
    with pytest.raises(warehouse.CatalogLostError, match="is missing or empty"):
        analyst.connect()
    assert sorted(Path(env.data_path).rglob("*.parquet")) == files


def test_a_new_warehouse_still_starts_with_a_new_catalog(env):
    warehouse.replace_partitions(env, SYSTEM_LOAD_5MIN, h.system_load(DAY), [DAY])
    assert warehouse.read_partitions(env, SYSTEM_LOAD_5MIN, [DAY]).height == 288
