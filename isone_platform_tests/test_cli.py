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
    demo = subprocess.run([str(BIN / "isone-platform"), "demo", "--no-ui", "--days", "1", "--sim-port", "0"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=400)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    out = demo.stdout
    for table in ("system_load_5min", "zonal_load_5min", "lmp_rt_5min", "lmp_da_hourly", "lmp_rt_hourly",
                  "fuel_mix", "locations"):
        line = next(line for line in out.splitlines() if f"std.isone__{table} " in line)
        assert int(line.split()[1].replace(",", "")) > 0, line
    assert "peak system load" in out
    assert (tmp_path / ".dagster_home" / "dagster.yaml").is_file() and (tmp_path / "data" / "catalog.sqlite").is_file()

    sql = subprocess.run([str(BIN / "isone-platform"), "sql", "select count(distinct zone_id) as zones from zonal_load"],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert sql.returncode == 0 and "zones" in sql.stdout and "│ 8     │" in sql.stdout, sql.stdout + sql.stderr

    bad = subprocess.run([str(BIN / "isone-platform"), "sql", "select * from no_such_table"],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "no_such_table" in bad.stderr


def test_sql_without_a_warehouse_explains(tmp_path):
    result = subprocess.run([str(BIN / "isone-platform"), "sql", "select 1"], env=_env(tmp_path), cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "materialize" in result.stderr.lower()


def test_code_location_validates(tmp_path):
    result = subprocess.run([str(BIN / "dagster"), "definitions", "validate", "-w", str(REPO / "workspace.yaml")],
                            env=_env(tmp_path), cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Validation successful for code location isone_platform" in result.stdout + result.stderr
