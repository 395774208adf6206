"""Records → ISO-NE JSON bytes.

A :class:`Payload` holds records whose values are already serialised JSON fragments — as column blocks
(:class:`Columns`, the fast path: one string join per response) or, once a data fault touches them, as
``dict[key, json-fragment]`` — plus per-record metadata used by the data faults. Numbers are written
exactly as ISO-NE writes them: whole values as integers (``0``, ``849``), others with at most 2
(prices) or 3 (loads) decimals, compact separators.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import numpy as np

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


def fmt_cents_list(a) -> list[str]:
    """``[fmt_cents(int(x)) for x in a.ravel()]`` for an integer numpy array, formatting each distinct value once."""
    flat = np.asarray(a, dtype=np.int64).ravel()
    if flat.size == 0:
        return []
    uniq, inv = np.unique(flat, return_inverse=True)
    strs = np.array([fmt_cents(c) for c in uniq.tolist()], dtype=object)
    return strs[inv.ravel()].tolist()


class Columns:
    """A block of records stored column-wise: ``cols[j][i]`` is the JSON fragment of ``keys[j]`` in record i.

    ``keys`` is the insertion order of the equivalent dict records; ``meta`` is a list of per-record
    (location id, BeginDate) tuples or a zero-argument callable producing it (only data faults need it).
    """

    __slots__ = ("keys", "cols", "n", "_meta")

    def __init__(self, keys, cols, meta: Sequence[tuple] | Callable[[], Sequence[tuple]]):
        self.keys = tuple(keys)
        self.cols = [c if isinstance(c, list) else list(c) for c in cols]
        self.n = len(self.cols[0]) if self.cols else 0
        if any(len(c) != self.n for c in self.cols):
            raise ValueError("columns of unequal length")
        self._meta = meta

    def records(self) -> list[dict]:
        keys = self.keys
        return [dict(zip(keys, vals, strict=True)) for vals in zip(*self.cols, strict=True)]

    def meta(self) -> list[tuple]:
        m = self._meta() if callable(self._meta) else self._meta
        if len(m) != self.n:
            raise ValueError("meta does not match the records")
        return list(m)

    def pieces(self, order) -> list[str]:
        """The block's records as JSON objects joined with ',', as a list of strings to ``"".join``.

        Keys are written in ``order`` (those the block has); the block must have no key outside ``order``.
        """
        index = {k: j for j, k in enumerate(self.keys)}
        ks = [k for k in order if k in index]
        n, m = self.n, len(ks)
        if m == 0:
            return [",".join(["{}"] * n)]
        step = 2 * m
        out: list = [None] * (step * n)
        out[0::step] = ['},{"' + ks[0] + '":'] * n
        out[0] = '{"' + ks[0] + '":'
        out[1::step] = self.cols[index[ks[0]]]
        for j in range(1, m):
            out[2 * j :: step] = [',"' + ks[j] + '":'] * n
            out[2 * j + 1 :: step] = self.cols[index[ks[j]]]
        out.append("}")
        return out


class Payload:
    """One response: wrapper description + records (key → JSON fragment).

    Records are held either as column blocks (:class:`Columns`, added by :meth:`add_columns`; rendered
    with one string join, no dict per record) or as a list of dicts. Reading :attr:`records` or
    :attr:`meta` (what data faults do) turns the blocks into dicts first; the rendered bytes are the same
    either way.
    """

    def __init__(
        self,
        feed: str,
        style: str,
        plural: str,
        singular: str,
        order: list[str],
        records: list[dict] | None = None,
        meta: list[tuple] | None = None,
        empty: str = EMPTY_STRING,
        single_as_object: bool = True,
        measures: tuple[str, ...] = (),
        snake_root: str = "isone_web_services",
        force_empty: str | None = None,
    ):
        self.feed = feed  # a key of api.ORDERS / api.MEASURES: "sysload", "lmp", "hlf", "rr", "sdf", ...
        self.style = style  # "plural" | "top_list" (top-level singular key, list) | "top_single" | "snake"
        self.plural = plural
        self.singular = singular
        self.order = order  # key order used to write each record
        self._records: list[dict] = records if records is not None else []
        self._meta: list[tuple] = meta if meta is not None else []  # (location id or None, BeginDate or None)
        self._blocks: list[Columns] = []
        self.empty = empty  # '""' or '{}' for an empty result
        self.single_as_object = single_as_object  # exactly one record → object instead of list (plural style only)
        self.measures = measures  # measurement keys, for data faults
        self.snake_root = snake_root
        self.force_empty = force_empty  # set by the empty_wrapper fault
        self.bare_empty = False  # snake_case feeds whose "no data" answer is {"isone_web_services":""} (DAAS)

    # -- records -------------------------------------------------------------------------------
    def add_columns(self, keys, cols, meta) -> None:
        block = Columns(keys, cols, meta)
        if block.n == 0:
            return
        if self._records:
            self._materialize()
            self._records.extend(block.records())
            self._meta.extend(block.meta())
        else:
            self._blocks.append(block)

    def _materialize(self) -> None:
        if self._blocks:
            blocks, self._blocks = self._blocks, []
            for b in blocks:
                self._records.extend(b.records())
                self._meta.extend(b.meta())

    @property
    def records(self) -> list[dict]:
        self._materialize()
        return self._records

    @records.setter
    def records(self, value: list[dict]) -> None:
        self._materialize()
        self._records = value

    @property
    def meta(self) -> list[tuple]:
        self._materialize()
        return self._meta

    @meta.setter
    def meta(self, value: list[tuple]) -> None:
        self._materialize()
        self._meta = value

    def __len__(self) -> int:
        return len(self._records) + sum(b.n for b in self._blocks)

    # -- rendering -----------------------------------------------------------------------------
    def _fast_ok(self) -> bool:
        """Blocks can be written directly iff no record key is missing from ``order`` (no 'extra keys')."""
        if not self._blocks or self._records:
            return False
        kp = set(self.order)
        return all(len(b.keys) <= len(self.order) and all(k in kp for k in b.keys) for b in self._blocks)

    def body_records(self) -> list[str]:
        self._materialize()
        order = self.order
        kp = {k: f'"{k}":' for k in order}
        extra_keys = False
        for r in self._records:
            if len(r) > len(order) or any(k not in kp for k in r):
                extra_keys = True
                break
        out = []
        if not extra_keys:
            for r in self._records:
                out.append("{" + ",".join([kp[k] + r[k] for k in order if k in r]) + "}")
        else:
            for r in self._records:
                ks = [k for k in order if k in r] + [k for k in r if k not in kp]
                out.append("{" + ",".join([f'"{k}":{r[k]}' for k in ks]) + "}")
        return out

    def render(self) -> bytes:
        if self.force_empty is not None:
            return self._wrap(None, self.force_empty).encode()
        n = len(self)
        if n == 0 and self.bare_empty and self.style == "snake":
            return f'{{"{self.snake_root}":""}}'.encode()
        if n == 0:
            return self._wrap(None, self.empty).encode()
        single = self.style in ("plural", "top_single") and self.single_as_object and n == 1
        head, tail = self._wrap("\0", None).split("\0")
        if not single:
            head, tail = head + "[", "]" + tail
        if self._fast_ok():
            parts = [head]
            for i, b in enumerate(self._blocks):
                if i:
                    parts.append(",")
                parts += b.pieces(self.order)
            parts.append(tail)
            return "".join(parts).encode()
        return (head + ",".join(self.body_records()) + tail).encode()

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
