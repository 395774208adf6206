"""The cross-ISO standard views (`common.lmp`, `common.load`, `common.fuel_mix`, `common.load_forecast`).

Why views and not dbt models: they rename and union std tables, nothing to compute or store, so a view costs no
Parquet, no asset and no run, and is never stale: it reads the std rows as they are committed. They live in the
warehouse catalog next to the analyst views and are (re)created by the same `ensure_views`.

The contract is the `TableSchema` of each view (column names, DuckDB types, units in the descriptions, key):
another ISO plugs in by adding `CommonSource`s over its own std tables, with its own `iso` (see "Adding another
ISO" in docs/architecture.md). Times are UTC interval start and end, whatever the ISO's local market day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import polars as pl

from isone_platform.lib.schemas import (
    FUEL_MIX,
    LMP_DA_HOURLY,
    LMP_RT_5MIN,
    LMP_RT_HOURLY,
    LOAD_FORECAST_HOURLY,
    LOAD_FORECAST_ZONAL_HOURLY,
    LOAD_HOURLY,
    SYSTEM_LOAD_5MIN,
    UTC_DATETIME,
    ZONAL_LOAD_5MIN,
    Column,
    TableSchema,
)

COMMON_SCHEMA = "common"
"""The warehouse schema of the cross-ISO views (created in the catalog by the first writer that needs it)."""

ISO = "ISONE"
"""The `iso` value of every row this project's std tables give the common views."""

FIVE_MIN, HOURLY = "5min", "hourly"
RESOLUTIONS: dict[str, timedelta] = {FIVE_MIN: timedelta(minutes=5), HOURLY: timedelta(hours=1)}
"""The `resolution` labels (the analyst views use the same) and the interval length each one means."""

SYSTEM_AREA = "SYSTEM"
"""The `area` of the whole ISO's load (`area_type` 'system'); a zone's area is its name (`area_type` 'zone')."""

_ISO = Column("iso", pl.Utf8(), "The ISO the row comes from, e.g. `ISONE`.", nullable=False)
_RESOLUTION = Column("resolution", pl.Utf8(), "Interval length: `5min` or `hourly`.", nullable=False)
_START = Column("interval_start_utc", UTC_DATETIME, "Start of the interval, UTC (inclusive).", nullable=False)
_END = Column("interval_end_utc", UTC_DATETIME, "End of the interval, UTC (exclusive).", nullable=False)
_AREA = (
    Column("area", pl.Utf8(), f"`{SYSTEM_AREA}` for the whole ISO, else the zone's name.", nullable=False),
    Column("area_type", pl.Utf8(), "`system` or `zone`.", nullable=False),
)


def _view(name: str, description: str, columns: tuple[Column, ...], key: tuple[str, ...]) -> TableSchema:
    return TableSchema(
        name=name,
        description=description,
        columns=columns,
        primary_key=key,
        layer=COMMON_SCHEMA,
        partition_column=None,
    )


COMMON_LMP = _view(
    "lmp",
    "Locational marginal prices of every ISO, market and resolution, one row per location and interval.",
    (
        _ISO,
        Column("market", pl.Utf8(), "`DA` (day-ahead) or `RT` (real-time).", nullable=False),
        _RESOLUTION,
        Column("location_id", pl.Utf8(), "The ISO's id of the priced location, as text.", nullable=False),
        Column("location_name", pl.Utf8(), "The ISO's name of the location.", nullable=False),
        Column("location_type", pl.Utf8(), "The ISO's kind of location, e.g. HUB, LOAD ZONE (null when unknown)."),
        _START,
        _END,
        Column("lmp", pl.Float64(), "Locational marginal price, $/MWh."),
        Column("energy", pl.Float64(), "Energy component, $/MWh."),
        Column("congestion", pl.Float64(), "Congestion component, $/MWh."),
        Column("loss", pl.Float64(), "Marginal loss component, $/MWh."),
        Column("price_status", pl.Utf8(), "`prelim` or `final`.", nullable=False),
    ),
    ("iso", "market", "resolution", "location_id", "interval_start_utc"),
)

COMMON_LOAD = _view(
    "load",
    "Actual load of every ISO and its zones: one row per area, resolution and interval (pick one resolution).",
    (
        _ISO,
        *_AREA,
        _RESOLUTION,
        _START,
        _END,
        Column("load_mw", pl.Float64(), "Load over the interval as the ISO reports it, MW."),
    ),
    ("iso", "area", "resolution", "interval_start_utc"),
)

COMMON_FUEL_MIX = _view(
    "fuel_mix",
    "Generation by fuel of every ISO: one row per snapshot interval and fuel category.",
    (
        _ISO,
        _START,
        _END,
        Column("fuel_category", pl.Utf8(), "The ISO's fuel category, e.g. `Natural Gas`.", nullable=False),
        Column("fuel_category_rollup", pl.Utf8(), "The ISO's rollup of the category, e.g. `Renewables`."),
        Column("gen_mw", pl.Float64(), "Generation, MW."),
        Column("is_marginal", pl.Boolean(), "Whether the fuel was marginal (null when the ISO does not say)."),
    ),
    ("iso", "interval_start_utc", "fuel_category"),
)

COMMON_LOAD_FORECAST = _view(
    "load_forecast",
    "Load forecasts of every ISO and its zones, every issue kept: one row per area, issue and interval.",
    (
        _ISO,
        *_AREA,
        _RESOLUTION,
        Column("issued_at_utc", UTC_DATETIME, "When the ISO issued the forecast, UTC.", nullable=False),
        _START,
        _END,
        Column("load_forecast_mw", pl.Float64(), "Forecast load, MW."),
        Column("horizon_hours", pl.Float64(), "Hours from the issue to the interval start (negative: begun).", False),
    ),
    ("iso", "area", "resolution", "issued_at_utc", "interval_start_utc"),
)

COMMON_VIEWS: tuple[TableSchema, ...] = (COMMON_LMP, COMMON_LOAD, COMMON_FUEL_MIX, COMMON_LOAD_FORECAST)


@dataclass(frozen=True)
class CommonSource:
    """One std table's rows in a common view: for each view column, the SQL expression over the std table that
    gives it (a column of the same name when absent). `resolution` is None for irregular intervals."""

    view: TableSchema
    table: TableSchema
    resolution: str | None
    expressions: Mapping[str, str] = field(default_factory=dict)
    iso: str = ISO

    def __post_init__(self) -> None:
        unknown = sorted(set(self.expressions) - set(self.view.column_names))
        if unknown:
            raise ValueError(f"{self.table.name} -> {self.view.qualified_name}: no such view column(s) {unknown}")
        if (self.resolution is None) == ("resolution" in self.view.column_names):
            raise ValueError(
                f"{self.table.name} -> {self.view.qualified_name}: a resolution ({sorted(RESOLUTIONS)}) is needed "
                "exactly when the view has a `resolution` column"
            )
        if self.resolution is not None and self.resolution not in RESOLUTIONS:
            raise ValueError(f"{self.table.name}: unknown resolution {self.resolution!r}; known: {sorted(RESOLUTIONS)}")

    def select_sql(self) -> str:
        """`SELECT <each view column, in the view's order> FROM <std table>`."""
        fixed = {"iso": f"'{self.iso}'", "interval_start_utc": "interval_begin_utc"}
        if self.resolution is not None:
            fixed["resolution"] = f"'{self.resolution}'"
        exprs = {**fixed, **self.expressions}
        items = [
            name if exprs.get(name, name) == name else f"{exprs[name]} AS {name}" for name in self.view.column_names
        ]
        return f"SELECT {', '.join(items)} FROM {self.table.qualified_name}"


LMP_MARKETS: tuple[tuple[TableSchema, str, str], ...] = (
    (LMP_DA_HOURLY, "DA", HOURLY),
    (LMP_RT_HOURLY, "RT", HOURLY),
    (LMP_RT_5MIN, "RT", FIVE_MIN),
)
"""Each std LMP table with its market and resolution (the analyst view `lmp` labels them the same way)."""

_LMP_COMPONENTS = {"energy": "energy_component", "congestion": "congestion_component", "loss": "loss_component"}


def _lmp_source(table: TableSchema, market: str, resolution: str) -> CommonSource:
    # ISO-NE's location ids are integers; other ISOs name their nodes (text ids), so the contract is text
    exprs = {"market": f"'{market}'", "location_id": "CAST(location_id AS VARCHAR)", **_LMP_COMPONENTS}
    return CommonSource(COMMON_LMP, table, resolution, exprs)


_SYSTEM = {"area": f"'{SYSTEM_AREA}'", "area_type": "'system'"}
_ZONE = {"area": "zone_name", "area_type": "'zone'"}
_FORECAST = {"load_forecast_mw": "load_mw"}

SOURCES: tuple[CommonSource, ...] = (
    *(_lmp_source(table, market, resolution) for table, market, resolution in LMP_MARKETS),
    CommonSource(COMMON_LOAD, SYSTEM_LOAD_5MIN, FIVE_MIN, _SYSTEM),
    CommonSource(COMMON_LOAD, ZONAL_LOAD_5MIN, FIVE_MIN, _ZONE),
    CommonSource(COMMON_LOAD, LOAD_HOURLY, HOURLY, _SYSTEM),
    CommonSource(COMMON_FUEL_MIX, FUEL_MIX, None),
    CommonSource(COMMON_LOAD_FORECAST, LOAD_FORECAST_HOURLY, HOURLY, {**_SYSTEM, **_FORECAST}),
    CommonSource(COMMON_LOAD_FORECAST, LOAD_FORECAST_ZONAL_HOURLY, HOURLY, {**_ZONE, **_FORECAST}),
)
"""Every std table a common view covers. A second ISO appends its own (with its `iso`) here."""


def union_sql(parts: list[str]) -> str:
    """One SELECT, or the parts UNION ALL'ed and parenthesized, as DuckDB stores a view's SQL (`ensure_views`
    compares the stored text with the wanted one to leave an unchanged view alone)."""
    if len(parts) == 1:
        return parts[0]
    return " UNION ALL ".join(f"({part})" for part in parts)


def common_view_sql(existing_tables: set[str]) -> dict[str, str]:
    """The common views (name in `common` -> SELECT) that can be built from the std tables present."""
    views: dict[str, str] = {}
    for view in COMMON_VIEWS:
        parts = [s.select_sql() for s in SOURCES if s.view is view and s.table.name in existing_tables]
        if parts:
            views[view.name] = union_sql(parts)
    return views
