"""The one definition of every table's schema.

Parsers build frames with `conform`, the warehouse IO manager creates and checks tables from `duckdb_columns`,
the UI shows `dagster_table_schema`, and the structural asset checks compare the stored table with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

UTC_DATETIME = pl.Datetime("us", "UTC")

# polars dtype -> DuckDB type. One mapping, so the warehouse DDL and the schema checks agree.
_DUCKDB_TYPES: dict[pl.DataType, str] = {
    UTC_DATETIME: "TIMESTAMP WITH TIME ZONE",
    pl.Date(): "DATE",
    pl.Float64(): "DOUBLE",
    pl.Int32(): "INTEGER",
    pl.Int64(): "BIGINT",
    pl.Utf8(): "VARCHAR",
    pl.Boolean(): "BOOLEAN",
}


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    description: str
    nullable: bool = True

    @property
    def duckdb_type(self) -> str:
        return _DUCKDB_TYPES[self.dtype]


@dataclass(frozen=True)
class TableSchema:
    """A warehouse table: `schema.name` (e.g. `std.isone__lmp_rt_5min`), its columns in order and its key."""

    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    layer: str = "std"
    partition_column: str | None = "operating_day"

    def __post_init__(self) -> None:
        names = self.column_names
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: duplicate column names")
        for key in self.primary_key:
            if key not in names:
                raise ValueError(f"{self.name}: key column {key!r} is not a column")
        if self.partition_column is not None and self.partition_column not in names:
            raise ValueError(f"{self.name}: partition column {self.partition_column!r} is not a column")

    @property
    def qualified_name(self) -> str:
        return f"{self.layer}.{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def not_null_columns(self) -> list[str]:
        """Columns that may never be null: the declared non-nullable ones plus every key column."""
        return [c.name for c in self.columns if not c.nullable or c.name in self.primary_key]

    @property
    def polars_schema(self) -> pl.Schema:
        return pl.Schema({c.name: c.dtype for c in self.columns})

    def duckdb_columns(self) -> list[tuple[str, str]]:
        return [(c.name, c.duckdb_type) for c in self.columns]

    def empty_frame(self) -> pl.DataFrame:
        return pl.DataFrame(schema=self.polars_schema)

    def conform(self, df: pl.DataFrame) -> pl.DataFrame:
        """Select and cast `df` to exactly this schema, by name (never by position).

        Missing columns are an error naming them; extra columns are dropped.
        """
        missing = [c for c in self.column_names if c not in df.columns]
        if missing:
            raise ValueError(f"{self.qualified_name}: frame lacks column(s) {missing}; has {df.columns}")
        return df.select([pl.col(c.name).cast(c.dtype, strict=True) for c in self.columns])


def _interval_columns(grain: str) -> tuple[Column, ...]:
    return (
        Column("interval_begin_utc", UTC_DATETIME, f"Start of the {grain} interval, UTC.", nullable=False),
        Column("interval_end_utc", UTC_DATETIME, f"End of the {grain} interval (exclusive), UTC.", nullable=False),
        Column(
            "operating_day",
            pl.Date(),
            "ISO-NE operating day (America/New_York calendar date of the interval start); the partition key.",
            nullable=False,
        ),
    )


PROVENANCE_COLUMNS: tuple[Column, ...] = (
    Column(
        "source_path",
        pl.Utf8(),
        "ISO-NE API path (after /api/v1.1) of the response this row came from.",
        nullable=False,
    ),
    Column("fetched_at_utc", UTC_DATETIME, "When that response was fetched, UTC.", nullable=False),
    Column("body_sha256", pl.Utf8(), "SHA-256 of the response body as landed in the raw lake.", nullable=False),
)

_LMP_COLUMNS: tuple[Column, ...] = (
    Column("location_id", pl.Int32(), "ISO-NE location id (`@LocId`), e.g. 4000 for the hub.", nullable=False),
    Column("location_name", pl.Utf8(), "ISO-NE location name, e.g. `.H.INTERNAL_HUB`.", nullable=False),
    Column("location_type", pl.Utf8(), "HUB, LOAD ZONE, EXT. NODE or NETWORK NODE (null when the feed omits it)."),
    Column("lmp", pl.Float64(), "Locational marginal price, $/MWh (`LmpTotal`)."),
    Column("energy_component", pl.Float64(), "Energy component, $/MWh."),
    Column("congestion_component", pl.Float64(), "Congestion component, $/MWh."),
    Column("loss_component", pl.Float64(), "Marginal loss component, $/MWh."),
    Column("price_status", pl.Utf8(), "`prelim` or `final` (day-ahead prices are always `final`).", nullable=False),
)


def _lmp_table(name: str, grain: str, description: str) -> TableSchema:
    return TableSchema(
        name=name,
        description=description,
        columns=(*_interval_columns(grain), *_LMP_COLUMNS, *PROVENANCE_COLUMNS),
        primary_key=("interval_begin_utc", "location_id"),
    )


SYSTEM_LOAD_5MIN = TableSchema(
    name="isone__system_load_5min",
    description="ISO-NE system load every 5 minutes (`/fiveminutesystemload`), one row per interval.",
    columns=(
        *_interval_columns("5-minute"),
        Column("load_mw", pl.Float64(), "Total system load, MW (`LoadMw`)."),
        Column("native_load_mw", pl.Float64(), "Native load, MW (`NativeLoad`)."),
        Column("ard_demand_mw", pl.Float64(), "Asset-related demand (storage, pumping), MW (`ArdDemand`)."),
        Column("system_load_btm_pv_mw", pl.Float64(), "Total load with estimated behind-the-meter solar, MW."),
        Column("native_load_btm_pv_mw", pl.Float64(), "Native load with estimated behind-the-meter solar, MW."),
        *PROVENANCE_COLUMNS,
    ),
    primary_key=("interval_begin_utc",),
)

ZONAL_LOAD_5MIN = TableSchema(
    name="isone__zonal_load_5min",
    description="Estimated load of the 8 ISO-NE load zones every 5 minutes (`/fiveminuteestimatedzonalload`).",
    columns=(
        *_interval_columns("5-minute"),
        Column("zone_id", pl.Int32(), "Load zone location id, 4001–4008.", nullable=False),
        Column("zone_name", pl.Utf8(), "Load zone name, e.g. `.Z.MAINE`.", nullable=False),
        Column("load_mw", pl.Float64(), "Estimated zonal load, MW."),
        Column("btm_pv_mw", pl.Float64(), "Estimated behind-the-meter solar in the zone, MW."),
        *PROVENANCE_COLUMNS,
    ),
    primary_key=("interval_begin_utc", "zone_id"),
)

LMP_RT_5MIN = _lmp_table(
    "isone__lmp_rt_5min",
    "5-minute",
    "Real-time 5-minute LMPs for every priced location (`/fiveminutelmp/{prelim|final}/day/{d}/starthour/{HH}`).",
)
LMP_DA_HOURLY = _lmp_table(
    "isone__lmp_da_hourly",
    "hourly",
    "Day-ahead hourly LMPs for every priced location (`/hourlylmp/da/final/day/{d}`).",
)
LMP_RT_HOURLY = _lmp_table(
    "isone__lmp_rt_hourly",
    "hourly",
    "Real-time hourly LMPs for every priced location (`/hourlylmp/rt/{prelim|final}/day/{d}`).",
)

FUEL_MIX = TableSchema(
    name="isone__fuel_mix",
    description=(
        "Generation by fuel (`/genfuelmix`): irregular snapshots, one row per snapshot and fuel category. "
        "A snapshot holds until the next one (the last of a day until 5 minutes later, at most the day's end)."
    ),
    columns=(
        *_interval_columns("snapshot"),
        Column("fuel_category", pl.Utf8(), "Fuel category, e.g. `Natural Gas`, `Solar`.", nullable=False),
        Column("fuel_category_rollup", pl.Utf8(), "ISO-NE rollup, e.g. `Renewables` for Solar/Wind/Wood."),
        Column("gen_mw", pl.Float64(), "Generation, MW."),
        Column("is_marginal", pl.Boolean(), "Whether the fuel was marginal (`MarginalFlag` = Y)."),
        *PROVENANCE_COLUMNS,
    ),
    primary_key=("interval_begin_utc", "fuel_category"),
)

LOCATIONS = TableSchema(
    name="isone__locations",
    description="Every ISO-NE location (`/locations/all`): hub, zones, external and network nodes, areas.",
    columns=(
        Column("location_id", pl.Int32(), "ISO-NE location id.", nullable=False),
        Column("location_name", pl.Utf8(), "Location name as the API writes it.", nullable=False),
        Column("location_type", pl.Utf8(), "e.g. HUB, LOAD ZONE, EXT. NODE, NETWORK NODE, RELIABILITY REGION."),
        Column("area_type", pl.Utf8(), "INTERNAL or EXTERNAL."),
        Column("network_node_type", pl.Utf8(), "For network nodes: UNIT, LOAD, … (null otherwise)."),
        *PROVENANCE_COLUMNS,
    ),
    primary_key=("location_id",),
    partition_column=None,
)

LOAD_ZONES: dict[int, str] = {
    4001: ".Z.MAINE",
    4002: ".Z.NEWHAMPSHIRE",
    4003: ".Z.VERMONT",
    4004: ".Z.CONNECTICUT",
    4005: ".Z.RHODEISLAND",
    4006: ".Z.SEMASS",
    4007: ".Z.WCMASS",
    4008: ".Z.NEMASSBOST",
}
"""The 8 ISO-NE load zones, id -> name. The zonal load forecast names them without ids (`ReliabilityRegion`)."""

HUB_LOCATION: tuple[int, str] = (4000, ".H.INTERNAL_HUB")
"""The ISO-NE internal hub, (location id, name): the price most trades settle against."""

_ISSUE_COLUMNS: tuple[Column, ...] = (
    Column(
        "issued_at_utc",
        UTC_DATETIME,
        "When ISO-NE issued this forecast (`CreationDate`), UTC: the vintage. Every issue is kept.",
        nullable=False,
    ),
    Column(
        "horizon_hours",
        pl.Float64(),
        "Hours from the issue to the interval's begin (negative: the hour had begun when it was issued).",
        nullable=False,
    ),
)

LOAD_FORECAST_HOURLY = TableSchema(
    name="isone__load_forecast_hourly",
    description=(
        "ISO-NE's hourly system load forecast, every issue of it (`/hourlyloadforecast/all/day/{d}`): one row per "
        "hour of the operating day and issue; a day holds the issues of d-2, d-1 and d itself."
    ),
    columns=(
        *_interval_columns("hourly"),
        *_ISSUE_COLUMNS,
        Column("load_mw", pl.Float64(), "Forecast system load, MW (`LoadMw`)."),
        Column(
            "net_load_mw", pl.Float64(), "Forecast net load, MW (`NetLoadMw`; equal to the load in every recording)."
        ),
        *PROVENANCE_COLUMNS,
    ),
    primary_key=("interval_begin_utc", "issued_at_utc"),
)

LOAD_FORECAST_ZONAL_HOURLY = TableSchema(
    name="isone__load_forecast_zonal_hourly",
    description=(
        "ISO-NE's hourly load forecast split by load zone, every issue (`/reliabilityregionloadforecast/day/{d}/all`). "
        "Issues of the day itself cover only the hours that begin after they were issued."
    ),
    columns=(
        *_interval_columns("hourly"),
        *_ISSUE_COLUMNS,
        Column("zone_id", pl.Int32(), "Load zone location id, 4001–4008 (from the zone name).", nullable=False),
        Column(
            "zone_name",
            pl.Utf8(),
            "Load zone name as ISO-NE writes it (`ReliabilityRegion`), e.g. `.Z.MAINE`.",
            nullable=False,
        ),
        Column("load_mw", pl.Float64(), "Forecast zonal load, MW (`LoadMw`)."),
        Column(
            "share_pct", pl.Float64(), "The zone's share of the system forecast, % (`ReliabilityRegionLoadPercentage`)."
        ),
        *PROVENANCE_COLUMNS,
    ),
    primary_key=("interval_begin_utc", "issued_at_utc", "zone_id"),
)

LOAD_HOURLY = TableSchema(
    name="isone__load_hourly",
    description="ISO-NE hourly system load (`/hourlysysload/day/{d}`, NEPOOL AREA, location 32), one row per hour.",
    columns=(
        *_interval_columns("hourly"),
        Column("load_mw", pl.Float64(), "Total system load including asset-related demand, MW (`Load`)."),
        Column("native_load_mw", pl.Float64(), "Native load, MW (`NativeLoad`)."),
        Column("ard_demand_mw", pl.Float64(), "Asset-related demand (storage charging, pumping), MW (`ArdDemand`)."),
        *PROVENANCE_COLUMNS,
    ),
    primary_key=("interval_begin_utc",),
)

DEMAND_HOURLY = TableSchema(
    name="isone__demand_hourly",
    description=(
        "Day-ahead cleared and real-time hourly demand per load zone (`/dayaheadhourlydemand` and "
        "`/realtimehourlydemand`, `/day/{d}/location/{id}`). Real-time days arrive about 3 business days late."
    ),
    columns=(
        *_interval_columns("hourly"),
        Column("market", pl.Utf8(), "`DA` (day-ahead cleared demand) or `RT` (real-time demand).", nullable=False),
        Column("location_id", pl.Int32(), "Load zone location id, 4001–4008 (`@LocId`).", nullable=False),
        Column("location_name", pl.Utf8(), "Load zone name, e.g. `.Z.MAINE`.", nullable=False),
        Column("load_mw", pl.Float64(), "Demand, MW (`Load`)."),
        *PROVENANCE_COLUMNS,
    ),
    primary_key=("interval_begin_utc", "market", "location_id"),
)

SEVEN_DAY_FORECAST = TableSchema(
    name="isone__seven_day_forecast",
    description=(
        "ISO-NE's seven-day capacity forecast (`/sevendayforecast/day/{d}/all`), every issue of day d × its six "
        "market days (d+1…d+6). The operating day is the issue's day; the interval is the market day."
    ),
    columns=(
        Column("interval_begin_utc", UTC_DATETIME, "Start of the market day (local midnight), UTC.", nullable=False),
        Column("interval_end_utc", UTC_DATETIME, "End of the market day (next local midnight), UTC.", nullable=False),
        Column(
            "operating_day",
            pl.Date(),
            "The day the forecast was issued (America/New_York), the `{d}` it was fetched under; the partition key.",
            nullable=False,
        ),
        Column("market_day", pl.Date(), "The market day forecast (`MarketDate`, local date).", nullable=False),
        Column("issued_at_utc", UTC_DATETIME, "When ISO-NE issued the forecast (`CreationDate`), UTC.", nullable=False),
        Column("day_number", pl.Int32(), "ISO-NE's day index, 2–7 (`@Day` / `Day`): day 2 is the issue's next day."),
        Column("horizon_days", pl.Int32(), "Market day − issue day, in days (1–6).", nullable=False),
        Column("peak_load_mw", pl.Float64(), "Projected daily peak load, MW (`PeakLoadMw`)."),
        Column("cso_mw", pl.Float64(), "Capacity supply obligations, MW (`CsoMw`)."),
        Column("cold_weather_outages_mw", pl.Float64(), "Cold-weather outages, MW (`ColdWeatherOutagesMw`)."),
        Column("other_gen_outages_mw", pl.Float64(), "Other generator outages, MW (`OtherGenOutagesMw`)."),
        Column("delist_mw", pl.Float64(), "Delisted capacity, MW (`DelistMw`)."),
        Column("total_available_gen_mw", pl.Float64(), "Total available generation, MW (`TotAvailGenMw`)."),
        Column("peak_import_mw", pl.Float64(), "Imports at the peak, MW (`PeakImportMw`)."),
        Column(
            "total_available_gen_import_mw",
            pl.Float64(),
            "Available generation plus imports, MW (`TotAvailGenImportMw`).",
        ),
        Column("required_reserve_mw", pl.Float64(), "Required operating reserve, MW (`ReqdReserveMw`)."),
        Column("replacement_reserve_mw", pl.Float64(), "Replacement reserve requirement, MW (`ReplReserveReqMw`)."),
        Column(
            "required_reserve_incl_repl_mw",
            pl.Float64(),
            "Required reserve including replacement, MW (`ReqdReserveInclReplMw`).",
        ),
        Column(
            "load_plus_required_reserve_mw",
            pl.Float64(),
            "Peak load plus required reserve, MW (`TotLoadPlusReqdReserveMw`).",
        ),
        Column(
            "surplus_deficiency_mw",
            pl.Float64(),
            "Capacity surplus (+) or deficiency (−) at the peak, MW (`SurplusDeficiencyMw`).",
        ),
        Column("demand_response_mw", pl.Float64(), "Demand response, MW (`DrrMw`; `RtdrMw` in older issues)."),
        Column(
            "rt_emergency_gen_mw", pl.Float64(), "Real-time emergency generation, MW (`RtegMw`, older issues only)."
        ),
        Column("power_watch", pl.Boolean(), "Power caution: Power Watch declared (`PowerWatch` = Y)."),
        Column("power_warn", pl.Boolean(), "Power Warning declared (`PowerWarn` = Y)."),
        Column("cold_weather_watch", pl.Boolean(), "Cold Weather Watch (`ColdWeatherWatch` = Y)."),
        Column("cold_weather_warn", pl.Boolean(), "Cold Weather Warning (`ColdWeatherWarn` = Y)."),
        Column("cold_weather_event", pl.Boolean(), "Cold Weather Event (`ColdWeatherEvent` = Y)."),
        Column("boston_high_temp_f", pl.Float64(), "Forecast high temperature in Boston, °F."),
        Column("boston_dew_point_f", pl.Float64(), "Forecast dew point in Boston, °F."),
        Column("hartford_high_temp_f", pl.Float64(), "Forecast high temperature in Hartford, °F."),
        Column("hartford_dew_point_f", pl.Float64(), "Forecast dew point in Hartford, °F."),
        *PROVENANCE_COLUMNS,
    ),
    primary_key=("issued_at_utc", "market_day"),
)

RESERVE_ZONES: dict[int, str] = {7000: "ROS", 7001: "SWCT", 7002: "CT", 7003: "NEMABSTN"}
"""The 4 ISO-NE reserve zones, id -> name: the system (rest of system, ROS) and three local zones."""

_RESERVE_PRICE_COLUMNS: tuple[Column, ...] = (
    Column("reserve_zone_id", pl.Int32(), "Reserve zone id, 7000–7003 (`ReserveZoneId`).", nullable=False),
    Column("reserve_zone_name", pl.Utf8(), "ROS, SWCT, CT or NEMABSTN (`ReserveZoneName`).", nullable=False),
    Column(
        "ten_min_spin_requirement_mw",
        pl.Float64(),
        "Ten-minute spinning reserve requirement, MW (`TenMinSpinRequirement`; ROS only, null for local zones).",
    ),
    Column(
        "total_ten_min_requirement_mw",
        pl.Float64(),
        "Total ten-minute reserve requirement, MW (`Total10MinRequirement`; ROS only, null for local zones).",
    ),
    Column(
        "total_thirty_min_requirement_mw",
        pl.Float64(),
        "Total thirty-minute reserve requirement, MW (`Total30MinRequirement`).",
    ),
    Column("tmsr_designated_mw", pl.Float64(), "Ten-minute spinning reserve designated, MW (`TmsrDesignatedMw`)."),
    Column(
        "tmnsr_designated_mw", pl.Float64(), "Ten-minute non-spinning reserve designated, MW (`TmnsrDesignatedMw`)."
    ),
    Column("tmor_designated_mw", pl.Float64(), "Thirty-minute operating reserve designated, MW (`TmorDesignatedMw`)."),
    Column("tmsr_clearing_price", pl.Float64(), "Ten-minute spinning reserve clearing price, $/MWh."),
    Column("tmnsr_clearing_price", pl.Float64(), "Ten-minute non-spinning reserve clearing price, $/MWh."),
    Column("tmor_clearing_price", pl.Float64(), "Thirty-minute operating reserve clearing price, $/MWh."),
    Column(
        "price_status", pl.Utf8(), "`prelim` or `final`, from the API path (or the hourly wrapper).", nullable=False
    ),
)


def _reserve_price_table(name: str, grain: str, description: str) -> TableSchema:
    return TableSchema(
        name=name,
        description=description,
        columns=(*_interval_columns(grain), *_RESERVE_PRICE_COLUMNS, *PROVENANCE_COLUMNS),
        primary_key=("interval_begin_utc", "reserve_zone_id"),
    )


RESERVE_PRICES_5MIN = _reserve_price_table(
    "isone__reserve_prices_5min",
    "5-minute",
    "Real-time reserve requirements, designations and clearing prices per reserve zone every 5 minutes "
    "(`/fiveminutereserveprice/{prelim|final}/day/{d}`): 4 zones × 288 intervals (276/300 across DST).",
)
RESERVE_PRICES_HOURLY = _reserve_price_table(
    "isone__reserve_prices_hourly",
    "hourly",
    "Real-time reserve requirements, designations and clearing prices per reserve zone and hour "
    "(`/hourlyprelimreserveprice/day/{d}` and `/hourlyfinalreserveprice/day/{d}`).",
)

DA_RESERVES_HOURLY = TableSchema(
    name="isone__da_reserves_hourly",
    description=(
        "Day-ahead ancillary services (DASI) per hour, system-wide (`/daasreservedata/day/{d}`): requirements, "
        "clearing prices and designations. No data before operating day 2025-03-01."
    ),
    columns=(
        *_interval_columns("hourly"),
        Column("ten_min_spin_req_mw", pl.Float64(), "Ten-minute spinning reserve requirement, MW."),
        Column("total_ten_min_req_mw", pl.Float64(), "Total ten-minute reserve requirement, MW."),
        Column("total_thirty_min_req_mw", pl.Float64(), "Total thirty-minute reserve requirement, MW."),
        Column("forecasted_energy_req_mw", pl.Float64(), "Forecast energy requirement (FER), MW."),
        Column("tmsr_clearing_price", pl.Float64(), "Ten-minute spinning reserve clearing price, $/MWh."),
        Column("tmnsr_clearing_price", pl.Float64(), "Ten-minute non-spinning reserve clearing price, $/MWh."),
        Column("tmor_clearing_price", pl.Float64(), "Thirty-minute operating reserve clearing price, $/MWh."),
        Column("fer_clearing_price", pl.Float64(), "Forecast energy requirement clearing price, $/MWh."),
        Column("tmsr_designation_mw", pl.Float64(), "Ten-minute spinning reserve designated, MW."),
        Column("tmnsr_designation_mw", pl.Float64(), "Ten-minute non-spinning reserve designated, MW."),
        Column("tmor_designation_mw", pl.Float64(), "Thirty-minute operating reserve designated, MW."),
        Column("eir_designation_mw", pl.Float64(), "Energy imbalance reserve designated, MW."),
        *PROVENANCE_COLUMNS,
    ),
    primary_key=("interval_begin_utc",),
)

DA_STRIKE_PRICES_HOURLY = TableSchema(
    name="isone__da_strike_prices_hourly",
    description=(
        "Day-ahead ancillary services strike prices per hour (`/daasstrikeprices/day/{d}`), every published "
        "vintage (`strike_price_timestamp`): one row per hour and publication."
    ),
    columns=(
        *_interval_columns("hourly"),
        Column(
            "published_at_utc",
            UTC_DATETIME,
            "When ISO-NE published the strike prices (`strike_price_timestamp`), UTC: the vintage.",
            nullable=False,
        ),
        Column("strike_price", pl.Float64(), "Strike price, $/MWh."),
        Column("spc_load_forecast_mw", pl.Float64(), "Load forecast the strike price was calculated with, MW."),
        Column("percentile_10_rt_hub_lmp", pl.Float64(), "10th percentile of the expected RT hub LMP, $/MWh."),
        Column("percentile_25_rt_hub_lmp", pl.Float64(), "25th percentile of the expected RT hub LMP, $/MWh."),
        Column("percentile_75_rt_hub_lmp", pl.Float64(), "75th percentile of the expected RT hub LMP, $/MWh."),
        Column("percentile_90_rt_hub_lmp", pl.Float64(), "90th percentile of the expected RT hub LMP, $/MWh."),
        Column("expected_rt_hub_lmp", pl.Float64(), "Expected RT hub LMP, $/MWh."),
        Column("expected_rt_hub_lmp_override", pl.Float64(), "Operator override of the expected RT hub LMP, $/MWh."),
        Column("expected_closeout_charge", pl.Float64(), "Expected close-out charge, $/MWh."),
        Column("expected_closeout_charge_override", pl.Float64(), "Operator override of the close-out charge, $/MWh."),
        *PROVENANCE_COLUMNS,
    ),
    primary_key=("interval_begin_utc", "published_at_utc"),
)

_REPORT_COLUMNS: tuple[Column, ...] = (
    Column("report_type", pl.Utf8(), "`ReportType` as sent, e.g. `Preliminary`, `Final`, `Morning Report`.", False),
    Column("issued_at_utc", UTC_DATETIME, "When ISO-NE issued the report (`CreationDate`), UTC.", nullable=False),
)


def _mw(name: str, field: str, what: str) -> Column:
    return Column(name, pl.Float64(), f"{what}, MW (`{field}`).")


MORNING_REPORT = TableSchema(
    name="isone__morning_report",
    description=(
        "ISO-NE's morning report (`/morningreport/day/{d}/all`): one row per report issued for the operating day "
        "(Preliminary and Final up to 2024-12-19, three a day from 2024-12-20). The interval is the operating day."
    ),
    columns=(
        *_interval_columns("operating-day"),
        *_REPORT_COLUMNS,
        Column("peak_load_yesterday_hour_begin_utc", UTC_DATETIME, "Begin of the prior day's peak hour, UTC."),
        _mw("peak_load_yesterday_mw", "PeakLoadYesterdayMw", "Prior day's peak load"),
        _mw("cso_mw", "CsoMw", "Capacity supply obligations"),
        _mw("cap_additions_mw", "CapAdditionsMw", "Capacity additions"),
        _mw("gen_outages_reduction_mw", "GenOutagesReductionMW", "Generator outages and reductions"),
        _mw("gen_planned_outages_reduction_mw", "GenPlannedOutagesReductionMW", "Planned outages (from 2025-07)"),
        _mw("gen_forced_outages_reduction_mw", "GenForcedOutagesReductionMW", "Forced outages (from 2025-07)"),
        _mw("uncommitted_gen_before_peak_mw", "UncommittedGenBeforePeakMw", "Uncommitted generation before the peak"),
        _mw("uncommitted_available_gen_mw", "UncommittedAvailGenMw", "Uncommitted available generation"),
        _mw("drr_capacity_mw", "DRRCapacityMw", "Demand response resource capacity"),
        _mw("uncommitted_available_drr_mw", "UncommitedAvailDRRMw", "Uncommitted available demand response"),
        _mw("net_capacity_delivery_mw", "NetCapDeliveryMw", "Net scheduled interchange (negative: import)"),
        _mw("total_available_capacity_mw", "TotAvailCapMw", "Total available capacity"),
        Column("peak_load_today_hour_begin_utc", UTC_DATETIME, "Begin of the forecast peak hour, UTC."),
        _mw("peak_load_today_mw", "PeakLoadTodayMw", "Forecast peak load"),
        _mw("total_operating_reserve_requirement_mw", "TotalOperReserveReqMw", "Total operating reserve requirement"),
        _mw("capacity_required_mw", "CapRequiredMw", "Capacity required: peak load plus operating reserve"),
        _mw("surplus_deficiency_mw", "SurplusDeficiencyMw", "Capacity surplus (+) or deficiency (−)"),
        _mw("replacement_reserve_required_mw", "ReplReserveRequiredMw", "Replacement reserve requirement"),
        _mw("excess_commit_mw", "ExcessCommitMw", "Excess commitment: surplus less replacement reserve"),
        _mw("largest_first_contingency_mw", "LargestFirstContMw", "Largest first contingency"),
        _mw("ams_peak_load_exp_mw", "AmsPeakLoadExpMw", "AMS expected peak load"),
        Column("nyiso_sar_available", pl.Boolean(), "NYISO shared activation of reserves available (`NyIsoSarAvail`)."),
        _mw("ten_min_reserve_requirement_mw", "TenMinReserveReqMw", "Ten-minute reserve requirement"),
        _mw("ten_min_reserve_estimate_mw", "TenMinReserveEstMw", "Ten-minute reserve estimate"),
        _mw("thirty_min_reserve_requirement_mw", "ThirtyMinReserveReqMw", "Thirty-minute reserve requirement"),
        _mw("thirty_min_reserve_estimate_mw", "ThirtyMinReserveEstMw", "Thirty-minute reserve estimate"),
        _mw("expected_op4_actions_mw", "ExpActOp4Mw", "Expected OP-4 actions"),
        _mw("additional_cap_available_op4_mw", "AddlCapAvailOp4ActMw", "Additional capacity available from OP-4"),
        _mw("non_committed_units_cap_mw", "NonCommUnitsCapMw", "Capacity of non-committed units"),
        Column(
            "units_committed_min_orr_count",
            pl.Int64(),
            "Units committed for minimum operating reserve requirement (`UnitCommMinOrrCount`).",
        ),
        _mw("units_committed_min_orr_mw", "UnitCommMinOrrMw", "Capacity of the units committed for minimum ORR"),
        Column("non_market_sensitive_comments", pl.Utf8(), "Free-text comments (`NonMrktSensComnts`)."),
        Column("geomag_dist_forecast", pl.Utf8(), "Geomagnetic disturbance forecast (`GeoMagDistForecast`)."),
        Column("geomag_dist_alert", pl.Utf8(), "Geomagnetic disturbance alert (`GeoMagDistAlert`)."),
        Column("geomag_dist_intensity", pl.Utf8(), "Geomagnetic disturbance intensity (`GeoMagDistIntensity`)."),
        Column(
            "geomag_dist_observed_activity",
            pl.Utf8(),
            "Observed geomagnetic activity (`GeoMagDistObsActivity`; a number is stored as its text).",
        ),
        Column("geomag_dist_iso_action", pl.Utf8(), "ISO-NE's geomagnetic action (`GeoMagDistIsoAction`)."),
        Column(
            "geomag_dist_other_control_area_action",
            pl.Utf8(),
            "Other control areas' geomagnetic action (`GeoMagDistOthCntrAction`).",
        ),
        *PROVENANCE_COLUMNS,
    ),
    primary_key=("issued_at_utc", "report_type"),
)

MORNING_REPORT_INTERCHANGE = TableSchema(
    name="isone__morning_report_interchange",
    description=(
        "The interchange of each morning report, one row per report and tie (`InterchangeDetail` merged with "
        "`TieDelivery` by tie name). Negative MW = import into New England."
    ),
    columns=(
        *_interval_columns("operating-day"),
        *_REPORT_COLUMNS,
        Column("tie_name", pl.Utf8(), "Tie, e.g. `NB`, `NYISO AC`, `Phase 2` (alias `Phase II`), `NECEC`.", False),
        _mw("scheduled_mw", "ScheduledMw", "Scheduled interchange (negative: import)"),
        _mw("import_limit_mw", "ImportLimitInMw", "Import limit (negative)"),
        _mw("export_limit_mw", "ExportLimitOutMw", "Export limit"),
        _mw("tie_flow_mw", "TieFlowMw", "Tie flow counted in the net capacity delivery (negative: import)"),
        *PROVENANCE_COLUMNS,
    ),
    primary_key=("issued_at_utc", "report_type", "tie_name"),
)

MORNING_REPORT_WEATHER = TableSchema(
    name="isone__morning_report_weather",
    description="The city forecasts of each morning report (`CityForecastDetail`), one row per report and city.",
    columns=(
        *_interval_columns("operating-day"),
        *_REPORT_COLUMNS,
        Column("city_name", pl.Utf8(), "City, `Boston` or `Hartford` (`CityName`).", nullable=False),
        Column("high_temperature_f", pl.Float64(), "Forecast high temperature, °F (`HighTemperature`)."),
        Column("weather_conditions", pl.Utf8(), "Forecast conditions as sent, e.g. `Partly Cloudy`."),
        Column("wind_dir_speed", pl.Utf8(), "Wind as sent (`WindDirSpeed`), e.g. `SE-11`."),
        Column("wind_direction", pl.Utf8(), "Wind direction, e.g. `SE` (null when `WindDirSpeed` does not parse)."),
        Column("wind_speed_mph", pl.Float64(), "Wind speed, mph (null when `WindDirSpeed` does not parse)."),
        *PROVENANCE_COLUMNS,
    ),
    primary_key=("issued_at_utc", "report_type", "city_name"),
)

STD_TABLES: dict[str, TableSchema] = {
    t.name: t
    for t in (
        SYSTEM_LOAD_5MIN,
        ZONAL_LOAD_5MIN,
        LMP_RT_5MIN,
        LMP_DA_HOURLY,
        LMP_RT_HOURLY,
        FUEL_MIX,
        LOCATIONS,
        LOAD_FORECAST_HOURLY,
        LOAD_FORECAST_ZONAL_HOURLY,
        LOAD_HOURLY,
        DEMAND_HOURLY,
        SEVEN_DAY_FORECAST,
        RESERVE_PRICES_5MIN,
        RESERVE_PRICES_HOURLY,
        DA_RESERVES_HOURLY,
        DA_STRIKE_PRICES_HOURLY,
        MORNING_REPORT,
        MORNING_REPORT_INTERCHANGE,
        MORNING_REPORT_WEATHER,
    )
}


def table(name: str) -> TableSchema:
    """Look a std table up by its name (`isone__…`), with an error that lists the known ones."""
    try:
        return STD_TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known: {sorted(STD_TABLES)}") from None


# -- revisions: values a later answer replaced, kept -------------------------------------------------------------


def _values_before_after(table: TableSchema, values: tuple[str, ...], before: str, after: str) -> tuple[Column, ...]:
    """`<before>_<v>` and `<after>_<v>` for each value column `v` of `table`, typed as there."""
    by_name = {c.name: c for c in table.columns}
    return tuple(
        Column(f"{label}_{v}", by_name[v].dtype, f"{by_name[v].description} ({label}).")
        for v in values
        for label in (before, after)
    )


def price_revisions_table(table: TableSchema, values: tuple[str, ...]) -> TableSchema:
    """`<table>_revisions`: the intervals whose final value differs from the preliminary one it replaced, with both
    (filled by the transaction that writes the final day)."""
    by_name = {c.name: c for c in table.columns}
    series = tuple(c for c in table.primary_key if c != "interval_begin_utc")
    carried = tuple(by_name[c] for c in (*series, *(f"{s.removesuffix('_id')}_name" for s in series)) if c in by_name)
    return TableSchema(
        name=f"{table.name}_revisions",
        description=(
            f"Revisions of {table.qualified_name}: every interval whose final value differs from the preliminary one "
            "it replaced, with both, written in the same transaction as the final day."
        ),
        columns=(
            *table.columns[:3],
            *carried,
            *_values_before_after(table, values, "prelim", "final"),
            Column(
                "prelim_fetched_at_utc", UTC_DATETIME, "When the preliminary value was fetched, UTC.", nullable=False
            ),
            Column("final_fetched_at_utc", UTC_DATETIME, "When the final value was fetched, UTC.", nullable=False),
        ),
        primary_key=("interval_begin_utc", *series),
    )


LMP_RT_5MIN_REVISIONS = price_revisions_table(
    LMP_RT_5MIN, ("lmp", "energy_component", "congestion_component", "loss_component")
)
LMP_RT_HOURLY_REVISIONS = price_revisions_table(
    LMP_RT_HOURLY, ("lmp", "energy_component", "congestion_component", "loss_component")
)

PRICE_REVISION_COVERAGE = TableSchema(
    name="isone__price_revision_coverage",
    description=(
        "What each prelim → final replacement compared: per dataset, operating day and location, the intervals that "
        "had a preliminary and a final value, and how many of them changed."
    ),
    columns=(
        Column("dataset", pl.Utf8(), "The priced std table, e.g. `isone__lmp_rt_5min`.", nullable=False),
        Column("operating_day", pl.Date(), "ISO-NE operating day; the partition key.", nullable=False),
        Column("location_id", pl.Int32(), "Location (or reserve zone) id.", nullable=False),
        Column("prelim_intervals", pl.Int64(), "Intervals stored as preliminary before the final day.", nullable=False),
        Column("final_intervals", pl.Int64(), "Intervals of the final day.", nullable=False),
        Column(
            "intervals_compared", pl.Int64(), "Intervals with both a preliminary and a final value.", nullable=False
        ),
        Column("intervals_revised", pl.Int64(), "Of those, intervals where any value changed.", nullable=False),
        Column("compared_at_utc", UTC_DATETIME, "When the final values were fetched, UTC.", nullable=False),
    ),
    primary_key=("dataset", "operating_day", "location_id"),
)

LOAD_REVISIONS = TableSchema(
    name="isone__load_revisions",
    description=(
        "Late corrections of load: every re-fetched interval whose value differs from the one stored before, "
        "with both, one row per correction (a value corrected twice has two rows)."
    ),
    columns=(
        Column("dataset", pl.Utf8(), "The load std table, e.g. `isone__system_load_5min`.", nullable=False),
        *_interval_columns("load"),
        Column("area", pl.Utf8(), "`SYSTEM`, or the load zone name.", nullable=False),
        Column("zone_id", pl.Int32(), "Load zone id (null for the system)."),
        Column("previous_load_mw", pl.Float64(), "The value stored before, MW."),
        Column("corrected_load_mw", pl.Float64(), "The value that replaced it, MW."),
        Column("previous_fetched_at_utc", UTC_DATETIME, "When the replaced value was fetched, UTC.", nullable=False),
        Column("corrected_fetched_at_utc", UTC_DATETIME, "When the correction was fetched, UTC.", nullable=False),
    ),
    primary_key=("dataset", "interval_begin_utc", "area", "corrected_fetched_at_utc"),
)


RESERVE_PRICES_5MIN_REVISIONS = price_revisions_table(
    RESERVE_PRICES_5MIN, ("tmsr_clearing_price", "tmnsr_clearing_price", "tmor_clearing_price")
)
RESERVE_PRICES_HOURLY_REVISIONS = price_revisions_table(
    RESERVE_PRICES_HOURLY, ("tmsr_clearing_price", "tmnsr_clearing_price", "tmor_clearing_price")
)

REVISION_TABLES: dict[str, TableSchema] = {
    t.name: t
    for t in (
        LMP_RT_5MIN_REVISIONS,
        LMP_RT_HOURLY_REVISIONS,
        RESERVE_PRICES_5MIN_REVISIONS,
        RESERVE_PRICES_HOURLY_REVISIONS,
        PRICE_REVISION_COVERAGE,
        LOAD_REVISIONS,
    )
}
"""The tables that keep replaced values (`lib/revisions.py` writes them inside the std write transaction)."""
