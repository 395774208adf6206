"""Plain-text output of the commands (`dq`, `catalog`, `status`): aligned tables, sizes and ages for a reader.

Why shared: the commands print side by side in one terminal, so a size or an age reads the same in each.
"""

from __future__ import annotations

from typing import Any, TextIO


def print_table(rows: list[list[Any]], header: list[str], out: TextIO, indent: str = "  ") -> None:
    """Print rows as an aligned text table: numeric columns right-aligned, a rule under the header."""
    text = [[("" if v is None else str(v)) for v in row] for row in [header, *rows]]
    widths = [max(len(r[i]) for r in text) for i in range(len(header))]
    numeric = [
        all(is_number(r[i]) for r in text[1:] if r[i]) and any(r[i] for r in text[1:]) for i in range(len(header))
    ]
    for n, row in enumerate(text):
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [c.rjust(w) if numeric[i] and n else c.ljust(w) for i, (c, w) in pairs]
        print(indent + "  ".join(cells).rstrip(), file=out)
        if n == 0:
            print(indent + "  ".join("-" * w for w in widths), file=out)


def is_number(text: str) -> bool:
    try:
        float(text.replace(",", "").rstrip("%"))
        return True
    except ValueError:
        return False


def human_bytes(n: float) -> str:
    """`512 B`, `1.5 kB`, `3.2 MB`, `1.1 GB` (powers of 1024)."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


AGE_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def human_age(seconds: float | None) -> str:
    """`45s`, `12m`, `3h 5m`, `2d 4h`: the two largest units, for how long ago something happened."""
    if seconds is None:
        return ""
    left = max(0, int(seconds))
    parts = []
    for unit, size in AGE_UNITS:
        if left >= size or (unit == "s" and not parts):
            parts.append(f"{left // size}{unit}")
            left %= size
        if len(parts) == 2:
            break
    return " ".join(parts) + " ago"
