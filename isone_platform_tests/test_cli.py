"""The commands users type: the demo (what `make demo DEMO_UI=0` runs), `isone-platform sql`, and loading the
code location the way `dagster dev` does."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISONE_", "DAGSTER_HOME"))}
    return {**env, "ISONE_PROJECT_ROOT": str(tmp_path), "ISONE_STEP_RETRY_DELAY_SECONDS": "0.2"}


def test_demo_without_ui_fills_every_std_table_then_sql_reads_them(tmp_path):
    env = _env(tmp_path)
    demo = subprocess.run(
        [str(BIN / "isone-platform"), "demo", "--no-ui", "--days", "1", "--sim-port", "0"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    out = demo.stdout
    for table in (
        "system_load_5min",
        "zonal_load_5min",
        "lmp_rt_5min",
        "lmp_da_hourly",
        "lmp_rt_hourly",
        "fuel_mix",
        "locations",
    ):
        line = next(line for line in out.splitlines() if f"std.isone__{table} " in line)
        assert int(line.split()[1].replace(",", "")) > 0, line
    assert "peak system load" in out
    assert (tmp_path / ".dagster_home" / "dagster.yaml").is_file() and (tmp_path / "data" / "catalog.sqlite").is_file()

    sql = subprocess.run(
        [str(BIN / "isone-platform"), "sql", "select count(distinct zone_id) as zones from zonal_load"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sql.returncode == 0 and "zones" in sql.stdout and "│ 8     │" in sql.stdout, sql.stdout + sql.stderr

    bad = subprocess.run(
        [str(BIN / "isone-platform"), "sql", "select * from no_such_table"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1 and "no_such_table" in bad.stderr


def test_sql_without_a_warehouse_explains(tmp_path):
    result = subprocess.run(
        [str(BIN / "isone-platform"), "sql", "select 1"],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "materialize" in result.stderr.lower()


def test_code_location_validates(tmp_path):
    result = subprocess.run(
        [str(BIN / "dagster"), "definitions", "validate", "-w", str(REPO / "workspace.yaml")],
        env=_env(tmp_path),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Validation successful for code location isone_platform" in result.stdout + result.stderr


def _small_warehouse(tmp_path: Path, monkeypatch) -> Path:
    """One day of system load in a warehouse under tmp_path/data, the environment pointing at it."""
    from datetime import date

    from isone_platform.lib import warehouse
    from isone_platform.lib.schemas import SYSTEM_LOAD_5MIN
    from isone_platform_tests.warehouse import helpers as h

    monkeypatch.setenv("ISONE_PROJECT_ROOT", str(tmp_path))
    monkeypatch.setenv("ISONE_CATALOG_URL", str(tmp_path / "data" / "catalog.sqlite"))
    monkeypatch.setenv("ISONE_LAKE_URL", str(tmp_path / "data" / "lake"))
    monkeypatch.delenv("ISONE_WAREHOUSE_DATA_PATH", raising=False)
    config = warehouse.WarehouseConfig.from_env()
    warehouse.replace_partitions(config, SYSTEM_LOAD_5MIN, h.system_load(date(2024, 7, 1)), [date(2024, 7, 1)])
    return tmp_path / "data"


def test_sql_refuses_the_audits_write_with_exit_1_and_a_clear_error(tmp_path, monkeypatch):
    data = _small_warehouse(tmp_path, monkeypatch)
    delete = (
        f"ATTACH 'ducklake:sqlite:{data}/catalog.sqlite' AS rw (DATA_PATH '{data}/lake/tables/'); "
        "DELETE FROM rw.std.isone__system_load_5min WHERE operating_day = DATE '2024-07-01'; SELECT 'deleted'"
    )
    copy = f"COPY (select 1 as x) TO '{tmp_path}/out.parquet'"
    for sql in (delete, copy):
        result = subprocess.run(
            [str(BIN / "isone-platform"), "sql", sql],
            env={**os.environ},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1 and result.stdout == "", result.stdout
        assert result.stderr.startswith("error: refused on the read-only warehouse connection"), result.stderr
        assert "Traceback" not in result.stderr and "NoneType" not in result.stderr
    assert not (tmp_path / "out.parquet").exists()
    count = subprocess.run(
        [str(BIN / "isone-platform"), "sql", "select count(*) as n from system_load"],
        env={**os.environ},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert count.returncode == 0 and "288" in count.stdout, count.stderr


def test_sql_statement_without_rows_says_so(tmp_path, monkeypatch, capsys):
    from isone_platform.cli import main

    _small_warehouse(tmp_path, monkeypatch)
    assert main(["sql", "create table memory.main.scratch as select 1 as x"]) == 0
    assert capsys.readouterr().out.startswith("ok (the statement returns no rows)")


def test_restore_catalog_lists_the_copies_and_restores_the_newest(tmp_path, monkeypatch, capsys):
    from isone_platform.cli import main
    from isone_platform.lib import warehouse
    from isone_platform.lib.lake import lake_from_url

    data = _small_warehouse(tmp_path, monkeypatch)
    lake = lake_from_url(str(data / "lake"))
    key = warehouse.backup_sqlite_catalog(warehouse.WarehouseConfig.from_env(), lake)
    assert main(["restore-catalog", "--list"]) == 0 and capsys.readouterr().out.split() == [key]
    assert main(["restore-catalog"]) == 1  # the catalog is still there: never overwritten
    assert "move it away before restoring" in capsys.readouterr().err
    (data / "catalog.sqlite").unlink()
    assert main(["restore-catalog"]) == 0 and key in capsys.readouterr().out
    assert main(["sql", "select count(*) as n from system_load"]) == 0 and "288" in capsys.readouterr().out
