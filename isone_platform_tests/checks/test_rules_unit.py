"""The rule functions of lib/dq.py on tiny hand-made tables (cases the simulator cannot produce): schema drift,
intervals outside their day, DST days, a day in progress, freshness at a fixed now, range edges, tolerances."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from isone_platform.lib import dq
from isone_platform.lib.datasets import dataset
from isone_platform.lib.dq.rules.completeness import DAY_SETTLES_AFTER
from isone_platform.lib.partitions import day_bounds_utc
from isone_platform.lib.schemas import LMP_DA_HOURLY, SYSTEM_LOAD_5MIN, ZONAL_LOAD_5MIN
from isone_platform.lib.warehouse import WarehouseConfig, open_connection, replace_partitions

FIVE = timedelta(minutes=5)
SPRING = date(2024, 3, 10)  # 23 hours: 276 five-minute intervals
FALL = date(2024, 11, 3)  # 25 hours: 300
NORMAL = date(2024, 7, 15)


def declared_range(con, name: str, rule: str, days: list[date]) -> dq.RuleOutcome:
    """The range rule `rule` as dataset `name` declares it (its bounds from defs/<domain>/feeds.py)."""
    ds = dataset(name)
    [value_range] = [r for r in ds.rules.ranges if r.rule == rule]
    return dq.declared_range(con, ds.table, days, value_range=value_range)


def _prov(n: int) -> dict:
    return {
        "source_path": ["/x"] * n,
        "fetched_at_utc": [datetime(2024, 1, 1, tzinfo=UTC)] * n,
        "body_sha256": ["0" * 64] * n,
    }


def system_frame(day: date, *, drop: int = 0, load: float = 15_000.0, until: datetime | None = None) -> pl.DataFrame:
    start, end = day_bounds_utc(day)
    begins = []
    t = start
    while t < (until or end):
        begins.append(t)
        t += FIVE
    begins = begins[: len(begins) - drop] if drop else begins
    n = len(begins)
    return pl.DataFrame(
        {
            "interval_begin_utc": begins,
            "interval_end_utc": [b + FIVE for b in begins],
            "operating_day": [day] * n,
            "load_mw": [load] * n,
            "native_load_mw": [load - 100] * n,
            "ard_demand_mw": [100.0] * n,
            "system_load_btm_pv_mw": [load + 50] * n,
            "native_load_btm_pv_mw": [load - 50] * n,
            **_prov(n),
        }
    )


def zonal_frame(system: pl.DataFrame, ratio: float, zones: Iterable[int] = range(4001, 4009)) -> pl.DataFrame:
    zones = list(zones)
    parts = [
        system.select(
            "interval_begin_utc",
            "interval_end_utc",
            "operating_day",
            (pl.col("load_mw") * ratio / len(zones)).alias("load_mw"),
        ).with_columns(
            pl.lit(z, pl.Int32).alias("zone_id"), pl.lit(f".Z.{z}").alias("zone_name"), pl.lit(0.0).alias("btm_pv_mw")
        )
        for z in zones
    ]
    frame = pl.concat(parts)
    return frame.with_columns(**{k: pl.Series(v) for k, v in _prov(frame.height).items()})


def lmp_frame(day: date, lmps: list[float]) -> pl.DataFrame:
    start, _ = day_bounds_utc(day)
    n = len(lmps)
    return pl.DataFrame(
        {
            "interval_begin_utc": [start] * n,
            "interval_end_utc": [start + timedelta(hours=1)] * n,
            "operating_day": [day] * n,
            "location_id": list(range(4001, 4001 + n)),
            "location_name": [f"L{i}" for i in range(n)],
            "location_type": ["LOAD ZONE"] * n,
            "lmp": lmps,
            "energy_component": lmps,
            "congestion_component": [0.0] * n,
            "loss_component": [0.0] * n,
            "price_status": ["final"] * n,
            **_prov(n),
        },
        schema_overrides={"location_id": pl.Int32},
    )


@pytest.fixture
def wh(tmp_path):
    config = WarehouseConfig.local(tmp_path)

    class Warehouse:
        def write(self, schema, frame, days):
            replace_partitions(config, schema, frame, days)

        def con(self):
            return open_connection(config, read_only=True)

        def writer(self):
            return open_connection(config, read_only=False)

    return Warehouse()


def test_structural_and_completeness_pass_on_dst_days_and_fail_on_gaps(wh):
    for day in (SPRING, FALL, NORMAL):
        wh.write(SYSTEM_LOAD_5MIN, system_frame(day, drop=3 if day == NORMAL else 0), [day])
    con = wh.con()
    for rule in (
        dq.schema_matches_registry,
        dq.primary_key_unique,
        dq.key_columns_not_null,
        dq.intervals_inside_operating_day,
    ):
        assert rule(con, SYSTEM_LOAD_5MIN, [SPRING, FALL, NORMAL]).passed, rule.__name__
    now = datetime(2025, 1, 1, tzinfo=UTC)
    ok = dq.intervals_complete(con, SYSTEM_LOAD_5MIN, [SPRING, FALL], grain=FIVE, now=now)
    assert ok.passed and ok.count == 0
    gaps = dq.intervals_complete(con, SYSTEM_LOAD_5MIN, [SPRING, NORMAL], grain=FIVE, now=now)
    assert not gaps.passed and gaps.count == 3 and gaps.severity == "ERROR"
    [row] = gaps.rows
    assert row["operating_day"] == "2024-07-15" and (row["present"], row["expected"]) == (285, 288)
    assert row["first_missing_utc"] == (day_bounds_utc(NORMAL)[1] - 3 * FIVE).isoformat()
    # a day without any row is entirely missing
    empty = dq.intervals_complete(con, SYSTEM_LOAD_5MIN, [date(2024, 7, 16)], grain=FIVE, now=now)
    assert empty.count == 288
    con.close()


def test_interval_outside_its_operating_day(wh):
    frame = system_frame(NORMAL)
    _, end = day_bounds_utc(NORMAL)
    stray = frame.head(1).with_columns(
        pl.lit(end).alias("interval_begin_utc"), pl.lit(end + FIVE).alias("interval_end_utc")
    )
    wh.write(SYSTEM_LOAD_5MIN, pl.concat([frame, stray]), [NORMAL])
    con = wh.con()
    outcome = dq.intervals_inside_operating_day(con, SYSTEM_LOAD_5MIN, [NORMAL])
    assert not outcome.passed and outcome.count == 1
    assert outcome.rows[0]["issue"] == "begins after the day"
    assert outcome.rows[0]["interval_begin_utc"] == end.isoformat()


def test_schema_drift_and_nulls_in_a_hand_made_table(wh):
    con = wh.writer()
    con.execute("CREATE SCHEMA std")
    cols = [f'"{n}" {t}' for n, t in ZONAL_LOAD_5MIN.duckdb_columns()]
    cols[3], cols[4] = cols[4], cols[3]  # zone_name before zone_id
    cols[5] = '"load_mw" FLOAT'
    con.execute(f"CREATE TABLE std.isone__zonal_load_5min ({', '.join(cols)})")
    con.execute(
        "INSERT INTO std.isone__zonal_load_5min "
        "(interval_begin_utc, interval_end_utc, operating_day, zone_id, zone_name, load_mw, btm_pv_mw, "
        "source_path, fetched_at_utc, body_sha256) VALUES "
        "('2024-07-15 04:00:00+00', '2024-07-15 04:05:00+00', '2024-07-15', 4001, NULL, 1000, 0, '/x', now(), 'x')"
    )
    con.close()
    con = wh.con()
    schema = dq.schema_matches_registry(con, ZONAL_LOAD_5MIN)
    assert not schema.passed and schema.severity == "ERROR"
    assert "column order differs" in schema.summary and "type or NOT NULL differs for" in schema.summary
    by_position = {r["position"]: r for r in schema.rows}
    assert by_position[4]["table_column"] == "zone_name" and by_position[4]["registry_column"] == "zone_id"
    assert by_position[6]["table_type"] == "FLOAT" and by_position[6]["registry_type"] == "DOUBLE"
    assert by_position[1]["table_nullable"] is True and by_position[1]["registry_nullable"] is False
    nulls = dq.key_columns_not_null(con, ZONAL_LOAD_5MIN, [NORMAL])
    assert not nulls.passed and nulls.count == 1 and nulls.rows[0]["null_columns"] == "zone_name"
    assert "zone_name: 1" in nulls.summary
    # a missing table fails every rule instead of raising
    assert not dq.schema_matches_registry(con, SYSTEM_LOAD_5MIN).passed
    assert "does not exist" in declared_range(con, "system_load_5min", "load_in_range", [NORMAL]).summary


def test_column_order_alone_is_caught(wh):
    con = wh.writer()
    con.execute("CREATE SCHEMA std")
    not_null = set(SYSTEM_LOAD_5MIN.not_null_columns)
    cols = [f'"{n}" {t}{" NOT NULL" if n in not_null else ""}' for n, t in SYSTEM_LOAD_5MIN.duckdb_columns()]
    cols[3], cols[4] = cols[4], cols[3]
    con.execute(f"CREATE TABLE std.isone__system_load_5min ({', '.join(cols)})")
    con.close()
    outcome = dq.schema_matches_registry(wh.con(), SYSTEM_LOAD_5MIN)
    assert not outcome.passed and outcome.count == 2 and outcome.summary.endswith("column order differs")


def test_day_in_progress_and_freshness_at_a_fixed_now(wh):
    day = NORMAL
    start, _ = day_bounds_utc(day)
    now = start + timedelta(hours=10, minutes=7)
    wh.write(SYSTEM_LOAD_5MIN, system_frame(day, until=now - timedelta(minutes=6)), [day])
    con = wh.con()
    progress = dq.intervals_complete(con, SYSTEM_LOAD_5MIN, [day], grain=FIVE, now=now)
    assert progress.passed and "in progress" in progress.summary
    assert (
        dq.intervals_complete(con, SYSTEM_LOAD_5MIN, [day], grain=FIVE, now=now + timedelta(days=1)).count == 288 - 121
    )
    # just after midnight the day's last intervals may not be published yet: in progress until it settles
    _, end = day_bounds_utc(day)
    after_midnight = dq.intervals_complete(con, SYSTEM_LOAD_5MIN, [day], grain=FIVE, now=end + timedelta(minutes=10))
    assert after_midnight.passed and "in progress" in after_midnight.summary
    settled = dq.intervals_complete(con, SYSTEM_LOAD_5MIN, [day], grain=FIVE, now=end + DAY_SETTLES_AFTER)
    assert not settled.passed and settled.severity == "ERROR" and settled.count == 288 - 121
    fresh = dq.latest_interval_fresh(con, SYSTEM_LOAD_5MIN, [day], now=now)
    assert fresh.passed and "min old" in fresh.summary
    stale = dq.latest_interval_fresh(con, SYSTEM_LOAD_5MIN, [day], now=now + timedelta(minutes=20))
    assert not stale.passed and stale.severity == "WARN" and stale.rows[0]["age_minutes"] == 27.0
    past = dq.latest_interval_fresh(con, SYSTEM_LOAD_5MIN, [day], now=now + timedelta(days=2))
    assert past.passed and past.summary.startswith("not today")
    nothing = dq.latest_interval_fresh(con, SYSTEM_LOAD_5MIN, [day + timedelta(days=1)], now=now + timedelta(days=1))
    assert not nothing.passed and nothing.summary == "no interval yet today"


def test_range_edges_and_severities(wh):
    wh.write(LMP_DA_HOURLY, lmp_frame(NORMAL, [-1000.0, 5000.0, -150.0, 1000.0, 1200.0, 5000.5]), [NORMAL])
    con = wh.con()
    hard = declared_range(con, "lmp_da_hourly", "lmp_in_hard_range", [NORMAL])
    assert (hard.passed, hard.count, hard.severity) == (False, 1, "ERROR") and hard.rows[0]["value"] == 5000.5
    typical = declared_range(con, "lmp_da_hourly", "lmp_in_typical_range", [NORMAL])
    assert (typical.passed, typical.severity) == (False, "WARN")
    assert sorted(r["value"] for r in typical.rows) == [-1000.0, 1200.0, 5000.0, 5000.5]
    assert dq.lmp_components_sum(con, LMP_DA_HOURLY, [NORMAL]).passed
    wh.write(SYSTEM_LOAD_5MIN, system_frame(NORMAL, load=40_000.0), [NORMAL])
    load = declared_range(wh.con(), "system_load_5min", "load_in_range", [NORMAL])
    assert not load.passed and load.count == 288 * 2  # 40 000 itself is out, and so is load + 50


def test_zones_sum_to_system_tolerance(wh):
    cases = {
        date(2024, 7, d): (ratio, passed)
        for d, (ratio, passed) in zip(
            range(1, 5), [(1.029, True), (0.972, True), (1.031, False), (0.969, False)], strict=True
        )
    }
    systems = {d: system_frame(d) for d in cases}
    wh.write(SYSTEM_LOAD_5MIN, pl.concat(systems.values()), list(cases))
    wh.write(ZONAL_LOAD_5MIN, pl.concat(zonal_frame(systems[d], r) for d, (r, _) in cases.items()), list(cases))
    con = wh.con()
    for day, (ratio, passed) in cases.items():
        outcome = dq.zones_sum_to_system(con, ZONAL_LOAD_5MIN, [day])
        assert (outcome.passed, outcome.severity, outcome.count) == (passed, "WARN", 0 if passed else 288), ratio


def test_unexpected_and_missing_zone_ids(wh):
    system = system_frame(NORMAL)
    wh.write(ZONAL_LOAD_5MIN, zonal_frame(system, 1.0, zones=[*range(4001, 4008), 4009]), [NORMAL])
    outcome = dq.all_zones_present(wh.con(), ZONAL_LOAD_5MIN, [NORMAL], zone_column="zone_id", only_zones=True)
    assert not outcome.passed and outcome.count == 2 * 288
    assert {(r["zone_id"], r["issue"]) for r in outcome.rows} == {(4008, "missing"), (4009, "unexpected zone id")}


def test_no_days_to_check_passes_and_rows_are_capped(wh):
    frame = system_frame(NORMAL)
    wh.write(SYSTEM_LOAD_5MIN, pl.concat([frame, frame]), [NORMAL])
    con = wh.con()
    assert dq.primary_key_unique(con, SYSTEM_LOAD_5MIN, []).passed
    dup = dq.primary_key_unique(con, SYSTEM_LOAD_5MIN, [NORMAL])
    assert dup.count == 288 and len(dup.rows) == dq.MAX_ROWS and "288 extra" not in dup.summary
    md = dq.rows_markdown(dup.rows)
    assert md.splitlines()[0] == "| interval_begin_utc | operating_day | rows |" and len(md.splitlines()) == 22
    assert dq.latest_day(con, SYSTEM_LOAD_5MIN) == NORMAL
