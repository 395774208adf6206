"""The building blocks every generator shares: stable hashing, seeded RNGs, smooth value noise over absolute
time, calendar features, sunlight, and the system load model the other feeds derive from.

Smooth noise is *value noise* over absolute time (hash of the knot index), so series are continuous across
midnight and identical whichever day is generated first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from ..calendar import TZ

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
