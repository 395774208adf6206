"""Generation by fuel: irregular snapshots (every ~4-8 minutes, as the real feed), whole MW per fuel, and the
marginal-fuel flags. Natural gas is what the load needs beyond the other fuels (never below 700 MW)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

import numpy as np

from ..calendar import day_bounds_epoch, fmt_epoch
from .signals import _season, _sig, h64, load_series, rng_for, vnoise

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
ALWAYS_REPORTED = ("Nuclear", "Hydro", "Wind", "Wood", "Refuse", "Landfill Gas")
"""Fuels in every snapshot; the others appear only while they generate (Solar only in daylight)."""


@dataclass(frozen=True)
class FuelSnapshot:
    epoch: int
    stamp: str
    fuels: tuple[tuple[str, int, str], ...]  # (FuelCategory, GenMw, MarginalFlag) sorted by rollup, category


@functools.lru_cache(maxsize=64)
def fuelmix_day(seed: int, day: date) -> tuple[FuelSnapshot, ...]:
    # one RNG for the day, drawn in a fixed order: times, nuclear outage, Other, coal, then the marginal flags
    rng = rng_for(seed, "fuel", day)
    ep = _snapshot_epochs(rng, day)
    mw = _generation(seed, day, ep, rng)
    marg = rng.random(len(ep))
    return tuple(
        FuelSnapshot(int(ep[i]), fmt_epoch(int(ep[i])), _snapshot_fuels(mw, i, marg[i])) for i in range(len(ep))
    )


def _snapshot_epochs(rng: np.random.Generator, day: date) -> np.ndarray:
    """Snapshot times of the day: a random start in the first 10 minutes, then every 230-470 s."""
    start, end = day_bounds_epoch(day)
    steps = rng.integers(230, 470, size=400)
    ep = start + int(rng.integers(3, 600)) + np.concatenate([[0], np.cumsum(steps)])
    return ep[ep < end]


def _generation(seed: int, day: date, ep: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """MW per fuel at each snapshot, plus the `total` the fuels cover, `sun` and whether `Other` reports."""
    ls = load_series(seed, ep)
    t = ep.astype(np.float64)
    k = h64(seed, "fuel")
    sw, ww = _season(ls.doy)
    imports = 2300 + 900 * vnoise(t, 12 * 3600, k ^ 1) + 150 * vnoise(t, 1800, k ^ 2)
    mw = {
        "total": ls.net + ls.ard - imports,
        "sun": ls.sun,
        "Nuclear": (3345 if rng.random() > 0.15 else 2120) + 6 * vnoise(t, 3600, k ^ 3),
        "Hydro": np.clip(
            650
            + 800 * _sig((ls.hour - 7) / 1.2) * _sig((22 - ls.hour) / 1.2) * (0.6 + 0.4 * vnoise(t, 7200, k ^ 4))
            + 250 * vnoise(t, 900, k ^ 5),
            150,
            2100,
        ),
        "Wind": 1500 * (0.5 + 0.5 * vnoise(t, 10 * 3600, k ^ 6)) ** 2 + 20,
        "Solar": 1400 * ls.sun * ls.cloud * (0.9 + 0.1 * vnoise(t, 1800, k ^ 7)),
        "Wood": 185 + 12 * vnoise(t, 6 * 3600, k ^ 8),
        "Refuse": 325 + 18 * vnoise(t, 4 * 3600, k ^ 9),
        "Landfill Gas": 33 + 2.5 * vnoise(t, 5 * 3600, k ^ 10),
        "Other": np.clip(10 + 9 * vnoise(t, 1200, k ^ 11), 0, None),
        "has_other": rng.random(len(ep)) < 0.83,
    }
    oil_need = np.clip(ls.net - (0.93 * (13900 + 4500 * ww + 9000 * sw)), 0, None) * 0.8
    mw["Oil"] = oil_need + np.where(ww > 0.8, np.clip(400 * vnoise(t, 86400, k ^ 12), 0, None), 0)
    mw["Coal"] = _coal(rng, t, k, ww)
    batteries = 450 * np.exp(-(((ls.hour - 18.5) / 1.5) ** 2)) * (0.6 + 0.4 * vnoise(t, 3600, k ^ 14)) - 20
    mw["Batteries"] = np.clip(batteries, 0, None) if day >= BATTERIES_FROM else np.zeros(len(ep))
    return mw


def _coal(rng: np.random.Generator, t: np.ndarray, k: int, ww: np.ndarray) -> np.ndarray:
    """Coal runs on some days (more often in winter), for one stretch of 20-120 snapshots."""
    n = len(t)
    coal_on = rng.random() < 0.10 + 0.15 * float(ww.mean())
    c0 = int(rng.integers(0, n)) if n else 0
    coal = np.zeros(n)
    if coal_on:
        n_coal = int(rng.integers(20, 120))
        coal[c0 : c0 + n_coal] = 370 + 40 * vnoise(t[c0 : c0 + n_coal], 3600, k ^ 13)
    return coal


def _snapshot_fuels(mw: dict[str, np.ndarray], i: int, marginal_draw: float) -> tuple[tuple[str, int, str], ...]:
    """Snapshot `i`'s (fuel, MW, marginal flag) records, in the feed's order."""
    f: dict[str, int] = {name: int(round(mw[name][i])) for name in ALWAYS_REPORTED}
    if mw["sun"][i] > 0:  # no Solar record at night
        f["Solar"] = int(round(mw["Solar"][i]))
    if mw["has_other"][i]:
        f["Other"] = int(round(mw["Other"][i]))
    for name, least in (("Oil", 5), ("Batteries", 3)):
        if mw[name][i] >= least:
            f[name] = int(round(mw[name][i]))
    if mw["Coal"][i] > 0:
        f["Coal"] = int(round(mw["Coal"][i]))
    f["Natural Gas"] = int(max(700, round(mw["total"][i] - sum(f.values()))))
    marginal = _marginal_fuels(marginal_draw, f)
    return tuple((name, f[name], "Y" if name in marginal else "N") for name in FUEL_ORDER if name in f)


def _marginal_fuels(draw: float, fuels: dict[str, int]) -> set[str]:
    """Usually natural gas; sometimes hydro, gas with oil (or hydro), rarely none."""
    if draw < 0.005:
        return set()
    if draw < 0.045:
        return {"Natural Gas", "Oil" if "Oil" in fuels else "Hydro"}
    if draw < 0.13:
        return {"Hydro"}
    return {"Natural Gas"}
