"""The morning report: ISO-NE's daily capacity report, two or three issues per operating day.

Each report is a dict in the XSD key order with JSON-ready values; every capacity identity of the reference (§4)
holds exactly. The peaks come from the simulator's own load: ``PeakLoadYesterday*`` is the actual peak hour of
the previous day (``loads.hourly_sysload_day``), ``PeakLoadTodayMw`` a forecast of the day's actual peak whose
error shrinks from one issue to the next. Which keys a report carries depends on the operating day (the
vintages of the recorded reports: 2016, 2017 and 2026).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from ..calendar import day_bounds_epoch, fmt_epoch, fmt_epoch_ms, wall_epoch
from .forecasts import _high_temp
from .loads import hourly_sysload_day
from .signals import h64, rng_for

THREE_REPORTS_FROM = date(2024, 12, 20)  # from this operating day: next-day, morning and update reports
NEXT_DAY_TYPE = "Next-Day Operational Capacity Report"  # [unverified] string; named after ISO-NE's report page
DRR_FROM = date(2018, 1, 1)  # DRRCapacityMw / UncommitedAvailDRRMw (absent in the 2016/2017 reports)
GEOMAG_MORE_FROM = date(2024, 5, 31)  # two more GeoMagDist* fields
BEFORE_PEAK_FROM = THREE_REPORTS_FROM  # UncommittedGenBeforePeakMw (absent 2016/2017, present 2026)
OUTAGE_SPLIT_FROM = date(2025, 7, 1)  # GenPlanned/ForcedOutagesReductionMW
STYLE_2026_FROM = date(2026, 1, 1)  # NECEC tie, ExpActOp4Mw as "0", no NyIsoSarAvail/GeoMag/NonCommUnitsCapMw
NYISO_SAR_MISSING_P = 0.08
COMMENT_P = 0.04  # share of reports with a NonMrktSensComnts free text
# (tie, import limit, export limit); NECEC only from 2026
TIES = (
    ("Highgate", -225, 0),
    ("NB", -1000, 200),
    ("NECEC", -1250, 0),
    ("NYISO AC", -1400, 1200),
    ("NYISO CSC", -346, 330),
    ("NYISO NNC", -200, 200),
    ("Phase 2", -2000, 1200),
)
CONDITIONS = ("Clear", "Sunny", "Mostly Sunny", "Partly Cloudy", "Mostly Cloudy", "Cloudy", "Showers", "Thunderstorms")
WINTER_CONDITIONS = ("Clear", "Mostly Clear", "Partly Cloudy", "Mostly Cloudy", "Cloudy", "Snow", "Flurries")
WINDS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
COMMENTS = ("Unit testing scheduled", "Fuel delivery constraint on one unit", "Environmental limit on two units")


@dataclass(frozen=True)
class MorningReport:
    report_type: str
    created_ms: int
    record: dict  # key → JSON-ready value, XSD order


def report_times(seed: int, day: date) -> list[tuple[str, int]]:
    """(ReportType, CreationDate epoch ms) of operating day ``day``'s reports, in issue order."""
    rng = rng_for(seed, "mr_times", day)
    prev = day - timedelta(days=1)

    def at(d: date, lo: int, hi: int) -> int:
        ms = int(rng.integers(0, 1000)) if rng.random() < 0.7 else 0
        return wall_epoch(d, int(rng.integers(lo, hi))) * 1000 + ms

    if day < THREE_REPORTS_FROM:
        return [
            ("Preliminary", at(prev, 15 * 3600 + 20 * 60, 16 * 3600)),
            ("Final", at(day, 8 * 3600 + 5 * 60, 8 * 3600 + 25 * 60)),
        ]
    return [
        (NEXT_DAY_TYPE, at(prev, 15 * 3600 + 10 * 60, 16 * 3600)),
        ("Morning Report", at(day, 7 * 3600 + 20 * 60, 8 * 3600)),
        ("Operational Capacity Update Report", at(day, 11 * 3600 + 40 * 60, 12 * 3600 + 5 * 60)),
    ]


def _peak(seed: int, d: date) -> tuple[str, int]:
    """Hour-beginning stamp and whole MW of the actual hourly peak of ``d``."""
    h = hourly_sysload_day(seed, d)
    i = int(np.argmax(h.load))
    return h.grid.stamps[i], int(round(int(h.load[i]) / 1000))


def _cso(seed: int, d: date) -> int:
    """Capacity supply obligation of the capacity year (June–May) — the seven-day forecast's formula."""
    cap_year = d.year - (1 if d.month < 6 else 0)
    yrng = np.random.default_rng(h64(seed, "sdf_cso", cap_year))
    return int(30400 - 330 * (cap_year - 2016) + yrng.integers(-250, 250))


def _ties(rng: np.random.Generator, d: date) -> tuple[list[dict], list[dict]]:
    """TieDelivery and InterchangeDetail: scheduled flows within the limits, negative = import; flow == schedule."""
    tie_rows, inter = [], []
    for name, imp, exp in TIES:
        if name == "NECEC" and d < STYLE_2026_FROM:
            continue
        imp_lim = imp if rng.random() > 0.1 else int(round(imp * rng.uniform(0, 0.5)))
        exp_lim = exp if rng.random() > 0.1 else int(round(exp * rng.uniform(0, 0.5)))
        sched = int(round(rng.uniform(imp_lim, imp_lim + 0.25 * (exp_lim - imp_lim)))) if imp_lim else 0
        if rng.random() < 0.12:  # sometimes an export or a tie at its import limit
            sched = int(rng.choice([imp_lim, int(round(exp_lim * rng.uniform(0, 1)))]))
        tie_rows.append({"TieName": name, "TieFlowMw": sched})
        inter.append({"TieName": name, "ImportLimitInMw": imp_lim, "ExportLimitOutMw": exp_lim, "ScheduledMw": sched})
    return tie_rows, inter


def _cities(seed: int, d: date, rng: np.random.Generator) -> list[dict]:
    high = _high_temp(seed, d)
    winter = d.month in (12, 1, 2, 3)
    out = []
    for name, dt in (("Boston", 0.0), ("Hartford", 1.5)):
        out.append(
            {
                "CityName": name,
                "HighTemperature": int(round(high + dt + rng.normal(0, 2))),
                "WeatherConditions": str(rng.choice(WINTER_CONDITIONS if winter else CONDITIONS)),
                "WindDirSpeed": f"{rng.choice(WINDS)}-{int(rng.integers(3, 22))}",
            }
        )
    return out


def _report(seed: int, day: date, j: int, rtype: str, created_ms: int) -> dict:
    """Report ``j`` of the day. A day's base numbers are shared; each issue redraws what operators update."""
    base = rng_for(seed, "mr_base", day)
    rng = rng_for(seed, f"mr_issue{j}", day)
    y_hour, y_mw = _peak(seed, day - timedelta(days=1))
    t_hour, actual = _peak(seed, day)
    sigma = (0.03, 0.015, 0.008)[j]
    peak_today = int(round(actual * (1 + sigma * rng.standard_normal()) / 10) * 10)
    cso = _cso(seed, day)
    cap_add = int(base.integers(900, 2300))
    planned = int(base.integers(0, 3500) if day.month in (3, 4, 5, 9, 10, 11) else base.integers(0, 900))
    forced = int(base.integers(300, 2200) + rng.integers(-150, 150))
    forced = max(forced, 0)
    outages = planned + forced
    uncommitted = int(base.integers(4000, 15000) + rng.integers(-600, 600))
    drr = int(base.integers(150, 330)) if day >= DRR_FROM else 0
    drr_unc = int(base.integers(0, 40)) if day >= DRR_FROM else 0
    ties, inter = _ties(rng, day)
    net_delivery = sum(t["TieFlowMw"] for t in ties)
    tot_avail = cso + cap_add - outages - uncommitted + drr - drr_unc - net_delivery
    lfc = int(base.integers(1200, 1700))
    ten_req = int(round(lfc * base.uniform(1.1, 1.22)))
    thirty_req = int(base.integers(580, 720))
    oper_req = ten_req + thirty_req
    cap_req = peak_today + oper_req
    surplus = tot_avail - cap_req
    repl = 160 if day >= date(2020, 1, 1) else 180
    style26 = day >= STYLE_2026_FROM
    r: dict = {
        "ReportType": rtype,
        "BeginDate": fmt_epoch(day_bounds_epoch(day)[0]),
        "CreationDate": fmt_epoch_ms(created_ms),
        "PeakLoadYesterdayHour": y_hour,
        "PeakLoadYesterdayMw": y_mw,
        "CsoMw": cso,
        "CapAdditionsMw": cap_add,
        "GenOutagesReductionMW": outages,
    }
    if day >= OUTAGE_SPLIT_FROM:
        r["GenPlannedOutagesReductionMW"] = planned
        r["GenForcedOutagesReductionMW"] = forced
    if day >= BEFORE_PEAK_FROM:
        r["UncommittedGenBeforePeakMw"] = int(round(uncommitted * base.uniform(0.15, 0.4)))
    if rng.random() < COMMENT_P:
        r["NonMrktSensComnts"] = str(rng.choice(COMMENTS))
    r["UncommittedAvailGenMw"] = uncommitted
    if day >= DRR_FROM:
        r["DRRCapacityMw"] = drr
        r["UncommitedAvailDRRMw"] = drr_unc
    r.update(
        NetCapDeliveryMw=net_delivery,
        TieDelivery=ties,
        TotAvailCapMw=tot_avail,
        PeakLoadTodayHour=t_hour,
        PeakLoadTodayMw=peak_today,
        TotalOperReserveReqMw=oper_req,
        CapRequiredMw=cap_req,
        SurplusDeficiencyMw=surplus,
        ReplReserveRequiredMw=repl,
        ExcessCommitMw=surplus - repl,
        LargestFirstContMw=lfc,
        AmsPeakLoadExpMw=peak_today + int(base.integers(2500, 7700)),
    )
    if not style26 and base.random() >= NYISO_SAR_MISSING_P:
        r["NyIsoSarAvail"] = "Y" if base.random() < 0.95 else "N"
    r.update(
        TenMinReserveReqMw=ten_req,
        TenMinReserveEstMw=ten_req,
        ThirtyMinReserveReqMw=thirty_req,
        ThirtyMinReserveEstMw=thirty_req + int(rng.integers(1000, 2700)),
        ExpActOp4Mw="0" if style26 else 0,
        AddlCapAvailOp4ActMw=0,
        InterchangeDetail=inter,
        CityForecastDetail=_cities(seed, day, base),
    )
    if not style26:
        r["NonCommUnitsCapMw"] = 0
    r.update(UnitCommMinOrrCount=0, UnitCommMinOrrMw=0)
    if not style26:
        if day >= GEOMAG_MORE_FROM:
            r.update(GeoMagDistForecast="None", GeoMagDistObsActivity="None")
        r.update(GeoMagDistIsoAction="None", GeoMagDistOthCntrAction="None")
    return r


# XSD order of every key a report can carry (records hold a subset)
KEY_ORDER = (
    "ReportType BeginDate CreationDate PeakLoadYesterdayHour PeakLoadYesterdayMw CsoMw CapAdditionsMw "
    "GenOutagesReductionMW GenPlannedOutagesReductionMW GenForcedOutagesReductionMW UncommittedGenBeforePeakMw "
    "NonMrktSensComnts UncommittedAvailGenMw DRRCapacityMw UncommitedAvailDRRMw NetCapDeliveryMw TieDelivery "
    "TotAvailCapMw PeakLoadTodayHour PeakLoadTodayMw TotalOperReserveReqMw CapRequiredMw SurplusDeficiencyMw "
    "ReplReserveRequiredMw ExcessCommitMw LargestFirstContMw AmsPeakLoadExpMw NyIsoSarAvail TenMinReserveReqMw "
    "TenMinReserveEstMw ThirtyMinReserveReqMw ThirtyMinReserveEstMw ExpActOp4Mw AddlCapAvailOp4ActMw "
    "InterchangeDetail CityForecastDetail NonCommUnitsCapMw UnitCommMinOrrCount UnitCommMinOrrMw GeoMagDistForecast "
    "GeoMagDistAlert GeoMagDistIntensity GeoMagDistObsActivity GeoMagDistIsoAction GeoMagDistOthCntrAction"
).split()


@functools.lru_cache(maxsize=256)
def morning_reports(seed: int, day: date) -> tuple[MorningReport, ...]:
    """Every report of operating day ``day`` (published or not), in issue order."""
    return tuple(
        MorningReport(rtype, c, _report(seed, day, j, rtype, c)) for j, (rtype, c) in enumerate(report_times(seed, day))
    )
