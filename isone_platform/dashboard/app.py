"""The Streamlit page (`isone-platform dashboard`): Now, Zones, Sparklines, Heatmap, Prices, Fuel mix, Data health.

Every number comes from `queries.py` through one shared read-only connection (`reader.py`), cached for
`ISONE_DASHBOARD_REFRESH_SECONDS` (default 60); the Now and Zones panels re-run themselves on that period.
Data health evaluates every data-quality rule, seconds on a full warehouse: it runs in the background on its own
connection and its panel fills in when done, so the rest of the page never waits for it. A missing warehouse, table
or day is a message on the page, never a traceback.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import polars as pl
import streamlit as st

from isone_platform.dashboard import charts
from isone_platform.dashboard import queries as q
from isone_platform.dashboard.cache import HEALTH_POLL_SECONDS, REFRESH_SECONDS, cached, health_query, shared_reader
from isone_platform.lib.warehouse import WarehouseNotFoundError

ZONES_PER_ROW = 4
NO_WAREHOUSE = (
    "No data yet — run `make demo`, or materialize the std assets (and the marts) in the Dagster UI; "
    "then reload this page."
)


def show(query_name: str, *args: Any) -> Any:
    """The query's result, or None after an info box saying why there is none (or a warning when it failed)."""
    try:
        result, missing = cached(query_name, *args)
    except duckdb.Error as exc:
        st.warning(f"Could not read the warehouse ({type(exc).__name__}: {exc}); retrying at the next refresh.")
        return None
    if missing:
        st.info(f"Nothing to show: {missing}.")
    return result


def panel(key: str, title: str) -> Any:
    """A bordered container with a stable key (`st-key-panel-<key>`) the browser test finds panels by."""
    box = st.container(border=True, key=f"panel-{key}")
    box.subheader(title)
    return box


# ---------------------------------------------------------------------------------------------------------------
# formatting


def local_text(ts: datetime) -> str:
    return ts.astimezone(q.ISONE_TZ).strftime("%Y-%m-%d %H:%M %Z")


def utc_text(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def duration_text(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    return " ".join(f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n) or "0 min"


def mw(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} MW"


def rounded(df: pl.DataFrame, digits: int = 2) -> pl.DataFrame:
    """Float columns as text with thousands separators and `digits` decimals (tables show them as given)."""
    text = [
        pl.col(c).map_elements(lambda v: f"{v:,.{digits}f}", return_dtype=pl.Utf8, skip_nulls=True)
        for c, dtype in df.schema.items()
        if dtype == pl.Float64
    ]
    return df.with_columns(text)


# ---------------------------------------------------------------------------------------------------------------
# panels


def now_panel(now: datetime) -> None:
    with panel("now", "Now"):
        snap = show("now_snapshot")
        if snap is None:
            return
        _freshness(snap, now)
        _parity(snap)
        prices, fuels = st.columns(2)
        with prices:
            _lmp_now()
        with fuels:
            _fuel_now()


def _freshness(snap: q.NowSnapshot, now: datetime) -> None:
    limit = int(q.STALE_AFTER.total_seconds() // 60)
    if snap.is_stale(now):
        st.warning(f"Stale: the latest interval is {duration_text(snap.age(now))} old (more than {limit} min).")
    when, age, load = st.columns(3)
    when.metric("Latest 5-minute interval", local_text(snap.latest_utc), help=utc_text(snap.latest_utc))
    age.metric("Age", duration_text(snap.age(now)), help=f"stale after {limit} min")
    load.metric("System load", mw(snap.system_mw), help=utc_text(snap.latest_utc))


def _parity(snap: q.NowSnapshot) -> None:
    p = snap.parity
    if p is None:
        st.info("Nothing to show: no zonal load at the system's intervals yet.")
        return
    total, diff = st.columns(2)
    total.metric(f"Sum of the {p.zones_reported} zones", mw(p.zones_mw), help=utc_text(p.interval_utc))
    diff.metric(
        "Zones − system",
        f"{p.difference_mw:+,.0f} MW ({p.difference_pct:+.2f} %)",
        help="the parity check: sum of the zonal loads minus the system load",
    )
    if p.interval_utc != snap.latest_utc:
        st.caption(f"Parity at {local_text(p.interval_utc)}, the latest interval both feeds have.")
    if p.zones_reported != q.ZONE_COUNT:
        st.warning(f"Only {p.zones_reported} of the {q.ZONE_COUNT} zones reported at that interval.")


def _lmp_now() -> None:
    lmps = show("lmp_now")
    if lmps is not None:
        st.markdown(f"**RT LMP, $/MWh** at {lmps['local_time'][0]} ({lmps['utc_time'][0]})")
        st.table(
            rounded(lmps.select("location_name", "lmp", "energy_component", "congestion_component", "loss_component")),
            hide_index=True,
        )


def _fuel_now() -> None:
    fuels = show("fuel_now")
    if fuels is not None:
        marginal = ", ".join(fuels.filter(pl.col("is_marginal"))["fuel_category"]) or "none flagged"
        st.markdown(f"**Fuel mix** at {fuels['local_time'][0]} ({fuels['utc_time'][0]}) — marginal: **{marginal}**")
        st.table(rounded(fuels.select("fuel_category", "gen_mw", "is_marginal"), 0), hide_index=True)


def zones_panel() -> None:
    with panel("zones", "Zones"):
        zones = show("zones_latest")
        if zones is None:
            return
        st.caption(f"{len(zones)} load zones at {zones['local_time'][0]} ({zones['utc_time'][0]})")
        rows = list(zones.iter_rows(named=True))
        for first in range(0, len(rows), ZONES_PER_ROW):
            for column, row in zip(st.columns(ZONES_PER_ROW), rows[first : first + ZONES_PER_ROW], strict=False):
                column.metric(row["zone_name"], mw(row["load_mw"]), help=row["utc_time"])
        st.altair_chart(charts.zone_bars(zones), width="stretch")


def sparklines_panel() -> None:
    with panel("sparklines", "Sparklines"):
        hours = st.slider(
            "Hours", q.SPARKLINE_MIN_HOURS, q.SPARKLINE_MAX_HOURS, q.SPARKLINE_DEFAULT_HOURS, key="sparkline_hours"
        )
        points = show("sparklines", hours)
        if points is not None:
            st.altair_chart(charts.sparklines(points, hours))


def heatmap_panel() -> None:
    with panel("heatmap", "Heatmap"):
        cells = show("heatmap", q.HEATMAP_DAYS)
        if cells is not None:
            st.caption(
                f"Average system load by local hour × weekday over the last {q.HEATMAP_DAYS} operating days "
                f"({cells['days_with_data'][0]} with data)"
            )
            st.altair_chart(charts.heatmap(cells), width="stretch")


def _pick_day(label: str, default_query: str, key: str) -> date | None:
    default = show(default_query)
    return None if default is None else st.date_input(label, value=default, key=key)


def prices_panel() -> None:
    with panel("prices", "Prices"):
        day = _pick_day("Operating day", "price_day_default", "price_day")
        if day is None:
            return
        prices = show("hub_prices", day)
        if prices is not None:
            st.markdown(f"**DA vs RT at the Hub ({q.HUB_NAME})**")
            st.altair_chart(charts.hub_prices(prices, day), width="stretch")
        spread, congestion = st.columns(2)
        with spread:
            _top_table("top_spread", day, f"{q.TOP_NODES} largest DA − RT spreads, $/MWh")
        with congestion:
            _top_table("top_congestion", day, f"{q.TOP_NODES} most congested nodes (mean |RT congestion|), $/MWh")


def _top_table(query_name: str, day: date, title: str) -> None:
    st.markdown(f"**{title}**")
    top = show(query_name, day)
    if top is not None:
        st.table(rounded(top), hide_index=True)


def fuel_panel() -> None:
    with panel("fuel", "Fuel mix"):
        day = _pick_day("Operating day", "fuel_day_default", "fuel_day")
        if day is None:
            return
        snapshots = show("fuel_mix_day", day)
        if snapshots is not None:
            st.altair_chart(charts.fuel_area(snapshots, day), width="stretch")
        shares = show("fuel_shares", day)
        if shares is not None:
            st.markdown("**Daily shares** (energy, time-weighted)")
            st.table(rounded(shares, 1), hide_index=True)


@st.fragment(run_every=HEALTH_POLL_SECONDS)
def health_panel() -> None:
    """Data health, evaluated in the background (seconds on a full warehouse): the page does not wait for it,
    this panel looks again every few seconds and shows the result once there."""
    with panel("health", "Data health"):
        try:
            done, health, missing = health_query().poll(datetime.now(UTC).replace(second=0, microsecond=0))
        except duckdb.Error as exc:
            st.warning(f"Could not evaluate the data-quality rules ({type(exc).__name__}: {exc}); retrying.")
            return
        if not done:
            st.caption("Evaluating the data-quality rules of `isone-platform dq` …")
        elif missing:
            st.info(f"Nothing to show: {missing}.")
        else:
            st.caption(
                f"Completeness (%) of the latest {q.HEALTH_DAYS} operating days and the failing rules "
                "(the rules of `isone-platform dq`)"
            )
            st.table(rounded(health, 1), hide_index=True)


@st.fragment(run_every=REFRESH_SECONDS)
def live_panels() -> None:
    """Now and Zones: re-run every refresh period without reloading the page."""
    now_panel(datetime.now(UTC))
    zones_panel()


def main() -> None:
    st.set_page_config(page_title="ISO-NE dashboard", layout="wide")
    st.title("ISO New England — load, prices, fuel mix")
    try:
        shared_reader()
    except WarehouseNotFoundError:
        st.info(NO_WAREHOUSE)
        return
    live_panels()
    sparklines_panel()
    heatmap_panel()
    prices_panel()
    fuel_panel()
    health_panel()


main()
