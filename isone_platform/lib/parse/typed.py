"""Typed path: msgspec decodes a body straight into the record structs a feed declares.

Why: polars' JSON reader builds a frame of every value it finds and then the fast path re-checks it for the ways
it was lenient (numbers read as text, unknown keys dropped, booleans as 0/1): three passes over an all-node
RT 5-minute LMP day (73 MB). msgspec validates while it decodes, about twice as fast per byte, and it is strict
exactly where our contract is: a JSON number is never a `str`, a string or boolean never a `float`, an unknown
key of a record is an error (`forbid_unknown_fields`), a missing required field is an error, NaN and overflowing
numbers are errors. Any such error means "not the plain shape": the parser falls back to its Python path, which
owns every error and warning (as for the polars fast path, `common.NotFast`). Equality with the Python path is
tested on every quirk body, simulator day and real recorded body (isone_platform_tests/test_parse_fast_path.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import polars as pl

from isone_platform.lib.parse import common
from isone_platform.lib.parse.common import NotFast, ParseContext, ParseError
from isone_platform.lib.schemas import UTC_DATETIME

RecordList = list[Any]
Decoder = Callable[[bytes], RecordList]
"""A body to its plain records, or NotFast."""


def wrapper_decoder(path: tuple[str, str], record: type) -> Decoder:
    """A decoder of `{"Plural": {"Singular": [records]}}`, or of the singular key at the top level holding the
    list (`current` endpoints), into a list of `record` structs; NotFast for any other shape, for an empty list
    (the Python path owns the empty forms and their frames) and for anything msgspec refuses.

    Keys beside the wrapper are refused too: the Python path ignores them, so the fallback stays correct."""
    plural, singular = path
    inner = msgspec.defstruct(f"{plural}Inner", [(singular, list[record])], forbid_unknown_fields=True)
    outer = msgspec.defstruct(
        f"{plural}Body",
        [
            (plural, inner | msgspec.UnsetType, msgspec.UNSET),
            (singular, list[record] | msgspec.UnsetType, msgspec.UNSET),
        ],
        forbid_unknown_fields=True,
    )
    decoder = msgspec.json.Decoder(outer)

    def decode(body: bytes) -> RecordList:
        if not common.fast_path_enabled():
            raise NotFast("disabled")
        try:
            doc = decoder.decode(body)
        except msgspec.MsgspecError as exc:
            raise NotFast(str(exc)) from None
        wrapped, top = getattr(doc, plural), getattr(doc, singular)
        if (wrapped is msgspec.UNSET) == (top is msgspec.UNSET):
            raise NotFast("wrapper")
        records = getattr(wrapped, singular) if top is msgspec.UNSET else top
        if not records:
            raise NotFast("no records")
        return records

    return decode


def strings(name: str, values: Sequence[str | None]) -> pl.Series:
    """Utf8 column of a decoded string field (msgspec has already refused any other JSON type)."""
    return pl.Series(name, values, dtype=pl.Utf8)


def floats(name: str, values: Sequence[float | None]) -> pl.Series:
    """Float64 column of a decoded number field (JSON integers arrive as floats, nulls as None)."""
    return pl.Series(name, values, dtype=pl.Float64)


def ids(name: str, values: list[int | str]) -> pl.Series:
    """Int32 ids from JSON digit strings (`@LocId`) or integers, all of one kind; anything a strict cast refuses
    (spaces, overflow, mixed kinds) goes to the Python path."""
    for kind in (pl.Utf8, pl.Int64):
        try:
            return pl.Series(name, values, dtype=kind, strict=True).cast(pl.Int32, strict=True)
        except (pl.exceptions.PolarsError, OverflowError, TypeError):
            continue
    raise NotFast(f"{name} not plain ids")


def timestamps(name: str, values: list[str], ctx: ParseContext) -> pl.Series:
    """UTC datetimes of ISO-NE timestamp strings: each distinct string (a body has a dozen) is parsed once by
    `common.timestamps`, whose format rules decide (a bad one: NotFast), then looked up per record in Python,
    which is cheaper than a string column and a join."""
    distinct = list(dict.fromkeys(values))
    try:
        parsed = common.timestamps(name, distinct, ctx)
    except ParseError:
        raise NotFast(f"{name} not timestamps") from None
    micros = dict(zip(distinct, parsed.dt.epoch("us").to_list(), strict=True))
    return pl.Series(name, [micros[v] for v in values], dtype=pl.Int64).cast(UTC_DATETIME)
