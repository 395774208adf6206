"""LMPs: real-time 5-minute (`/fiveminutelmp`), day-ahead and real-time hourly (`/hourlylmp`). One record shape."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import polars as pl

from isone_platform.lib.parse import typed
from isone_platform.lib.parse.common import (
    NotFast,
    ParseContext,
    ParseError,
    ParseResult,
    check_fields,
    extract_records,
    finite_or_null,
    integers,
    load_json,
    numbers,
    strings,
    timestamps,
    with_operating_day,
    with_provenance,
)
from isone_platform.lib.schemas import TableSchema

LMP_COMPONENTS = {
    "LmpTotal": "lmp",
    "EnergyComponent": "energy_component",
    "CongestionComponent": "congestion_component",
    "LossComponent": "loss_component",
}
FIVE_MINUTE_PATH = ("FiveMinLmps", "FiveMinLmp")
HOURLY_PATH = ("HourlyLmps", "HourlyLmp")


def parse_lmp(
    body: bytes,
    ctx: ParseContext,
    *,
    table: TableSchema,
    grain: timedelta,
    price_status: str,
) -> ParseResult:
    path = FIVE_MINUTE_PATH if grain < timedelta(hours=1) else HOURLY_PATH
    warnings: list[str] = []
    try:
        columns = _fast_columns(body, ctx, path)
    except NotFast:
        columns = _python_columns(body, ctx, path, warnings)
    frame = pl.DataFrame(columns).with_columns(
        (pl.col("interval_begin_utc") + grain).alias("interval_end_utc"),
        pl.lit(price_status, dtype=pl.Utf8).alias("price_status"),
    )
    frame = finite_or_null(frame, LMP_COMPONENTS, ctx, warnings)
    frame = with_provenance(with_operating_day(frame, ctx), ctx)
    return ParseResult(table.conform(frame), warnings)


REQUIRED = ("BeginDate", "Location", "LmpTotal")


class _Location(msgspec.Struct, kw_only=True, gc=False):
    """`Location` as msgspec reads it; keys beside these are ignored, as the Python path ignores them."""

    id: int | str = msgspec.field(name="@LocId")
    name: str = msgspec.field(name="$")
    type: str | None = msgspec.field(name="@LocType", default=None)


class _Lmp(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """One LMP record in the plain shape: the required fields present, components optional, nothing else."""

    BeginDate: str
    Location: msgspec.Raw  # its JSON text, validated but not decoded: see _location_columns
    LmpTotal: float | None
    EnergyComponent: float | None = None
    CongestionComponent: float | None = None
    LossComponent: float | None = None


_DECODERS: dict[tuple[str, str], typed.Decoder] = {
    path: typed.wrapper_decoder(path, _Lmp) for path in (FIVE_MINUTE_PATH, HOURLY_PATH)
}
_LOCATION = msgspec.json.Decoder(_Location)


def _fast_columns(body: bytes, ctx: ParseContext, path: tuple[str, str]) -> list[pl.Series]:
    """msgspec's typed decode (see parse/typed.py), for a body in exactly the plain shape; else NotFast.

    One comprehension per field with plain attribute access: the cheapest way from structs to columns."""
    records = _DECODERS[path](body)
    return [
        typed.timestamps("interval_begin_utc", [r.BeginDate for r in records], ctx),
        *_location_columns([bytes(r.Location) for r in records]),
        typed.floats("lmp", [r.LmpTotal for r in records]),
        typed.floats("energy_component", [r.EnergyComponent for r in records]),
        typed.floats("congestion_component", [r.CongestionComponent for r in records]),
        typed.floats("loss_component", [r.LossComponent for r in records]),
    ]


def _location_columns(texts: list[bytes]) -> list[pl.Series]:
    """Id, name and type of each record's `Location`, decoded once per distinct JSON text: a body repeats its
    ~1,200 locations in each of its intervals, and decoding each copy made 3 strings and a struct per record."""
    distinct: dict[bytes, int] = {}
    rows = pl.Series([distinct.setdefault(text, len(distinct)) for text in texts], dtype=pl.UInt32)
    try:
        locations = [_LOCATION.decode(text) for text in distinct]
    except msgspec.MsgspecError as exc:
        raise NotFast(f"Location: {exc}") from None
    return [
        typed.ids("location_id", [loc.id for loc in locations]).gather(rows),
        typed.strings("location_name", [loc.name for loc in locations]).gather(rows),
        typed.strings("location_type", [loc.type for loc in locations]).gather(rows),
    ]


def _python_columns(body: bytes, ctx: ParseContext, path: tuple[str, str], warnings: list[str]) -> list[pl.Series]:
    """json.loads and Python lists: every quirk, error and warning of the contract."""
    records = extract_records(load_json(body, ctx), path, ctx)
    warnings.extend(check_fields(records, REQUIRED, LMP_COMPONENTS, ctx))
    locations = [r["Location"] for r in records]
    bad = next((loc for loc in locations if not isinstance(loc, dict) or "@LocId" not in loc), None)
    if bad is not None:
        raise ParseError(ctx, f"field 'Location' must be an object with '@LocId', got {bad!r}")
    names = [loc.get("$") for loc in locations]
    if any(n is None for n in names):
        raise ParseError(ctx, "field 'Location' lacks its name ('$') in some record(s)")
    return [
        timestamps("interval_begin_utc", [r["BeginDate"] for r in records], ctx),
        integers("location_id", [loc["@LocId"] for loc in locations], ctx),
        strings("location_name", names, ctx),
        strings("location_type", [loc.get("@LocType") for loc in locations], ctx),
        *(numbers(col, [r.get(field) for r in records], ctx, warnings) for field, col in LMP_COMPONENTS.items()),
    ]
