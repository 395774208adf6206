"""Each feed is declared once, in its domain: the registry is assembled from `defs/<domain>/feeds.py`, each
declaration lists its ISO-NE quirks, and no shared code branches on which feed it has."""

import inspect
import re
from pathlib import Path

from isone_platform.lib import dq
from isone_platform.lib.datasets import DATASETS, DOMAIN_FEEDS, POLLED
from isone_platform.lib.feed import Dataset
from isone_platform.lib.poll import issue_column

PACKAGE = Path(__file__).resolve().parents[1] / "isone_platform"
NAME_BRANCH = re.compile(r'ds\.name ==|\.name == "(lmp|fuel|system|zonal)|table is (FUEL_MIX|LMP)')


def test_every_dataset_is_declared_in_its_domain_feeds_module():
    declared = {ds.name: module for module in DOMAIN_FEEDS for ds in module.FEEDS}
    assert set(declared) == set(DATASETS) and len(declared) == sum(len(m.FEEDS) for m in DOMAIN_FEEDS)
    for name, module in declared.items():
        ds = DATASETS[name]
        assert isinstance(ds, Dataset)
        assert module.__name__ == f"isone_platform.defs.{ds.group}.feeds", name
        assert ds.table.name == ds.asset_name


def test_every_feeds_module_lists_its_iso_ne_quirks():
    for module in DOMAIN_FEEDS:
        doc = inspect.getdoc(module) or ""
        assert "ISO-NE quirks" in doc and doc.count("\n- ") >= 2, module.__name__


def test_no_code_branches_on_a_dataset_name_or_table():
    hits = [
        f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if NAME_BRANCH.search(line)
    ]
    assert hits == []


def test_polled_datasets_are_exactly_those_with_a_current_path():
    with_current = {ds.name for ds in DATASETS.values() if ds.current_path}
    assert {ds.name for ds in POLLED} == with_current
    intervals = {"system_load_5min", "zonal_load_5min", "lmp_rt_5min", "fuel_mix", "load_hourly", "reserve_prices_5min"}
    issues = {"load_forecast_hourly", "load_forecast_zonal_hourly", "seven_day_forecast"}
    reports = {"morning_report", "morning_report_interchange", "morning_report_weather"}
    assert with_current == intervals | issues | reports
    for ds in POLLED:
        assert ds.polling is not None, ds.name
        # an interval feed must define its gap; a forecast polls by issue
        assert ds.grain is not None or ds.polling.gap is not None or issue_column(ds) is not None, ds.name
    # polled interval feeds get the interval freshness rule, forecasts the newest-issue one
    assert {n for n in DATASETS if any(r.name == "latest_interval_fresh" for r in dq.rules_for(n))} == intervals
    assert {n for n in DATASETS if any(r.name == "newest_issue_fresh" for r in dq.rules_for(n))} == issues


def test_gap_requests_follow_the_declared_plan():
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    day = date(2024, 11, 3)
    second_one_am = datetime(2024, 11, 3, 1, 5, tzinfo=ZoneInfo("America/New_York")).replace(fold=1)
    lmp = DATASETS["lmp_rt_5min"]
    assert lmp.polling is not None
    assert lmp.polling.gap_request(day, second_one_am) == "/fiveminutelmp/prelim/day/20241103/starthour/01"
    for ds in POLLED:
        assert ds.polling is not None
        if not ds.polling.chunked:
            assert ds.polling.gap_request(day, second_one_am) == ds.plan(day, "prelim")[0].path


def test_range_descriptions_quote_the_declared_bounds():
    described = {(n, r.name): r.description for n in DATASETS for r in dq.rules_for(n) if r.kind == "range"}
    assert described[("zonal_load_5min", "load_in_range")] == "load_mw in (0, 40 000) MW and not NULL."
    assert described[("lmp_da_hourly", "lmp_in_hard_range")] == "LMP in [−1 000, 5 000] $/MWh and not NULL."
    assert described[("lmp_rt_5min", "lmp_in_typical_range")] == "LMP in [−150, 1 000] $/MWh (typical range)."
    assert described[("fuel_mix", "fuel_mw_non_negative")] == "gen_mw ≥ 0 MW and not NULL."
    declared = {(ds.name, r.rule) for ds in DATASETS.values() for r in ds.rules.ranges}
    assert set(described) == declared
