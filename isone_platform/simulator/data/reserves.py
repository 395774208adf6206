"""Reserve prices: real-time 5-minute and hourly reserve prices and designations by reserve zone (preliminary and
final), and the day-ahead ancillary services (DASI) reserve data and strike prices.

Real-time prices are built from non-negative *adders* so the ISO-NE cascade holds by construction:
``TMOR = system 30-min adder + local 30-min adder``, ``TMNSR = TMOR + 10-min adder``, ``TMSR = TMNSR + spin adder``,
hence TMSR ≥ TMNSR ≥ TMOR ≥ 0 in every record. The adders are zero most of the time and come in short scarcity
events placed where the load is high, plus a share of every RT energy price spike, so reserve prices move with
load and LMP. Values are integers in their published precision: prices in cents, MW in milli-MW.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from ..calendar import Grid, fmt_epoch, grid, wall_epoch
from .forecasts import hlf_issue_day
from .lmps import da_lmp_day, rt_lmp_day, topo
from .loads import hourly_sysload_day
from .signals import h64, load_series, rng_for, vnoise

RESERVE_ZONES = ((7000, "ROS"), (7001, "SWCT"), (7002, "CT"), (7003, "NEMABSTN"))
STAMP_QUIRK_P = 0.004  # share of 5-minute BeginDates published at :01/:02 past the 5-minute mark
FINAL_REVISED_P = 0.01  # share of 5-minute intervals whose final reserve prices differ from the preliminary ones
MAX_ADDER = 30_000  # cents: one adder never exceeds $300/MWh
LOCAL_DESIG_SHARE = (1.0, 0.06, 0.22, 0.09)  # designations of the local zones as a share of the system's
LOCAL_30_REQ = ((0, 0), (0, 320), (350, 1200), (0, 450))  # MW range of each zone's 30-minute requirement


@dataclass(frozen=True)
class ReserveDay:
    """One day of reserve records, zones in RESERVE_ZONES order; ``price[k]`` is TMSR, TMNSR, TMOR for k=0,1,2."""

    grid: Grid
    stamps: tuple[str, ...]  # BeginDate as published (5-minute: a few at :01/:02)
    spin_req: np.ndarray  # (T,) milli-MW, ROS only
    ten_req: np.ndarray  # (T,) milli-MW, ROS only
    thirty_req: np.ndarray  # (T, 4) milli-MW
    desig: np.ndarray  # (3, T, 4) milli-MW, multiples of 100 (1 decimal)
    price: np.ndarray  # (3, T, 4) cents


def _events(rng: np.random.Generator, weight: np.ndarray, rate: float, mean: float) -> np.ndarray:
    """Non-negative adder (cents) made of Poisson(rate) short pulses placed with probability ∝ ``weight``."""
    T = len(weight)
    out = np.zeros(T)
    p = weight / weight.sum()
    for _ in range(rng.poisson(rate)):
        start = int(rng.choice(T, p=p))
        length = int(rng.integers(1, 19))
        size = rng.exponential(mean) * (rng.uniform(8, 25) if rng.random() < 0.03 else 1.0)
        shape = np.sin(np.linspace(0.3, math.pi - 0.3, length)) ** 0.5
        out[start : start + length] += size * shape[: T - start]
    return np.clip(np.rint(out * 100), 0, MAX_ADDER)


def _adders(seed: int, day: date) -> np.ndarray:
    """(4, T, 4) cents: spin, 10-min, system 30-min adders (same for all zones) and the local 30-min adder."""
    g = grid(day, 300)
    ls = load_series(seed, g.epochs)
    rng = rng_for(seed, "reserve5", day)
    T = len(g)
    net = ls.net
    weight = (net / net.max()) ** 8 + 1e-3
    busy = float(np.clip((net.max() - 12000) / 8000, 0.2, 2.0))
    spin = _events(rng, weight, 3.0 * busy, 5.0)
    ten = _events(rng, weight, 0.9 * busy, 10.0)
    thirty = _events(rng, weight, 0.35 * busy, 12.0)
    energy = rt_lmp_day(seed, day, "prelim").energy
    spike = np.clip(energy - 15_000, 0, None)  # an RT energy spike above $150 carries reserve prices along
    ten = np.clip(ten + np.rint(0.35 * spike), 0, MAX_ADDER)
    spin = np.clip(spin + np.rint(0.1 * spike), 0, MAX_ADDER)
    out = np.zeros((4, T, 4))
    out[0], out[1], out[2] = spin[:, None], ten[:, None], thirty[:, None]
    for z in (1, 2, 3):
        out[3, :, z] = _events(rng, weight, 0.12 * busy, 8.0)
    return out


def _prices(adders: np.ndarray) -> np.ndarray:
    """(3, T, 4) cents TMSR, TMNSR, TMOR from the adders (the cascade makes them ordered and non-negative)."""
    tmor = adders[2] + adders[3]
    tmnsr = tmor + adders[1]
    tmsr = tmnsr + adders[0]
    return np.stack([tmsr, tmnsr, tmor]).astype(np.int64)


def _quirky_stamps(seed: int, g: Grid) -> tuple[str, ...]:
    """BeginDates as published: a few land 1–2 minutes past their 5-minute mark (seeded per day)."""
    rng = rng_for(seed, "reserve_stamps", g.day)
    late = rng.random(len(g)) < STAMP_QUIRK_P
    shift = rng.integers(1, 3, len(g)) * 60
    return tuple(fmt_epoch(e + s) if q else st for e, s, q, st in zip(g.epochs, shift, late, g.stamps, strict=True))


def _requirements(seed: int, day: date, g: Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Requirements (milli-MW), constant within each hour: they follow the largest contingency of the hour."""
    rng = rng_for(seed, "reserve_req", day)
    hours = len(g) // 12 if g.step == 300 else len(g)
    lc = np.rint(rng.uniform(1250, 1700) + np.cumsum(rng.normal(0, 25, hours))).clip(1100, 1900)
    ten = lc
    spin = np.rint(ten * rng.uniform(0.28, 0.34))
    thirty = np.zeros((hours, 4))
    thirty[:, 0] = ten + np.rint(rng.uniform(650, 900))
    for z in (1, 2, 3):
        lo, hi = LOCAL_30_REQ[z]
        thirty[:, z] = np.rint(rng.uniform(lo, hi) + rng.normal(0, 15, hours)).clip(0, None)
    k = len(g) // hours
    rep = np.repeat
    return (
        (rep(spin, k) * 1000).astype(np.int64),
        (rep(ten, k) * 1000).astype(np.int64),
        (rep(thirty, k, axis=0) * 1000).astype(np.int64),
    )


def _designations(seed: int, g: Grid) -> np.ndarray:
    """(3, T, 4) milli-MW at 0.1 MW: what is designated shrinks as the load rises (less spare capacity)."""
    ls = load_series(seed, g.epochs)
    t = g.epochs.astype(np.float64)
    k = h64(seed, "reserve_desig")
    tight = np.clip(ls.net / 24000, 0.3, 1.1)
    base = (
        (700 + 300 * vnoise(t, 3 * 3600, k ^ 1)) * (1.4 - tight),
        (2000 + 450 * vnoise(t, 4 * 3600, k ^ 2)) * (1.3 - 0.5 * tight),
        (900 + 400 * vnoise(t, 5 * 3600, k ^ 3)) * (1.3 - 0.6 * tight),
    )
    share = np.array(LOCAL_DESIG_SHARE)
    out = np.stack([b[:, None] * share[None, :] for b in base])
    return (np.rint(np.clip(out, 0, None) * 10) * 100).astype(np.int64)


@functools.lru_cache(maxsize=16)
def reserve_5min_day(seed: int, day: date, kind: str = "prelim") -> ReserveDay:
    """5-minute reserve prices; ``final`` = prelim with ~1 % of the intervals re-priced."""
    g = grid(day, 300)
    adders = _adders(seed, day)
    if kind == "final":
        adders = _revise(seed, day, adders)
    spin, ten, thirty = _requirements(seed, day, g)
    return ReserveDay(g, _quirky_stamps(seed, g), spin, ten, thirty, _designations(seed, g), _prices(adders))


def _revise(seed: int, day: date, adders: np.ndarray) -> np.ndarray:
    """Final settlement re-prices a few intervals: an adder moved by $0.50–$15 (never below 0)."""
    rng = rng_for(seed, "reserve5-final", day)
    T = adders.shape[1]
    rows = rng.choice(T, max(1, int(rng.binomial(T, FINAL_REVISED_P))), replace=False)
    out = adders.copy()
    for r in rows.tolist():
        k = int(rng.integers(0, 3))
        delta = np.rint(rng.uniform(50, 1500)) * (1 if out[k, r, 0] == 0 or rng.random() < 0.6 else -1)
        out[k, r, :] = np.clip(out[k, r, :] + delta, 0, MAX_ADDER)
    return out


@functools.lru_cache(maxsize=16)
def reserve_hourly_day(seed: int, day: date, kind: str = "prelim") -> ReserveDay:
    """Hourly reserve records: the mean of the hour's 5-minute values (requirements in whole MW, prices in cents)."""
    d5 = reserve_5min_day(seed, day, kind)
    g = grid(day, 3600)
    n = len(g)

    def mean(a: np.ndarray, unit: int = 1) -> np.ndarray:
        m = a.reshape(*a.shape[:-2], n, 12, a.shape[-1]) if a.ndim >= 2 else a.reshape(n, 12)
        axis = -2 if a.ndim >= 2 else -1
        return (np.rint(m.mean(axis=axis) / unit) * unit).astype(np.int64)

    return ReserveDay(
        g,
        g.stamps,
        mean(d5.spin_req, 1000),
        mean(d5.ten_req, 1000),
        mean(d5.thirty_req, 1000),
        mean(d5.desig, 100),
        mean(d5.price),
    )


# ---------------------------------------------------------------------------------------------
# day-ahead ancillary services (DASI): reserve data and strike prices

DAAS_FROM = date(2025, 3, 1)  # DASI went live for this operating day; nothing before it


@dataclass(frozen=True)
class DaasDay:
    """Day-ahead reserve results of one day, hourly; all values in cents or centi-MW (2 decimals)."""

    grid: Grid
    req: np.ndarray  # (3, H) spin, total 10-min, total 30-min requirement, centi-MW (whole MW)
    fer: np.ndarray  # (H,) forecasted energy requirement, centi-MW
    price: np.ndarray  # (4, H) TMSR, TMNSR, TMOR, FER clearing prices, cents
    desig: np.ndarray  # (4, H) TMSR, TMNSR, TMOR, EIR designations, centi-MW


@functools.lru_cache(maxsize=32)
def daas_day(seed: int, day: date) -> DaasDay:
    g = grid(day, 3600)
    rng = rng_for(seed, "daas", day)
    H = len(g)
    spin5, ten5, thirty5 = _requirements(seed, day, grid(day, 300))
    req = np.stack([spin5[::12], ten5[::12], thirty5[::12, 0]]) // 10
    load = hourly_sysload_day(seed, day).load / 1000
    fer = np.rint(load * (1 + 0.012 * rng.standard_normal(H)) * 100).astype(np.int64)
    tight = np.clip((load - 0.8 * load.max()) / (0.2 * load.max()), 0, 1)
    tmor = np.rint(np.clip(rng.normal(150, 120, H) + 900 * tight**2, 0, None))
    tmnsr = tmor + np.rint(np.clip(rng.normal(60, 80, H), 0, None))
    tmsr = tmnsr + np.rint(np.clip(rng.normal(120, 100, H) + 400 * tight, 0, None))
    fer_p = np.rint(np.where(tight > 0.3, rng.uniform(0, 9300, H) * tight, 0))
    price = np.stack([tmsr, tmnsr, tmor, fer_p]).astype(np.int64)
    desig = np.stack(
        [
            req[0] / 100 * rng.uniform(1.0, 1.6, H),
            (req[1] - req[0]) / 100 * rng.uniform(1.0, 1.4, H),
            (req[2] - req[1]) / 100 * rng.uniform(1.0, 1.5, H),
            np.where(fer_p > 0, rng.uniform(0, 1083.3, H), 0.0),
        ]
    )
    return DaasDay(g, req, fer, price, np.rint(desig * 100).astype(np.int64))


STRIKE_WINDOW = (9 * 3600 + 50 * 60, 10 * 3600 + 10 * 60)  # D-1 local, seconds after midnight
STRIKE_REISSUE_P = 0.08  # some days get a second vintage for some hours ~11:00
STRIKE_ADDER = 1000  # cents: the strike price sits this far above the expected RT hub LMP (simulator's choice)
OVERRIDE_P = 0.03


@dataclass(frozen=True)
class StrikeVintage:
    """One publication of strike prices for day D: its timestamp and the hours it covers, with values."""

    epoch: int
    hours: tuple[int, ...]
    values: tuple[dict, ...]  # per covered hour: field → cents/centi-MW int, or None


def _norm_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _strike_values(seed: int, day: date, rng: np.random.Generator, hours: list[int], revise: bool) -> list[dict]:
    """Per hour: the expected RT hub LMP (DA hub price + noise), its spread, and the expected close-out charge
    ``E[max(RT − strike, 0)]`` for a normal RT price — so the percentiles are ordered and the charge is ≥ 0."""
    da = da_lmp_day(seed, day)
    hub = da.total()[:, topo().hub_col] / 100
    load = hlf_issue_day(seed, day - timedelta(days=1)).values[1][1]  # the ~09:15 run of D-1
    out = []
    for h in hours:
        mu = max(float(hub[h]) * (1 + 0.06 * rng.standard_normal()) + (1.5 if revise else 0.0), 1.0)
        sigma = max(mu * rng.uniform(0.12, 0.3), 1.0)
        k = mu + STRIKE_ADDER / 100
        d = (mu - k) / sigma
        charge = sigma * math.exp(-d * d / 2) / math.sqrt(2 * math.pi) + (mu - k) * _norm_cdf(d)
        skew = rng.uniform(1.0, 1.5)  # RT prices have a longer upper tail
        rec = {
            "strike_price": k,
            "spc_load_forecast_mw": float(load[h]),
            "percentile_10_rt_hub_lmp": mu - 1.2816 * sigma / skew,
            "percentile_25_rt_hub_lmp": mu - 0.6745 * sigma / skew,
            "percentile_75_rt_hub_lmp": mu + 0.6745 * sigma * skew,
            "percentile_90_rt_hub_lmp": mu + 1.2816 * sigma * skew,
            "expected_rt_hub_lmp": mu,
            "expected_rt_hub_lmp_override": mu + rng.uniform(-5, 5) if rng.random() < OVERRIDE_P else None,
            "expected_closeout_charge": charge,
            "expected_closeout_charge_override": charge * rng.uniform(0.8, 1.2) if rng.random() < OVERRIDE_P else None,
        }
        out.append({key: (None if v is None else int(round(v * 100))) for key, v in rec.items()})
    return out


@functools.lru_cache(maxsize=32)
def strike_vintages(seed: int, day: date) -> tuple[StrikeVintage, ...]:
    """The strike-price publications for day D: all hours D-1 ~10:00, rarely a re-issue of some hours ~11:00."""
    rng = rng_for(seed, "daas_strike", day)
    prev = day - timedelta(days=1)
    hours = list(range(len(grid(day, 3600))))
    first = wall_epoch(prev, int(rng.integers(*STRIKE_WINDOW)))
    out = [StrikeVintage(first, tuple(hours), tuple(_strike_values(seed, day, rng, hours, False)))]
    if rng.random() < STRIKE_REISSUE_P:
        a = int(rng.integers(0, len(hours) - 4))
        some = hours[a : a + int(rng.integers(3, 9))]
        second = wall_epoch(prev, 11 * 3600 + int(rng.integers(-300, 600)))
        out.append(StrikeVintage(second, tuple(some), tuple(_strike_values(seed, day, rng, some, True))))
    return tuple(out)
