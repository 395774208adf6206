"""Pure deterministic data generators (numpy).

Every generator is a function of (seed, feed, day) only — never of request order — and is cached per
(seed, day) with small LRU caches. Smooth noise is *value noise* over absolute time (hash of the knot
index), so series are continuous across midnight and identical whichever day is generated first.

All values are kept as integers in their published precision: loads in milli-MW (3 decimals), prices
in cents, generation in whole MW. The renderer turns them into JSON numbers.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from .calendar import TZ, Grid, day_bounds_epoch, grid
from .locations import EXT_NODES, HUB_ID, ZONE_IDS, ZONE_SHARES, universe

_M64 = (1 << 64) - 1


def h64(*parts) -> int:
    """Stable 64-bit hash of a tuple of simple values."""
    return int.from_bytes(hashlib.blake2b(repr(parts).encode(), digest_size=8).digest(), "little")


def rng_for(seed: int, feed: str, day: date) -> np.random.Generator:
    return np.random.default_rng(h64(seed, feed, day.isoformat()))


def _splitmix(x: np.ndarray) -> np.ndarray:
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def vnoise(t: np.ndarray, period: float, key: int) -> np.ndarray:
    """Smooth value noise in [-1, 1] over absolute time ``t`` (epoch seconds), knots every ``period`` s."""
    x = np.asarray(t, dtype=np.float64) / period
    k = np.floor(x)
    f = x - k
    f = f * f * (3 - 2 * f)
    k64 = (k.astype(np.int64) + (1 << 40)).astype(np.uint64) ^ np.uint64(key & _M64)
    a = _splitmix(k64).astype(np.float64) / 2.0**64
    k64b = (k.astype(np.int64) + (1 << 40) + 1).astype(np.uint64) ^ np.uint64(key & _M64)
    b = _splitmix(k64b).astype(np.float64) / 2.0**64
    return (a + (b - a) * f) * 2.0 - 1.0


# ---------------------------------------------------------------------------------------------
# calendar features


def _features(epochs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local fractional hour, day of year (float) and weekday of each epoch."""
    ep = np.asarray(epochs, dtype=np.int64)
    hour = np.empty(len(ep))
    doy = np.empty(len(ep))
    wd = np.empty(len(ep), dtype=np.int64)
    cache: dict[int, tuple] = {}
    for i, e in enumerate(ep.tolist()):
        hkey = e // 3600
        c = cache.get(hkey)
        if c is None:
            dt = datetime.fromtimestamp(hkey * 3600, TZ)
            c = (dt.hour, dt.timetuple().tm_yday, dt.weekday())
            cache[hkey] = c
        hour[i] = c[0] + (e % 3600) / 3600.0
        doy[i] = c[1] + hour[i] / 24.0
        wd[i] = c[2]
    return hour, doy, wd


def _season(doy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    summer = np.clip(np.cos(2 * np.pi * (doy - 200) / 365.25), 0, 1) ** 1.3
    winter = np.clip(np.cos(2 * np.pi * (doy - 15) / 365.25), 0, 1)
    return summer, winter


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def sun(epochs: np.ndarray, doy: np.ndarray) -> np.ndarray:
    """Relative solar irradiance 0..1 (0 at night) for New England."""
    daylen = 12.2 + 3.05 * np.sin(2 * np.pi * (doy - 80) / 365.25)
    noon_utc = 16.75
    utc_h = (np.asarray(epochs) % 86400) / 3600.0
    x = (utc_h - (noon_utc - daylen / 2)) / daylen
    s = np.where((x > 0) & (x < 1), np.sin(np.pi * np.clip(x, 0, 1)), 0.0)
    return s**1.3


@dataclass(frozen=True)
class LoadSeries:
    gross: np.ndarray  # load incl. behind-the-meter PV (MW, float)
    net: np.ndarray  # LoadMw
    ard: np.ndarray
    btm: np.ndarray
    hour: np.ndarray
    doy: np.ndarray
    sun: np.ndarray
    cloud: np.ndarray


def load_series(seed: int, epochs: np.ndarray) -> LoadSeries:
    """System load model at arbitrary instants (pure function of seed and time)."""
    t = np.asarray(epochs, dtype=np.float64)
    hour, doy, wd = _features(epochs)
    sw, ww = _season(doy)
    k = h64(seed, "load")
    trough = 9700 + 900 * ww + 1400 * sw
    peak = 13900 + 4500 * ww + 9000 * sw
    plateau = _sig((hour - 6.2) / 0.75) * _sig((22.6 - hour) / 0.9)
    morning = np.exp(-(((hour - 8.6) / 1.8) ** 2))
    evening = np.exp(-(((hour - 18.2) / 1.8) ** 2))
    shape_w = 0.60 * plateau + 0.16 * morning + 0.36 * evening
    shape_s = 0.42 * plateau + 0.62 * np.exp(-(((hour - 16.6) / 3.7) ** 2))
    shape = (1 - sw) * shape_w + sw * shape_s
    weekend = np.where(wd == 5, 0.90, np.where(wd == 6, 0.85, 1.0))
    gross = trough * np.where(wd >= 5, 0.975, 1.0) + (peak - trough) * shape * weekend
    gross = gross * (
        1
        + 0.06 * vnoise(t, 3 * 86400, k ^ 1)
        + 0.03 * vnoise(t, 6 * 3600, k ^ 2)
        + 0.012 * vnoise(t, 5400, k ^ 3)
        + 0.0025 * vnoise(t, 600, k ^ 4)
    )
    s = sun(t, doy)
    cloud = 0.5 + 0.5 * (0.5 + 0.5 * vnoise(t, 3 * 3600, k ^ 5))
    btm_cap = 3000 + 800 * np.cos(2 * np.pi * (doy - 150) / 365.25)
    btm = btm_cap * s * cloud
    net = gross - btm
    night = 1 - plateau
    ard = np.clip(25 + 240 * night * (0.55 + 0.45 * vnoise(t, 4 * 3600, k ^ 6)) + 8 * vnoise(t, 900, k ^ 7), 0.5, None)
    return LoadSeries(gross, net, ard, btm, hour, doy, s, cloud)


def _milli(x: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(x) * 1000).astype(np.int64)


# ---------------------------------------------------------------------------------------------
# 5-minute system load


@dataclass(frozen=True)
class SysLoadDay:
    grid: Grid
    load: np.ndarray  # milli-MW int64
    native: np.ndarray
    ard: np.ndarray
    sys_btm: np.ndarray
    native_btm: np.ndarray


@functools.lru_cache(maxsize=128)
def sysload_day(seed: int, day: date) -> SysLoadDay:
    g = grid(day, 300)
    ls = load_series(seed, g.epochs)
    load = _milli(ls.net)
    ard = _milli(ls.ard)
    native = load - ard
    btm = _milli(ls.btm)
    return SysLoadDay(g, load, native, ard, load + btm, native + btm)


@dataclass(frozen=True)
class HourlyLoadDay:
    grid: Grid
    load: np.ndarray  # milli-MW
    native: np.ndarray
    ard: np.ndarray


@functools.lru_cache(maxsize=128)
def hourly_sysload_day(seed: int, day: date) -> HourlyLoadDay:
    d5 = sysload_day(seed, day)
    g = grid(day, 3600)
    n = len(g)
    load = np.rint(d5.load.reshape(n, 12).mean(axis=1)).astype(np.int64)
    ard = np.rint(d5.ard.reshape(n, 12).mean(axis=1)).astype(np.int64)
    return HourlyLoadDay(g, load, load - ard, ard)


# ---------------------------------------------------------------------------------------------
# 5-minute estimated zonal load

_PV_SHARES = np.array([0.07, 0.07, 0.07, 0.20, 0.06, 0.20, 0.16, 0.17])


@dataclass(frozen=True)
class ZonalDay:
    grid: Grid
    load: np.ndarray  # (T, 8) milli-MW
    btm: np.ndarray  # (T, 8) milli-MW


@functools.lru_cache(maxsize=128)
def zonal_day(seed: int, day: date) -> ZonalDay:
    g = grid(day, 300)
    ls = load_series(seed, g.epochs)
    t = g.epochs.astype(np.float64)
    k = h64(seed, "zonal")
    shares = np.array(ZONE_SHARES)[None, :] * (
        1 + 0.035 * np.stack([vnoise(t, 4 * 3600, k ^ (z + 11)) for z in range(8)], axis=1)
    )
    shares = shares / shares.sum(axis=1, keepdims=True)
    residual = 1.0 + 0.011 + 0.0045 * vnoise(t, 2 * 3600, k ^ 99) + 0.001 * vnoise(t, 600, k ^ 98)
    load = ls.net[:, None] * shares * residual[:, None]
    pv = _PV_SHARES[None, :] * (1 + 0.08 * np.stack([vnoise(t, 3 * 3600, k ^ (z + 31)) for z in range(8)], axis=1))
    btm = ls.btm[:, None] * pv / pv.sum(axis=1, keepdims=True)
    return ZonalDay(g, _milli(load), _milli(btm))


# ---------------------------------------------------------------------------------------------
# LMPs


@dataclass(frozen=True)
class Topo:
    ids: tuple[int, ...]
    n: int
    lf: np.ndarray  # loss factor per priced location
    zone_of: np.ndarray  # zone index 0..7 for network nodes, -1 otherwise
    node_mask: np.ndarray  # network node columns
    zone_cols: tuple[int, ...]  # column of each load zone 4001..4008
    hub_col: int
    ext_cols: tuple[int, ...]


@functools.lru_cache(maxsize=1)
def topo() -> Topo:
    u = universe()
    ids = tuple(l.id for l in u.priced)
    n = len(ids)
    r = np.random.default_rng(4242)
    lf = np.zeros(n)
    zone_of = np.full(n, -1)
    node_mask = np.zeros(n, dtype=bool)
    zone_index = {z: i for i, z in enumerate(ZONE_IDS)}
    zone_bias = np.array([-0.035, -0.004, 0.025, 0.004, -0.01, -0.006, 0.003, 0.008])
    for i, loc in enumerate(u.priced):
        if loc.type == "NETWORK NODE":
            node_mask[i] = True
            zone_of[i] = zone_index[loc.zone]
            lf[i] = zone_bias[zone_of[i]] + r.normal(0, 0.012)
    for zi, z in enumerate(ZONE_IDS):
        col = ids.index(z)
        lf[col] = lf[(zone_of == zi)].mean()
    lf[ids.index(HUB_ID)] = 0.0025
    for (eid, _), v in zip(EXT_NODES, (-0.045, 0.012, -0.02, -0.028, 0.015, 0.01, -0.03)):
        lf[ids.index(eid)] = v
    return Topo(
        ids,
        n,
        lf,
        zone_of,
        node_mask,
        tuple(ids.index(z) for z in ZONE_IDS),
        ids.index(HUB_ID),
        tuple(ids.index(e) for e, _ in EXT_NODES),
    )


def _energy_base(seed: int, g: Grid, ls: LoadSeries) -> np.ndarray:
    """Smooth system marginal energy price ($/MWh), shared by DA and RT."""
    t = g.epochs.astype(np.float64)
    sw, ww = _season(ls.doy)
    k = h64(seed, "energy")
    gas = 3.0 + 4.6 * ww + 1.2 * sw + 1.1 * vnoise(t, 5 * 86400, k ^ 1)
    hr = 6.4 + 8.0 * np.clip((ls.net - 9000) / 14000, 0, None) ** 1.5
    return 7.0 + gas * hr + 2.0 * vnoise(t, 3600, k ^ 2)


def _aggregate(C: np.ndarray, L: np.ndarray, tp: Topo) -> None:
    """Fill zone/hub columns of congestion and loss (cents) from the network nodes, in place."""
    for zi, col in enumerate(tp.zone_cols):
        m = tp.zone_of == zi
        C[:, col] = np.rint(C[:, m].mean(axis=1))
    C[:, tp.hub_col] = np.rint(C[:, tp.node_mask].mean(axis=1) * 0.25)


def _congestion(rng: np.random.Generator, T: int, tp: Topo, n_events: float, max_len: int, scale: float) -> np.ndarray:
    cong = np.zeros((T, tp.n))
    for _ in range(rng.poisson(n_events)):
        start = int(rng.integers(0, T))
        length = int(rng.integers(2, max_len))
        shadow = min(rng.exponential(scale), 400.0) * (1 + 0.15 * rng.standard_normal(min(length, T - start)))
        zi = int(rng.integers(0, 8))
        sens = np.zeros(tp.n)
        inside = tp.zone_of == zi
        sens[inside] = rng.uniform(0.2, 1.0, inside.sum()) * (1 if rng.random() < 0.7 else -1)
        others = (tp.zone_of >= 0) & ~inside & (rng.random(tp.n) < 0.15)
        sens[others] = rng.uniform(-0.08, 0.08, others.sum())
        cong[start : start + length] += shadow[:, None] * sens[None, :]
    # interface congestion on external nodes
    for col in tp.ext_cols:
        if rng.random() < 0.35:
            start = int(rng.integers(0, T))
            length = int(rng.integers(6, max(7, T // 3)))
            cong[start : start + length, col] += rng.uniform(-25, 12)
    return cong


@dataclass(frozen=True)
class LmpDay:
    grid: Grid
    energy: np.ndarray  # (T,) cents
    cong: np.ndarray  # (T, N) cents
    loss: np.ndarray  # (T, N) cents

    def total(self, rows=slice(None)) -> np.ndarray:
        return self.energy[rows, None] + self.cong[rows] + self.loss[rows]


@functools.lru_cache(maxsize=12)
def rt_lmp_day(seed: int, day: date, kind: str = "prelim") -> LmpDay:
    """5-minute real-time LMPs. ``final`` = prelim with ~0.5 % of intervals re-priced."""
    if kind == "final":
        p = rt_lmp_day(seed, day, "prelim")
        rng = rng_for(seed, "rt5-final", day)
        T = len(p.grid)
        n = max(1, int(rng.binomial(T, 0.005)))
        rows = np.sort(rng.choice(T, n, replace=False))
        energy = p.energy.copy()
        loss = p.loss.copy()
        delta = rng.uniform(-9, 9, n)
        delta = np.where(np.abs(delta) < 0.5, 1.25, delta)
        new_e = energy[rows] + np.rint(delta * 100).astype(np.int64)
        ratio = np.where(energy[rows] != 0, new_e / np.where(energy[rows] != 0, energy[rows], 1), 1.0)
        loss[rows] = np.rint(loss[rows] * ratio[:, None]).astype(loss.dtype)
        energy[rows] = new_e
        return LmpDay(p.grid, energy, p.cong, loss)
    g = grid(day, 300)
    ls = load_series(seed, g.epochs)
    tp = topo()
    rng = rng_for(seed, "rt5", day)
    T = len(g)
    e = _energy_base(seed, g, ls) + 2.2 * rng.standard_normal(T)
    # occasional negative prices at night
    if rng.random() < 0.18:
        start = int(rng.integers(12, 60))
        length = int(rng.integers(2, 16))
        e[start : start + length] = -rng.uniform(0.5, 35, min(length, T - start))
    # rare spikes
    for _ in range(rng.poisson(0.6)):
        i = int(rng.integers(0, T))
        w = int(rng.integers(1, 4))
        e[i : i + w] += rng.uniform(120, 950)
    energy = np.rint(e * 100).astype(np.int64)
    rel = np.clip(ls.net / 20000, 0.3, 1.6)
    loss = np.rint((e * rel)[:, None] * tp.lf[None, :] * 100).astype(np.int64)
    cong = np.rint(_congestion(rng, T, tp, 1.4, 40, 30.0) * 100).astype(np.int64)
    _aggregate(cong, loss, tp)
    return LmpDay(g, energy, cong, loss)


def _hourly(d: LmpDay, g: Grid) -> LmpDay:
    n = len(g)
    e = np.rint(d.energy.reshape(n, 12).mean(axis=1)).astype(np.int64)
    c = np.rint(d.cong.reshape(n, 12, -1).mean(axis=1)).astype(np.int64)
    l = np.rint(d.loss.reshape(n, 12, -1).mean(axis=1)).astype(np.int64)
    return LmpDay(g, e, c, l)


@functools.lru_cache(maxsize=16)
def rt_hourly_lmp_day(seed: int, day: date, kind: str = "prelim") -> LmpDay:
    return _hourly(rt_lmp_day(seed, day, kind), grid(day, 3600))


@functools.lru_cache(maxsize=16)
def da_lmp_day(seed: int, day: date) -> LmpDay:
    g5 = grid(day, 300)
    g = grid(day, 3600)
    ls = load_series(seed, g5.epochs)
    tp = topo()
    rng = rng_for(seed, "da", day)
    n = len(g)
    base = _energy_base(seed, g5, ls).reshape(n, 12).mean(axis=1)
    t = g.epochs.astype(np.float64)
    e = base * (1 + 0.05 * vnoise(t, 8 * 3600, h64(seed, "da-e"))) + 1.2 + 0.4 * rng.standard_normal(n)
    if rng.random() < 0.06:
        h = int(rng.integers(1, 5))
        e[h : h + 2] = -rng.uniform(0.2, 8, len(e[h : h + 2]))
    energy = np.rint(e * 100).astype(np.int64)
    rel = np.clip(ls.net.reshape(n, 12).mean(axis=1) / 20000, 0.3, 1.6)
    loss = np.rint((e * rel)[:, None] * tp.lf[None, :] * 100).astype(np.int64)
    cong = np.rint(_congestion(rng, n, tp, 0.9, 8, 18.0) * 100).astype(np.int64)
    _aggregate(cong, loss, tp)
    return LmpDay(g, energy, cong, loss)


# ---------------------------------------------------------------------------------------------
# fuel mix

ROLLUP = {
    "Batteries": "Batteries",
    "Coal": "Coal",
    "Hydro": "Hydro",
    "Natural Gas": "Natural Gas",
    "Nuclear": "Nuclear",
    "Oil": "Oil",
    "Other": "Other",
    "Landfill Gas": "Renewables",
    "Refuse": "Renewables",
    "Solar": "Renewables",
    "Wind": "Renewables",
    "Wood": "Renewables",
}
FUEL_ORDER = sorted(ROLLUP, key=lambda f: (ROLLUP[f], f))
BATTERIES_FROM = date(2025, 6, 1)


@dataclass(frozen=True)
class FuelSnapshot:
    epoch: int
    stamp: str
    fuels: tuple[tuple[str, int, str], ...]  # (FuelCategory, GenMw, MarginalFlag) sorted by rollup, category


@functools.lru_cache(maxsize=64)
def fuelmix_day(seed: int, day: date) -> tuple[FuelSnapshot, ...]:
    from .calendar import fmt_epoch

    rng = rng_for(seed, "fuel", day)
    start, end = day_bounds_epoch(day)
    steps = rng.integers(230, 470, size=400)
    ep = start + int(rng.integers(3, 600)) + np.concatenate([[0], np.cumsum(steps)])
    ep = ep[ep < end]
    ls = load_series(seed, ep)
    t = ep.astype(np.float64)
    k = h64(seed, "fuel")
    sw, ww = _season(ls.doy)
    T = len(ep)
    imports = 2300 + 900 * vnoise(t, 12 * 3600, k ^ 1) + 150 * vnoise(t, 1800, k ^ 2)
    total = ls.net + ls.ard - imports
    nuclear = (3345 if rng.random() > 0.15 else 2120) + 6 * vnoise(t, 3600, k ^ 3)
    hydro = np.clip(
        650
        + 800 * _sig((ls.hour - 7) / 1.2) * _sig((22 - ls.hour) / 1.2) * (0.6 + 0.4 * vnoise(t, 7200, k ^ 4))
        + 250 * vnoise(t, 900, k ^ 5),
        150,
        2100,
    )
    wind = 1500 * (0.5 + 0.5 * vnoise(t, 10 * 3600, k ^ 6)) ** 2 + 20
    solar = 1400 * ls.sun * ls.cloud * (0.9 + 0.1 * vnoise(t, 1800, k ^ 7))
    wood = 185 + 12 * vnoise(t, 6 * 3600, k ^ 8)
    refuse = 325 + 18 * vnoise(t, 4 * 3600, k ^ 9)
    lfg = 33 + 2.5 * vnoise(t, 5 * 3600, k ^ 10)
    other = np.clip(10 + 9 * vnoise(t, 1200, k ^ 11), 0, None)
    has_other = rng.random(T) < 0.83
    oil_need = np.clip(ls.net - (0.93 * (13900 + 4500 * ww + 9000 * sw)), 0, None) * 0.8
    oil = oil_need + np.where(ww > 0.8, np.clip(400 * vnoise(t, 86400, k ^ 12), 0, None), 0)
    coal_on = rng.random() < 0.10 + 0.15 * float(ww.mean())
    c0 = int(rng.integers(0, T)) if T else 0
    coal = np.zeros(T)
    if coal_on:
        n_coal = int(rng.integers(20, 120))
        coal[c0 : c0 + n_coal] = 370 + 40 * vnoise(t[c0 : c0 + n_coal], 3600, k ^ 13)
    batt = np.clip(450 * np.exp(-(((ls.hour - 18.5) / 1.5) ** 2)) * (0.6 + 0.4 * vnoise(t, 3600, k ^ 14)) - 20, 0, None)
    if day < BATTERIES_FROM:
        batt[:] = 0
    marg = rng.random(T)
    snaps = []
    for i in range(T):
        f: dict[str, int] = {
            "Nuclear": int(round(nuclear[i])),
            "Hydro": int(round(hydro[i])),
            "Wind": int(round(wind[i])),
            "Wood": int(round(wood[i])),
            "Refuse": int(round(refuse[i])),
            "Landfill Gas": int(round(lfg[i])),
        }
        if ls.sun[i] > 0:  # no Solar record at night
            f["Solar"] = int(round(solar[i]))
        if has_other[i]:
            f["Other"] = int(round(other[i]))
        if oil[i] >= 5:
            f["Oil"] = int(round(oil[i]))
        if coal[i] > 0:
            f["Coal"] = int(round(coal[i]))
        if batt[i] >= 3:
            f["Batteries"] = int(round(batt[i]))
        f["Natural Gas"] = int(max(700, round(total[i] - sum(f.values()))))
        m = marg[i]
        if m < 0.005:
            ys: set[str] = set()
        elif m < 0.045:
            ys = {"Natural Gas", "Oil" if "Oil" in f else "Hydro"}
        elif m < 0.13:
            ys = {"Hydro"}
        else:
            ys = {"Natural Gas"}
        fuels = tuple((name, f[name], "Y" if name in ys else "N") for name in FUEL_ORDER if name in f)
        snaps.append(FuelSnapshot(int(ep[i]), fmt_epoch(int(ep[i])), fuels))
    return tuple(snaps)


def day_before(d: date) -> date:
    return d - timedelta(days=1)
