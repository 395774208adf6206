"""SQL literals for operating days, shared by the warehouse writes, the DQ rules and the DQ snapshot.

Why literals and not parameters: the day lists go into `IN (...)` filters and VALUES lists whose length
varies per call, inside SQL that is built as text anyway; a `date` renders only as `YYYY-MM-DD`, so nothing
can be injected.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date


def date_sql(day: date) -> str:
    """`DATE 'YYYY-MM-DD'`."""
    return f"DATE '{day.isoformat()}'"


def days_sql(days: Iterable[date]) -> str:
    """The distinct `days`, sorted, as a comma-separated list of DATE literals for an `IN (...)` filter."""
    return ", ".join(date_sql(d) for d in sorted(set(days)))
