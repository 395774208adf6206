"""The parsers' fast path (polars' JSON reader) gives exactly what their Python path gives, or is not taken.

Every body below is parsed twice — fast path on, fast path off — and the two outcomes must be identical: the
same frame (exact values, dtypes, order), the same warnings, or the same error. Bodies: hand-made quirk bodies
(every rule of the parser contract, and the ways polars' reader is more lenient than that contract), simulator
days of every feed (normal and DST days, data faults) and the real recorded ISO-NE bodies when present.
"""

import json
import random
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from isone_platform.lib.datasets import DATASETS, dataset, standardize
from isone_platform.lib.fetch import fetch_day
from isone_platform.lib.isone_client import IsoneClient
from isone_platform.lib.parse import common
from isone_platform.lib.parse.common import ParseContext, fast_path
from isone_platform.lib.raw import LandedBody, RawDay
from isone_platform.simulator import SimulatorServer

FETCHED = datetime(2024, 11, 4, 12, 0, tzinfo=UTC)
DAY = date(2024, 11, 3)


def outcome(name: str, body: bytes, day: date | None = DAY, path: str = "/test"):
    raw = RawDay(name, day, [LandedBody(path, FETCHED, body)])
    try:
        result = standardize(dataset(name), raw)
    except Exception as exc:  # noqa: BLE001 - the error itself is the outcome to compare
        return None, [], f"{type(exc).__name__}: {exc}"
    return result.frame, result.warnings, None


def assert_same(name: str, body: bytes, day: date | None = DAY, path: str = "/test"):
    fast = outcome(name, body, day, path)
    with fast_path(False):
        slow = outcome(name, body, day, path)
    assert fast[2] == slow[2], (fast[2], slow[2])
    assert fast[1] == slow[1]
    if slow[0] is not None:
        assert fast[0] is not None
        assert_frame_equal(fast[0], slow[0], check_exact=True)
    return fast


def lmp(begin: object = "2024-11-03T01:00:00.000-04:00", loc_id: object = "4001", **over):
    rec = {
        "BeginDate": begin,
        "Location": {"@LocId": loc_id, "@LocType": "LOAD ZONE", "$": f".Z.N{loc_id}"},
        "LmpTotal": 30.5,
        "EnergyComponent": 30.0,
        "CongestionComponent": 0,
        "LossComponent": 0.5,
    }
    rec.update(over)
    return rec


def sysload(begin="2024-11-03T01:00:00.000-04:00", **over):
    rec = {
        "BeginDate": begin,
        "LoadMw": 12000,
        "NativeLoad": 11900.5,
        "ArdDemand": 99.5,
        "SystemLoadBtmPv": 12100,
        "NativeLoadBtmPv": 12000.25,
    }
    rec.update(over)
    return rec


def zonal(begin="2024-11-03T01:00:00.000-04:00", **over):
    rec = {
        "interval_begin_date": begin,
        "load_zone_id": 4001,
        "load_zone_name": ".Z.MAINE",
        "estimated_load_mw": 1200.5,
        "estimated_btm_pv_mw": 3,
    }
    rec.update(over)
    return rec


def fuel(begin="2024-11-03T01:08:35.000-04:00", **over):
    rec = {
        "BeginDate": begin,
        "GenMw": 252,
        "FuelCategoryRollup": "Hydro",
        "FuelCategory": "Hydro",
        "MarginalFlag": "N",
    }
    rec.update(over)
    return rec


def wrap(name: str, records) -> dict:
    return {
        "lmp_rt_5min": lambda r: {"FiveMinLmps": {"FiveMinLmp": r}},
        "lmp_da_hourly": lambda r: {"HourlyLmps": {"HourlyLmp": r}},
        "system_load_5min": lambda r: {"FiveMinSystemLoads": {"FiveMinSystemLoad": r}},
        "zonal_load_5min": lambda r: {
            "isone_web_services": {"five_min_estimated_zonal_loads": {"five_min_estimated_zonal_load": r}}
        },
        "fuel_mix": lambda r: {"GenFuelMixes": {"GenFuelMix": r}},
    }[name](records)


def body(doc) -> bytes:
    return doc if isinstance(doc, bytes) else json.dumps(doc).encode()


def second(rec_fn, **over):
    return rec_fn(begin="2024-11-03T01:05:00.000-04:00", **over)


# (dataset, document): every rule of the contract and every leniency of polars' reader
QUIRKS = {
    "plain": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(loc_id="4002")])),
    "single object": ("lmp_rt_5min", wrap("lmp_rt_5min", lmp())),
    "top-level singular": ("lmp_rt_5min", {"FiveMinLmp": [lmp(), lmp(loc_id="4002")]}),
    "empty string wrapper": ("lmp_rt_5min", {"FiveMinLmps": ""}),
    "empty object wrapper": ("lmp_rt_5min", {"FiveMinLmps": {}}),
    "empty list": ("lmp_rt_5min", {"FiveMinLmps": {"FiveMinLmp": []}}),
    "wrong top-level key": ("lmp_rt_5min", {"Oops": []}),
    "extra top-level key": ("lmp_rt_5min", {**wrap("lmp_rt_5min", [lmp()]), "Note": "x"}),
    "records not objects": ("lmp_rt_5min", {"FiveMinLmps": {"FiveMinLmp": [1, 2]}}),
    "mixed records": ("lmp_rt_5min", {"FiveMinLmps": {"FiveMinLmp": [lmp(), 2]}}),
    "null record list": ("lmp_rt_5min", {"FiveMinLmps": {"FiveMinLmp": None}}),
    "numeric string": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(loc_id="4002", LmpTotal="31.25")])),
    "blank string": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(loc_id="4002", LossComponent=" ")])),
    "word in a number": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(loc_id="4002", LmpTotal="n/a")])),
    "boolean in a number": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(loc_id="4002", LmpTotal=True)])),
    "boolean only": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(LmpTotal=False)])),
    "null required value": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(loc_id="4002", LmpTotal=None)])),
    "null optional value": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(loc_id="4002", EnergyComponent=None)])),
    "missing required": (
        "lmp_rt_5min",
        wrap(
            "lmp_rt_5min", [lmp(), {k: v for k, v in lmp("2024-11-03T01:05:00.000-04:00").items() if k != "LmpTotal"}]
        ),
    ),
    "missing optional": (
        "lmp_rt_5min",
        wrap(
            "lmp_rt_5min",
            [lmp(), {k: v for k, v in lmp("2024-11-03T01:05:00.000-04:00").items() if k != "LossComponent"}],
        ),
    ),
    "optional absent everywhere": (
        "lmp_rt_5min",
        wrap("lmp_rt_5min", [{k: v for k, v in lmp().items() if k != "LossComponent"}]),
    ),
    "unknown field": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(loc_id="4002", UnexpectedField="sim")])),
    "unknown numeric field": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(Extra=1), lmp(loc_id="4002")])),
    "unknown field replacing a missing one": (
        "lmp_rt_5min",
        wrap(
            "lmp_rt_5min",
            [{**{k: v for k, v in lmp().items() if k != "LossComponent"}, "Other": 1}, lmp(loc_id="4002")],
        ),
    ),
    "within-body duplicates": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(), lmp(loc_id="4002")])),
    "location as a string": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(loc_id="4002", Location="X")])),
    "location null": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(loc_id="4002", Location=None)])),
    "location without id": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(Location={"$": "X"})])),
    "location without name": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(Location={"@LocId": "7"})])),
    "location without type": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(Location={"@LocId": "7", "$": "X"})])),
    "location extra key": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(Location={"@LocId": "7", "$": "X", "@Z": "1"})])),
    "integer location id": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(loc_id=4001), lmp(loc_id=4002)])),
    "id with spaces": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(loc_id=" 4001")])),
    "id not a number": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(loc_id="A1")])),
    "id a float": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(loc_id=4001.7)])),
    "name a number": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(Location={"@LocId": "7", "$": 12})])),
    "name looks numeric": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(Location={"@LocId": "7", "$": "12"})])),
    "colon in a name": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(Location={"@LocId": "7", "$": "A:B"})])),
    "bad timestamp": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(begin="2024-11-03 01:05")])),
    "numeric timestamp": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(begin=1730610000)])),
    "null timestamp": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(begin=None)])),
    "object in a number": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(loc_id="4002", LmpTotal={"v": 1})])),
    "list in a number": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(loc_id="4002", LmpTotal=[1])])),
    "big and tiny numbers": (
        "lmp_rt_5min",
        wrap("lmp_rt_5min", [lmp(LmpTotal=1e300, LossComponent=-1e-300), lmp(loc_id="4002", LmpTotal=12345678901234)]),
    ),
    "hourly": ("lmp_da_hourly", wrap("lmp_da_hourly", [lmp(), lmp(loc_id="321")])),
    # the LMP feeds' typed path (msgspec, parse/typed.py): strict where polars' reader is lenient, and the cases
    # where the two readers could part from json.loads
    "repeated key": ("lmp_rt_5min", b'{"FiveMinLmps":{"FiveMinLmp":[' + body(lmp())[:-1] + b',"LmpTotal":7}]}}'),
    "id with a sign": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(loc_id="+4001")])),
    "id with underscores": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(loc_id="4_001")])),
    "id beyond int32": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(loc_id="4294967296")])),
    "ids of mixed kinds": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(loc_id=4001), lmp(loc_id="4002")])),
    "type null": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(Location={"@LocId": "7", "@LocType": None, "$": "X"})])),
    "name null": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(Location={"@LocId": "7", "$": None})])),
    "huge integer component": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(EnergyComponent=2**70 + 1)])),
    "number overflowing a float": (
        "lmp_rt_5min",
        b'{"FiveMinLmps":{"FiveMinLmp":[' + body(lmp())[:-1] + b',"LossComponent":1e400}]}}',
    ),
    "both wrappers": ("lmp_rt_5min", {**wrap("lmp_rt_5min", [lmp()]), "FiveMinLmp": [lmp(loc_id="4002")]}),
    "escaped name": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(Location={"@LocId": "7", "$": 'A\u00e9"B'})])),
    "one location written two ways": (
        "lmp_rt_5min",
        wrap(
            "lmp_rt_5min",
            [
                lmp(),
                lmp(
                    "2024-11-03T01:05:00.000-04:00",
                    Location={"$": ".Z.N4001", "@LocId": "4001", "@LocType": "LOAD ZONE"},
                ),
            ],
        ),
    ),
    "location not an object in a later record": (
        "lmp_rt_5min",
        wrap("lmp_rt_5min", [lmp(), lmp("2024-11-03T01:05:00.000-04:00"), lmp(loc_id="4002", Location=[1])]),
    ),
    "hourly top-level singular": ("lmp_rt_hourly", {"HourlyLmp": [lmp(), lmp(loc_id="321")]}),
    "sysload plain": ("system_load_5min", wrap("system_load_5min", [sysload(), second(sysload)])),
    "sysload old day without btm": (
        "system_load_5min",
        wrap(
            "system_load_5min",
            [{"BeginDate": "2024-11-03T01:00:00.000-04:00", "LoadMw": 1.0, "NativeLoad": 1, "ArdDemand": 0}],
        ),
    ),
    "sysload missing LoadMw": (
        "system_load_5min",
        wrap("system_load_5min", [sysload(), {"BeginDate": "2024-11-03T01:05:00.000-04:00"}]),
    ),
    "sysload numeric strings": (
        "system_load_5min",
        wrap("system_load_5min", [sysload(LoadMw="12000.5"), second(sysload)]),
    ),
    "zonal plain": ("zonal_load_5min", wrap("zonal_load_5min", [zonal(), second(zonal)])),
    "zonal string ids and values": (
        "zonal_load_5min",
        wrap("zonal_load_5min", [zonal(load_zone_id="4001", estimated_load_mw="1.5")]),
    ),
    "zonal name null": ("zonal_load_5min", wrap("zonal_load_5min", [zonal(), second(zonal, load_zone_name=None)])),
    "zonal name missing": (
        "zonal_load_5min",
        wrap("zonal_load_5min", [{k: v for k, v in zonal().items() if k != "load_zone_name"}]),
    ),
    "zonal unknown": ("zonal_load_5min", wrap("zonal_load_5min", [zonal(unexpected_field="sim")])),
    "zonal empty wrapper": ("zonal_load_5min", {"isone_web_services": {"five_min_estimated_zonal_loads": ""}}),
    "fuel plain": (
        "fuel_mix",
        wrap("fuel_mix", [fuel(), fuel(FuelCategory="Wind", FuelCategoryRollup="Renewables", MarginalFlag="Y")]),
    ),
    "fuel flag other": ("fuel_mix", wrap("fuel_mix", [fuel(MarginalFlag="X")])),
    "fuel flag null and missing": (
        "fuel_mix",
        wrap(
            "fuel_mix",
            [fuel(MarginalFlag=None), {k: v for k, v in fuel(FuelCategory="Oil").items() if k != "MarginalFlag"}],
        ),
    ),
    "fuel flag boolean": ("fuel_mix", wrap("fuel_mix", [fuel(MarginalFlag=True)])),
    "fuel empty category": ("fuel_mix", wrap("fuel_mix", [fuel(FuelCategory="")])),
    "fuel numeric category": ("fuel_mix", wrap("fuel_mix", [fuel(FuelCategory=7)])),
    "fuel rollup null": ("fuel_mix", wrap("fuel_mix", [fuel(FuelCategoryRollup=None)])),
    "fuel GenMw string": ("fuel_mix", wrap("fuel_mix", [fuel(GenMw="252")])),
    "not json": ("lmp_rt_5min", b"<html>maintenance</html>"),
    "truncated": ("lmp_rt_5min", json.dumps(wrap("lmp_rt_5min", [lmp(), lmp(loc_id="4002")])).encode()[:120]),
    "empty body": ("lmp_rt_5min", b"  "),
    "top-level list": ("lmp_rt_5min", b"[1, 2]"),
    "NaN": (
        "lmp_rt_5min",
        b'{"FiveMinLmps": {"FiveMinLmp": [{"BeginDate": "2024-11-03T01:00:00.000-04:00", '
        b'"Location": {"@LocId": "1", "$": "A"}, "LmpTotal": NaN}]}}',
    ),
    # Case 13: NaN, ±Infinity and not-a-number text become NULL with a warning, on both paths.
    "Infinity tokens": (
        "lmp_rt_5min",
        json.dumps(
            wrap(
                "lmp_rt_5min",
                [lmp(LmpTotal=float("inf")), lmp(loc_id="4002", LmpTotal=float("-inf"), EnergyComponent=float("nan"))],
            )
        ).encode(),
    ),
    "overflowing number": (
        "lmp_rt_5min",
        json.dumps(wrap("lmp_rt_5min", [lmp(), lmp(loc_id="4002")]))
        .encode()
        .replace(b'"LmpTotal": 30.5', b'"LmpTotal": 1e999', 1),
    ),
    "NaN string": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(), lmp(loc_id="4002", LmpTotal="NaN")])),
    "Infinity string": ("lmp_rt_5min", wrap("lmp_rt_5min", [lmp(LossComponent="-Infinity"), lmp(loc_id="4002")])),
    "sysload NaN string": ("system_load_5min", wrap("system_load_5min", [sysload(LoadMw="NaN"), second(sysload)])),
    "sysload NaN": (
        "system_load_5min",
        json.dumps(wrap("system_load_5min", [sysload(NativeLoad=float("nan"))])).encode(),
    ),
    "zonal NaN string": ("zonal_load_5min", wrap("zonal_load_5min", [zonal(estimated_load_mw="NaN"), second(zonal)])),
    "zonal Infinity": (
        "zonal_load_5min",
        json.dumps(wrap("zonal_load_5min", [zonal(estimated_btm_pv_mw=float("inf"))])).encode(),
    ),
    "fuel GenMw NaN string": ("fuel_mix", wrap("fuel_mix", [fuel(GenMw="NaN"), fuel(FuelCategory="Wind")])),
    "fuel GenMw NaN": ("fuel_mix", json.dumps(wrap("fuel_mix", [fuel(GenMw=float("nan"))])).encode()),
    "whitespace before colons": (
        "lmp_rt_5min",
        json.dumps(wrap("lmp_rt_5min", [lmp(Extra=1)]), separators=(",", " : ")).encode(),
    ),
    "pretty printed": ("lmp_rt_5min", json.dumps(wrap("lmp_rt_5min", [lmp(), lmp(loc_id="4002")]), indent=2).encode()),
    "escaped colon": (
        "lmp_rt_5min",
        b'{"FiveMinLmps": {"FiveMinLmp": [{"BeginDate": "2024-11-03T01:00:00.000-04:00", '
        b'"Location": {"@LocId": "1", "@LocType": "HUB", "$": "A\\u003aB"}, "LmpTotal": 1, '
        b'"EnergyComponent": 1, "CongestionComponent": 0, "LossComponent": 0}]}}',
    ),
}


@pytest.mark.parametrize("case", sorted(QUIRKS))
def test_fast_and_python_paths_agree_on_quirk_bodies(case):
    name, doc = QUIRKS[case]
    assert_same(name, body(doc))


def test_fast_path_is_taken_for_plain_bodies_and_refused_for_lenient_reads(monkeypatch):
    python_path: list[bool] = []
    original = common.load_json

    def spy(*args, **kwargs):
        python_path.append(True)
        return original(*args, **kwargs)

    for module in ("lmp", "load", "fuel_mix"):
        monkeypatch.setattr(f"isone_platform.lib.parse.{module}.load_json", spy)
    for case, expect in [
        ("plain", True),
        ("pretty printed", True),
        ("integer location id", True),
        ("null optional value", True),
        ("sysload plain", True),
        ("zonal plain", True),
        ("fuel plain", True),
        ("top-level singular", True),
        ("hourly top-level singular", True),
        ("repeated key", True),
        ("ids of mixed kinds", False),
        ("both wrappers", False),
        ("boolean in a number", False),
        ("numeric string", False),
        ("unknown field", False),
        ("unknown field replacing a missing one", False),
        ("missing required", False),
        ("name a number", False),
        ("single object", False),
    ]:
        python_path.clear()
        name, doc = QUIRKS[case]
        outcome(name, body(doc))
        assert python_path == ([] if expect else [True]), case


NOT_A_NUMBER = [c for c in QUIRKS if "NaN" in c or "Infinity" in c or c in ("overflowing number", "word in a number")]


@pytest.mark.parametrize("case", NOT_A_NUMBER)
def test_not_a_number_is_null_with_a_warning_on_both_paths(case):
    """Case 13 on both paths: never a stored NaN or infinity, always a warning saying which field and interval."""
    name, doc = QUIRKS[case]
    frame, warnings, error = assert_same(name, body(doc))
    assert frame is not None, error
    measures = [c for c, t in frame.schema.items() if t == pl.Float64]
    assert error is None and frame.select(pl.any_horizontal(pl.col(measures).is_nan().any())).item() is False
    assert frame.select(pl.any_horizontal(pl.col(measures).is_infinite().any())).item() is False
    assert any("stored as NULL" in w and "interval(s) 2024-11-03T0" in w for w in warnings), warnings


def test_a_non_finite_value_from_the_fast_path_is_nulled_too():
    """The fast path cannot read NaN today (polars refuses the token, strings send the body to the Python path);
    were a future polars to accept it, the same rule still applies: both paths end in `finite_or_null`."""
    ctx = ParseContext("system_load_5min", DAY, "/p", FETCHED, "abc")
    frame = pl.DataFrame({"interval_begin_utc": [FETCHED, FETCHED], "load_mw": [float("nan"), 1.0]})
    warnings: list[str] = []
    out = common.finite_or_null(frame, {"LoadMw": "load_mw"}, ctx, warnings)
    assert out["load_mw"].to_list() == [None, 1.0]
    assert warnings == [
        "system_load_5min day 2024-11-03: 1 value(s) of field 'LoadMw' (load_mw) are NaN, Infinity "
        "or not a number, stored as NULL; interval(s) 2024-11-04T12:00:00Z"
    ]


def test_random_floats_read_bit_exact():
    rng = random.Random(7)
    values = [rng.uniform(-1000, 1000) for _ in range(3000)]
    values += [round(v, rng.randint(0, 6)) for v in values[:1000]] + [rng.randint(-(10**6), 10**6) for _ in range(500)]
    values += [5e-324, 1.7976931348623157e308, -0.0, 0.1, 0.2, 0.30000000000000004, 2**53 + 1]
    recs = [
        lmp(loc_id=str(i), LmpTotal=v, EnergyComponent=-v if isinstance(v, float) else v) for i, v in enumerate(values)
    ]
    frame, warnings, error = assert_same("lmp_rt_5min", body(wrap("lmp_rt_5min", recs)))
    assert error is None and not warnings
    assert frame.sort("location_id")["lmp"].to_list() == [float(v) for v in values]


@pytest.fixture(scope="module")
def fast_sim():
    with SimulatorServer(port=0, clock="fixed:2024-11-21T12:00:00-05:00", seed=3) as server:
        yield server


@pytest.mark.parametrize("day", [date(2024, 11, 3), date(2024, 3, 10), date(2024, 7, 15)])
def test_simulator_days_of_every_feed(fast_sim, day):
    with IsoneClient(fast_sim.base_url, "demo", "demo") as client:
        for ds in DATASETS.values():
            if ds.name == "lmp_rt_5min" and day != date(2024, 11, 3):
                continue  # one all-node day (24 chunks) is enough; it is the slow one
            raw = fetch_day(client, ds, day if ds.partitioned else None, "final")
            for landed in raw.bodies:
                assert_same(ds.name, landed.body, raw.day, landed.path)


@pytest.mark.parametrize(
    "kind",
    [
        "duplicate_records",
        "out_of_order",
        "missing_zone",
        "missing_location",
        "null_values",
        "numeric_strings",
        "extra_field",
        "missing_field",
        "missing_intervals",
        "empty_wrapper",
    ],
)
def test_simulator_data_faults(fast_sim, kind):
    fast_sim.clear_faults()
    fast_sim.add_fault(f"*={kind}")
    try:
        with IsoneClient(fast_sim.base_url, "demo", "demo") as client:
            for path, name in [
                ("/fiveminutelmp/prelim/day/20241103/starthour/01", "lmp_rt_5min"),
                ("/hourlylmp/da/final/day/20241103", "lmp_da_hourly"),
                ("/fiveminutesystemload/day/20241103", "system_load_5min"),
                ("/fiveminuteestimatedzonalload/day/20241103", "zonal_load_5min"),
                ("/genfuelmix/day/20241103", "fuel_mix"),
            ]:
                assert_same(name, client.get(path).body, DAY, path)
    finally:
        fast_sim.clear_faults()


REAL_FEEDS = {
    "fiveminutesystemload": "system_load_5min",
    "fiveminutelmp": "lmp_rt_5min",
    "hourlylmp": "lmp_da_hourly",
    "genfuelmix": "fuel_mix",
    "fiveminuteestimatedzonalload": "zonal_load_5min",
}


def test_real_recorded_bodies(real_dir: Path):
    seen = 0
    for file in sorted((real_dir / "bodies").glob("*.json")):
        feed = file.name.split("_")[0]
        if feed in REAL_FEEDS:
            assert_same(REAL_FEEDS[feed], file.read_bytes(), DAY, f"/{file.stem}")
            seen += 1
    for file in (
        sorted((real_dir / "wsclient_examples").glob("*.json")) if (real_dir / "wsclient_examples").is_dir() else []
    ):
        feed = file.name.split("_")[0]
        if feed in REAL_FEEDS:
            assert_same(REAL_FEEDS[feed], file.read_bytes(), DAY, f"/{file.stem}")
            seen += 1
    assert seen


def test_context_is_unchanged_by_the_fast_path():
    ctx = ParseContext("lmp_rt_5min", DAY, "/p", FETCHED, "abc")
    frame = DATASETS["lmp_rt_5min"].parse(body(wrap("lmp_rt_5min", [lmp()])), ctx).frame
    assert frame["source_path"].to_list() == ["/p"] and frame["body_sha256"].to_list() == ["abc"]
