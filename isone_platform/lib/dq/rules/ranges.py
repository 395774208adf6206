"""Range rules: values a feed can physically or commercially have.

`load_in_range` (ERROR): system and zonal loads in `LOAD_RANGE_MW` (exclusive), NULL counts as offending;
`lmp_in_hard_range` (ERROR): LMP in `LMP_HARD_RANGE` $/MWh, NULL offending; `lmp_in_typical_range` (WARN): LMP in
`LMP_TYPICAL_RANGE` (rare real prices fall outside); `fuel_mw_non_negative` (ERROR): gen_mw ≥ 0, NULL offending.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb

from isone_platform.lib.dq.outcome import RuleOutcome, Severity, outcome, precheck
from isone_platform.lib.dq.sql import collect, days_filter, quote
from isone_platform.lib.schemas import TableSchema

LOAD_RANGE_MW = (0.0, 40_000.0)  # exclusive
LMP_HARD_RANGE = (-1_000.0, 5_000.0)  # inclusive, ERROR
LMP_TYPICAL_RANGE = (-150.0, 1_000.0)  # inclusive, WARN

LOAD_COLUMNS: dict[str, tuple[str, ...]] = {
    "isone__system_load_5min": ("load_mw", "native_load_mw", "system_load_btm_pv_mw", "native_load_btm_pv_mw"),
    "isone__zonal_load_5min": ("load_mw",),
}


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
    span = f"{bracket[0]}{'-inf' if low is None else f'{low:g}'}, {'inf' if high is None else f'{high:g}'}{bracket[1]} {unit}"
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


def load_in_range(con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None) -> RuleOutcome:
    """Loads in `LOAD_RANGE_MW` (exclusive); NULL offends."""
    return value_in_range(
        con,
        schema,
        days,
        rule="load_in_range",
        columns=LOAD_COLUMNS[schema.name],
        low=LOAD_RANGE_MW[0],
        high=LOAD_RANGE_MW[1],
        inclusive=False,
        nulls_offend=True,
        severity="ERROR",
        unit="MW",
    )


def lmp_in_hard_range(con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None) -> RuleOutcome:
    """LMP in `LMP_HARD_RANGE` $/MWh, inclusive (ERROR: outside is a broken feed); NULL offends."""
    return value_in_range(
        con,
        schema,
        days,
        rule="lmp_in_hard_range",
        columns=("lmp",),
        low=LMP_HARD_RANGE[0],
        high=LMP_HARD_RANGE[1],
        inclusive=True,
        nulls_offend=True,
        severity="ERROR",
        unit="$/MWh",
    )


def lmp_in_typical_range(
    con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None
) -> RuleOutcome:
    """LMP in `LMP_TYPICAL_RANGE` $/MWh, inclusive (WARN: rare real prices fall outside)."""
    return value_in_range(
        con,
        schema,
        days,
        rule="lmp_in_typical_range",
        columns=("lmp",),
        low=LMP_TYPICAL_RANGE[0],
        high=LMP_TYPICAL_RANGE[1],
        inclusive=True,
        nulls_offend=False,
        severity="WARN",
        unit="$/MWh",
    )


def fuel_mw_non_negative(
    con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date] | None
) -> RuleOutcome:
    """Generation by fuel ≥ 0 MW; NULL offends."""
    return value_in_range(
        con,
        schema,
        days,
        rule="fuel_mw_non_negative",
        columns=("gen_mw",),
        low=0.0,
        high=None,
        inclusive=True,
        nulls_offend=True,
        severity="ERROR",
        unit="MW",
    )
