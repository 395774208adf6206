"""Generation fuel mix (`/genfuelmix`): irregular snapshots with seconds, a varying set of fuels per snapshot."""

from __future__ import annotations

from datetime import date

import polars as pl

from isone_platform.lib.parse.common import (
    FIVE_MINUTES,
    NotFast,
    ParseContext,
    ParseError,
    ParseResult,
    check_fields,
    extract_records,
    fast_numbers,
    fast_records,
    fast_strings,
    fast_timestamps,
    field_or_none,
    finite_or_null,
    load_json,
    numbers,
    strings,
    timestamps,
    with_operating_day,
    with_provenance,
)
from isone_platform.lib.partitions import day_bounds_utc
from isone_platform.lib.schemas import FUEL_MIX

MARGINAL_FLAGS = {"Y": True, "N": False, None: None}


FUEL_MIX_PATH = ("GenFuelMixes", "GenFuelMix")
REQUIRED = ("BeginDate", "FuelCategory", "GenMw")
KNOWN = ("FuelCategoryRollup", "MarginalFlag")
MEASURES = {"GenMw": "gen_mw"}
# The usual record layout, read without inference when it fits (common.fast_records)
LAYOUT = {
    "BeginDate": pl.String,
    "GenMw": pl.Float64,
    "FuelCategoryRollup": pl.String,
    "FuelCategory": pl.String,
    "MarginalFlag": pl.String,
}


def parse_fuel_mix(body: bytes, ctx: ParseContext) -> ParseResult:
    """Rows per snapshot and fuel. `interval_end_utc` is provisional (begin) until `snapshot_ends` runs on the day."""
    warnings: list[str] = []
    try:
        begin, fuels, rollups, gen_mw, marginal = _fast_columns(body, ctx)
    except NotFast:
        begin, fuels, rollups, gen_mw, marginal = _python_columns(body, ctx, warnings)
    frame = pl.DataFrame([begin, begin.alias("interval_end_utc"), fuels, rollups, gen_mw, marginal])
    frame = finite_or_null(frame, MEASURES, ctx, warnings)
    frame = with_provenance(with_operating_day(frame, ctx), ctx)
    return ParseResult(FUEL_MIX.conform(frame), warnings)


def _fast_columns(body: bytes, ctx: ParseContext) -> tuple[pl.Series, ...]:
    """polars' JSON reader, for a body in exactly the usual shape (see common.fast_records); else NotFast."""
    records = fast_records(body, FUEL_MIX_PATH, (*REQUIRED, *KNOWN), LAYOUT)
    n = records.height
    fuels = fast_strings(field_or_none(records, "FuelCategory"), "fuel_category", n, required=True)
    if (fuels.str.len_bytes() == 0).any():
        raise NotFast("empty FuelCategory")
    flags = fast_strings(field_or_none(records, "MarginalFlag"), "is_marginal", n)
    if not flags.drop_nulls().is_in(["Y", "N"]).all():
        raise NotFast("MarginalFlag")
    return (
        fast_timestamps(field_or_none(records, "BeginDate"), "interval_begin_utc", ctx),
        fuels,
        fast_strings(field_or_none(records, "FuelCategoryRollup"), "fuel_category_rollup", n),
        fast_numbers(records, "GenMw", "gen_mw", required=True),
        (flags == "Y").alias("is_marginal"),
    )


def _python_columns(body: bytes, ctx: ParseContext, warnings: list[str]) -> tuple[pl.Series, ...]:
    records = extract_records(load_json(body, ctx), FUEL_MIX_PATH, ctx)
    warnings.extend(check_fields(records, REQUIRED, KNOWN, ctx))
    fuels = [r["FuelCategory"] for r in records]
    if any(not isinstance(f, str) or not f for f in fuels):
        raise ParseError(ctx, "field 'FuelCategory' is empty or not a string in some record(s)")
    flags = [r.get("MarginalFlag") for r in records]
    unknown = {f for f in flags if f not in MARGINAL_FLAGS}
    if unknown:
        raise ParseError(ctx, f"field 'MarginalFlag' has values other than Y/N: {sorted(map(str, unknown))}")
    return (
        timestamps("interval_begin_utc", [r["BeginDate"] for r in records], ctx),
        pl.Series("fuel_category", fuels, dtype=pl.Utf8),
        strings("fuel_category_rollup", [r.get("FuelCategoryRollup") for r in records], ctx),
        numbers("gen_mw", [r.get("GenMw") for r in records], ctx, warnings),
        pl.Series("is_marginal", [MARGINAL_FLAGS[f] for f in flags], dtype=pl.Boolean),
    )


def snapshot_ends(frame: pl.DataFrame, day: date | None) -> pl.DataFrame:
    """A fuel-mix snapshot holds until the next snapshot of the day; the last one for 5 minutes, within the day."""
    snapshots = frame.select("interval_begin_utc").unique().sort("interval_begin_utc")
    next_begin = snapshots["interval_begin_utc"].shift(-1)
    fallback = snapshots["interval_begin_utc"] + FIVE_MINUTES
    if day is not None:
        day_end = day_bounds_utc(day)[1]
        fallback = fallback.clip(upper_bound=day_end)
    ends = snapshots.with_columns(next_begin.fill_null(fallback).alias("_end"))
    return (
        frame.join(ends, on="interval_begin_utc", how="left", maintain_order="left")
        .with_columns(pl.col("_end").alias("interval_end_utc"))
        .drop("_end")
    )
