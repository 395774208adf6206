"""Records → ISO-NE JSON bytes.

A :class:`Payload` holds records as ``dict[key, json-fragment]`` (values already serialised, so that
rendering is a string join) plus per-record metadata used by the data faults. Numbers are written
exactly as ISO-NE writes them: whole values as integers (``0``, ``849``), others with at most 2
(prices) or 3 (loads) decimals, compact separators.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

EMPTY_STRING = '""'
EMPTY_OBJECT = "{}"

_cents_cache: dict[int, str] = {}


def fmt_cents(c: int) -> str:
    s = _cents_cache.get(c)
    if s is None:
        if c % 100 == 0:
            s = str(c // 100)
        else:
            a = -c if c < 0 else c
            s = f"{'-' if c < 0 else ''}{a // 100}.{a % 100:02d}".rstrip("0")
        if len(_cents_cache) < 500_000:
            _cents_cache[c] = s
    return s


def fmt_milli(m: int) -> str:
    if m % 1000 == 0:
        return str(m // 1000)
    a = -m if m < 0 else m
    return f"{'-' if m < 0 else ''}{a // 1000}.{a % 1000:03d}".rstrip("0")


def fmt_num(x: float) -> str:
    """Generic JSON number: whole floats as integers, others as the shortest repr."""
    if x != x:  # NaN never published
        return "null"
    if float(x).is_integer():
        return str(int(x))
    return repr(round(float(x), 6))


def q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


@dataclass
class Payload:
    """One response: wrapper description + records (key → JSON fragment)."""

    feed: str  # "sysload" | "zonal" | "lmp" | "hourly_lmp" | "fuel" | "hourly_sysload" | "locations"
    style: str  # "plural" | "top_list" (top-level singular key, list) | "top_single" | "snake"
    plural: str
    singular: str
    order: list[str]  # key order used to write each record
    records: list[dict] = field(default_factory=list)
    meta: list[tuple] = field(default_factory=list)  # (location id or None, BeginDate string or None)
    empty: str = EMPTY_STRING  # '""' or '{}' for an empty result
    single_as_object: bool = True  # exactly one record → object instead of list (plural style only)
    measures: tuple[str, ...] = ()  # measurement keys, for data faults
    snake_root: str = "isone_web_services"
    force_empty: str | None = None  # set by the empty_wrapper fault

    def body_records(self) -> str:
        order = self.order
        kp = {k: f'"{k}":' for k in order}
        extra_keys = False
        for r in self.records:
            if len(r) > len(order) or any(k not in kp for k in r):
                extra_keys = True
                break
        out = []
        if not extra_keys:
            for r in self.records:
                out.append("{" + ",".join([kp[k] + r[k] for k in order if k in r]) + "}")
        else:
            for r in self.records:
                ks = [k for k in order if k in r] + [k for k in r if k not in kp]
                out.append("{" + ",".join([f'"{k}":{r[k]}' for k in ks]) + "}")
        return out

    def render(self) -> bytes:
        if self.force_empty is not None:
            return self._wrap(None, self.force_empty).encode()
        if not self.records:
            return self._wrap(None, self.empty).encode()
        items = self.body_records()
        if self.style in ("plural", "top_single") and self.single_as_object and len(items) == 1:
            inner = items[0]
        else:
            inner = "[" + ",".join(items) + "]"
        return self._wrap(inner, None).encode()

    def _wrap(self, inner: str | None, empty: str | None) -> str:
        if self.style == "snake":
            if inner is None:
                return f'{{"{self.snake_root}":{{"{self.plural}":{empty}}}}}'
            return f'{{"{self.snake_root}":{{"{self.plural}":{{"{self.singular}":{inner}}}}}}}'
        if self.style in ("top_list", "top_single"):
            if inner is None:
                return f'{{"{self.plural}":{empty}}}'
            return f'{{"{self.singular}":{inner}}}'
        if inner is None:
            return f'{{"{self.plural}":{empty}}}'
        return f'{{"{self.plural}":{{"{self.singular}":{inner}}}}}'


def service_info(creation: str | None, latest: str | None) -> bytes:
    if latest is None:
        return b'{"ServiceInfo":{}}'
    return f'{{"ServiceInfo":{{"CreationDate":"{creation}","LatestBeginDate":"{latest}"}}}}'.encode()
