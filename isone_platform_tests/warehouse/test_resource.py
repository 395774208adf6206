"""`DuckLakeResource`, the one warehouse: built from the settings, the same catalog as the IO manager, read-only
connections, atomic day replaces, the extensions loaded through its public method."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from isone_platform.lib.resources import build_resources
from isone_platform.lib.schemas import SYSTEM_LOAD_5MIN
from isone_platform.lib.settings import Settings
from isone_platform.lib.warehouse import DuckLakeResource, WarehouseNotFoundError

from . import helpers as h

DAY = date(2024, 7, 1)


@pytest.fixture
def settings(monkeypatch, tmp_path) -> Settings:
    monkeypatch.setenv("ISONE_PROJECT_ROOT", str(tmp_path))
    monkeypatch.setenv("ISONE_CATALOG_URL", "data/catalog.sqlite")
    monkeypatch.delenv("ISONE_LAKE_URL", raising=False)
    monkeypatch.delenv("ISONE_WAREHOUSE_DATA_PATH", raising=False)
    monkeypatch.setenv("ISONE_DUCKDB_MEMORY_LIMIT", "256MB")
    return Settings.from_env()


def test_build_resources_gives_everyone_the_same_warehouse(settings, tmp_path):
    resources = build_resources(settings)
    wh, io = resources["warehouse"], resources["warehouse_io_manager"]
    root = tmp_path.resolve()
    assert isinstance(wh, DuckLakeResource)
    assert wh.config == io.config
    assert (wh.catalog, wh.data_path) == (f"sqlite:{root}/data/catalog.sqlite", f"{root}/data/lake/tables/")
    assert wh.memory_limit == io.memory_limit == "256MB"


def test_replace_days_then_read(settings):
    wh = DuckLakeResource.from_settings(settings)
    with pytest.raises(WarehouseNotFoundError):
        with wh.connect():
            pass
    frames = [(DAY, h.system_load(DAY, 3))]
    assert wh.replace_days(SYSTEM_LOAD_5MIN, frames, [DAY]) == 288
    with wh.connect() as con:
        assert con.execute(f"select max(native_load_mw) from {SYSTEM_LOAD_5MIN.qualified_name}").fetchone() == (3.0,)
    con = wh.analyst_connection()
    try:
        assert con.sql("select count(*) from system_load").fetchone() == (288,)
    finally:
        con.close()


def test_load_extensions_is_public(settings):
    con = duckdb.connect(":memory:")
    try:
        DuckLakeResource.from_settings(settings).load_extensions(con)
        loaded = {r[0] for r in con.execute("select extension_name from duckdb_extensions() where loaded").fetchall()}
    finally:
        con.close()
    assert {"ducklake", "sqlite_scanner"} <= loaded
