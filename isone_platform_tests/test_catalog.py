"""`isone-platform catalog`: every dataset of the registries, the missing days of a warehouse with a gap (the
fall-back DST day dropped from the middle), the JSON key set, and the instance facts with and without one."""

import json
from datetime import UTC, date, datetime

import dagster as dg
import pytest

from isone_platform import catalog
from isone_platform.lib.datasets import DATASETS
from isone_platform.lib.dbt import MART_TABLES
from isone_platform.lib.dq.registry import rules_for
from isone_platform.lib.schemas import REVISION_TABLES, SYSTEM_LOAD_5MIN

DAYS = [date(2024, 11, 2), date(2024, 11, 3), date(2024, 11, 4)]  # 11-03 is the 25-hour fall-back day
LOAD_KEY = "std/isone__system_load_5min"
JSON_TYPES = {
    "key": str,
    "layer": str,
    "table": str,
    "grain": str,
    "in_warehouse": bool,
    "partitioned": bool,
    "available_from": (str, type(None)),
    "first_day": (str, type(None)),
    "last_day": (str, type(None)),
    "days_present": int,
    "days_missing": int,
    "missing_days": list,
    "rows": int,
    "bytes": int,
    "data_files": int,
    "instance": bool,
    "last_materialization": (str, type(None)),
    "last_materialization_age_seconds": (int, type(None)),
    "check_status": str,
}


@pytest.fixture
def gap_warehouse(tmp_path, monkeypatch):
    """Three days of system load written through the warehouse's write path, then the middle day replaced by
    nothing; no DAGSTER_HOME."""
    from isone_platform.lib import warehouse
    from isone_platform_tests.warehouse import helpers as h

    monkeypatch.setenv("ISONE_PROJECT_ROOT", str(tmp_path))
    monkeypatch.setenv("ISONE_CATALOG_URL", str(tmp_path / "data" / "catalog.sqlite"))
    monkeypatch.setenv("ISONE_LAKE_URL", str(tmp_path / "data" / "lake"))
    monkeypatch.delenv("ISONE_WAREHOUSE_DATA_PATH", raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    config = warehouse.WarehouseConfig.from_env()
    warehouse.replace_partitions(config, SYSTEM_LOAD_5MIN, h.system_load_days(DAYS), DAYS)
    warehouse.replace_partitions(config, SYSTEM_LOAD_5MIN, SYSTEM_LOAD_5MIN.empty_frame(), [DAYS[1]])
    return tmp_path


def _by_key(records):
    return {r["key"]: r for r in records}


def test_catalog_lists_the_registries_and_the_missing_middle_day(gap_warehouse):
    records = catalog.build_catalog()
    expected = (
        [f"std/{ds.asset_name}" for ds in DATASETS.values()]
        + [f"std/{name}" for name in REVISION_TABLES]
        + [f"mart/{name}" for name in MART_TABLES]
    )
    assert [r["key"] for r in records] == expected
    for record in records:
        assert tuple(record) == catalog.CATALOG_KEYS
        for key, kind in JSON_TYPES.items():
            assert isinstance(record[key], kind), (record["key"], key, record[key])
    load = _by_key(records)[LOAD_KEY]
    assert (load["first_day"], load["last_day"]) == ("2024-11-02", "2024-11-04")
    assert (load["days_present"], load["days_missing"]) == (2, 1)
    assert load["missing_days"] == [["2024-11-03", "2024-11-03"]]
    assert load["rows"] == 2 * 288 and load["bytes"] > 0 and load["data_files"] >= 1
    assert load["grain"] == "5 min" and load["in_warehouse"] and load["partitioned"]
    assert (load["instance"], load["last_materialization"], load["check_status"]) == (False, None, "unknown")
    absent = _by_key(records)["mart/isone__load_daily"]
    assert not absent["in_warehouse"] and absent["rows"] == 0 and absent["first_day"] is None


def test_catalog_command_prints_the_table_and_valid_json(gap_warehouse, capsys):
    from isone_platform.cli import main

    assert main(["catalog"]) == 0
    table = capsys.readouterr().out
    line = next(line for line in table.splitlines() if line.startswith(LOAD_KEY))
    assert line.split()[1:8] == ["5", "min", "2024-11-02", "2024-11-04", "2", "1", "576"], line
    assert f"  {LOAD_KEY}: 2024-11-03" in table
    assert "materializations and checks unknown" in table
    assert main(["catalog", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [tuple(r) for r in records] == [catalog.CATALOG_KEYS] * len(records)
    assert _by_key(records)[LOAD_KEY]["missing_days"] == [["2024-11-03", "2024-11-03"]]


def test_missing_ranges_are_compact_and_respect_available_from():
    days = [date(2025, 2, 27), date(2025, 3, 2), date(2025, 3, 6)]
    assert catalog.missing_ranges(days) == [
        (date(2025, 2, 28), date(2025, 3, 1)),
        (date(2025, 3, 3), date(2025, 3, 5)),
    ]
    assert catalog.missing_ranges(days, available_from=date(2025, 3, 1)) == [
        (date(2025, 3, 1), date(2025, 3, 1)),
        (date(2025, 3, 3), date(2025, 3, 5)),
    ]
    assert catalog.ranges_text(catalog.missing_ranges(days)) == "2025-02-28..2025-03-01, 2025-03-03..2025-03-05"


def test_dbt_tests_become_the_marts_check_names():
    manifest = {
        "nodes": {
            "model.p.isone__load_daily": {"resource_type": "model", "name": "isone__load_daily"},
            "test.p.b": {"resource_type": "test", "name": "b_rule", "attached_node": "model.p.isone__load_daily"},
            "test.p.a": {"resource_type": "test", "name": "a_rule", "attached_node": "model.p.isone__load_daily"},
            "test.p.s": {"resource_type": "test", "name": "on_a_source", "attached_node": "source.p.std.x"},
        }
    }
    assert catalog.dbt_test_names(manifest) == {"isone__load_daily": ("a_rule", "b_rule")}


def test_with_an_instance_the_last_materialization_and_check_status_appear(gap_warehouse, monkeypatch):
    home = gap_warehouse / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setattr(catalog, "mart_check_names", lambda: {})  # the marts are not what this test is about
    passing, warning = (rule.name for rule in rules_for("system_load_5min")[:2])
    key = dg.AssetKey(["std", "isone__system_load_5min"])

    @dg.asset(key=key, check_specs=[dg.AssetCheckSpec(passing, asset=key), dg.AssetCheckSpec(warning, asset=key)])
    def system_load():
        return dg.MaterializeResult(
            check_results=[
                dg.AssetCheckResult(check_name=passing, passed=True),
                dg.AssetCheckResult(check_name=warning, passed=False, severity=dg.AssetCheckSeverity.WARN),
            ]
        )

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert dg.materialize([system_load], instance=instance).success
    records = _by_key(catalog.build_catalog())
    load = records[LOAD_KEY]
    assert load["instance"] and load["check_status"] == "WARN"
    assert load["last_materialization"] is not None and 0 <= load["last_materialization_age_seconds"] < 3600
    other = records["std/isone__lmp_rt_5min"]
    assert (other["instance"], other["last_materialization"], other["check_status"]) == (True, None, "NONE")


def test_a_revisions_table_misses_no_day_a_feed_does():
    now = datetime(2024, 11, 21, tzinfo=UTC)
    stats = catalog.TableStats(True, True, 2, [date(2024, 11, 1), date(2024, 11, 5)], 10, 1)
    unknown = catalog.InstanceFacts(False)
    revisions = catalog.Entry("std", "isone__load_revisions", catalog.REVISIONS_GRAIN, gaps_are_missing=False)
    feed = catalog.Entry("std", "isone__load_hourly", "1 h")
    assert (
        catalog.catalog_records([revisions], {revisions.key: stats}, {revisions.key: unknown}, now)[0]["missing_days"]
        == []
    )
    record = catalog.catalog_records([feed], {feed.key: stats}, {feed.key: unknown}, now)[0]
    assert (record["days_missing"], record["missing_days"]) == (3, [["2024-11-02", "2024-11-04"]])
