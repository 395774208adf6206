"""Vega-Lite (Altair) charts of the panels' frames: no custom JavaScript, rendered natively by Streamlit.

Browsers draw temporal axes in their own time zone, and a fall-back day repeats 01:00: so time axes are
quantitative elapsed hours (`hour_of_day`, `hours_ago`) labelled with the America/New_York clock, and every
tooltip carries the local time and UTC.
"""

from __future__ import annotations

import json
from datetime import date

import altair as alt
import polars as pl

from isone_platform.dashboard.queries import WEEKDAYS, day_hour_labels

TIME_TOOLTIPS = [alt.Tooltip("local_time:N", title="America/New_York"), alt.Tooltip("utc_time:N", title="UTC")]
LABEL_EVERY_HOURS = 3


def _day_axis(day: date) -> alt.X:
    """x = elapsed hours of the operating day (0..23/24/25), ticks labelled with the local clock."""
    labels = day_hour_labels(day)
    ticks = [h for h in labels if h % LABEL_EVERY_HOURS == 0 or h == max(labels)]
    expr = f"{json.dumps({str(h): labels[h] for h in labels})}[format(datum.value, 'd')]"
    axis = alt.Axis(values=ticks, labelExpr=expr, title=f"{day.isoformat()} (America/New_York)")
    return alt.X("hour_of_day:Q", axis=axis, scale=alt.Scale(domain=[0, max(labels)], nice=False))


def with_closing_points(df: pl.DataFrame, by: str) -> pl.DataFrame:
    """Repeat each series' last value at the end of its interval, so a step line covers the last interval too
    (a day's last hourly price holds until midnight)."""
    last = df.filter(pl.col("hour_of_day") == pl.col("hour_of_day").max().over(by))
    return pl.concat([df, last.with_columns(pl.col("end_hour_of_day").alias("hour_of_day"))])


def zone_bars(zones: pl.DataFrame) -> alt.Chart:
    """The 8 zones at the latest interval, side by side."""
    return (
        alt.Chart(zones.to_pandas())
        .mark_bar()
        .encode(
            x=alt.X("zone_name:N", sort=None, title=None),
            y=alt.Y("load_mw:Q", title="MW"),
            tooltip=["zone_name:N", alt.Tooltip("load_mw:Q", format=",.0f", title="MW"), *TIME_TOOLTIPS],
        )
        .properties(height=220)
    )


def sparklines(points: pl.DataFrame, hours: int) -> alt.FacetChart:
    """One small line per zone over the window (x: hours before the latest interval, independent y scales)."""
    line = (
        alt.Chart(points.to_pandas())
        .mark_line(strokeWidth=1.5)
        .encode(
            x=alt.X("hours_ago:Q", scale=alt.Scale(domain=[hours, 0], nice=False), title="hours ago"),
            y=alt.Y("load_mw:Q", scale=alt.Scale(zero=False), title="MW"),
            tooltip=["zone_name:N", alt.Tooltip("load_mw:Q", format=",.0f", title="MW"), *TIME_TOOLTIPS],
        )
        .properties(width=150, height=70)
    )
    return line.facet(facet=alt.Facet("zone_name:N", title=None, sort=None), columns=4).resolve_scale(y="independent")


def heatmap(cells: pl.DataFrame) -> alt.Chart:
    """Average system load, local hour (rows) × weekday (columns)."""
    return (
        alt.Chart(cells.to_pandas())
        .mark_rect()
        .encode(
            x=alt.X("weekday:O", sort=list(WEEKDAYS), title=None),
            y=alt.Y("local_hour:O", title="hour (America/New_York)"),
            color=alt.Color("avg_mw:Q", title="avg MW", scale=alt.Scale(scheme="viridis")),
            tooltip=[
                "weekday:N",
                "local_hour:O",
                alt.Tooltip("avg_mw:Q", format=",.0f", title="avg MW"),
                alt.Tooltip("intervals:Q", title="5-min intervals"),
            ],
        )
        .properties(height=420)
    )


def hub_prices(prices: pl.DataFrame, day: date) -> alt.Chart:
    """DA hourly, RT hourly (steps over each hour) and RT 5-minute LMP at the Hub over one day."""
    return (
        alt.Chart(with_closing_points(prices, "series").to_pandas())
        .mark_line(interpolate="step-after")
        .encode(
            x=_day_axis(day),
            y=alt.Y("lmp:Q", title="$/MWh"),
            color=alt.Color("series:N", title=None),
            tooltip=["series:N", alt.Tooltip("lmp:Q", format=",.2f", title="$/MWh"), *TIME_TOOLTIPS],
        )
        .properties(height=260)
    )


def fuel_area(snapshots: pl.DataFrame, day: date) -> alt.Chart:
    """MW by fuel over one day, stacked; each snapshot holds until the next (step interpolation)."""
    return (
        alt.Chart(with_closing_points(snapshots, "fuel_category").to_pandas())
        .mark_area(interpolate="step-after")
        .encode(
            x=_day_axis(day),
            y=alt.Y("gen_mw:Q", stack="zero", title="MW"),
            color=alt.Color("fuel_category:N", title="fuel"),
            order=alt.Order("fuel_category:N"),
            tooltip=[
                "fuel_category:N",
                alt.Tooltip("gen_mw:Q", format=",.0f", title="MW"),
                "is_marginal:N",
                *TIME_TOOLTIPS,
            ],
        )
        .properties(height=300)
    )
