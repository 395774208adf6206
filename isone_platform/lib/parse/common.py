"""What every ISO-NE feed shares: JSON wrappers, empty results, numbers that may be strings, offset timestamps.

Pure functions from bytes to lists and columns; the feed modules build their frames from these.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl

from isone_platform.lib.schemas import UTC_DATETIME

# ISO-NE writes local wall time with an explicit offset and milliseconds: 2024-11-03T01:00:00.000-04:00
ISONE_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S%.3f%z"


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
    """Float64 column from JSON numbers (ints for whole values), nulls, or numeric strings like "123.4"."""
    try:
        return pl.Series(name, values, dtype=pl.Float64, strict=False if _only_numbers(values) else True)
    except (TypeError, ValueError, pl.exceptions.PolarsError):
        pass
    out: list[float | None] = []
    coerced = 0
    for i, v in enumerate(values):
        if v is None or isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(None if v is None else float(v))
            continue
        if isinstance(v, str):
            try:
                out.append(float(v) if v.strip() else None)
                coerced += 1
                continue
            except ValueError:
                pass
        raise ParseError(ctx, f"field {name!r} of record {i} is not a number: {v!r}")
    if coerced:
        warnings.append(f"{ctx.feed} {ctx.describe_day()}: {coerced} numeric string(s) in {name!r} read as numbers")
    return pl.Series(name, out, dtype=pl.Float64)


def _only_numbers(values: list) -> bool:
    # strict=False would silently null strings; allow it only when there are none.
    return not any(isinstance(v, (str, bool)) for v in values)


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


def timestamps(name: str, values: list, ctx: ParseContext) -> pl.Series:
    """UTC datetimes from ISO-NE offset timestamps; parsed once per distinct string (a day has few)."""
    if any(v is None for v in values):
        raise ParseError(ctx, f"field {name!r} is null in some record(s)")
    raw = pl.Series(name, values, dtype=pl.Utf8)
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


def with_operating_day(frame: pl.DataFrame, ctx: ParseContext) -> pl.DataFrame:
    if ctx.day is None:
        raise ParseError(ctx, "a partitioned feed needs the operating day it was requested for")
    return frame.with_columns(pl.lit(ctx.day, dtype=pl.Date).alias("operating_day"))
