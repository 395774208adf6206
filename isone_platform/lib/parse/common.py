"""What every ISO-NE feed shares: JSON wrappers, empty results, numbers that may be strings, offset timestamps.

Pure functions from bytes to lists and columns; the feed modules build their frames from these.
"""

from __future__ import annotations

import io
import json
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from isone_platform.lib.schemas import UTC_DATETIME, TableSchema

# ISO-NE writes local wall time with an explicit offset and milliseconds: 2024-11-03T01:00:00.000-04:00
ISONE_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S%.3f%z"

FIVE_MINUTES = timedelta(minutes=5)
"""The grain of the five-minute feeds (load, RT LMPs): parsers derive interval ends from it, datasets declare it."""

ONE_HOUR = timedelta(hours=1)
"""The grain of the hourly feeds (hourly load, demand, load forecasts): a `BeginDate` stands for the hour it starts."""


class ParseError(ValueError):
    """A body that cannot be turned into rows. The message names the feed, the day and what was wrong."""

    def __init__(self, ctx: ParseContext, message: str):
        self.ctx = ctx
        super().__init__(f"{ctx.feed} {ctx.describe_day()} ({ctx.source_path}): {message}")


@dataclass(frozen=True)
class ParseContext:
    """Where a body came from: used for provenance columns and for error messages."""

    feed: str
    day: date | None
    source_path: str
    fetched_at: datetime
    body_sha256: str

    def describe_day(self) -> str:
        return f"day {self.day.isoformat()}" if self.day else "(no day)"


@dataclass
class ParseResult:
    frame: pl.DataFrame
    warnings: list[str] = field(default_factory=list)


def load_json(body: bytes, ctx: ParseContext) -> Any:
    if not body.strip():
        raise ParseError(ctx, "empty body where JSON was expected")
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        snippet = body[:80].decode("utf-8", "replace")
        hint = "truncated JSON" if exc.pos >= len(body.rstrip()) - 1 else "invalid JSON"
        raise ParseError(ctx, f"{hint} at byte {exc.pos} of {len(body)} ({exc.msg}); body starts {snippet!r}") from None


def extract_records(doc: Any, path: Sequence[str], ctx: ParseContext) -> list[dict]:
    """The records at `path` (e.g. ("FiveMinLmps", "FiveMinLmp")) in one of the shapes the API uses.

    - `{"Plural": {"Singular": [...]}}`, or a single record as an object instead of a list of one;
    - `{"Singular": [...]}` / `{"Singular": {...}}` at the top level (`current` endpoints);
    - empty results as `{"Plural": ""}`, `{"Plural": {}}`, `{"Plural": {"Singular": []}}` or a missing inner key.
    """
    if not isinstance(doc, Mapping):
        raise ParseError(ctx, f"expected a JSON object at the top level, got {type(doc).__name__}")
    node: Any = doc
    top = path[0]
    if top not in doc:
        # `current` endpoints drop the plural wrapper: the singular key sits at the top level.
        if len(path) > 1 and path[-1] in doc:
            node = {path[-1]: doc[path[-1]]}
            path = path[-1:]
        else:
            raise ParseError(ctx, f"expected top-level key {top!r} (or {path[-1]!r}), got {sorted(doc)[:5]}")
    for depth, key in enumerate(path):
        if node in ("", None) or (isinstance(node, Mapping) and not node):
            return []
        if not isinstance(node, Mapping):
            raise ParseError(ctx, f"expected an object at {'.'.join(path[:depth]) or 'top'}, got {type(node).__name__}")
        if key not in node:
            if depth == 0:
                raise ParseError(ctx, f"missing key {key!r}")
            return []
        node = node[key]
    if node in ("", None):
        return []
    if isinstance(node, Mapping):
        return [dict(node)]
    if isinstance(node, list):
        bad = next((r for r in node if not isinstance(r, Mapping)), None)
        if bad is not None:
            raise ParseError(ctx, f"expected records as objects in {'.'.join(path)}, got {type(bad).__name__}")
        return node
    raise ParseError(ctx, f"expected a list of records at {'.'.join(path)}, got {type(node).__name__}")


def as_list(node: Any, field: str, ctx: ParseContext) -> list[dict]:
    """A nested collection (`MarketDay`, `Weather.CityWeather`) as a list of records: the API writes one record as
    an object instead of a list of one, and nothing as `""`, `{}` or null, as it does for the outer wrappers."""
    if node is None or node == "" or (isinstance(node, Mapping) and not node):
        return []
    if isinstance(node, Mapping):
        return [dict(node)]
    if isinstance(node, list) and all(isinstance(r, Mapping) for r in node):
        return node
    raise ParseError(ctx, f"field {field!r} must be a record or a list of records, got {type(node).__name__}")


def check_fields(
    records: Iterable[Mapping], required: Iterable[str], known: Iterable[str], ctx: ParseContext
) -> list[str]:
    """Raise on a missing required field; return warnings for fields this parser does not know."""
    shapes = Counter(tuple(r) for r in records)  # records of one body share a few key sets; count those, not keys
    required = tuple(required)
    known_set = set(known) | set(required)
    extra: set[str] = set()
    for keys, count in shapes.items():
        present = set(keys)
        missing = [f for f in required if f not in present]
        if missing:
            raise ParseError(ctx, f"required field {missing[0]!r} missing from {count} record(s)")
        extra |= present - known_set
    if extra:
        return [f"{ctx.feed} {ctx.describe_day()}: ignoring unknown field(s) {sorted(extra)}"]
    return []


def numbers(name: str, values: list, ctx: ParseContext, warnings: list[str]) -> pl.Series:
    """Float64 column from JSON numbers (ints for whole values), nulls, or numeric strings like "123.4".

    NaN, ±Infinity and text that is no number ("NaN", "n/a") come out as NaN here: `finite_or_null` then
    stores them as NULL with a warning naming the field and its intervals, which this column cannot know.
    """
    try:
        return pl.Series(name, values, dtype=pl.Float64, strict=False if _only_numbers(values) else True)
    except (TypeError, ValueError, pl.exceptions.PolarsError):
        pass
    out: list[float | None] = []
    coerced = 0
    for i, v in enumerate(values):
        if v is None or isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(None if v is None else _float(v))
        elif isinstance(v, str):
            number = _float(v) if v.strip() else None
            coerced += number is None or math.isfinite(number)  # not-a-number text is finite_or_null's to report
            out.append(number)
        else:
            raise ParseError(ctx, f"field {name!r} of record {i} is not a number: {v!r}")
    if coerced:
        warnings.append(f"{ctx.feed} {ctx.describe_day()}: {coerced} numeric string(s) in {name!r} read as numbers")
    return pl.Series(name, out, dtype=pl.Float64)


def measures(name: str, values: list, ctx: ParseContext, warnings: list[str]) -> pl.Series:
    """`numbers`, with a JSON boolean an error naming the field: polars would store it as 0 or 1, which no MW or
    price means (`numbers` itself keeps its behaviour for the feeds that use it)."""
    bad = next((i for i, v in enumerate(values) if isinstance(v, bool)), None)
    if bad is not None:
        raise ParseError(ctx, f"field {name!r} of record {bad} is not a number: {values[bad]!r}")
    return numbers(name, values, ctx, warnings)


def _float(value: int | float | str) -> float:
    """The value as a float; NaN for text that is no number and for integers beyond float's range."""
    try:
        return float(value)
    except (ValueError, OverflowError):
        return math.nan


# How many intervals a not-a-number warning names (the count covers all).
NAMED_INTERVALS = 3
# Columns that, with the interval, say which series a value belongs to.
SERIES_COLUMNS = ("location_id", "zone_id", "fuel_category", "reserve_zone_id")


def finite_or_null(
    frame: pl.DataFrame, fields: Mapping[str, str], ctx: ParseContext, warnings: list[str]
) -> pl.DataFrame:
    """NULL in place of NaN, ±Infinity or not-a-number text in the measurement columns (`fields`: API field ->
    column), with one warning per field naming the first intervals. Such a value is no measurement: stored as
    NaN it would pass range checks unnoticed and turn every sum and average over it into NaN."""
    measured = {api: col for api, col in fields.items() if frame.schema.get(col) == pl.Float64}
    if not measured or frame.is_empty():
        return frame
    counts = frame.select((~pl.col(col).is_finite()).sum() for col in measured.values()).row(0)
    bad = {api: (col, n) for (api, col), n in zip(measured.items(), counts, strict=True) if n}
    for api, (col, n) in bad.items():
        warnings.append(
            f"{ctx.feed} {ctx.describe_day()}: {n} value(s) of field {api!r} ({col}) are NaN, "
            f"Infinity or not a number, stored as NULL; {_intervals(frame, col, n)}"
        )
    return frame.with_columns(pl.when(pl.col(col).is_finite()).then(pl.col(col)).alias(col) for col, _ in bad.values())


def _named_interval(series_keys: list[str], begin: datetime, series: list[object]) -> str:
    """`2024-11-03T05:00:00Z location 4001`: one interval and the series it belongs to."""
    labels = (f"{k.split('_')[0]} {v}" for k, v in zip(series_keys, series, strict=True))
    return " ".join([f"{begin:%Y-%m-%dT%H:%M:%SZ}", *labels])


def _intervals(frame: pl.DataFrame, col: str, count: int) -> str:
    """`interval(s) 2024-11-03T05:00:00Z location 4001, … and N more`: the first rows where `col` is not finite."""
    keys = ["interval_begin_utc", *(c for c in SERIES_COLUMNS if c in frame.columns)]
    rows = frame.filter(~pl.col(col).is_finite()).select(keys).head(NAMED_INTERVALS).rows()
    named = ", ".join(_named_interval(keys[1:], begin, rest) for begin, *rest in rows)
    more = f" and {count - len(rows)} more" if count > len(rows) else ""
    return f"interval(s) {named}{more}"


def _only_numbers(values: list) -> bool:
    # strict=False would silently null strings, objects and lists; allow it only when there are none.
    return all(v is None or type(v) is float or type(v) is int for v in values)


def strings(name: str, values: list, ctx: ParseContext) -> pl.Series:
    """Utf8 column from JSON strings or nulls; any other JSON type is an error naming the field."""
    try:
        return pl.Series(name, values, dtype=pl.Utf8)
    except (TypeError, ValueError, pl.exceptions.PolarsError):
        i, bad = next((i, v) for i, v in enumerate(values) if v is not None and not isinstance(v, str))
        raise ParseError(ctx, f"field {name!r} of record {i} is not a string: {bad!r}") from None


def integers(name: str, values: list, ctx: ParseContext) -> pl.Series:
    """Int32 ids that the API writes as strings (`@LocId`) or integers (`LocationID`)."""
    try:
        return pl.Series(name, [int(v) for v in values], dtype=pl.Int32)
    except (TypeError, ValueError):
        bad = next(v for v in values if not _is_int_like(v))
        raise ParseError(ctx, f"field {name!r} is not an integer id: {bad!r}") from None


def _is_int_like(v: object) -> bool:
    try:
        int(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def timestamps(name: str, values: list | pl.Series, ctx: ParseContext) -> pl.Series:
    """UTC datetimes from ISO-NE offset timestamps; parsed once per distinct string (a day has few)."""
    if isinstance(values, pl.Series):
        if values.null_count():
            raise ParseError(ctx, f"field {name!r} is null in some record(s)")
        raw = values.cast(pl.Utf8).alias(name)
    else:
        if any(v is None for v in values):
            raise ParseError(ctx, f"field {name!r} is null in some record(s)")
        raw = strings(name, values, ctx)
    distinct = raw.unique()
    try:
        parsed = distinct.str.to_datetime(ISONE_TIMESTAMP_FORMAT, time_unit="us", strict=True)
    except pl.exceptions.PolarsError:
        bad = [v for v in distinct.to_list() if not _parses(v)][:3]
        raise ParseError(ctx, f"field {name!r} has timestamps not in ISO-NE's format: {bad}") from None
    lookup = pl.DataFrame({"raw": distinct, "ts": parsed.dt.convert_time_zone("UTC")})
    return raw.to_frame("raw").join(lookup, on="raw", how="left", maintain_order="left")["ts"].alias(name)


def _parses(value: str) -> bool:
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")
    except (TypeError, ValueError):
        return False
    return True


def with_provenance(frame: pl.DataFrame, ctx: ParseContext) -> pl.DataFrame:
    return frame.with_columns(
        pl.lit(ctx.source_path, dtype=pl.Utf8).alias("source_path"),
        pl.lit(ctx.fetched_at, dtype=UTC_DATETIME).alias("fetched_at_utc"),
        pl.lit(ctx.body_sha256, dtype=pl.Utf8).alias("body_sha256"),
    )


def hourly_result(
    table: TableSchema, frame: pl.DataFrame, fields: Mapping[str, str], ctx: ParseContext, warnings: list[str]
) -> ParseResult:
    """The last steps every hourly feed shares: the hour's end, NULL for not-a-number values, the partition's
    operating day and provenance, and the table's exact schema."""
    frame = frame.with_columns((pl.col("interval_begin_utc") + ONE_HOUR).alias("interval_end_utc"))
    frame = finite_or_null(frame, fields, ctx, warnings)
    frame = with_provenance(with_operating_day(frame, ctx), ctx)
    return ParseResult(table.conform(frame), warnings)


def with_operating_day(frame: pl.DataFrame, ctx: ParseContext) -> pl.DataFrame:
    if ctx.day is None:
        raise ParseError(ctx, "a partitioned feed needs the operating day it was requested for")
    return frame.with_columns(pl.lit(ctx.day, dtype=pl.Date).alias("operating_day"))


def timestamps_or_null(name: str, values: list, ctx: ParseContext) -> pl.Series:
    """UTC datetimes of an optional timestamp field (a peak hour): null or absent stays null, anything present
    must be an ISO-NE timestamp, as `timestamps` requires of a key."""
    present = [v for v in values if v is not None]
    parsed = iter(timestamps(name, present, ctx).to_list() if present else [])
    return pl.Series(name, [None if v is None else next(parsed) for v in values], dtype=UTC_DATETIME)


def require_unique(frame: pl.DataFrame, key: Sequence[str], fields: str, ctx: ParseContext) -> None:
    """Raise when rows share the table's key (`fields` names the API fields it comes from): storing both would
    break the key, and keeping either would drop a value silently."""
    repeated = frame.select(key).filter(frame.select(key).is_duplicated())
    if repeated.height:
        raise ParseError(ctx, f"{repeated.height} record(s) repeat their {fields}, e.g. {repeated.row(0)}")


def snake_records(doc: Any, path: Sequence[str], ctx: ParseContext, warnings: list[str]) -> list[dict]:
    """The records of a snake_case feed (`isone_web_services.day_ahead_reserves.day_ahead_reserve[]`) by
    gridstatus's `_safe_get` rule (isone_api_more_feeds.md §5.7): a missing key or a non-object on the way means
    no data. That is silent for the documented empty forms (`""`, `{}`, null) and a warning for anything else,
    which may be a new shape; one record may be an object instead of a list."""
    if not isinstance(doc, Mapping):
        raise ParseError(ctx, f"expected a JSON object at the top level, got {type(doc).__name__}")
    node: Any = doc
    for depth, key in enumerate(path):
        if isinstance(node, Mapping) and key in node:
            node = node[key]
            continue
        if node not in ("", None, {}, []):
            where = ".".join(path[:depth]) or "the top level"
            found = f"keys {sorted(node)[:5]}" if isinstance(node, Mapping) else repr(node)[:40]
            warnings.append(f"{ctx.feed} {ctx.describe_day()}: no {key!r} under {where} ({found}), read as no data")
        return []
    return as_list(node, ".".join(path), ctx)


def local_midnight_utc(day: pl.Expr) -> pl.Expr:
    """The UTC instant of a local date's midnight in New England (a day is 23 or 25 hours across DST)."""
    return day.cast(pl.Datetime("us")).dt.replace_time_zone("America/New_York").dt.convert_time_zone("UTC")


# ---------------------------------------------------------------------------------------------------------------
# Fast path: polars' native JSON reader.
#
# `json.loads` + per-field Python lists cost ~10 µs per record, 3+ s for an all-node day of 5-minute LMPs.
# polars reads the same bodies straight into typed columns several times faster. Its reader is lenient
# where our contract is not — a missing field and a null both become null, booleans are read as 0/1 in
# numeric columns, numbers as text in string columns, numeric strings turn a column into text — so each
# parser takes the fast path only for a body in exactly the expected shape, and otherwise falls back to its
# Python path, which owns every error and warning. The two paths give equal frames on every body the fast
# path accepts (isone_platform_tests/test_parse_fast_path.py).


class NotFast(Exception):
    """The body is not in the plain expected shape: parse it with the Python path."""


_NUMERIC = (pl.Int64, pl.Float64, pl.Null)
_fast_enabled = True


@contextmanager
def fast_path(enabled: bool) -> Iterator[None]:
    """Turn the fast path off (or on) within the block: for the equality tests and the benchmark's before/after."""
    global _fast_enabled
    before, _fast_enabled = _fast_enabled, enabled
    try:
        yield
    finally:
        _fast_enabled = before


def fast_path_enabled() -> bool:
    """Whether the fast paths (polars' reader here, msgspec in `typed.py`) may be tried."""
    return _fast_enabled


# A value in a string field that polars may have coerced from a JSON number or boolean.
_LOOKS_COERCED = r"^(?:-?[0-9][0-9.eE+-]*|true|false)$"


def fast_records(
    body: bytes, path: Sequence[str], fields: Iterable[str], schema: Mapping[str, pl.DataType] | None = None
) -> pl.DataFrame:
    """The records at `path` as a frame with one column per field, via polars' JSON reader.

    Raises NotFast unless the body is `{"Plural": {"Singular": [records]}}` (or the singular key at the top
    level holding a list), with at least one record, only fields from `fields`, and no JSON booleans.

    With `schema` (the usual record layout), the body is first read with that schema, which skips polars'
    inference pass (about half of its time). That read would drop unknown fields silently, so it is kept only
    when no value is null (every field present in every record) and the body's count of `:` bytes is exactly
    the keys of that layout plus the `:` inside string values: any other key adds a `:`. Otherwise the body is
    read again with full inference.
    """
    if not _fast_enabled:
        raise NotFast("disabled")
    if b"true" in body or b"false" in body:
        raise NotFast("booleans")  # read as 0/1 or "true" by polars; none of our feeds has any
    if schema is not None:
        records = _read_with_schema(body, path, schema)
        if records is not None:
            return records
    try:
        doc = pl.read_json(io.BytesIO(body), infer_schema_length=None)
    except Exception as exc:  # noqa: BLE001 - any failure means "not plain"; the Python path explains it
        raise NotFast(str(exc)) from None
    if doc.height != 1:
        raise NotFast("not one top-level object")
    if path[0] in doc.columns:
        keys = list(path)
    elif len(path) > 1 and path[-1] in doc.columns:
        keys = [path[-1]]
    else:
        raise NotFast("wrapper")
    node = doc.get_column(keys[0])
    for key in keys[1:]:
        if not isinstance(node.dtype, pl.Struct) or key not in {f.name for f in node.dtype.fields}:
            raise NotFast("wrapper")
        node = node.struct.field(key)
    return _records(node, fields)


def _records(node: pl.Series, fields: Iterable[str]) -> pl.DataFrame:
    dtype = node.dtype
    if not isinstance(dtype, pl.List) or not isinstance(dtype.inner, pl.Struct) or node.null_count():
        raise NotFast("not a list of records")
    names = [f.name for f in dtype.inner.fields]
    if not set(names) <= set(fields):
        raise NotFast("unknown fields")
    records = node.explode()
    if records.null_count():
        raise NotFast("null or empty record list")
    return records.struct.unnest()


def _read_with_schema(body: bytes, path: Sequence[str], schema: Mapping[str, pl.DataType]) -> pl.DataFrame | None:
    """The records read with the expected layout, or None when that read cannot be trusted (see fast_records)."""
    wrapped: pl.DataType = pl.List(pl.Struct(dict(schema)))
    for key in reversed(path[1:]):
        wrapped = pl.Struct({key: wrapped})
    try:
        doc = pl.read_json(io.BytesIO(body), schema={path[0]: wrapped})
        node = doc.get_column(path[0])
        for key in path[1:]:
            node = node.struct.field(key)
        if doc.height != 1 or node.null_count():
            return None
        records = node.explode()
        if records.null_count():
            return None
        records = records.struct.unnest()
    except Exception:  # noqa: BLE001 - not the usual layout: read with inference
        return None
    keys, colons_in_strings = len(path), 0
    for col in records.iter_columns():
        cols = col.struct.unnest().iter_columns() if isinstance(col.dtype, pl.Struct) else [col]
        for leaf in cols:
            if leaf.null_count():
                return None  # a null or a missing field: only the inferred read can tell them apart
            keys += records.height
            if leaf.dtype == pl.String:
                colons_in_strings += int(leaf.str.count_matches(":", literal=True).sum())
        if isinstance(col.dtype, pl.Struct):
            keys += records.height  # the struct's own key
    if body.count(b":") != keys + colons_in_strings:
        return None  # a key the layout does not know (or an escaped colon): let inference decide
    return records


def fast_numbers(records: pl.DataFrame, field: str, name: str, *, required: bool = False) -> pl.Series:
    """Float64 column of a numeric field (absent: all null). A required field may have no nulls here (polars
    cannot tell a null from a missing field, which is an error)."""
    if field not in records.columns:
        if required:
            raise NotFast(f"{field} missing")
        return pl.Series(name, [None] * records.height, dtype=pl.Float64)
    col = records.get_column(field)
    if col.dtype not in _NUMERIC or (required and col.null_count()):
        raise NotFast(f"{field} not plain numbers")
    return col.cast(pl.Float64).alias(name)


def fast_strings(col: pl.Series | None, name: str, height: int, *, required: bool = False) -> pl.Series:
    """Utf8 column of a string field (None: absent, all null); values polars may have coerced from JSON
    numbers or booleans, and nulls in a required field, send the body to the Python path."""
    if col is None:
        if required:
            raise NotFast(f"{name} missing")
        return pl.Series(name, [None] * height, dtype=pl.Utf8)
    if col.dtype not in (pl.String, pl.Null) or (required and col.null_count()):
        raise NotFast(f"{name} not plain strings")
    col = col.cast(pl.Utf8)
    if col.str.contains(_LOOKS_COERCED).any():
        raise NotFast(f"{name} holds number-like text")
    return col.alias(name)


def fast_integers(col: pl.Series | None, name: str) -> pl.Series:
    """Int32 ids from JSON integers or digit strings (anything else: the Python path)."""
    if col is None or col.dtype not in (pl.Int64, pl.String) or col.null_count():
        raise NotFast(f"{name} not plain ids")
    try:
        return col.cast(pl.Int32, strict=True).alias(name)
    except pl.exceptions.PolarsError:
        raise NotFast(f"{name} not plain ids") from None


def fast_timestamps(col: pl.Series | None, name: str, ctx: ParseContext) -> pl.Series:
    if col is None or col.dtype != pl.String:
        raise NotFast(f"{name} not timestamps")
    try:
        return timestamps(name, col, ctx)
    except ParseError:
        raise NotFast(f"{name} not timestamps") from None


def field_or_none(records: pl.DataFrame, field: str) -> pl.Series | None:
    return records.get_column(field) if field in records.columns else None
