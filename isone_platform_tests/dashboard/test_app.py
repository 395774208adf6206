"""The Streamlit page (app.py) with Streamlit's AppTest on hand-made warehouses: what a person reads on it."""

from __future__ import annotations

import json
import time
from datetime import date

import polars as pl
import pyarrow as pa
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from isone_platform.dashboard import app as app_module
from isone_platform.dashboard import queries as q
from isone_platform.dashboard.cache import HEALTH_POLL_SECONDS

from . import synthetic
from .test_queries import LATEST

PAGE_TIMEOUT_S = 120  # the whole page, Data health included, on a machine shared with other test processes


def run_until_health(at: AppTest) -> AppTest:
    """Run the page until the background Data health evaluation has filled its panel in."""
    deadline = time.monotonic() + PAGE_TIMEOUT_S
    while "Evaluating the data-quality rules" in " ".join(texts(at.run())):
        assert time.monotonic() < deadline, "Data health never finished"
        time.sleep(HEALTH_POLL_SECONDS)
    return at


@pytest.fixture
def page():
    """A fresh AppTest of the dashboard (the server-wide caches cleared: each test has its own warehouse)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(app_module.__file__, default_timeout=PAGE_TIMEOUT_S)


def metric(at: AppTest, label: str) -> str:
    [value] = [m.value for m in at.metric if m.label == label]
    return value


def texts(at: AppTest) -> list[str]:
    return [e.value for e in [*at.info, *at.warning, *at.markdown, *at.caption]]


def test_page_shows_latest_interval_load_parity_and_zones(page, filled):
    at = page.run()
    assert not at.exception and not at.error
    system = synthetic.system_mw(LATEST)
    assert metric(at, "Latest 5-minute interval") == "2024-11-09 23:55 EST"
    assert metric(at, "System load") == f"{system:,.0f} MW"
    assert metric(at, f"Sum of the {q.ZONE_COUNT} zones") == f"{system * synthetic.ZONES_OVER_SYSTEM:,.0f} MW"
    assert metric(at, "Zones − system") == f"{system * (synthetic.ZONES_OVER_SYSTEM - 1):+,.0f} MW (+1.00 %)"
    for name, share in synthetic.ZONE_SHARES.values():
        assert metric(at, name) == f"{system * share * synthetic.ZONES_OVER_SYSTEM:,.0f} MW"
    assert any(w.value.startswith("Stale: the latest interval is") for w in at.warning)  # data of 2024
    assert any("marginal: **Natural Gas**" in t for t in texts(at))


def test_every_panel_renders_its_chart_or_table(page, filled):
    at = run_until_health(page)
    assert not at.exception
    subheaders = [h.value for h in at.subheader]
    assert subheaders == ["Now", "Zones", "Sparklines", "Heatmap", "Prices", "Fuel mix", "Data health"]
    assert len(at.get("vega_lite_chart")) == 5  # zones, sparklines, heatmap, hub prices, fuel mix
    assert len(at.table) == 6  # LMP now, fuel now, top spread, top congestion, fuel shares, data health
    assert not [i.value for i in at.info]


def test_sparkline_slider_changes_the_window(page, filled):
    at = page.run()
    assert at.slider(key="sparkline_hours").value == q.SPARKLINE_DEFAULT_HOURS
    assert sparkline_domain(at) == [q.SPARKLINE_DEFAULT_HOURS, 0]
    assert chart_data(at, "hours_ago").height == q.SPARKLINE_DEFAULT_HOURS * 12 * q.ZONE_COUNT
    at.slider(key="sparkline_hours").set_value(q.SPARKLINE_MAX_HOURS).run()
    assert not at.exception and at.slider(key="sparkline_hours").value == q.SPARKLINE_MAX_HOURS
    assert sparkline_domain(at) == [q.SPARKLINE_MAX_HOURS, 0]
    points = chart_data(at, "hours_ago")
    assert points.group_by("zone_name").len()["len"].to_list() == [q.SPARKLINE_MAX_HOURS * 12] * q.ZONE_COUNT


def chart_data(at: AppTest, field: str) -> pl.DataFrame:
    """The rows the page sent to the one chart whose spec encodes `field`."""
    [chart] = [c for c in at.get("vega_lite_chart") if f'"{field}' in c.proto.spec]
    [dataset] = chart.proto.datasets
    frame = pl.from_arrow(pa.ipc.open_stream(dataset.data.data).read_all())
    assert isinstance(frame, pl.DataFrame)  # an arrow table converts to a frame (only arrays give a Series)
    return frame


def test_heatmap_sent_to_the_browser_has_both_fall_back_hours_in_sunday_1am(page, filled):
    cells = chart_data(page.run(), "local_hour")
    assert cells.height == 7 * 24
    intervals = {(r["weekday"], r["local_hour"]): r["intervals"] for r in cells.iter_rows(named=True)}
    assert (intervals[("Sun", 1)], intervals[("Sun", 2)], intervals[("Mon", 1)]) == (5 * 12, 4 * 12, 4 * 12)


def sparkline_domain(at: AppTest) -> list[int]:
    """The x domain (hours ago) of the sparkline chart the page sent."""
    [spec] = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart") if "hours_ago" in c.proto.spec]
    return spec["spec"]["encoding"]["x"]["scale"]["domain"]


def test_a_day_without_data_is_a_message(page, filled):
    at = page.run()
    at.date_input(key="price_day").set_value(date(2024, 1, 1))
    at.date_input(key="fuel_day").set_value(date(2024, 1, 1)).run()
    assert not at.exception
    infos = [i.value for i in at.info]
    assert f"Nothing to show: no Hub ({q.HUB_NAME}) price on 2024-01-01." in infos
    assert "Nothing to show: no fuel-mix snapshot on 2024-01-01." in infos


def test_no_warehouse_yet_is_a_clear_page(page, no_warehouse):
    at = page.run()
    assert not at.exception
    assert [i.value for i in at.info] == [app_module.NO_WAREHOUSE]
    assert "make demo" in app_module.NO_WAREHOUSE


def test_missing_datasets_are_named(page, load_only):
    at = run_until_health(page)
    assert not at.exception and not at.error
    infos = [i.value for i in at.info]
    assert "Nothing to show: std.isone__zonal_load_5min is not materialized yet." in infos
    assert "Nothing to show: mart.isone__lmp_daily is not materialized yet." in infos
    assert "Nothing to show: mart.isone__fuel_mix_daily is not materialized yet." in infos
    assert metric(at, "System load") == f"{synthetic.system_mw(LATEST):,.0f} MW"
