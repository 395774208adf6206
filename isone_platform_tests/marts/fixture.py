"""A small hand-made std warehouse for the mart tests, and the marts computed from it in plain Python.

Days: 2024-03-10 (Sunday, spring forward: 276 intervals), 2024-07-03 (Wednesday: on-peak hours; a few intervals
missing, one null load), 2024-07-04 (Thursday, Independence Day: a NERC holiday, all off-peak) and 2024-11-03
(Sunday, fall back: 300 intervals, two 01:xx hours). The expectations are computed here from the same rows,
with zoneinfo and Python arithmetic, independently of the SQL.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from isone_platform.lib.schemas import FUEL_MIX, LMP_DA_HOURLY, LMP_RT_5MIN, SYSTEM_LOAD_5MIN, ZONAL_LOAD_5MIN
from isone_platform.lib.warehouse import WarehouseConfig, replace_partitions

NY = ZoneInfo("America/New_York")
FIVE = timedelta(minutes=5)
HOUR = timedelta(hours=1)
DAYS = (date(2024, 3, 10), date(2024, 7, 3), date(2024, 7, 4), date(2024, 11, 3))
NERC_HOLIDAYS_2024 = {
    date(2024, 1, 1),
    date(2024, 5, 27),
    date(2024, 7, 4),
    date(2024, 9, 2),
    date(2024, 11, 28),
    date(2024, 12, 25),
}
ZONES = {4001: ".Z.MAINE", 4002: ".Z.NEWHAMPSHIRE"}
LOCATIONS = {4000: (".H.INTERNAL_HUB", "HUB"), 4001: (".Z.MAINE", "LOAD ZONE"), 4002: (".Z.NEWHAMPSHIRE", "LOAD ZONE")}
FUELS = {"Natural Gas": "Fossil Fuels", "Nuclear": "Nuclear", "Solar": "Renewables"}
PROVENANCE = {"source_path": "/fixture", "fetched_at_utc": datetime(2024, 12, 1, tzinfo=UTC), "body_sha256": "0" * 64}


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=NY).astimezone(UTC)
    nxt = day + timedelta(days=1)
    return start, datetime(nxt.year, nxt.month, nxt.day, tzinfo=NY).astimezone(UTC)


def intervals(day: date, step: timedelta) -> list[datetime]:
    start, end = day_bounds(day)
    out, t = [], start
    while t < end:
        out.append(t)
        t += step
    return out


def local_iso(ts: datetime) -> str:
    return ts.astimezone(NY).isoformat()


def is_onpeak(ts: datetime) -> bool:
    local = ts.astimezone(NY)
    d = local.date()
    return local.weekday() < 5 and d not in NERC_HOLIDAYS_2024 and 7 <= local.hour <= 22


# ---------------------------------------------------------------------------------------------------------------
# std rows


def build_std() -> dict[str, pl.DataFrame]:
    system, zonal, rt, da, fuel = [], [], [], [], []
    for di, day in enumerate(DAYS):
        five = intervals(day, FIVE)
        for i, ts in enumerate(five):
            if day == date(2024, 7, 3) and i in (10, 11, 200):
                continue  # missing intervals: completeness < 100 %
            base = 11000 + 3000 * math.sin(i / len(five) * 2 * math.pi) + 7 * di + (i % 7)
            load = None if (day == date(2024, 7, 3) and i == 50) else round(base, 3)
            system.append(
                {"interval_begin_utc": ts, "interval_end_utc": ts + FIVE, "operating_day": day, "load_mw": load}
            )
            if load is not None:
                z1 = round(load * 0.1 + (i % 5), 3)
                z2 = round(load * 0.88 - (i % 3) * 2, 3)
                zonal.append(
                    {
                        "interval_begin_utc": ts,
                        "interval_end_utc": ts + FIVE,
                        "operating_day": day,
                        "zone_id": 4001,
                        "zone_name": ZONES[4001],
                        "load_mw": z1,
                    }
                )
                zonal.append(
                    {
                        "interval_begin_utc": ts,
                        "interval_end_utc": ts + FIVE,
                        "operating_day": day,
                        "zone_id": 4002,
                        "zone_name": ZONES[4002],
                        "load_mw": None if i == 99 else z2,
                    }
                )
        for i, ts in enumerate(five):
            for loc in (4000, 4001):
                price = 30 + 25 * math.sin(i / 40 + loc) + (-60 if (i % 97 == 5) else 0) + di
                if loc == 4000 and i == 150:
                    price = 500.0  # a spike
                rt.append(
                    {
                        "interval_begin_utc": ts,
                        "interval_end_utc": ts + FIVE,
                        "operating_day": day,
                        "location_id": loc,
                        "lmp": round(price, 2),
                    }
                )
        for h, ts in enumerate(intervals(day, HOUR)):
            for loc in (4000, 4001, 4002):  # 4002 priced day-ahead only
                da.append(
                    {
                        "interval_begin_utc": ts,
                        "interval_end_utc": ts + HOUR,
                        "operating_day": day,
                        "location_id": loc,
                        "lmp": round(35 + 10 * math.cos(h / 4 + loc) + di, 2),
                    }
                )
        # fuel mix: irregular snapshots (7, 13, 29 minutes apart, repeating); the last one runs to the day's end
        start, end = day_bounds(day)
        snaps, t, k = [], start, 0
        while t < end:
            snaps.append(t)
            t += timedelta(minutes=(7, 13, 29)[k % 3])
            k += 1
        for j, ts in enumerate(snaps):
            stop = snaps[j + 1] if j + 1 < len(snaps) else min(ts + FIVE, end)
            for f, (fuel_name, rollup) in enumerate(FUELS.items()):
                gen = {
                    "Natural Gas": 5000 + 40 * (j % 11),
                    "Nuclear": 3300.0,
                    "Solar": max(0.0, 800 * math.sin(j / 9)),
                }[fuel_name]
                fuel.append(
                    {
                        "interval_begin_utc": ts,
                        "interval_end_utc": stop,
                        "operating_day": day,
                        "fuel_category": fuel_name,
                        "fuel_category_rollup": rollup,
                        "gen_mw": None if (fuel_name == "Solar" and j == 3) else float(gen),
                        "is_marginal": (j + f) % 4 == 0,
                    }
                )

    def frame(rows, schema, extra=None):
        df = pl.DataFrame([{**r, **PROVENANCE, **(extra(r) if extra else {})} for r in rows], infer_schema_length=None)
        for c in schema.column_names:
            if c not in df.columns:
                df = df.with_columns(pl.lit(None).alias(c))
        return schema.conform(df)

    def lmp_extra(r):
        name, kind = LOCATIONS[r["location_id"]]
        return {
            "location_name": name,
            "location_type": kind,
            "energy_component": r["lmp"],
            "congestion_component": 0.0,
            "loss_component": 0.0,
            "price_status": "final",
        }

    return {
        SYSTEM_LOAD_5MIN.name: frame(system, SYSTEM_LOAD_5MIN),
        ZONAL_LOAD_5MIN.name: frame(zonal, ZONAL_LOAD_5MIN, lambda r: {"btm_pv_mw": 0.0}),
        LMP_RT_5MIN.name: frame(rt, LMP_RT_5MIN, lmp_extra),
        LMP_DA_HOURLY.name: frame(da, LMP_DA_HOURLY, lmp_extra),
        FUEL_MIX.name: frame(fuel, FUEL_MIX),
    }


def write_std(config: WarehouseConfig, frames: dict[str, pl.DataFrame], days=DAYS) -> None:
    from isone_platform.lib.schemas import STD_TABLES

    for name, df in frames.items():
        part = df.filter(pl.col("operating_day").is_in(list(days)))
        replace_partitions(config, STD_TABLES[name], part, list(days))


# ---------------------------------------------------------------------------------------------------------------
# expected marts, in Python


def _first_extreme(rows, key, *, highest):
    """(value, ts) of the highest / lowest value, the earliest ts on ties."""
    best = max(v for _, v in rows) if highest else min(v for _, v in rows)
    return best, min(ts for ts, v in rows if v == best)


def _mean(values):
    values = list(values)
    return sum(values) / len(values) if values else None


def expected_load_daily(frames) -> dict[tuple[date, str], dict]:
    series: dict[tuple[date, str], list] = defaultdict(list)
    meta = {}
    for r in frames[SYSTEM_LOAD_5MIN.name].iter_rows(named=True):
        if r["load_mw"] is not None:
            series[(r["operating_day"], "SYSTEM")].append(r)
            meta[(r["operating_day"], "SYSTEM")] = ("system", None)
    for r in frames[ZONAL_LOAD_5MIN.name].iter_rows(named=True):
        if r["load_mw"] is not None:
            series[(r["operating_day"], r["zone_name"])].append(r)
            meta[(r["operating_day"], r["zone_name"])] = ("zone", r["zone_id"])
    out = {}
    for (day, area), rows in series.items():
        pts = [(r["interval_begin_utc"], r["load_mw"]) for r in rows]
        peak, peak_ts = _first_extreme(pts, None, highest=True)
        pit, pit_ts = _first_extreme(pts, None, highest=False)
        expected = {date(2024, 3, 10): 276, date(2024, 11, 3): 300}.get(day, 288)
        out[(day, area)] = {
            "area_type": meta[(day, area)][0],
            "zone_id": meta[(day, area)][1],
            "peak_mw": peak,
            "peak_interval_begin_utc": peak_ts,
            "peak_interval_begin_local": local_iso(peak_ts),
            "pit_mw": pit,
            "pit_interval_begin_utc": pit_ts,
            "pit_interval_begin_local": local_iso(pit_ts),
            "avg_mw": _mean(v for _, v in pts),
            "energy_mwh": sum(
                r["load_mw"] * (r["interval_end_utc"] - r["interval_begin_utc"]).total_seconds() / 3600 for r in rows
            ),
            "interval_count": len(rows),
            "expected_intervals": expected,
            "completeness_pct": round(100 * len(rows) / expected, 4),
        }
    return out


def expected_lmp_daily(frames) -> dict[tuple[date, int], dict]:
    da, rt = defaultdict(list), defaultdict(list)
    for r in frames[LMP_DA_HOURLY.name].iter_rows(named=True):
        if r["lmp"] is not None:
            da[(r["operating_day"], r["location_id"])].append(r)
    for r in frames[LMP_RT_5MIN.name].iter_rows(named=True):
        if r["lmp"] is not None:
            rt[(r["operating_day"], r["location_id"])].append(r)
    out = {}
    for key in set(da) | set(rt):
        day, loc = key
        d, t = da.get(key, []), rt.get(key, [])
        row = {
            "location_name": LOCATIONS[loc][0],
            "location_type": LOCATIONS[loc][1],
            "is_onpeak_day": day.weekday() < 5 and day not in NERC_HOLIDAYS_2024,
            "da_hours": len(d),
            "da_avg": _mean(r["lmp"] for r in d),
            "da_onpeak_avg": _mean(r["lmp"] for r in d if is_onpeak(r["interval_begin_utc"])),
            "da_offpeak_avg": _mean(r["lmp"] for r in d if not is_onpeak(r["interval_begin_utc"])),
            "rt_intervals": len(t),
            "rt_avg": _mean(r["lmp"] for r in t),
            "rt_onpeak_avg": _mean(r["lmp"] for r in t if is_onpeak(r["interval_begin_utc"])),
            "rt_offpeak_avg": _mean(r["lmp"] for r in t if not is_onpeak(r["interval_begin_utc"])),
            "rt_negative_intervals": sum(1 for r in t if r["lmp"] < 0),
        }
        if t:
            pts = [(r["interval_begin_utc"], r["lmp"]) for r in t]
            row["rt_min"], row["rt_min_interval_begin_utc"] = _first_extreme(pts, None, highest=False)
            row["rt_max"], row["rt_max_interval_begin_utc"] = _first_extreme(pts, None, highest=True)
            row["rt_min_interval_begin_local"] = local_iso(row["rt_min_interval_begin_utc"])
            row["rt_max_interval_begin_local"] = local_iso(row["rt_max_interval_begin_utc"])
        else:
            for c in (
                "rt_min",
                "rt_min_interval_begin_utc",
                "rt_max",
                "rt_max_interval_begin_utc",
                "rt_min_interval_begin_local",
                "rt_max_interval_begin_local",
            ):
                row[c] = None
        row["da_rt_spread"] = None if row["da_avg"] is None or row["rt_avg"] is None else row["da_avg"] - row["rt_avg"]
        out[key] = row
    return out


def expected_fuel_mix_daily(frames) -> dict[tuple[date, str], dict]:
    acc = defaultdict(lambda: {"n": 0, "hours": 0.0, "energy": 0.0, "marginal": 0.0})
    for r in frames[FUEL_MIX.name].iter_rows(named=True):
        a = acc[(r["operating_day"], r["fuel_category"])]
        hours = (r["interval_end_utc"] - r["interval_begin_utc"]).total_seconds() / 3600
        a["n"] += 1
        a["rollup"] = r["fuel_category_rollup"]
        if r["gen_mw"] is not None:
            a["hours"] += hours
            a["energy"] += r["gen_mw"] * hours
        if r["is_marginal"]:
            a["marginal"] += hours
    totals = defaultdict(float)
    for (day, _), a in acc.items():
        totals[day] += a["energy"]
    return {
        key: {
            "fuel_category_rollup": a["rollup"],
            "snapshot_count": a["n"],
            "covered_hours": a["hours"],
            "avg_mw": a["energy"] / a["hours"],
            "energy_mwh": a["energy"],
            "energy_share_pct": 100 * a["energy"] / totals[key[0]],
            "marginal_hours": a["marginal"],
        }
        for key, a in acc.items()
    }


def expected_system_vs_zonal_daily(frames) -> dict[date, dict]:
    zones = defaultdict(lambda: [0.0, 0])
    for r in frames[ZONAL_LOAD_5MIN.name].iter_rows(named=True):
        if r["load_mw"] is not None:
            z = zones[r["interval_begin_utc"]]
            z[0] += r["load_mw"]
            z[1] += 1
    per_day = defaultdict(list)
    for r in frames[SYSTEM_LOAD_5MIN.name].iter_rows(named=True):
        if r["load_mw"] is not None and r["interval_begin_utc"] in zones:
            zsum, zn = zones[r["interval_begin_utc"]]
            per_day[r["operating_day"]].append((r["interval_begin_utc"], r["load_mw"], zsum, zn))
    out = {}
    for day, rows in per_day.items():
        diffs = [(ts, zsum - s) for ts, s, zsum, _ in rows]
        top = max(abs(d) for _, d in diffs)
        at = min(ts for ts, d in diffs if abs(d) == top)
        out[day] = {
            "intervals_compared": len(rows),
            "expected_intervals": {date(2024, 3, 10): 276, date(2024, 11, 3): 300}.get(day, 288),
            "min_zone_count": min(zn for *_, zn in rows),
            "max_abs_diff_mw": top,
            "max_abs_diff_interval_begin_utc": at,
            "max_abs_diff_interval_begin_local": local_iso(at),
            "mean_diff_mw": _mean(d for _, d in diffs),
            "mean_diff_pct": _mean((zsum - s) / s * 100 for _, s, zsum, _ in rows),
        }
    return out
