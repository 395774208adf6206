"""Every rule passes on clean simulator data (two days, one the 25-hour fall-back day), through Dagster; and
`isone-platform dq` on that data: the snapshot's sections and exit codes."""

import io
import re
from datetime import date

import pytest

from isone_platform import warehouse
from isone_platform.cli import main
from isone_platform.dq import run_dq
from isone_platform_tests.checks.conftest import (
    Fault,
    count,
    description,
    evaluations,
    failed,
    materialize,
    offending_rows,
    platform_definitions,
)

DAYS = ("2024-11-02", "2024-11-03")


@pytest.fixture(scope="module")
def clean_two_days(module_env, sim):
    """Clean data for two days; the check results of the 2024-11-03 run (all five partitioned daily datasets)."""
    defs = platform_definitions()
    materialize(defs, "locations", partition=None, raise_on_error=True)
    names = ("system_load_5min", "zonal_load_5min", "lmp_da_hourly", "lmp_rt_hourly", "fuel_mix")
    materialize(defs, *names, partition=DAYS[0], raise_on_error=True)
    return materialize(defs, *names, partition=DAYS[1], raise_on_error=True)


def test_every_rule_passes_on_clean_data(clean_two_days):
    evals = evaluations(clean_two_days)
    assert failed(clean_two_days) == {}
    assert {rule for _, rule in evals} == {
        "schema_matches_registry",
        "primary_key_unique",
        "key_columns_not_null",
        "intervals_inside_operating_day",
        "intervals_complete",
        "all_zones_present",
        "all_locations_present",
        "load_in_range",
        "lmp_in_hard_range",
        "lmp_in_typical_range",
        "lmp_components_sum",
        "zones_sum_to_system",
        "lmp_locations_known",
        "fuel_mw_non_negative",
        "latest_interval_fresh",
        "revisions_match",
    }
    # system 7, zonal 9, DA LMP 11, RT hourly LMP 12 (its prelim -> final revisions too), fuel mix 7: every rule
    # ran in the same run as its asset
    assert len(evals) == 7 + 9 + 11 + 12 + 7
    # ERROR means stop: every rule whose failure is an ERROR is blocking; the WARN rules are not
    warn_rules = {"zones_sum_to_system", "lmp_in_typical_range", "latest_interval_fresh"}
    assert {k for k, e in evals.items() if e.blocking} == {k for k in evals if k[1] not in warn_rules}
    e = evals[("isone__zonal_load_5min", "zones_sum_to_system")]
    assert count(e) == 0 and e.metadata["checked_days"].value == "2024-11-03"
    assert offending_rows(e) == "_none_" and "300 intervals" in description(e)
    assert "1206/1206" in description(evals[("isone__lmp_da_hourly", "lmp_locations_known")])
    assert description(evals[("isone__fuel_mix", "latest_interval_fresh")]).startswith("not today")


def test_dq_snapshot_on_clean_data(clean_two_days, capsys):
    code = main(["dq", "--last", "2"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "operating days 2024-11-02, 2024-11-03" in out
    for section in (
        "rows per table and layer",
        "time range per table and day",
        "NULL counts",
        "join coverage",
        "data-quality rules",
        "result",
    ):
        assert f"== {section}" in out
    assert re.search(r"raw +isone__system_load_5min +1 bodies, [0-9.]+ kB +1 bodies", out)
    assert re.search(r"std +isone__system_load_5min +288 +300\n", out)  # 2024-11-03 is the 25-hour day
    assert re.search(r"isone__system_load_5min +2024-11-03 +2024-11-03 04:00 +2024-11-04 04:55 +300/300 +25 h", out)
    assert re.search(r"isone__lmp_da_hourly\.location_id +isone__locations +1,206 +1,206 +100\.0%", out)
    assert "49 rule evaluations: 49 passed, 0 WARN, 0 ERROR" in out  # 48 + revisions_match of RT hourly LMPs


def test_dq_date_and_default_days(clean_two_days):
    buf = io.StringIO()
    assert run_dq([date(2024, 11, 2)], out=buf) == 0
    text = buf.getvalue()
    assert "operating days 2024-11-02 (" in text and "2024-11-03" not in text.splitlines()[0]
    buf = io.StringIO()
    assert run_dq(None, out=buf) == 0 and "operating days 2024-11-02, 2024-11-03" in buf.getvalue()


def test_dq_exits_1_on_an_error_finding_and_reads_while_a_reader_is_open(clean_two_days, sim):
    analyst = warehouse.connect()  # an open read-only session neither blocks the pipeline nor dq
    try:
        sim.add_fault(Fault("/fiveminutesystemload/day/20241103", "out_of_range"))
        materialize(platform_definitions(), "system_load_5min", partition="2024-11-03")
        buf = io.StringIO()
        assert run_dq([date(2024, 11, 2), date(2024, 11, 3)], out=buf) == 1
        text = buf.getvalue()
        assert "load_in_range" in text and "ERROR" in text and "offending rows" in text
        assert "| load_mw" not in text and "45000.0" in text
        assert run_dq([date(2024, 11, 2)], out=io.StringIO()) == 0  # the other day is clean
    finally:
        analyst.close()
        sim.clear_faults()


def test_dq_without_a_warehouse(platform_env, capsys):
    assert main(["dq", "--date", "2024-11-03"]) == 1
    assert "no warehouse" in capsys.readouterr().out
