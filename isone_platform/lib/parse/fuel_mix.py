"""Generation fuel mix (`/genfuelmix`): irregular snapshots with seconds, a varying set of fuels per snapshot."""

from __future__ import annotations

import polars as pl

from isone_platform.lib.parse.common import (
    ParseContext,
    ParseError,
    ParseResult,
    check_fields,
    extract_records,
    load_json,
    numbers,
    timestamps,
    with_operating_day,
    with_provenance,
)
from isone_platform.lib.schemas import FUEL_MIX

MARGINAL_FLAGS = {"Y": True, "N": False, None: None}


def parse_fuel_mix(body: bytes, ctx: ParseContext) -> ParseResult:
    """Rows per snapshot and fuel. `interval_end_utc` is provisional (begin) until `snapshot_ends` runs on the day."""
    records = extract_records(load_json(body, ctx), ("GenFuelMixes", "GenFuelMix"), ctx)
    warnings = check_fields(
        records, ("BeginDate", "FuelCategory", "GenMw"), ("FuelCategoryRollup", "MarginalFlag"), ctx
    )
    fuels = [r["FuelCategory"] for r in records]
    if any(not isinstance(f, str) or not f for f in fuels):
        raise ParseError(ctx, "field 'FuelCategory' is empty or not a string in some record(s)")
    flags = [r.get("MarginalFlag") for r in records]
    unknown = {f for f in flags if f not in MARGINAL_FLAGS}
    if unknown:
        raise ParseError(ctx, f"field 'MarginalFlag' has values other than Y/N: {sorted(map(str, unknown))}")
    begin = timestamps("interval_begin_utc", [r["BeginDate"] for r in records], ctx)
    frame = pl.DataFrame(
        [
            begin,
            begin.alias("interval_end_utc"),
            pl.Series("fuel_category", fuels, dtype=pl.Utf8),
            pl.Series("fuel_category_rollup", [r.get("FuelCategoryRollup") for r in records], dtype=pl.Utf8),
            numbers("gen_mw", [r.get("GenMw") for r in records], ctx, warnings),
            pl.Series("is_marginal", [MARGINAL_FLAGS[f] for f in flags], dtype=pl.Boolean),
        ]
    )
    frame = with_provenance(with_operating_day(frame, ctx), ctx)
    return ParseResult(FUEL_MIX.conform(frame), warnings)
