"""Markdown tables for offending rows, shown in the Dagster UI's check metadata.

Why one renderer: the DQ checks and the mart reconciliation checks both show rows as a markdown table; cells
are escaped the same way (a `|` would split a cell, a newline would end the row).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from isone_platform.lib.dq.sql import plain


def _md_cell(value: Any) -> str:
    """One cell: the plain value (ISO dates), with `|` escaped and newlines flattened."""
    text = "" if value is None else str(plain(value))
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A markdown table with a header of `columns` and one line per row of values."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_md_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def rows_markdown(rows: list[dict[str, Any]]) -> str:
    """Rows as a markdown table (columns in first-seen order)."""
    if not rows:
        return "_none_"
    columns: list[str] = []
    for row in rows:
        columns.extend(c for c in row if c not in columns)
    return markdown_table(columns, ([row.get(c) for c in columns] for row in rows))
