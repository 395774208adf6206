"""Range rules: values a feed can physically or commercially have, with the bounds its declaration gives.

Each feed declares its ranges (`lib.feed.ValueRange`: rule name, columns, bounds, unit, inclusive, severity, whether
NULL offends) in `defs/<domain>/feeds.py`; `declared_range` evaluates one and `range_description` words it. Today:
`load_in_range` (ERROR, loads, exclusive, NULL offends), `lmp_in_hard_range` (ERROR, NULL offends) and
`lmp_in_typical_range` (WARN: rare real prices fall outside), `fuel_mw_non_negative` (ERROR, gen_mw ≥ 0, NULL offends).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb

from isone_platform.lib.dq.outcome import RuleOutcome, Severity, outcome, precheck
from isone_platform.lib.dq.sql import collect, days_filter, quote
from isone_platform.lib.feed import ValueRange
from isone_platform.lib.schemas import TableSchema


def spaced_number(value: float) -> str:
    """A number as the rule descriptions print it: thousands spaced, a typographic minus (-1000.0 -> "−1 000")."""
    text = f"{abs(value):,.0f}" if value == int(value) else f"{abs(value):,}"
    return ("−" if value < 0 else "") + text.replace(",", " ")


def range_text(bounds: tuple[float, float], *, inclusive: bool) -> str:
    """`[low, high]` or `(low, high)` with `spaced_number`s, so descriptions quote the constants themselves."""
    opening, closing = ("[", "]") if inclusive else ("(", ")")
    return f"{opening}{spaced_number(bounds[0])}, {spaced_number(bounds[1])}{closing}"


def _offending_values_sql(
    schema: TableSchema,
    days: Sequence[date] | None,
    column: str,
    low: float | None,
    high: float | None,
    *,
    inclusive: bool,
    nulls_offend: bool,
) -> str:
    """The rows whose `column` is outside the bounds (or NULL, if that offends), with the value and which side."""
    key = ", ".join(quote(c) for c in schema.primary_key)
    c = quote(column)
    lo_op, hi_op = (">=", "<=") if inclusive else (">", "<")
    bounds = []
    if low is not None:
        bounds.append(f"{c} {lo_op} {low}")
    if high is not None:
        bounds.append(f"{c} {hi_op} {high}")
    cond = f"NOT ({' AND '.join(bounds)})" + (f" OR {c} IS NULL" if nulls_offend else "")
    return (
        f"SELECT {key}, '{column}' AS column_name, {c} AS value, "
        f"CASE WHEN {c} IS NULL THEN 'null' WHEN {c} {'<' if inclusive else '<='} {low if low is not None else 'NULL'} "
        f"THEN 'below' ELSE 'above' END AS issue "
        f"FROM {schema.qualified_name} WHERE {days_filter(schema, days)} AND ({cond})"
    )


def value_in_range(
    con: duckdb.DuckDBPyConnection,
    schema: TableSchema,
    days: Sequence[date] | None,
    *,
    rule: str,
    columns: Sequence[str],
    low: float | None,
    high: float | None,
    inclusive: bool,
    nulls_offend: bool,
    severity: Severity,
    unit: str,
) -> RuleOutcome:
    """Values of `columns` within [low, high] (`inclusive`) or (low, high); NULL offends if `nulls_offend`."""
    early = precheck(rule, con, schema, days, severity)
    if early is not None:
        return early
    key = ", ".join(quote(c) for c in schema.primary_key)
    parts = [
        _offending_values_sql(schema, days, c, low, high, inclusive=inclusive, nulls_offend=nulls_offend)
        for c in columns
    ]
    count, rows = collect(con, " UNION ALL ".join(parts), f"column_name, {key}")
    bracket = ("[", "]") if inclusive else ("(", ")")
    lower = "-inf" if low is None else f"{low:g}"
    upper = "inf" if high is None else f"{high:g}"
    span = f"{bracket[0]}{lower}, {upper}{bracket[1]} {unit}"
    cols = ", ".join(columns)
    return outcome(
        rule,
        schema,
        days,
        severity,
        count,
        rows,
        f"{cols} within {span}" + (" and never NULL" if nulls_offend else ""),
        f"{count} value(s) of {cols} outside {span}" + (" or NULL" if nulls_offend else ""),
    )


def declared_range(
    con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None, *, value_range: ValueRange
) -> RuleOutcome:
    """The range rule a feed declares (`value_range`), on its table."""
    low, high = value_range.bounds
    return value_in_range(
        con,
        schema,
        days,
        rule=value_range.rule,
        columns=value_range.columns,
        low=low,
        high=high,
        inclusive=value_range.inclusive,
        nulls_offend=value_range.nulls_offend,
        severity=value_range.severity,
        unit=value_range.unit,
    )


def bounds_text(bounds: tuple[float | None, float | None], *, inclusive: bool) -> str:
    """`in [low, high]` (or `in (low, high)`), or `≥ low` / `≤ high` for a range open on one side."""
    low, high = bounds
    if low is not None and high is not None:
        return f"in {range_text((low, high), inclusive=inclusive)}"
    if low is not None:
        return f"{'≥' if inclusive else '>'} {spaced_number(low)}"
    assert high is not None, "a range needs a bound"
    return f"{'≤' if inclusive else '<'} {spaced_number(high)}"


def range_description(value_range: ValueRange) -> str:
    """The rule's description, quoting the declared bounds: "LMP in [−1 000, 5 000] $/MWh and not NULL."."""
    label = value_range.label or ", ".join(value_range.columns)
    bounds = bounds_text(value_range.bounds, inclusive=value_range.inclusive)
    nulls = " and not NULL" if value_range.nulls_offend else ""
    return f"{label} {bounds} {value_range.unit}{nulls}{value_range.note}."
