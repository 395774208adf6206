"""Locational marginal prices in cents: real-time 5-minute (preliminary and final), real-time hourly and
day-ahead, over one network topology (loss factors per node, zone and hub aggregates, congestion events)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

import numpy as np

from ..calendar import Grid, grid
from ..locations import EXT_NODES, HUB_ID, ZONE_IDS, universe
from .signals import LoadSeries, _season, h64, load_series, rng_for, vnoise


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
    ids = tuple(loc.id for loc in u.priced)
    n = len(ids)
    r = np.random.default_rng(4242)
    lf = np.zeros(n)
    zone_of = np.full(n, -1)
    node_mask = np.zeros(n, dtype=bool)
    zone_index = {z: i for i, z in enumerate(ZONE_IDS)}
    zone_bias = np.array([-0.035, -0.004, 0.025, 0.004, -0.01, -0.006, 0.003, 0.008])
    for i, loc in enumerate(u.priced):
        if loc.type == "NETWORK NODE":
            assert loc.zone is not None  # every network node lies in a load zone
            node_mask[i] = True
            zone_of[i] = zone_index[loc.zone]
            lf[i] = zone_bias[zone_of[i]] + r.normal(0, 0.012)
    for zi, z in enumerate(ZONE_IDS):
        col = ids.index(z)
        lf[col] = lf[(zone_of == zi)].mean()
    lf[ids.index(HUB_ID)] = 0.0025
    for (eid, _), v in zip(EXT_NODES, (-0.045, 0.012, -0.02, -0.028, 0.015, 0.01, -0.03), strict=True):
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
        return _rt_final(seed, day, rt_lmp_day(seed, day, "prelim"))
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


FINAL_DOLLAR_P = 0.005  # share of intervals re-priced by dollars at every location
FINAL_CENTS_P = 0.03  # share of intervals where some network nodes move by cents
FINAL_CENTS_NODES = (0.05, 0.3)  # range of the share of network nodes touched in such an interval


def _rt_final(seed: int, day: date, p: LmpDay) -> LmpDay:
    """The final RT prices: the preliminary ones with a few corrections, as settlement re-runs give.

    * ~0.5 % of intervals (at least one a day) are re-priced by dollars: energy moved by up to $9 at every
      location, the loss component scaled along;
    * ~3 % of intervals get cent-level touch-ups (±$0.01–0.25 on the loss component) on 5–30 % of the network
      nodes — a loss-factor rounding fix; zone and hub aggregates are left as published.

    Everything else is unchanged, and ``LmpTotal = energy + congestion + loss`` stays exact by construction.
    """
    rng = rng_for(seed, "rt5-final", day)
    T = len(p.grid)
    n = max(1, int(rng.binomial(T, FINAL_DOLLAR_P)))
    rows = np.sort(rng.choice(T, n, replace=False))
    energy = p.energy.copy()
    loss = p.loss.copy()
    delta = rng.uniform(-9, 9, n)
    delta = np.where(np.abs(delta) < 0.5, 1.25, delta)
    new_e = energy[rows] + np.rint(delta * 100).astype(np.int64)
    ratio = np.where(energy[rows] != 0, new_e / np.where(energy[rows] != 0, energy[rows], 1), 1.0)
    loss[rows] = np.rint(loss[rows] * ratio[:, None]).astype(loss.dtype)
    energy[rows] = new_e
    _cent_touch_ups(rng_for(seed, "rt5-final-cents", day), loss, topo())
    return LmpDay(p.grid, energy, p.cong, loss)


def _cent_touch_ups(rng: np.random.Generator, loss: np.ndarray, tp: Topo) -> None:
    """Move the loss component of a subset of network nodes by ±1–25 cents in ~FINAL_CENTS_P of the rows, in place."""
    T = loss.shape[0]
    nodes = np.nonzero(tp.node_mask)[0]
    for r in np.nonzero(rng.random(T) < FINAL_CENTS_P)[0].tolist():
        share = rng.uniform(*FINAL_CENTS_NODES)
        cols = nodes[rng.random(len(nodes)) < share]
        loss[r, cols] += rng.integers(1, 26, len(cols)) * rng.choice((-1, 1), len(cols))


def _hourly(d: LmpDay, g: Grid) -> LmpDay:
    n = len(g)
    e = np.rint(d.energy.reshape(n, 12).mean(axis=1)).astype(np.int64)
    c = np.rint(d.cong.reshape(n, 12, -1).mean(axis=1)).astype(np.int64)
    loss = np.rint(d.loss.reshape(n, 12, -1).mean(axis=1)).astype(np.int64)
    return LmpDay(g, e, c, loss)


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
