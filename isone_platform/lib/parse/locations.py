"""Locations (`/locations/all`): the dimension every LMP location should join to."""

from __future__ import annotations

import polars as pl

from isone_platform.lib.parse.common import (
    ParseContext,
    ParseResult,
    check_fields,
    extract_records,
    integers,
    load_json,
    with_provenance,
)
from isone_platform.lib.schemas import LOCATIONS

OPTIONAL_FIELDS = {"LocationType": "location_type", "AreaType": "area_type", "NetworkNodeType": "network_node_type"}


def parse_locations(body: bytes, ctx: ParseContext) -> ParseResult:
    records = extract_records(load_json(body, ctx), ("Locations", "Location"), ctx)
    warnings = check_fields(records, ("LocationID", "LocationName"), OPTIONAL_FIELDS, ctx)
    frame = pl.DataFrame(
        [
            integers("location_id", [r["LocationID"] for r in records], ctx),
            pl.Series("location_name", [r["LocationName"] for r in records], dtype=pl.Utf8),
            *(pl.Series(col, [r.get(f) for r in records], dtype=pl.Utf8) for f, col in OPTIONAL_FIELDS.items()),
        ]
    )
    return ParseResult(LOCATIONS.conform(with_provenance(frame, ctx)), warnings)
