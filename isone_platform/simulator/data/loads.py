"""System load (5-minute and hourly) and the estimated zonal load, in milli-MW."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

import numpy as np

from ..calendar import Grid, grid
from ..locations import ZONE_SHARES
from .signals import _milli, h64, load_series, vnoise


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
