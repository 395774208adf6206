"""Endpoint routing and publication rules: path → Payload (or raw bytes) for a given clock time."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote

import numpy as np

from . import data
from .calendar import TZ, BadDate, day_bounds_epoch, fmt_epoch, grid, local_day_of, parse_day
from .locations import CORE_LOCATIONS, EXT_NODES, HUB_ID, LOAD_ZONES, SYSTEM_AREA, ZONE_IDS, ZONE_NAMES, universe
from .render import EMPTY_OBJECT, EMPTY_STRING, Payload, fmt_cents, fmt_cents_list, fmt_milli, q, service_info

DA_PUBLISH = (13, 30)  # DA LMPs for day D are published on D-1 at 13:30 local


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Ctx:
    """One request's inputs. Resolving a path also records how long its answer stays the same.

    Every publication test made while resolving narrows [valid_from, valid_to) to the instants at which
    that test gives the same result (:func:`_depends_on`). Handlers whose answer depends on the clock only
    through such tests set ``cacheable``; the server may then reuse the rendered body for any ``now`` in
    the interval (same path, seed, lag and final delay).
    """

    seed: int
    now: float  # epoch seconds (simulated)
    lag: float  # publication lag seconds
    final_delay: float  # seconds after the end of the operating day until FINAL LMPs are published
    valid_from: float = -math.inf
    valid_to: float = math.inf
    cacheable: bool = False

    def valid_at(self, now: float) -> bool:
        return self.valid_from <= now < self.valid_to


_RESERVE_KEYS = (
    "BeginDate",
    "ReserveZoneId",
    "ReserveZoneName",
    "TenMinSpinRequirement",
    "Total10MinRequirement",
    "Total30MinRequirement",
    "TmsrDesignatedMw",
    "TmnsrDesignatedMw",
    "TmorDesignatedMw",
    "TmsrClearingPrice",
    "TmnsrClearingPrice",
    "TmorClearingPrice",
)
_DAAS_KEYS = (
    "market_hour",
    "ten_min_spin_req_mw",
    "total_ten_min_req_mw",
    "total_thirty_min_req_mw",
    "forecasted_energy_req_mw",
    "tmsr_clearing_price",
    "tmnsr_clearing_price",
    "tmor_clearing_price",
    "fer_clearing_price",
    "tmsr_designation_mw",
    "tmnsr_designation_mw",
    "tmor_designation_mw",
    "eir_designation_mw",
)
_STRIKE_KEYS = (
    "market_hour",
    "strike_price_timestamp",
    "strike_price",
    "spc_load_forecast_mw",
    "percentile_10_rt_hub_lmp",
    "percentile_25_rt_hub_lmp",
    "percentile_75_rt_hub_lmp",
    "percentile_90_rt_hub_lmp",
    "expected_rt_hub_lmp",
    "expected_rt_hub_lmp_override",
    "expected_closeout_charge",
    "expected_closeout_charge_override",
)
_MR_MEASURES = (
    "PeakLoadTodayMw",
    "PeakLoadYesterdayMw",
    "CsoMw",
    "TotAvailCapMw",
    "NetCapDeliveryMw",
    "CapRequiredMw",
    "SurplusDeficiencyMw",
)

# key orders: the real API does not keep a stable key order; one of these is chosen per (seed, feed, day)
ORDERS = {
    "sysload": (
        ("BeginDate", "LoadMw", "NativeLoad", "ArdDemand", "SystemLoadBtmPv", "NativeLoadBtmPv"),
        ("SystemLoadBtmPv", "NativeLoadBtmPv", "NativeLoad", "LoadMw", "BeginDate", "ArdDemand"),
    ),
    "lmp": (
        ("BeginDate", "Location", "LmpTotal", "EnergyComponent", "CongestionComponent", "LossComponent"),
        ("LmpTotal", "CongestionComponent", "EnergyComponent", "LossComponent", "BeginDate", "Location"),
    ),
    "hourly_sysload": (
        ("BeginDate", "Location", "Load", "NativeLoad", "ArdDemand"),
        ("Load", "NativeLoad", "BeginDate", "ArdDemand", "Location"),
    ),
    "fuel": (
        ("BeginDate", "GenMw", "FuelCategoryRollup", "FuelCategory", "MarginalFlag"),
        ("MarginalFlag", "GenMw", "FuelCategoryRollup", "FuelCategory", "BeginDate"),
    ),
    "zonal": (
        ("interval_begin_date", "load_zone_id", "load_zone_name", "estimated_load_mw", "estimated_btm_pv_mw"),
        ("load_zone_id", "load_zone_name", "interval_begin_date", "estimated_btm_pv_mw", "estimated_load_mw"),
    ),
    # the forecast and demand feeds keep the recorded bodies' key order
    "hlf": (("BeginDate", "CreationDate", "LoadMw", "NetLoadMw"),),
    "rr": (("BeginDate", "CreationDate", "ReliabilityRegion", "LoadMw", "ReliabilityRegionLoadPercentage"),),
    "da_demand": (("BeginDate", "Location", "Load"),),
    "rt_demand": (("BeginDate", "Location", "Load"),),
    "sdf": (("BeginDate", "CreationDate", "MarketDay"),),
    "reserve": (_RESERVE_KEYS,),
    "daas": (_DAAS_KEYS,),
    "strike": (_STRIKE_KEYS,),
    "morning": (tuple(data.morning.KEY_ORDER),),
    "locations": (
        ("LocationID", "LocationType", "LocationName", "AreaType", "NetworkNodeType"),
        ("LocationID", "NetworkNodeType", "AreaType", "LocationType", "LocationName"),
    ),
}
MEASURES = {
    "sysload": ("LoadMw", "NativeLoad", "ArdDemand", "SystemLoadBtmPv", "NativeLoadBtmPv"),
    "lmp": ("LmpTotal", "EnergyComponent", "CongestionComponent", "LossComponent"),
    "hourly_lmp": ("LmpTotal", "EnergyComponent", "CongestionComponent", "LossComponent"),
    "hourly_sysload": ("Load", "NativeLoad", "ArdDemand"),
    "fuel": ("GenMw",),
    "zonal": ("estimated_load_mw", "estimated_btm_pv_mw"),
    "hlf": ("LoadMw", "NetLoadMw"),
    "rr": ("LoadMw", "ReliabilityRegionLoadPercentage"),
    "da_demand": ("Load",),
    "rt_demand": ("Load",),
    "sdf": (),
    "reserve": _RESERVE_KEYS[3:],
    "daas": _DAAS_KEYS[1:],
    "strike": _STRIKE_KEYS[2:],
    "morning": _MR_MEASURES,
    "locations": (),
}


def _order(ctx: Ctx, feed: str, day: date | None) -> list[str]:
    variants = ORDERS["lmp" if feed == "hourly_lmp" else feed]
    return list(variants[data.h64(ctx.seed, feed, str(day)) % len(variants)])


def _payload(
    ctx: Ctx,
    feed: str,
    day: date | None,
    style: str,
    plural: str,
    singular: str,
    empty: str,
    single_as_object: bool = True,
) -> Payload:
    return Payload(
        feed=feed,
        style=style,
        plural=plural,
        singular=singular,
        order=_order(ctx, feed, day),
        empty=empty,
        single_as_object=single_as_object,
        measures=MEASURES[feed],
    )


def _int_seg(text: str, what: str) -> int:
    if not re.fullmatch(r"\d{1,9}", text):
        raise ApiError(400, f"invalid {what} '{text}': expected an integer")
    return int(text)


def _hour_seg(text: str) -> int:
    if not re.fullmatch(r"\d{1,2}", text) or int(text) > 23:
        raise ApiError(400, f"invalid hour '{text}': expected 00-23 (local hour beginning)")
    return int(text)


def _day(text: str) -> date:
    try:
        return parse_day(text)
    except BadDate as exc:
        raise ApiError(400, str(exc)) from None


# ---------------------------------------------------------------------------------------------
# publication


def _depends_on(ctx: Ctx, times) -> None:
    """The answer being built depends on which of these publication instants are <= ctx.now."""
    t = np.asarray(times, dtype=np.float64).ravel()
    if t.size == 0:
        return
    past = t[t <= ctx.now]
    future = t[t > ctx.now]
    if past.size:
        ctx.valid_from = max(ctx.valid_from, float(past.max()))
    if future.size:
        ctx.valid_to = min(ctx.valid_to, float(future.min()))


def n_published(epochs: np.ndarray, step: float, ctx: Ctx) -> int:
    """How many leading intervals of a grid are published at ctx.now (interval t at t + step + lag)."""
    pub = epochs + step + ctx.lag
    _depends_on(ctx, pub)
    return int(np.searchsorted(pub, ctx.now, side="right"))


def published_at(t: float, ctx: Ctx) -> bool:
    """Whether something published at instant ``t`` is out at ctx.now."""
    _depends_on(ctx, [t])
    return ctx.now >= t


def final_published(day: date, ctx: Ctx) -> bool:
    return published_at(day_bounds_epoch(day)[1] + ctx.final_delay, ctx)


def final_publish_time(day: date, ctx: Ctx) -> float:
    return day_bounds_epoch(day)[1] + ctx.final_delay


def da_publish_time(day: date) -> float:
    prev = day - timedelta(days=1)
    return datetime(prev.year, prev.month, prev.day, *DA_PUBLISH, tzinfo=TZ).timestamp()


def latest_begin(ctx: Ctx, step: int) -> int:
    """Begin epoch of the latest published interval of a regular feed (step 300 or 3600)."""
    return int((ctx.now - ctx.lag - step) // step * step)


def _locate(epoch: int, step: int) -> tuple[date, int]:
    d = local_day_of(epoch)
    return d, int((epoch - day_bounds_epoch(d)[0]) // step)


def latest_final_day(ctx: Ctx) -> date:
    d = local_day_of(ctx.now)
    while not final_published(d, ctx):
        d -= timedelta(days=1)
    return d


# ---------------------------------------------------------------------------------------------
# record builders

_LOC_FRAG: dict[int, str] = {}


def loc_frag(loc_id: int) -> str:
    s = _LOC_FRAG.get(loc_id)
    if s is None:
        loc = universe().by_id[loc_id]
        s = f'{{"@LocId":"{loc.id}","@LocType":{q(loc.type)},"$":{q(loc.name)}}}'
        _LOC_FRAG[loc_id] = s
    return s


_SYS_LOC = f'{{"@LocId":"{SYSTEM_AREA[0]}","$":{q(SYSTEM_AREA[1])}}}'


_LMP_KEYS = ("BeginDate", "Location", "LmpTotal", "EnergyComponent", "CongestionComponent", "LossComponent")


def _repeat_each(values: list, k: int) -> list:
    """[v0]*k + [v1]*k + ... (one list, no per-element Python loop)."""
    out: list = []
    for v in values:
        out += [v] * k
    return out


_COL_FRAGS: dict[tuple, tuple[list[int], list[str]]] = {}


def _col_frags(cols: tuple[int, ...]) -> tuple[list[int], list[str]]:
    """Location ids and ``Location`` JSON fragments of priced columns (cached: the topology is fixed)."""
    hit = _COL_FRAGS.get(cols)
    if hit is None:
        ids = data.topo().ids
        col_ids = [ids[j] for j in cols]
        hit = (col_ids, [loc_frag(i) for i in col_ids])
        if len(_COL_FRAGS) < 4096:
            _COL_FRAGS[cols] = hit
    return hit


def add_lmp(p: Payload, lmp: data.LmpDay, rows, cols) -> None:
    """Records for ``rows`` × ``cols`` (row-major), formatted column-wise with numpy."""
    rows = [int(r) for r in rows]
    cols = [int(c) for c in cols]
    if not rows or not cols:
        return
    stamps = lmp.grid.stamps
    col_ids, frags = _col_frags(tuple(cols))
    nc = len(cols)
    r_idx = np.asarray(rows, dtype=np.intp)
    c_idx = np.asarray(cols, dtype=np.intp)
    if nc == lmp.cong.shape[1] and cols == list(range(nc)):
        cong, loss = lmp.cong[r_idx], lmp.loss[r_idx]
    else:
        cong, loss = lmp.cong[np.ix_(r_idx, c_idx)], lmp.loss[np.ix_(r_idx, c_idx)]
    energy = lmp.energy[r_idx]
    total = energy[:, None] + cong + loss
    row_stamps = [stamps[r] for r in rows]
    columns = [
        _repeat_each([f'"{st}"' for st in row_stamps], nc),
        frags * len(rows),
        fmt_cents_list(total),
        _repeat_each([fmt_cents(e) for e in energy.tolist()], nc),
        fmt_cents_list(cong),
        fmt_cents_list(loss),
    ]

    def meta():
        return [(lid, st) for st in row_stamps for lid in col_ids]

    p.add_columns(_LMP_KEYS, columns, meta)


def add_sysload(p: Payload, d: data.SysLoadDay, rows) -> None:
    rows = list(rows)
    L, N, A, S, NB = (x.tolist() for x in (d.load, d.native, d.ard, d.sys_btm, d.native_btm))
    st = [d.grid.stamps[r] for r in rows]
    p.add_columns(
        ("BeginDate", "LoadMw", "NativeLoad", "ArdDemand", "SystemLoadBtmPv", "NativeLoadBtmPv"),
        [[f'"{s}"' for s in st]] + [[fmt_milli(X[r]) for r in rows] for X in (L, N, A, S, NB)],
        [(None, s) for s in st],
    )


def add_hourly_sysload(p: Payload, d: data.HourlyLoadDay, rows) -> None:
    rows = list(rows)
    L, N, A = (x.tolist() for x in (d.load, d.native, d.ard))
    st = [d.grid.stamps[r] for r in rows]
    p.add_columns(
        ("BeginDate", "Location", "Load", "NativeLoad", "ArdDemand"),
        [[f'"{s}"' for s in st], [_SYS_LOC] * len(rows)] + [[fmt_milli(X[r]) for r in rows] for X in (L, N, A)],
        [(None, s) for s in st],
    )


def add_zonal(p: Payload, d: data.ZonalDay, rows, zones) -> None:
    rows, zones = list(rows), list(zones)
    L, B = d.load.tolist(), d.btm.tolist()
    st = [d.grid.stamps[r] for r in rows]
    zids = [ZONE_IDS[zi] for zi in zones]
    nz = len(zones)
    p.add_columns(
        ("interval_begin_date", "load_zone_id", "load_zone_name", "estimated_load_mw", "estimated_btm_pv_mw"),
        [
            _repeat_each([f'"{s}"' for s in st], nz),
            [str(z) for z in zids] * len(rows),
            [q(ZONE_NAMES[z]) for z in zids] * len(rows),
            [fmt_milli(L[r][zi]) for r in rows for zi in zones],
            [fmt_milli(B[r][zi]) for r in rows for zi in zones],
        ],
        [(z, s) for s in st for z in zids],
    )


_FUEL_FRAGS: dict[str, tuple[str, str]] = {}


def add_fuel(p: Payload, snaps) -> None:
    begin, mws, rollups, cats, flags, meta = [], [], [], [], [], []
    for s in snaps:
        qs = f'"{s.stamp}"'
        for name, mw, flag in s.fuels:
            fr = _FUEL_FRAGS.get(name)
            if fr is None:
                fr = _FUEL_FRAGS[name] = (q(data.ROLLUP[name]), q(name))
            begin.append(qs)
            mws.append(str(mw))
            rollups.append(fr[0])
            cats.append(fr[1])
            flags.append(q(flag))
            meta.append((None, s.stamp))
    p.add_columns(
        ("BeginDate", "GenMw", "FuelCategoryRollup", "FuelCategory", "MarginalFlag"),
        [begin, mws, rollups, cats, flags],
        meta,
    )


# ---------------------------------------------------------------------------------------------
# routing

CORE_LMP_IDS = (HUB_ID,) + ZONE_IDS + tuple(e for e, _ in EXT_NODES)


def _priced_cols(ids) -> list[int]:
    idx = universe().priced_index()
    return [idx[i] for i in ids]


def resolve(path: str, ctx: Ctx) -> Payload | bytes:
    segs = [s for s in path.split("/") if s]
    if not segs:
        raise ApiError(404, "no resource given")
    feed, rest = segs[0], segs[1:]
    handler = _FEEDS.get(feed)
    if handler is None:
        raise ApiError(404, f"unknown resource '/{feed}'")
    out = handler(rest, ctx)
    if out is None:
        raise ApiError(404, f"unknown path '{path}' for resource '/{feed}'")
    return out


def _info(ctx: Ctx, latest: int | None, step: float) -> bytes:
    if latest is None:
        return service_info(None, None)
    return service_info(fmt_epoch(latest + step + ctx.lag), fmt_epoch(latest))


# --- fiveminutesystemload


def _sysload(rest, ctx):
    if rest == ["current"]:
        p = _payload(ctx, "sysload", None, "top_list", "FiveMinSystemLoads", "FiveMinSystemLoad", EMPTY_OBJECT)
        d, i = _locate(latest_begin(ctx, 300), 300)
        add_sysload(p, data.sysload_day(ctx.seed, d), [i])
        return p
    if len(rest) == 2 and rest[0] == "day":
        day = _day(rest[1])
        ctx.cacheable = True
        p = _payload(ctx, "sysload", day, "plural", "FiveMinSystemLoads", "FiveMinSystemLoad", EMPTY_STRING)
        g = grid(day, 300)
        n = n_published(g.epochs, 300, ctx)
        if n:
            add_sysload(p, data.sysload_day(ctx.seed, day), range(n))
        return p
    if rest == ["info"]:
        return _info(ctx, latest_begin(ctx, 300), 300)
    return None


# --- hourlysysload


def _hourly_sysload(rest, ctx):
    if rest == ["current"]:
        p = _payload(ctx, "hourly_sysload", None, "plural", "HourlySystemLoads", "HourlySystemLoad", EMPTY_OBJECT)
        d, i = _locate(latest_begin(ctx, 3600), 3600)
        add_hourly_sysload(p, data.hourly_sysload_day(ctx.seed, d), [i])
        return p
    if len(rest) == 2 and rest[0] == "day":
        day = _day(rest[1])
        ctx.cacheable = True
        p = _payload(ctx, "hourly_sysload", day, "plural", "HourlySystemLoads", "HourlySystemLoad", EMPTY_STRING)
        n = n_published(grid(day, 3600).epochs, 3600, ctx)
        if n:
            add_hourly_sysload(p, data.hourly_sysload_day(ctx.seed, day), range(n))
        return p
    if rest == ["info"]:
        return _info(ctx, latest_begin(ctx, 3600), 3600)
    return None


# --- fiveminuteestimatedzonalload


def _zone_index(text: str) -> int | None:
    zid = _int_seg(text, "load zone id")
    return ZONE_IDS.index(zid) if zid in ZONE_IDS else None


def _zonal(rest, ctx):
    def pl(day):
        return _payload(
            ctx,
            "zonal",
            day,
            "snake",
            "five_min_estimated_zonal_loads",
            "five_min_estimated_zonal_load",
            EMPTY_OBJECT,
            single_as_object=False,
        )

    if rest and rest[0] == "current" and (len(rest) == 1 or (len(rest) == 3 and rest[1] == "loadzone")):
        zones = list(range(8))
        if len(rest) == 3:
            zi = _zone_index(rest[2])
            zones = [] if zi is None else [zi]
        p = pl(None)
        d, i = _locate(latest_begin(ctx, 300), 300)
        add_zonal(p, data.zonal_day(ctx.seed, d), [i], zones)
        return p
    if len(rest) in (2, 4) and rest[0] == "day":
        day = _day(rest[1])
        zones = list(range(8))
        if len(rest) == 4:
            if rest[2] != "loadzone":
                return None
            zi = _zone_index(rest[3])
            zones = [] if zi is None else [zi]
        ctx.cacheable = True
        p = pl(day)
        n = n_published(grid(day, 300).epochs, 300, ctx)
        if n and zones:
            add_zonal(p, data.zonal_day(ctx.seed, day), range(n), zones)
        return p
    if rest == ["info"]:
        return _info(ctx, latest_begin(ctx, 300), 300)
    return None


# --- fiveminutelmp


def _lmp_payload(ctx, day, style="plural", empty=EMPTY_STRING):
    return _payload(ctx, "lmp", day, style, "FiveMinLmps", "FiveMinLmp", empty)


def _lmp_loc_cols(text: str) -> list[int]:
    lid = _int_seg(text, "location id")
    idx = universe().priced_index()
    return [idx[lid]] if lid in idx else []


def _lmp_current(ctx, kind: str, cols, style="plural") -> Payload:
    p = _lmp_payload(ctx, None, style, EMPTY_OBJECT)
    if kind == "final":
        d = latest_final_day(ctx)
        lmp = data.rt_lmp_day(ctx.seed, d, "final")
        i = len(lmp.grid) - 1
    else:
        d, i = _locate(latest_begin(ctx, 300), 300)
        lmp = data.rt_lmp_day(ctx.seed, d, "prelim")
    if cols:
        add_lmp(p, lmp, [i], cols)
    return p


def _lmp_day_rows(ctx, day: date, kind: str) -> tuple[data.LmpDay | None, int]:
    if kind == "final":
        if not final_published(day, ctx):
            return None, 0
        return data.rt_lmp_day(ctx.seed, day, "final"), len(grid(day, 300))
    n = n_published(grid(day, 300).epochs, 300, ctx)
    return (data.rt_lmp_day(ctx.seed, day, "prelim") if n else None), n


def _fiveminutelmp(rest, ctx):
    all_cols = range(len(universe().priced))
    if rest == ["current"]:
        return _lmp_current(ctx, "prelim", _priced_cols(CORE_LMP_IDS))
    if rest == ["current", "all"]:
        return _lmp_current(ctx, "prelim", all_cols)
    if len(rest) == 3 and rest[:2] == ["current", "location"]:
        return _lmp_current(ctx, "prelim", _lmp_loc_cols(rest[2]), style="top_list")
    if rest == ["info"]:
        return _info(ctx, latest_begin(ctx, 300), 300)
    kind = "prelim"
    if rest and rest[0] in ("prelim", "final"):
        kind, rest = rest[0], rest[1:]
        if rest == ["current", "all"]:
            return _lmp_current(ctx, kind, all_cols)
        if rest == ["info"]:
            if kind == "final":
                d = latest_final_day(ctx)
                g = grid(d, 300)
                return service_info(fmt_epoch(final_publish_time(d, ctx)), g.stamps[-1])
            return _info(ctx, latest_begin(ctx, 300), 300)
        if len(rest) == 4 and rest[0] == "day" and rest[2] == "starthour":
            day = _day(rest[1])
            hh = _hour_seg(rest[3])
            ctx.cacheable = True
            p = _lmp_payload(ctx, day)
            lmp, n = _lmp_day_rows(ctx, day, kind)
            if lmp is not None:
                rows = [int(r) for r in np.nonzero(lmp.grid.local_hour[:n] == hh)[0]]
                add_lmp(p, lmp, rows, all_cols)
            return p
    if len(rest) == 4 and rest[0] == "day" and rest[2] == "location":
        day = _day(rest[1])
        cols = _lmp_loc_cols(rest[3])
        ctx.cacheable = True
        p = _lmp_payload(ctx, day)
        lmp, n = _lmp_day_rows(ctx, day, kind)
        if lmp is not None and cols:
            add_lmp(p, lmp, range(n), cols)
        return p
    return None


# --- hourlylmp


def _hourlylmp(rest, ctx):
    if (
        len(rest) < 4
        or rest[2] != "day"
        or (rest[0], rest[1]) not in (("da", "final"), ("rt", "prelim"), ("rt", "final"))
    ):
        return None
    market, kind = rest[0], rest[1]
    day = _day(rest[3])
    sub = rest[4:]
    cols: list[int] | range = range(len(universe().priced))
    hour = None
    if sub:
        if len(sub) != 2 or sub[0] not in ("hour", "location"):
            return None
        if sub[0] == "hour":
            hour = _hour_seg(sub[1])
        else:
            cols = _lmp_loc_cols(sub[1])
    ctx.cacheable = True
    p = _payload(ctx, "hourly_lmp", day, "plural", "HourlyLmps", "HourlyLmp", EMPTY_STRING)
    g = grid(day, 3600)
    if market == "da":
        n = len(g) if published_at(da_publish_time(day), ctx) else 0
        lmp = data.da_lmp_day(ctx.seed, day) if n else None
    elif kind == "final":
        n = len(g) if final_published(day, ctx) else 0
        lmp = data.rt_hourly_lmp_day(ctx.seed, day, "final") if n else None
    else:
        n = n_published(g.epochs, 3600, ctx)
        lmp = data.rt_hourly_lmp_day(ctx.seed, day, "prelim") if n else None
    if lmp is not None and cols:
        rows = range(n) if hour is None else [int(r) for r in np.nonzero(g.local_hour[:n] == hour)[0]]
        add_lmp(p, lmp, rows, cols)
    return p


# --- genfuelmix


def _published_snaps(ctx, day: date):
    snaps = data.fuelmix_day(ctx.seed, day)
    _depends_on(ctx, [s.epoch + ctx.lag for s in snaps])
    return [s for s in snaps if s.epoch + ctx.lag <= ctx.now]


def _latest_snap(ctx):
    d = local_day_of(ctx.now - ctx.lag)
    for _ in range(3):
        snaps = _published_snaps(ctx, d)
        if snaps:
            return snaps[-1]
        d -= timedelta(days=1)
    return None


def _genfuelmix(rest, ctx):
    if rest == ["current"]:
        p = _payload(ctx, "fuel", None, "plural", "GenFuelMixes", "GenFuelMix", EMPTY_OBJECT)
        s = _latest_snap(ctx)
        if s is not None:
            add_fuel(p, [s])
        return p
    if len(rest) == 2 and rest[0] == "day":
        day = _day(rest[1])
        ctx.cacheable = True
        p = _payload(ctx, "fuel", day, "plural", "GenFuelMixes", "GenFuelMix", EMPTY_STRING)
        add_fuel(p, _published_snaps(ctx, day))
        return p
    if rest == ["info"]:
        s = _latest_snap(ctx)
        if s is None:
            return service_info(None, None)
        return service_info(fmt_epoch(s.epoch + ctx.lag), s.stamp)
    return None


# --- locations


def _loc_record(loc, full: bool) -> dict:
    r = {"LocationID": str(loc.id), "LocationType": q(loc.type), "LocationName": q(loc.name), "AreaType": q(loc.area)}
    if full and loc.node_type:
        r["NetworkNodeType"] = q(loc.node_type)
    return r


def _locations(rest, ctx):
    def pl(tag):
        return _payload(ctx, "locations", tag, "plural", "Locations", "Location", EMPTY_STRING)

    u = universe()
    ctx.cacheable = True  # the location universe does not depend on the clock
    if not rest:
        p = pl("core")
        p.order = list(ORDERS["locations"][0])
        for lid, _t, _n, _a in CORE_LOCATIONS:
            p.records.append(_loc_record(u.by_id[lid], False))
            p.meta.append((lid, None))
        return p
    if rest == ["all"]:
        p = pl("all")
        p.records = [_loc_record(loc, True) for loc in u.all]
        p.meta = [(loc.id, None) for loc in u.all]
        return p
    if len(rest) == 1:
        lid = _int_seg(rest[0], "location id")
        p = pl("one")
        p.style = "top_single"
        if lid in u.by_id:
            p.records.append(_loc_record(u.by_id[lid], True))
            p.meta.append((lid, None))
        return p
    return None


# --- hourlyloadforecast / reliabilityregionloadforecast


@dataclass(frozen=True)
class _Run:
    """One published forecast run as seen from a target day: its CreationDate and its hours of that day."""

    created_ms: int
    stamp: str
    issue: date
    j: int  # run index within its issue day
    k: int  # target day − issue day


def _runs(ctx: Ctx, day: date, rr: bool) -> list[_Run]:
    """The system (or RR) runs covering ``day`` — issued on day-2, day-1 and day — published at ctx.now, oldest first.

    A run is out once its CreationDate has passed.
    """
    out = []
    for k in range(data.HORIZON_DAYS - 1, -1, -1):
        issue = day - timedelta(days=k)
        iss = data.rr_issue_day(ctx.seed, issue) if rr else data.hlf_issue_day(ctx.seed, issue)
        _depends_on(ctx, [c / 1000 for c in iss.created_ms])
        for j, c in enumerate(iss.created_ms):
            if c / 1000 <= ctx.now and (not rr or data.rr_issue_day(ctx.seed, issue).published[j]):
                out.append(_Run(c, iss.stamps[j], issue, j, k))
    return out


def _newest_run(ctx: Ctx, rr: bool) -> _Run | None:
    """The newest published run (for ``current`` and ``info``); its horizon ends HORIZON_DAYS-1 days later."""
    today = local_day_of(ctx.now)
    for back in range(3):
        runs = _runs(ctx, today - timedelta(days=back), rr)
        own = [r for r in runs if r.k == 0]
        if own:
            r = own[-1]
            return _Run(r.created_ms, r.stamp, r.issue, r.j, data.HORIZON_DAYS - 1)
    return None


def _first_hour(run: _Run, g) -> int:
    """RR runs cover only the hours of their own issue day that begin after their CreationDate."""
    if run.k:
        return 0
    return int(np.searchsorted(g.epochs * 1000, run.created_ms, side="right"))


def add_hlf(p: Payload, day: date, runs: list[_Run], seed: int, rows=None) -> None:
    """Hours × runs, sorted by BeginDate then CreationDate ascending (``runs`` come oldest first)."""
    g = grid(day, 3600)
    rows = list(range(len(g))) if rows is None else list(rows)
    if not runs or not rows:
        return
    vals = np.stack([data.hlf_issue_day(seed, r.issue).values[r.k][r.j] for r in runs], axis=1)[rows]
    st = [g.stamps[h] for h in rows]
    mw = [str(v) for v in vals.ravel().tolist()]
    p.add_columns(
        ORDERS["hlf"][0],
        [_repeat_each([f'"{s}"' for s in st], len(runs)), [f'"{r.stamp}"' for r in runs] * len(rows), mw, mw],
        [(None, s) for s in st for _ in runs],
    )


_ZONE_NAME: dict[int, str] = dict(LOAD_ZONES)
_RR_ALPHA = sorted(range(len(ZONE_IDS)), key=lambda z: _ZONE_NAME[ZONE_IDS[z]])  # regions are listed by name


def add_rr(p: Payload, day: date, runs: list[_Run], seed: int, latest_only: bool = False, rows=None) -> None:
    """Per hour, per region (alphabetical), the runs covering the hour with CreationDate descending."""
    g = grid(day, 3600)
    desc = runs[::-1]
    firsts = [_first_hour(r, g) for r in desc]
    loads = [data.rr_issue_day(seed, r.issue).load[r.k][r.j].tolist() for r in desc]
    pcts = [data.rr_issue_day(seed, r.issue).pct[r.k][r.j].tolist() for r in desc]
    cols: list[list[str]] = [[], [], [], [], []]
    meta = []
    for h in range(len(g)) if rows is None else rows:
        cover = [i for i in range(len(desc)) if firsts[i] <= h]
        if latest_only:
            cover = cover[:1]
        stamp = f'"{g.stamps[h]}"'
        for z in _RR_ALPHA:
            zid = ZONE_IDS[z]
            name = q(_ZONE_NAME[zid])
            for i in cover:
                cols[0].append(stamp)
                cols[1].append(f'"{desc[i].stamp}"')
                cols[2].append(name)
                cols[3].append(fmt_milli(loads[i][h][z]))
                cols[4].append(fmt_milli(pcts[i][h][z]))
                meta.append((zid, g.stamps[h]))
    p.add_columns(ORDERS["rr"][0], cols, meta)


def _forecast_info(ctx: Ctx, rr: bool) -> bytes:
    r = _newest_run(ctx, rr)
    if r is None:
        return service_info(None, None)
    last = grid(r.issue + timedelta(days=r.k), 3600).stamps[-1]
    return service_info(r.stamp, last)


def _hourlyloadforecast(rest, ctx):
    def pl(day, style="plural", empty=EMPTY_STRING):
        return _payload(ctx, "hlf", day, style, "HourlyLoadForecasts", "HourlyLoadForecast", empty)

    if rest == ["current"]:
        p = pl(None, "top_list", EMPTY_OBJECT)
        r = _newest_run(ctx, rr=False)
        if r is not None:
            target = r.issue + timedelta(days=r.k)
            add_hlf(p, target, [r], ctx.seed, rows=[len(grid(target, 3600)) - 1])
        return p
    if rest == ["info"]:
        return _forecast_info(ctx, rr=False)
    if (len(rest) == 3 and rest[:2] == ["all", "day"]) or (len(rest) == 2 and rest[0] == "day"):
        day = _day(rest[-1])
        ctx.cacheable = True
        p = pl(day)
        runs = _runs(ctx, day, rr=False)
        add_hlf(p, day, runs if rest[0] == "all" else runs[-1:], ctx.seed)
        return p
    return None


def _reliabilityregionloadforecast(rest, ctx):
    def pl(day, style="plural", empty=EMPTY_STRING):
        plural = "ReliabilityRegionLoadForecasts"
        return _payload(ctx, "rr", day, style, plural, "ReliabilityRegionLoadForecast", empty)

    if rest == ["current"]:
        p = pl(None, "top_list", EMPTY_OBJECT)
        r = _newest_run(ctx, rr=True)
        if r is not None:
            target = r.issue + timedelta(days=r.k)
            add_rr(p, target, [r], ctx.seed, rows=[len(grid(target, 3600)) - 1])
        return p
    if rest == ["info"]:
        return _forecast_info(ctx, rr=True)
    if rest and rest[0] == "day" and (len(rest) == 2 or (len(rest) == 3 and rest[2] == "all")):
        day = _day(rest[1])
        ctx.cacheable = True
        p = pl(day)
        add_rr(p, day, _runs(ctx, day, rr=True), ctx.seed, latest_only=len(rest) == 2)
        return p
    return None


# --- dayaheadhourlydemand / realtimehourlydemand

_DEMAND_NAMES = {SYSTEM_AREA[0]: SYSTEM_AREA[1], HUB_ID: ".H.INTERNAL_HUB", **_ZONE_NAME}
_DEMAND_LOC = {i: f'{{"@LocId":"{i}","$":{q(n)}}}' for i, n in _DEMAND_NAMES.items()}


def add_demand(p: Payload, d: data.DemandDay, rows, ids) -> None:
    """Rows (hours) × locations, hour-major, in ``ids`` order."""
    rows, ids = list(rows), list(ids)
    cols = [d.ids.index(i) for i in ids]
    vals = d.load[np.ix_(rows, cols)] if rows and cols else np.zeros((0, 0), dtype=np.int64)
    st = [d.grid.stamps[r] for r in rows]
    p.add_columns(
        ("BeginDate", "Location", "Load"),
        [
            _repeat_each([f'"{s}"' for s in st], len(ids)),
            [_DEMAND_LOC[i] for i in ids] * len(rows),
            [fmt_milli(v) for v in vals.ravel().tolist()],
        ],
        [(i, s) for s in st for i in ids],
    )


def _demand_loc_ids(text: str, known: tuple[int, ...]) -> list[int]:
    lid = _int_seg(text, "location id")
    return [lid] if lid in known else []


def _da_latest_day(ctx: Ctx) -> date:
    """The latest day whose DA demand is out: tomorrow once today's 13:30 has passed."""
    tomorrow = local_day_of(ctx.now) + timedelta(days=1)
    return tomorrow if published_at(da_publish_time(tomorrow), ctx) else tomorrow - timedelta(days=1)


def _dayaheadhourlydemand(rest, ctx):
    def pl(day, style="plural", empty=EMPTY_STRING):
        return _payload(ctx, "da_demand", day, style, "HourlyDaDemands", "HourlyDaDemand", empty)

    if rest and rest[0] == "current" and (len(rest) == 1 or (len(rest) == 3 and rest[1] == "location")):
        ids = list(data.DA_IDS) if len(rest) == 1 else _demand_loc_ids(rest[2], data.DA_IDS)
        p = pl(None, "plural" if len(rest) == 1 else "top_single", EMPTY_OBJECT)
        d, i = _locate(int(ctx.now // 3600 * 3600), 3600)  # the hour now in progress
        if ids:
            add_demand(p, data.da_demand_day(ctx.seed, d), [i], ids)
        return p
    if rest == ["info"]:
        d = _da_latest_day(ctx)
        return service_info(fmt_epoch(da_publish_time(d)), grid(d, 3600).stamps[-1])
    if len(rest) == 4 and rest[0] == "day" and rest[2] == "location":
        day = _day(rest[1])
        ids = _demand_loc_ids(rest[3], data.DA_IDS)
        ctx.cacheable = True
        p = pl(day)
        if ids and published_at(da_publish_time(day), ctx):
            add_demand(p, data.da_demand_day(ctx.seed, day), range(len(grid(day, 3600))), ids)
        return p
    return None


def _rt_latest_day(ctx: Ctx) -> date:
    d = local_day_of(ctx.now)
    while not published_at(data.rt_publish_epoch(d), ctx):
        d -= timedelta(days=1)
    return d


def _realtimehourlydemand(rest, ctx):
    def pl(day, style="plural", empty=EMPTY_STRING):
        return _payload(ctx, "rt_demand", day, style, "HourlyRtDemands", "HourlyRtDemand", empty)

    if rest and rest[0] == "current" and (len(rest) == 1 or (len(rest) == 3 and rest[1] == "location")):
        ids = list(data.RT_IDS) if len(rest) == 1 else _demand_loc_ids(rest[2], data.RT_IDS)
        p = pl(None, "plural" if len(rest) == 1 else "top_single", EMPTY_OBJECT)
        d = _rt_latest_day(ctx)
        if ids:
            add_demand(p, data.rt_demand_day(ctx.seed, d), [len(grid(d, 3600)) - 1], ids)  # its 23:00 hour
        return p
    if rest == ["info"]:
        d = _rt_latest_day(ctx)
        return service_info(fmt_epoch(data.rt_publish_epoch(d)), grid(d, 3600).stamps[-1])
    if len(rest) == 4 and rest[0] == "day" and rest[2] == "location":
        day = _day(rest[1])
        ids = _demand_loc_ids(rest[3], data.RT_IDS)
        ctx.cacheable = True
        p = pl(day)
        if ids and published_at(data.rt_publish_epoch(day), ctx):
            add_demand(p, data.rt_demand_day(ctx.seed, day), range(len(grid(day, 3600))), ids)
        return p
    return None


# --- sevendayforecast


def _sdf_published(ctx: Ctx, day: date) -> list[data.SevenDayIssue]:
    issues = data.sevenday_issues(ctx.seed, day)
    _depends_on(ctx, [s.created_ms / 1000 for s in issues])
    return [s for s in issues if s.created_ms / 1000 <= ctx.now]


def _sdf_latest(ctx: Ctx) -> data.SevenDayIssue | None:
    d = local_day_of(ctx.now)
    for back in range(3):
        issues = _sdf_published(ctx, d - timedelta(days=back))
        if issues:
            return issues[-1]
    return None


def add_sdf(p: Payload, issues) -> None:
    p.add_columns(
        ORDERS["sdf"][0],
        [
            [f'"{s.begin}"' for s in issues],
            [f'"{s.stamp}"' for s in issues],
            [json.dumps(list(s.market_days), separators=(",", ":"), ensure_ascii=False) for s in issues],
        ],
        [(None, s.begin) for s in issues],
    )


def _sevendayforecast(rest, ctx):
    def pl(day, empty=EMPTY_STRING):
        return _payload(ctx, "sdf", day, "plural", "SevenDayForecasts", "SevenDayForecast", empty, False)

    if rest == ["current"]:
        p = pl(None, EMPTY_OBJECT)
        s = _sdf_latest(ctx)
        add_sdf(p, [s] if s is not None else [])
        return p
    if rest == ["info"]:
        s = _sdf_latest(ctx)
        return service_info(s.stamp, s.begin) if s is not None else service_info(None, None)
    if rest and rest[0] == "day" and (len(rest) == 2 or (len(rest) == 3 and rest[2] == "all")):
        day = _day(rest[1])
        ctx.cacheable = True
        p = pl(day)
        issues = _sdf_published(ctx, day)
        add_sdf(p, issues if len(rest) == 3 else issues[-1:])
        return p
    return None


# --- fiveminutereserveprice / hourlyprelimreserveprice / hourlyfinalreserveprice


def add_reserve(p: Payload, d: data.ReserveDay, rows, zones) -> None:
    """Rows (intervals) × reserve zones, interval-major. Only ROS (7000) carries the two 10-minute requirements."""
    recs, meta = [], []
    spin, ten, thirty = d.spin_req.tolist(), d.ten_req.tolist(), d.thirty_req.tolist()
    desig, price = d.desig.tolist(), d.price.tolist()
    for r in rows:
        stamp = f'"{d.stamps[r]}"'
        for z in zones:
            zid, name = data.RESERVE_ZONES[z]
            rec = {"BeginDate": stamp, "ReserveZoneId": str(zid), "ReserveZoneName": q(name)}
            if z == 0:
                rec["TenMinSpinRequirement"] = fmt_milli(spin[r])
                rec["Total10MinRequirement"] = fmt_milli(ten[r])
            rec["Total30MinRequirement"] = fmt_milli(thirty[r][z])
            rec["TmsrDesignatedMw"] = fmt_milli(desig[0][r][z])
            rec["TmnsrDesignatedMw"] = fmt_milli(desig[1][r][z])
            rec["TmorDesignatedMw"] = fmt_milli(desig[2][r][z])
            rec["TmsrClearingPrice"] = fmt_cents(price[0][r][z])
            rec["TmnsrClearingPrice"] = fmt_cents(price[1][r][z])
            rec["TmorClearingPrice"] = fmt_cents(price[2][r][z])
            recs.append(rec)
            meta.append((zid, d.grid.stamps[r]))
    p.records.extend(recs)
    p.meta.extend(meta)


def _reserve_zones(text: str) -> list[int]:
    zid = _int_seg(text, "reserve zone id")
    return [i for i, (z, _n) in enumerate(data.RESERVE_ZONES) if z == zid]


def _reserve_data(ctx: Ctx, day: date, kind: str, step: int) -> tuple[data.ReserveDay | None, int]:
    """The day's reserve records and how many leading intervals are out: prelim per interval, final per day."""
    make = data.reserve_5min_day if step == 300 else data.reserve_hourly_day
    if kind == "final":
        if not final_published(day, ctx):
            return None, 0
        return make(ctx.seed, day, "final"), len(grid(day, step))
    n = n_published(grid(day, step).epochs, step, ctx)
    return (make(ctx.seed, day, "prelim") if n else None), n


def _reserve_latest(ctx: Ctx, kind: str, step: int) -> tuple[date, int]:
    """(day, row) of the latest published interval: prelim's newest interval, final's last one of the newest day."""
    if kind == "final":
        d = latest_final_day(ctx)
        return d, len(grid(d, step)) - 1
    return _locate(latest_begin(ctx, step), step)


def _reserve(rest, ctx: Ctx, kind: str, step: int, plural: str, singular: str):
    """Shared routing of the reserve price feeds (after any ``prelim``/``final`` segment)."""
    zones = list(range(4))
    make = data.reserve_5min_day if step == 300 else data.reserve_hourly_day
    if rest and rest[0] == "current" and (len(rest) == 1 or (len(rest) == 3 and rest[1] == "reserveZone")):
        if len(rest) == 3:
            zones = _reserve_zones(rest[2])
        p = _payload(ctx, "reserve", None, "plural", plural, singular, EMPTY_OBJECT)
        d, i = _reserve_latest(ctx, kind, step)
        add_reserve(p, make(ctx.seed, d, kind), [i], zones)
        return p
    if rest == ["info"]:
        if kind == "final":
            d = latest_final_day(ctx)
            return service_info(fmt_epoch(final_publish_time(d, ctx)), grid(d, step).stamps[-1])
        return _info(ctx, latest_begin(ctx, step), step)
    if rest and rest[0] == "day" and (len(rest) == 2 or (len(rest) == 4 and rest[2] == "reserveZone")):
        day = _day(rest[1])
        if len(rest) == 4:
            zones = _reserve_zones(rest[3])
        ctx.cacheable = True
        p = _payload(ctx, "reserve", day, "plural", plural, singular, EMPTY_STRING)
        d, n = _reserve_data(ctx, day, kind, step)
        if d is not None and zones:
            add_reserve(p, d, range(n), zones)
        return p
    return None


def _fiveminutereserveprice(rest, ctx):
    kind = "prelim"  # the deprecated untyped paths serve the preliminary prices
    if rest and rest[0] in ("prelim", "final"):
        kind, rest = rest[0], rest[1:]
    return _reserve(rest, ctx, kind, 300, "FiveMinReservePrices", "FiveMinReservePrice")


def _hourlyprelimreserveprice(rest, ctx):
    return _reserve(rest, ctx, "prelim", 3600, "PrelimHourlyReservePrices", "PrelimHourlyReservePrice")


def _hourlyfinalreserveprice(rest, ctx):
    return _reserve(rest, ctx, "final", 3600, "FinalHourlyReservePrices", "FinalHourlyReservePrice")


# --- daasreservedata / daasstrikeprices (snake_case; nothing before operating day 2025-03-01)


def _market_hour(g, h: int) -> str:
    """``market_hour``: GMT begin, local hour-begin stamp (named ``local_day`` by ISO-NE) and local hour ending."""
    gmt = datetime.fromtimestamp(int(g.epochs[h]), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return f'{{"gmt_begin_date":"{gmt}","local_day":"{g.stamps[h]}","local_hour_end":{int(g.local_hour[h]) + 1}}}'


def _snake_payload(ctx: Ctx, feed: str, day: date | None, plural: str, singular: str) -> Payload:
    p = _payload(ctx, feed, day, "snake", plural, singular, EMPTY_STRING, single_as_object=False)
    p.bare_empty = True  # no data: {"isone_web_services":""}
    return p


def add_daas(p: Payload, d: data.DaasDay, rows) -> None:
    req, price, desig, fer = d.req.tolist(), d.price.tolist(), d.desig.tolist(), d.fer.tolist()
    for h in rows:
        rec = {"market_hour": _market_hour(d.grid, h)}
        vals = [req[0][h], req[1][h], req[2][h], fer[h], *(x[h] for x in price), *(x[h] for x in desig)]
        rec.update(zip(_DAAS_KEYS[1:], (fmt_cents(v) for v in vals), strict=True))
        p.records.append(rec)
        p.meta.append((data.RESERVE_ZONES[0][0], d.grid.stamps[h]))


def _daas_day_out(ctx: Ctx, day: date) -> bool:
    return day >= data.DAAS_FROM and published_at(da_publish_time(day), ctx)


def _daasreservedata(rest, ctx):
    def pl(day):
        return _snake_payload(ctx, "daas", day, "day_ahead_reserves", "day_ahead_reserve")

    if rest == ["current"]:
        p = pl(None)
        d, i = _locate(int(ctx.now // 3600 * 3600), 3600)  # the hour now in progress
        if _daas_day_out(ctx, d):
            add_daas(p, data.daas_day(ctx.seed, d), [i])
        return p
    if rest == ["info"]:
        d = _da_latest_day(ctx)
        if d < data.DAAS_FROM:
            return service_info(None, None)
        return service_info(fmt_epoch(da_publish_time(d)), grid(d, 3600).stamps[-1])
    if len(rest) == 2 and rest[0] == "day":
        day = _day(rest[1])
        ctx.cacheable = True
        p = pl(day)
        if _daas_day_out(ctx, day):
            add_daas(p, data.daas_day(ctx.seed, day), range(len(grid(day, 3600))))
        return p
    return None


def _strike_out(ctx: Ctx, day: date) -> list[data.StrikeVintage]:
    if day < data.DAAS_FROM:
        return []
    vs = data.strike_vintages(ctx.seed, day)
    _depends_on(ctx, [v.epoch for v in vs])
    return [v for v in vs if v.epoch <= ctx.now]


def add_strike(p: Payload, day: date, vintages: list[data.StrikeVintage], hours=None) -> None:
    """Per hour, each published vintage covering it, oldest first."""
    g = grid(day, 3600)
    for h in range(len(g)) if hours is None else hours:
        for v in vintages:
            if h not in v.hours:
                continue
            vals = v.values[v.hours.index(h)]
            rec = {"market_hour": _market_hour(g, h), "strike_price_timestamp": f'"{fmt_epoch(v.epoch)}"'}
            for k in _STRIKE_KEYS[2:]:
                rec[k] = "null" if vals[k] is None else fmt_cents(vals[k])
            p.records.append(rec)
            p.meta.append((None, g.stamps[h]))


def _daasstrikeprices(rest, ctx):
    def pl(day):
        return _snake_payload(ctx, "strike", day, "day_ahead_strike_prices", "day_ahead_strike_price")

    if rest == ["current"]:
        p = pl(None)
        d, i = _locate(int(ctx.now // 3600 * 3600), 3600)
        covering = [v for v in _strike_out(ctx, d) if i in v.hours]
        add_strike(p, d, covering[-1:], [i])
        return p
    if rest == ["info"]:
        today = local_day_of(ctx.now)
        for d in (today + timedelta(days=1), today):
            vs = _strike_out(ctx, d)
            if vs:
                return service_info(fmt_epoch(vs[-1].epoch), grid(d, 3600).stamps[-1])
        return service_info(None, None)
    if len(rest) == 2 and rest[0] == "day":
        day = _day(rest[1])
        ctx.cacheable = True
        p = pl(day)
        add_strike(p, day, _strike_out(ctx, day))
        return p
    return None


# --- morningreport


def _reports_out(ctx: Ctx, day: date) -> list[data.MorningReport]:
    """The reports of operating day ``day`` out at ctx.now (each once its CreationDate has passed), oldest first."""
    reps = data.morning_reports(ctx.seed, day)
    _depends_on(ctx, [r.created_ms / 1000 for r in reps])
    return [r for r in reps if r.created_ms / 1000 <= ctx.now]


def _latest_report(ctx: Ctx) -> data.MorningReport | None:
    today = local_day_of(ctx.now)
    for d in (today + timedelta(days=1), today, today - timedelta(days=1)):
        reps = _reports_out(ctx, d)
        if reps:
            return reps[-1]
    return None


def add_reports(p: Payload, reps) -> None:
    for r in reps:
        p.records.append({k: json.dumps(v, separators=(",", ":"), ensure_ascii=False) for k, v in r.record.items()})
        p.meta.append((None, r.record["BeginDate"]))


def _morningreport(rest, ctx):
    def pl(day, empty=EMPTY_STRING):
        return _payload(ctx, "morning", day, "plural", "MorningReports", "MorningReport", empty, False)

    if rest == ["current"]:
        p = pl(None, EMPTY_OBJECT)
        r = _latest_report(ctx)
        add_reports(p, [r] if r is not None else [])
        return p
    if rest == ["info"]:
        r = _latest_report(ctx)
        if r is None:
            return service_info(None, None)
        return service_info(r.record["CreationDate"], r.record["BeginDate"])
    if len(rest) >= 2 and rest[0] == "day" and (len(rest) == 2 or rest[2:] == ["all"] or rest[2] == "reportType"):
        day = _day(rest[1])
        if rest[2:3] == ["reportType"] and len(rest) != 4:
            return None
        ctx.cacheable = True
        p = pl(day)
        reps = _reports_out(ctx, day)
        if len(rest) == 2:
            reps = reps[-1:]
        elif len(rest) == 4:
            reps = [r for r in reps if r.report_type.lower() == unquote(rest[3]).lower()]
        add_reports(p, reps)
        return p
    return None


_FEEDS = {
    "fiveminutesystemload": _sysload,
    "hourlysysload": _hourly_sysload,
    "fiveminuteestimatedzonalload": _zonal,
    "fiveminutelmp": _fiveminutelmp,
    "hourlylmp": _hourlylmp,
    "genfuelmix": _genfuelmix,
    "locations": _locations,
    "hourlyloadforecast": _hourlyloadforecast,
    "reliabilityregionloadforecast": _reliabilityregionloadforecast,
    "dayaheadhourlydemand": _dayaheadhourlydemand,
    "realtimehourlydemand": _realtimehourlydemand,
    "sevendayforecast": _sevendayforecast,
    "fiveminutereserveprice": _fiveminutereserveprice,
    "hourlyprelimreserveprice": _hourlyprelimreserveprice,
    "hourlyfinalreserveprice": _hourlyfinalreserveprice,
    "daasreservedata": _daasreservedata,
    "daasstrikeprices": _daasstrikeprices,
    "morningreport": _morningreport,
}
