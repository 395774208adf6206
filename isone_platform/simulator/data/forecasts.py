"""Load forecasts: the hourly system forecast (3-day horizon, several issues a day), its split by load zone
(the reliability-region forecast) and the seven-day capacity forecast.

Every forecast is the simulator's own actual load (`loads.hourly_sysload_day`) times a seeded error whose size
grows with the horizon, so a client can measure forecast error against ``/hourlysysload`` and get realistic
numbers. Issue times and values are functions of (seed, issue day) only; what a request sees of them is decided
by the API layer's publication tests (an issue is out once its ``CreationDate`` has passed).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from ..calendar import day_bounds_epoch, fmt_epoch, fmt_epoch_ms, wall_epoch
from .loads import hourly_sysload_day, zonal_day
from .signals import h64, rng_for, vnoise

HORIZON_DAYS = 3  # a system forecast issue covers its issue day and the next 2 days
# local issue windows (seconds after midnight): the ~04:00 and ~09:15 regular runs, then ad-hoc re-issues
REGULAR_WINDOWS = ((3 * 3600 + 36 * 60, 4 * 3600 + 23 * 60), (9 * 3600 + 10 * 60, 9 * 3600 + 25 * 60))
ADHOC_WINDOW = (11 * 3600, 19 * 3600)
ADHOC_P = (0.45, 0.30, 0.17, 0.08)  # P(0..3 ad-hoc re-issues on a day)
MS_P = 0.2  # share of issue times whose milliseconds are not .000
# relative error standard deviation by target day − issue day; gives MAPE ≈ 2 %, 3 %, 4.2 %
SIGMA = (0.025, 0.037, 0.052)
ERR_SMOOTH_HOURS = 7  # forecast errors drift over several hours rather than jumping hour to hour
RR_MISSING_P = 0.05  # share of system runs without a reliability-region counterpart
RR_SLOW_FROM = date(2024, 6, 1)  # from here on RR runs trail the system run by minutes instead of seconds


def _seconds_and_ms(rng: np.random.Generator, lo: int, hi: int) -> tuple[int, int]:
    secs = int(rng.integers(lo, hi + 1))
    ms = int(rng.integers(1, 1000)) if rng.random() < MS_P else 0
    return secs, ms


def issue_times(seed: int, day: date) -> list[int]:
    """Epoch milliseconds of the system forecast issues of ``day``: two regular runs plus 0–3 ad-hoc ones.

    Ad-hoc runs get one slot each in 11:00–19:00, so runs are always well apart and in time order.
    """
    rng = rng_for(seed, "hlf_runs", day)
    out = []
    for lo, hi in REGULAR_WINDOWS:
        secs, ms = _seconds_and_ms(rng, lo, hi)
        out.append(wall_epoch(day, secs) * 1000 + ms)
    n_adhoc = int(rng.choice(len(ADHOC_P), p=ADHOC_P))
    if n_adhoc:
        width = (ADHOC_WINDOW[1] - ADHOC_WINDOW[0]) // n_adhoc
        for j in range(n_adhoc):
            lo = ADHOC_WINDOW[0] + j * width
            secs, ms = _seconds_and_ms(rng, lo, lo + width - 600)
            out.append(wall_epoch(day, secs) * 1000 + ms)
    return out


def _smooth_normal(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Unit-variance normals correlated over ~ERR_SMOOTH_HOURS along the last axis (moving sum / sqrt(width))."""
    w = ERR_SMOOTH_HOURS
    z = rng.standard_normal((shape[0], shape[1] + w - 1))
    c = np.cumsum(np.pad(z, ((0, 0), (1, 0))), axis=1)
    return (c[:, w:] - c[:, :-w]) / np.sqrt(w)


@dataclass(frozen=True)
class HlfIssueDay:
    """The system forecast runs issued on one day; ``values[k]`` is (runs, hours of day+k) in whole MW."""

    day: date
    created_ms: tuple[int, ...]
    stamps: tuple[str, ...]  # CreationDate of each run
    values: tuple[np.ndarray, ...]  # HORIZON_DAYS arrays, int64 MW, multiples of 10


@functools.lru_cache(maxsize=256)
def hlf_issue_day(seed: int, day: date) -> HlfIssueDay:
    created = issue_times(seed, day)
    truth = [hourly_sysload_day(seed, day + timedelta(days=k)).load for k in range(HORIZON_DAYS)]
    sizes = [len(t) for t in truth]
    rng = rng_for(seed, "hlf_err", day)
    shape = (len(created), sum(sizes))
    # errors of one day's runs share a common part (same weather forecast) plus a run-specific part
    err = 0.75 * _smooth_normal(rng, (1, shape[1])) + 0.66 * _smooth_normal(rng, shape)
    values = []
    start = 0
    for k, t in enumerate(truth):
        e = err[:, start : start + sizes[k]]
        start += sizes[k]
        values.append((np.rint(t[None, :] / 1000 * (1 + SIGMA[k] * e) / 10) * 10).astype(np.int64))
    return HlfIssueDay(day, tuple(created), tuple(fmt_epoch_ms(c) for c in created), tuple(values))


# ---------------------------------------------------------------------------------------------
# reliability-region (load zone) split


@functools.lru_cache(maxsize=256)
def zone_shares_hourly(seed: int, day: date) -> np.ndarray:
    """(hours, 8) share of each load zone (LOAD_ZONES order) in the hour, from the 5-minute zonal generator."""
    z = zonal_day(seed, day).load.astype(np.float64)
    hourly = z.reshape(-1, 12, z.shape[1]).sum(axis=1)
    return hourly / hourly.sum(axis=1, keepdims=True)


def split_exact(total: np.ndarray, shares: np.ndarray, unit: int) -> np.ndarray:
    """Integer parts of ``total`` (…,) by ``shares`` (…, n) that add up to ``total`` exactly.

    Parts are rounded to ``unit``; the rounding residual goes to the largest part (it is tiny next to it).
    """
    parts = np.rint(total[..., None] * shares / unit).astype(np.int64) * unit
    resid = total - parts.sum(axis=-1)
    big = shares.argmax(axis=-1)
    np.put_along_axis(parts, big[..., None], np.take_along_axis(parts, big[..., None], -1) + resid[..., None], -1)
    return parts


@dataclass(frozen=True)
class RrIssueDay:
    """Zonal split of every system run of a day; ``published`` says which runs the RR feed carries."""

    day: date
    published: tuple[bool, ...]
    created_ms: tuple[int, ...]
    stamps: tuple[str, ...]
    load: tuple[np.ndarray, ...]  # HORIZON_DAYS arrays (runs, hours, 8) milli-MW, zones in LOAD_ZONES order
    pct: tuple[np.ndarray, ...]  # same shape, thousandths of a percent, each (run, hour) sums to 100000


@functools.lru_cache(maxsize=256)
def rr_issue_day(seed: int, day: date) -> RrIssueDay:
    sys = hlf_issue_day(seed, day)
    rng = rng_for(seed, "rr_runs", day)
    n = len(sys.created_ms)
    lo, hi = (400, 535) if day >= RR_SLOW_FROM else (4, 10)
    created = []
    for c in sys.created_ms:
        secs, ms = _seconds_and_ms(rng, lo, hi)
        created.append((c // 1000 + secs) * 1000 + ms)
    published = tuple(bool(rng.random() >= RR_MISSING_P) for _ in range(n))
    loads, pcts = [], []
    for k in range(HORIZON_DAYS):
        true = zone_shares_hourly(seed, day + timedelta(days=k))
        shares = true[None, :, :] * (1 + 0.004 * rng.standard_normal((n, *true.shape)))
        shares /= shares.sum(axis=-1, keepdims=True)
        total = sys.values[k] * 1000
        zl = split_exact(total, shares, 1)
        loads.append(zl)
        pcts.append(split_exact(np.full(total.shape, 100_000, dtype=np.int64), zl / total[..., None], 1))
    return RrIssueDay(
        day, published, tuple(created), tuple(fmt_epoch_ms(c) for c in created), tuple(loads), tuple(pcts)
    )


# ---------------------------------------------------------------------------------------------
# seven-day capacity forecast

SDF_WINDOW = (9 * 3600 + 14 * 60, 9 * 3600 + 45 * 60)
SDF_REISSUE_P = 0.1  # a second issue a few seconds after the first
SDF_DRR_FROM = date(2024, 1, 1)  # DrrMw replaces RtdrMw/RtegMw/EnergyEmergency
SDF_INT_DAY_FROM = date(2026, 1, 1)  # "Day": 2 (JSON int) replaces "@Day": "2"
SDF_SIGMA = (0.025, 0.03, 0.036, 0.042, 0.048, 0.055)  # peak-load error by Day 2..7
CITIES = (("Boston", 0.0, 0.0), ("Hartford", 1.5, -1.0))  # name, high temp and dew point offsets (°F)


@dataclass(frozen=True)
class SevenDayIssue:
    created_ms: int
    stamp: str
    begin: str  # BeginDate: the first market day's local midnight
    market_days: tuple[dict, ...]  # Day 2..7, JSON-ready values in wire key order


def _high_temp(seed: int, md: date) -> float:
    """Boston high (°F): the seasonal normal plus the load model's weather swing (hot days load summer, cold winter)."""
    doy = md.timetuple().tm_yday
    normal = 59 - 23 * np.cos(2 * np.pi * (doy - 20) / 365.25)
    noon = float(day_bounds_epoch(md)[0] + 13 * 3600)
    swing = float(vnoise(np.array([noon]), 3 * 86400, h64(seed, "load") ^ 1)[0])
    summer = np.clip(np.cos(2 * np.pi * (doy - 200) / 365.25), -1, 1)
    return float(normal + 10 * swing * summer + 3 * swing)


def _market_day(seed: int, issue: date, k: int, rng: np.random.Generator, peak_shift: int) -> dict:
    """One MarketDay entry (Day ``k``) with the §1.3 identities holding exactly."""
    md = issue + timedelta(days=k - 1)
    actual_peak = hourly_sysload_day(seed, md).load.max() / 1000
    peak = int(round(actual_peak * (1 + SDF_SIGMA[k - 2] * rng.standard_normal()) / 10) * 10) + peak_shift
    cap_year = md.year - (1 if md.month < 6 else 0)
    yrng = np.random.default_rng(h64(seed, "sdf_cso", cap_year))
    cso = int(30400 - 330 * (cap_year - 2016) + yrng.integers(-250, 250))
    delist = int(yrng.integers(900, 2200))
    winter = md.month in (12, 1, 2)
    cold_out = int(rng.integers(0, 600)) if winter and rng.random() < 0.5 else 0
    spring_fall = md.month in (3, 4, 5, 9, 10, 11)
    other_out = int(rng.integers(2500, 5500) if spring_fall else rng.integers(800, 3000))
    tot_gen = cso - cold_out - other_out - delist + int(yrng.integers(1500, 4500))
    imp = int(rng.integers(1500, 3800))
    repl = 160 if md >= date(2020, 1, 1) else 180
    reqd = int(rng.integers(1950, 2450))
    incl = reqd + repl
    tot_imp = tot_gen + imp
    tot_load = peak + incl
    surplus = tot_imp - tot_load
    temps = []
    high = _high_temp(seed, md)
    for name, dt, _dd in CITIES:
        h = int(round(high + dt + rng.normal(0, 2)))
        temps.append({"CityName": name, "HighTempF": h, "DewPointF": int(round(h - rng.uniform(8, 24)))})
    cold = min(t["HighTempF"] for t in temps)
    rec: dict = {"@Day": str(k)} if issue < SDF_INT_DAY_FROM else {"Day": k}
    rec.update(
        MarketDate=fmt_epoch(day_bounds_epoch(md)[0]),
        CsoMw=cso,
        ColdWeatherOutagesMw=cold_out,
        OtherGenOutagesMw=other_out,
        DelistMw=delist,
        TotAvailGenMw=tot_gen,
        PeakImportMw=imp,
        TotAvailGenImportMw=tot_imp,
        PeakLoadMw=peak,
        ReplReserveReqMw=repl,
        ReqdReserveMw=reqd,
        ReqdReserveInclReplMw=incl,
        TotLoadPlusReqdReserveMw=tot_load,
        SurplusDeficiencyMw=surplus,
    )
    if issue < SDF_DRR_FROM:
        rec.update(RtdrMw=int(rng.integers(120, 260)), RtegMw=int(rng.integers(0, 3)))
    else:
        rec["DrrMw"] = int(rng.integers(180, 320))
    rec.update(
        PowerWatch="Y" if surplus < 1500 else "N",
        PowerWarn="Y" if surplus < 500 else "N",
        ColdWeatherWatch="Y" if winter and cold < 15 else "N",
        ColdWeatherWarn="Y" if winter and cold < 10 else "N",
        ColdWeatherEvent="Y" if winter and cold < 5 else "N",
    )
    if issue < SDF_DRR_FROM:
        rec["EnergyEmergency"] = "N"
    rec["Weather"] = {"CityWeather": temps}
    return rec


@functools.lru_cache(maxsize=256)
def sevenday_issues(seed: int, day: date) -> tuple[SevenDayIssue, ...]:
    """The seven-day forecast issues of ``day`` (usually one; sometimes a re-issue seconds later)."""
    rng = rng_for(seed, "sdf", day)
    secs, ms = _seconds_and_ms(rng, *SDF_WINDOW)
    first = wall_epoch(day, secs) * 1000 + ms
    created = [first]
    if rng.random() < SDF_REISSUE_P:
        created.append(first + int(rng.integers(3_000, 20_000)))
    begin = fmt_epoch(day_bounds_epoch(day + timedelta(days=1))[0])
    out = []
    for j, c in enumerate(created):
        r = rng_for(seed, "sdf_values", day)  # the re-issue repeats the numbers, bar a peak-load touch-up
        shift = 0 if j == 0 else int(rng.choice((-20, -10, 10, 20)))
        mds = tuple(_market_day(seed, day, k, r, shift if k == 2 else 0) for k in range(2, 8))
        out.append(SevenDayIssue(c, fmt_epoch_ms(c), begin, mds))
    return tuple(out)
