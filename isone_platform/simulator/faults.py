"""Deterministic fault injection.

A :class:`Fault` matches request paths (the part after ``/api/v1.1``, without ``.json``) with an
``fnmatch`` glob and triggers on every matching request, on the first N matching requests, or with
probability p drawn from its own seeded RNG. Transport faults change the HTTP exchange; data faults
rewrite the record list before it is rendered (same request → same damaged records).

CLI syntax: ``PATTERN=KIND[:key=value]...`` — e.g. ``/fiveminutesystemload/*=429:first=2:retry_after=1``,
``*=503:p=0.2:seed=7``, ``/fiveminutelmp/*=missing_location:location_id=4003``. Keys: ``first``,
``p``, ``seed``, ``retry_after``, ``delay``, ``status``; any other key goes into ``params``.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from .render import EMPTY_STRING, Payload, fmt_num

TRANSPORT_KINDS = ("429", "500", "502", "503", "http_error", "reset", "slow", "truncated_json", "html_200")
DATA_KINDS = (
    "empty_wrapper",
    "duplicate_records",
    "out_of_order",
    "missing_zone",
    "missing_location",
    "null_values",
    "numeric_strings",
    "extra_field",
    "missing_field",
    "broken_sum",
    "out_of_range",
    "missing_intervals",
)
KINDS = TRANSPORT_KINDS + DATA_KINDS


@dataclass
class Fault:
    pattern: str
    kind: str
    first_n: int | None = None
    probability: float | None = None
    seed: int = 0
    retry_after: float = 1.0
    delay: float = 30.0
    status: int | None = None
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        self.kind = str(self.kind)
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(KINDS)}")
        if self.probability is not None and not (0.0 <= self.probability <= 1.0):
            raise ValueError("fault probability must be within [0, 1]")
        if not self.pattern.startswith("/") and not self.pattern.startswith("*"):
            self.pattern = "/" + self.pattern
        self._lock = threading.Lock()
        self._count = 0
        self._hits = 0
        self._rng = random.Random(self.seed)

    @classmethod
    def parse(cls, spec: str) -> Fault:
        spec = spec.strip()
        if "=" in spec.split(":", 1)[0]:
            pattern, _, rest = spec.partition("=")
        else:
            pattern, rest = "*", spec
        parts = rest.split(":")
        kind, opts = parts[0].strip(), parts[1:]
        kw: dict = {}
        params: dict = {}
        for opt in opts:
            if not opt:
                continue
            key, eq, val = opt.partition("=")
            if not eq:
                raise ValueError(f"bad fault option {opt!r} in {spec!r}: expected key=value")
            key = key.strip()
            val = val.strip()
            if key in ("first", "first_n"):
                kw["first_n"] = int(val)
            elif key in ("p", "probability"):
                kw["probability"] = float(val)
            elif key == "seed":
                kw["seed"] = int(val)
            elif key == "retry_after":
                kw["retry_after"] = float(val)
            elif key == "delay":
                kw["delay"] = float(val)
            elif key == "status":
                kw["status"] = int(val)
            else:
                try:
                    params[key] = int(val)
                except ValueError:
                    params[key] = val
        return cls(pattern=pattern.strip() or "*", kind=kind, params=params, **kw)

    def spec(self) -> str:
        s = f"{self.pattern}={self.kind}"
        if self.first_n is not None:
            s += f":first={self.first_n}"
        if self.probability is not None:
            s += f":p={self.probability:g}:seed={self.seed}"
        if self.kind == "429":
            s += f":retry_after={self.retry_after:g}"
        if self.kind == "slow":
            s += f":delay={self.delay:g}"
        if self.status is not None:
            s += f":status={self.status}"
        for k, v in self.params.items():
            s += f":{k}={v}"
        return s

    def matches(self, path: str) -> bool:
        return fnmatch.fnmatchcase(path, self.pattern)

    def trigger(self, path: str) -> bool:
        """Count a matching request and decide (deterministically) whether the fault fires."""
        if not self.matches(path):
            return False
        with self._lock:
            self._count += 1
            if self.first_n is not None:
                fire = self._count <= self.first_n
            elif self.probability is not None:
                fire = self._rng.random() < self.probability
            else:
                fire = True
            if fire:
                self._hits += 1
            return fire

    def as_dict(self) -> dict:
        return {
            "spec": self.spec(),
            "kind": self.kind,
            "pattern": self.pattern,
            "matched": self._count,
            "fired": self._hits,
        }

    @property
    def http_status(self) -> int:
        if self.status is not None:
            return self.status
        if self.kind in ("429", "500", "502", "503"):
            return int(self.kind)
        return 500


# ---------------------------------------------------------------------------------------------
# data faults


def _pick(rng: random.Random, n: int, frac: float) -> set[int]:
    if n == 0:
        return set()
    k = max(1, int(round(n * frac)))
    return set(rng.sample(range(n), min(k, n)))


def _num(fragment: str) -> float | None:
    try:
        return float(fragment.strip('"'))
    except ValueError:
        return None


def apply_data_fault(payload: Payload, fault: Fault, path: str) -> None:
    """Damage `payload`'s records the way `fault.kind` says, deterministically for (fault seed, kind, path)."""
    from .data import h64

    rng = random.Random(h64(fault.seed, fault.kind, path))
    _DATA_FAULTS[fault.kind](payload, fault, rng)


def _keep_records(payload: Payload, indexes: list[int]) -> None:
    """Keep (in this order) only the records at `indexes`, with their metadata."""
    recs, meta = payload.records, payload.meta
    payload.records = [recs[i] for i in indexes]
    payload.meta = [meta[i] for i in indexes]


def _empty_wrapper(payload: Payload, fault: Fault, rng: random.Random) -> None:
    payload.force_empty = EMPTY_STRING


def _duplicate_records(payload: Payload, fault: Fault, rng: random.Random) -> None:
    dup = _pick(rng, len(payload.records), 0.05)
    new_r, new_m = [], []
    for i, (r, m) in enumerate(zip(payload.records, payload.meta, strict=False)):
        new_r.append(r)
        new_m.append(m)
        if i in dup:
            new_r.append(dict(r))
            new_m.append(m)
    payload.records, payload.meta = new_r, new_m


def _out_of_order(payload: Payload, fault: Fault, rng: random.Random) -> None:
    n = len(payload.records)
    idx = list(range(n))
    rng.shuffle(idx)
    if n > 1 and idx == sorted(idx):
        idx.reverse()
    _keep_records(payload, idx)


def _missing_zone(payload: Payload, fault: Fault, rng: random.Random) -> None:
    drop = int(fault.params.get("zone_id", fault.params.get("location_id", 4003)))
    _keep_records(payload, [i for i, m in enumerate(payload.meta) if m[0] != drop])


def _missing_location(payload: Payload, fault: Fault, rng: random.Random) -> None:
    from .locations import universe

    default = next(loc.id for loc in universe().priced if loc.type == "NETWORK NODE")
    drop = int(fault.params.get("location_id", default))
    _keep_records(payload, [i for i, m in enumerate(payload.meta) if m[0] != drop])


def _null_values(payload: Payload, fault: Fault, rng: random.Random) -> None:
    recs, measures = payload.records, list(payload.measures)
    for i in _pick(rng, len(recs), 0.03):
        present = [k for k in measures if k in recs[i]]
        if present:
            recs[i][rng.choice(present)] = "null"


def _numeric_strings(payload: Payload, fault: Fault, rng: random.Random) -> None:
    for r in payload.records:
        for k in payload.measures:
            v = r.get(k)
            if v is not None and not v.startswith('"') and v != "null":
                r[k] = f'"{v}"'


def _extra_field(payload: Payload, fault: Fault, rng: random.Random) -> None:
    key = "unexpected_field" if payload.style == "snake" else "UnexpectedField"
    for r in payload.records:
        r[key] = '"sim"'
    if key not in payload.order:
        payload.order = list(payload.order) + [key]


def _missing_field(payload: Payload, fault: Fault, rng: random.Random) -> None:
    measures = list(payload.measures)
    key = fault.params.get("field") or (measures[0] if measures else None)
    if key:
        for i in _pick(rng, len(payload.records), 0.05):
            payload.records[i].pop(key, None)


def _broken_sum(payload: Payload, fault: Fault, rng: random.Random) -> None:
    if "LmpTotal" not in payload.measures:
        return
    recs = payload.records
    for i in _pick(rng, len(recs), 0.05):
        v = _num(recs[i].get("LmpTotal", "0"))
        if v is not None:
            recs[i]["LmpTotal"] = fmt_num(round(v + rng.choice((-4.0, -2.5, 2.5, 3.0, 5.0)), 2))


def _out_of_range(payload: Payload, fault: Fault, rng: random.Random) -> None:
    """A few records far outside any plausible value: an LMP of $6000 (components still adding up), or
    alternately a negative (-5) and a huge (45000) first measure."""
    for j, i in enumerate(sorted(_pick(rng, len(payload.records), 0.03))):
        r = payload.records[i]
        if "LmpTotal" in r:
            congestion = _num(r.get("CongestionComponent", "0")) or 0.0
            loss = _num(r.get("LossComponent", "0")) or 0.0
            r["LmpTotal"] = "6000"
            r["EnergyComponent"] = fmt_num(round(6000 - congestion - loss, 2))
            continue
        for k in payload.measures:
            if k in r:
                r[k] = "-5" if j % 2 == 0 else "45000"
                break


def _missing_intervals(payload: Payload, fault: Fault, rng: random.Random) -> None:
    stamps = sorted({m[1] for m in payload.meta if m[1] is not None})
    if stamps:
        k = min(len(stamps), max(1, len(stamps) // 50, 3 if len(stamps) > 10 else 1))
        gone = set(rng.sample(stamps, k))
        _keep_records(payload, [i for i, m in enumerate(payload.meta) if m[1] not in gone])


_DATA_FAULTS: dict[str, Callable[[Payload, Fault, random.Random], None]] = {
    "empty_wrapper": _empty_wrapper,
    "duplicate_records": _duplicate_records,
    "out_of_order": _out_of_order,
    "missing_zone": _missing_zone,
    "missing_location": _missing_location,
    "null_values": _null_values,
    "numeric_strings": _numeric_strings,
    "extra_field": _extra_field,
    "missing_field": _missing_field,
    "broken_sum": _broken_sum,
    "out_of_range": _out_of_range,
    "missing_intervals": _missing_intervals,
}
assert set(_DATA_FAULTS) == set(DATA_KINDS)
