"""`mart.isone__price_revisions_daily` against numbers worked out by hand from synthetic revisions and coverage.

Two days, both datasets; locations .H.INTERNAL_HUB (4000), .Z.MAINE (4001), .Z.NEWHAMPSHIRE (4002). Changes are
(prelim -> final) of (lmp, energy, congestion, loss):

2024-10-31, 5-minute (288 compared per location):
- 4000, 3 revised: 10:00 (50, 48, 1, 1) -> (55, 52, 2, 1); 10:05 (60, 58, 1, 1) -> (40, 40, -1, 1); 18:00 a
  component-only change (30, 29, 0.5, 0.5) -> (30, 30, -0.5, 0.5). The last one fetched later.
- 4001, 2 revised, a tie on |lmp change| 5: 00:30 (30 -> 25) and 01:00 (20 -> 25): the earlier is the largest.
- 4002, 0 revised: its name comes from std.isone__lmp_rt_5min.
2024-10-31, hourly (24 compared): 4000 at 17:00 (80, 75, 3, 2) -> (100, 90, 8, 2); 4002 none (name from
std.isone__lmp_rt_hourly).
2024-11-03 (fall back), 5-minute (300 compared): 4000 at the second 01:30 (EST) (25, 24, .5, .5) -> (-5, -6, .5, .5).
2024-11-03, hourly (25 compared): 4001 at 01:00 EDT NULL -> (40, 38, 1, 1) and at 12:00 (42, 40, 1, 1) ->
(45, 42, 2, 1); 4002 at 09:00 the loss component 0.5 -> NULL only.
A coverage row of another dataset (reserve prices, no branch in the mart yet) is left out.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import polars as pl
import pytest

from isone_platform.lib import dbt as dbt_lib
from isone_platform.lib.schemas import (
    LMP_RT_5MIN,
    LMP_RT_5MIN_REVISIONS,
    LMP_RT_HOURLY,
    LMP_RT_HOURLY_REVISIONS,
    PRICE_REVISION_COVERAGE,
    TableSchema,
)
from isone_platform.lib.warehouse import WarehouseConfig, replace_partitions

from .conftest import materialize_marts, read_mart

NY = ZoneInfo("America/New_York")
D1, D2 = date(2024, 10, 31), date(2024, 11, 3)
FIVE, HOUR = timedelta(minutes=5), timedelta(hours=1)
NAMES = {4000: ".H.INTERNAL_HUB", 4001: ".Z.MAINE", 4002: ".Z.NEWHAMPSHIRE"}
MART = "isone__price_revisions_daily"
RT5, RTH = "isone__lmp_rt_5min", "isone__lmp_rt_hourly"
PRELIM_AT = datetime(2024, 10, 31, 23, tzinfo=UTC)
FINAL_AT = datetime(2024, 11, 1, 11, tzinfo=UTC)
FINAL_AT_LATER = datetime(2024, 11, 1, 11, 30, tzinfo=UTC)
FINAL_AT_D2 = datetime(2024, 11, 4, 11, tzinfo=UTC)
PROVENANCE = {"source_path": "/synthetic", "body_sha256": "0" * 64}


def local(day: date, hour: int, minute: int = 0, *, fold: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY, fold=fold).astimezone(UTC)


PRICE_VALUES = ("lmp", "energy_component", "congestion_component", "loss_component")
Values = tuple[float | None, float | None, float | None, float | None]


def revision(
    day: date, location: int, begin: datetime, step: timedelta, prelim: Values, final: Values, final_at: datetime
) -> dict:
    row: dict = {
        "interval_begin_utc": begin,
        "interval_end_utc": begin + step,
        "operating_day": day,
        "location_id": location,
        "location_name": NAMES[location],
        "prelim_fetched_at_utc": PRELIM_AT,
        "final_fetched_at_utc": final_at,
    }
    for name, p, f in zip(PRICE_VALUES, prelim, final, strict=True):
        row |= {f"prelim_{name}": p, f"final_{name}": f}
    return row


REVISIONS_5MIN = [
    revision(D1, 4000, local(D1, 10), FIVE, (50, 48, 1, 1), (55, 52, 2, 1), FINAL_AT),
    revision(D1, 4000, local(D1, 10, 5), FIVE, (60, 58, 1, 1), (40, 40, -1, 1), FINAL_AT),
    revision(D1, 4000, local(D1, 18), FIVE, (30, 29, 0.5, 0.5), (30, 30, -0.5, 0.5), FINAL_AT_LATER),
    revision(D1, 4001, local(D1, 1), FIVE, (20, 19, 0.5, 0.5), (25, 24, 0.5, 0.5), FINAL_AT),
    revision(D1, 4001, local(D1, 0, 30), FIVE, (30, 29, 0.5, 0.5), (25, 24, 0.5, 0.5), FINAL_AT),
    revision(D2, 4000, local(D2, 1, 30, fold=1), FIVE, (25, 24, 0.5, 0.5), (-5, -6, 0.5, 0.5), FINAL_AT_D2),
]
REVISIONS_HOURLY = [
    revision(D1, 4000, local(D1, 17), HOUR, (80, 75, 3, 2), (100, 90, 8, 2), FINAL_AT),
    revision(D2, 4001, local(D2, 1), HOUR, (None, None, None, None), (40, 38, 1, 1), FINAL_AT_D2),
    revision(D2, 4001, local(D2, 12), HOUR, (42, 40, 1, 1), (45, 42, 2, 1), FINAL_AT_D2),
    revision(D2, 4002, local(D2, 9), HOUR, (33, 32, 0.5, 0.5), (33, 32, 0.5, None), FINAL_AT_D2),
]
# (dataset, day, location) -> (compared, revised, compared_at)
COVERAGE = {
    (RT5, D1, 4000): (288, 3, FINAL_AT_LATER),
    (RT5, D1, 4001): (288, 2, FINAL_AT),
    (RT5, D1, 4002): (288, 0, FINAL_AT_LATER),
    (RTH, D1, 4000): (24, 1, FINAL_AT),
    (RTH, D1, 4002): (24, 0, FINAL_AT),
    (RT5, D2, 4000): (300, 1, FINAL_AT_D2),
    (RTH, D2, 4001): (25, 2, FINAL_AT_D2),
    (RTH, D2, 4002): (25, 1, FINAL_AT_D2),
    ("isone__reserve_prices_5min", D1, 7000): (288, 5, FINAL_AT),  # no branch in the mart (yet): left out
}


def frame(rows: list[dict], schema: TableSchema) -> pl.DataFrame:
    df = pl.DataFrame(rows, infer_schema_length=None)
    missing = [c for c in schema.column_names if c not in df.columns]
    return schema.conform(df.with_columns([pl.lit(None).alias(c) for c in missing]))


def std_prices(schema: TableSchema, step: timedelta) -> pl.DataFrame:
    """One final price per location on D1 and D2: what the names of locations without revisions come from."""
    rows = [
        {
            "interval_begin_utc": local(day, 12),
            "interval_end_utc": local(day, 12) + step,
            "operating_day": day,
            "location_id": loc,
            "location_name": name,
            "lmp": 30.0,
            "price_status": "final",
            "fetched_at_utc": FINAL_AT,
            **PROVENANCE,
        }
        for day in (D1, D2)
        for loc, name in NAMES.items()
    ]
    return frame(rows, schema)


def coverage_frame(coverage: dict) -> pl.DataFrame:
    rows = [
        {
            "dataset": ds,
            "operating_day": day,
            "location_id": loc,
            "prelim_intervals": compared,
            "final_intervals": compared,
            "intervals_compared": compared,
            "intervals_revised": revised,
            "compared_at_utc": at,
        }
        for (ds, day, loc), (compared, revised, at) in coverage.items()
    ]
    return frame(rows, PRICE_REVISION_COVERAGE)


def write(config: WarehouseConfig, schema: TableSchema, df: pl.DataFrame, days=(D1, D2)) -> None:
    replace_partitions(config, schema, df, list(days))


@pytest.fixture(scope="module")
def revisions_built(mart_env):
    config = WarehouseConfig.from_env()
    write(config, LMP_RT_5MIN, std_prices(LMP_RT_5MIN, FIVE))
    write(config, LMP_RT_HOURLY, std_prices(LMP_RT_HOURLY, HOUR))
    write(config, LMP_RT_5MIN_REVISIONS, frame(REVISIONS_5MIN, LMP_RT_5MIN_REVISIONS))
    write(config, LMP_RT_HOURLY_REVISIONS, frame(REVISIONS_HOURLY, LMP_RT_HOURLY_REVISIONS))
    write(config, PRICE_REVISION_COVERAGE, coverage_frame(COVERAGE))
    result = materialize_marts(D1, D2)
    rows = read_mart(MART)
    by_key = {(r["dataset"], r["operating_day"], r["location_id"]): r for r in rows}
    assert len(by_key) == len(rows)
    return {"config": config, "result": result, "rows": by_key}


def assert_row(actual: dict, expected: dict, context: object) -> None:
    for column, want in expected.items():
        got = actual[column]
        if isinstance(want, float) and got is not None:
            assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), f"{context} {column}: {got} != {want}"
        else:
            assert got == want, f"{context} {column}: {got!r} != {want!r}"


NO_REVISION = {
    "null_change_intervals": 0,
    "revised_pct": 0.0,
    **{f"{s}_abs_change_{m}": 0.0 for s in ("mean", "max") for m in ("lmp", "energy", "congestion", "loss")},
    "largest_revision_interval_begin_utc": None,
    "largest_revision_interval_begin_local": None,
    "largest_revision_prelim_lmp": None,
    "largest_revision_final_lmp": None,
}


def test_the_run_succeeds_and_every_revisions_check_passes(revisions_built):
    result = revisions_built["result"]
    assert result.success
    evaluations = {}
    for e in result.get_asset_check_evaluations():
        evaluations.setdefault(e.check_name, []).append(e)
    for name in (
        "price_revisions_daily_reconciles_with_std",
        "price_revisions_daily_one_row_per_day_dataset_and_location",
        "price_revisions_daily_revised_within_compared",
        "price_revisions_daily_mean_le_max",
        "price_revisions_daily_largest_revision_only_when_revised",
        "price_revisions_daily_revised_pct_between_0_and_100",
    ):
        assert name in evaluations, name
    assert [n for n, es in evaluations.items() if not all(e.passed for e in es)] == []
    # one reconciliation per day: 2 datasets each
    recon = {e.partition: e for e in evaluations["price_revisions_daily_reconciles_with_std"]}
    assert set(recon) == {(D1 + timedelta(days=n)).isoformat() for n in range((D2 - D1).days + 1)}
    assert recon[D1.isoformat()].metadata["keys_compared"].value == 2
    assert recon[D2.isoformat()].metadata["keys_compared"].value == 2
    assert recon["2024-11-01"].metadata["keys_compared"].value == 0


def test_one_row_per_covered_location_of_the_mart_datasets(revisions_built):
    rows = revisions_built["rows"]
    assert set(rows) == {k for k in COVERAGE if k[0] in (RT5, RTH)}
    for key, (compared, revised, _) in COVERAGE.items():
        if key in rows:
            assert (rows[key]["intervals_compared"], rows[key]["intervals_revised"]) == (compared, revised), key
            assert rows[key]["location_name"] == NAMES[key[2]], key


def test_5min_hub_with_a_component_only_change(revisions_built):
    row = revisions_built["rows"][(RT5, D1, 4000)]
    # lmp changes 5, 20, 0; energy 4, 18, 1; congestion 1, 2, 1; loss 0, 0, 0 -- over 288 compared intervals
    assert_row(
        row,
        {
            "intervals_compared": 288,
            "intervals_revised": 3,
            "revised_pct": 100 * 3 / 288,
            "null_change_intervals": 0,
            "mean_abs_change_lmp": 25 / 288,
            "max_abs_change_lmp": 20.0,
            "mean_abs_change_energy": 23 / 288,
            "max_abs_change_energy": 18.0,
            "mean_abs_change_congestion": 4 / 288,
            "max_abs_change_congestion": 2.0,
            "mean_abs_change_loss": 0.0,
            "max_abs_change_loss": 0.0,
            "largest_revision_interval_begin_utc": datetime(2024, 10, 31, 14, 5, tzinfo=UTC),
            "largest_revision_interval_begin_local": "2024-10-31T10:05:00-04:00",
            "largest_revision_prelim_lmp": 60.0,
            "largest_revision_final_lmp": 40.0,
            "final_fetched_at_utc": FINAL_AT_LATER,  # the component-only revision's later fetch
        },
        "hub 5min",
    )


def test_5min_tie_takes_the_earliest_and_a_location_without_revisions_has_zeros(revisions_built):
    rows = revisions_built["rows"]
    maine = rows[(RT5, D1, 4001)]
    assert_row(
        maine,
        {
            "mean_abs_change_lmp": 10 / 288,
            "max_abs_change_lmp": 5.0,
            "mean_abs_change_energy": 10 / 288,
            "mean_abs_change_congestion": 0.0,
            "largest_revision_interval_begin_local": "2024-10-31T00:30:00-04:00",
            "largest_revision_prelim_lmp": 30.0,
            "largest_revision_final_lmp": 25.0,
            "final_fetched_at_utc": FINAL_AT,
        },
        "maine 5min",
    )
    for key in ((RT5, D1, 4002), (RTH, D1, 4002)):
        row = rows[key]
        assert_row(row, NO_REVISION, key)
        assert row["location_name"] == ".Z.NEWHAMPSHIRE"  # from the dataset's std table
        assert row["final_fetched_at_utc"] == COVERAGE[key][2]  # the coverage's compared_at_utc


def test_hourly_hub(revisions_built):
    assert_row(
        revisions_built["rows"][(RTH, D1, 4000)],
        {
            "revised_pct": 100 / 24,
            "mean_abs_change_lmp": 20 / 24,
            "max_abs_change_lmp": 20.0,
            "mean_abs_change_energy": 15 / 24,
            "max_abs_change_energy": 15.0,
            "mean_abs_change_congestion": 5 / 24,
            "max_abs_change_congestion": 5.0,
            "mean_abs_change_loss": 0.0,
            "largest_revision_interval_begin_local": "2024-10-31T17:00:00-04:00",
            "largest_revision_prelim_lmp": 80.0,
            "largest_revision_final_lmp": 100.0,
        },
        "hub hourly",
    )


def test_fall_back_day_and_null_changes(revisions_built):
    rows = revisions_built["rows"]
    hub = rows[(RT5, D2, 4000)]
    assert_row(
        hub,
        {
            "intervals_compared": 300,
            "mean_abs_change_lmp": 30 / 300,
            "max_abs_change_lmp": 30.0,
            "mean_abs_change_energy": 30 / 300,
            "largest_revision_interval_begin_utc": datetime(2024, 11, 3, 6, 30, tzinfo=UTC),
            "largest_revision_interval_begin_local": "2024-11-03T01:30:00-05:00",  # the second 01:30
            "largest_revision_prelim_lmp": 25.0,
            "largest_revision_final_lmp": -5.0,
            "final_fetched_at_utc": FINAL_AT_D2,
        },
        "hub fall back",
    )
    # NULL -> 40 at 01:00 EDT counts as revised but has no size; the 12:00 change (3, 2, 1, 0) is the largest
    maine = rows[(RTH, D2, 4001)]
    assert_row(
        maine,
        {
            "intervals_compared": 25,
            "intervals_revised": 2,
            "revised_pct": 8.0,
            "null_change_intervals": 1,
            "mean_abs_change_lmp": 3 / 25,
            "max_abs_change_lmp": 3.0,
            "mean_abs_change_energy": 2 / 25,
            "max_abs_change_energy": 2.0,
            "mean_abs_change_congestion": 1 / 25,
            "max_abs_change_congestion": 1.0,
            "mean_abs_change_loss": 0.0,
            "max_abs_change_loss": 0.0,
            "largest_revision_interval_begin_local": "2024-11-03T12:00:00-05:00",
            "largest_revision_prelim_lmp": 42.0,
            "largest_revision_final_lmp": 45.0,
        },
        "maine hourly fall back",
    )
    # only the loss component went to NULL: revised, sizes 0, the interval is still the largest revision
    nh = rows[(RTH, D2, 4002)]
    assert_row(
        nh,
        {
            "intervals_revised": 1,
            "null_change_intervals": 1,
            "mean_abs_change_lmp": 0.0,
            "max_abs_change_loss": 0.0,
            "largest_revision_interval_begin_local": "2024-11-03T09:00:00-05:00",
            "largest_revision_prelim_lmp": 33.0,
            "largest_revision_final_lmp": 33.0,
        },
        "nh hourly fall back",
    )


def test_mart_metadata_and_lineage():
    from isone_platform.defs.marts import checks
    from isone_platform.defs.marts.assets import isone_marts

    assert MART in dbt_lib.MART_TABLES
    spec = {s.key.path[-1]: s for s in isone_marts.specs}[MART]
    assert spec.tags["domain"] == "lmp" and spec.group_name == "mart"
    assert {d.asset_key for d in spec.deps} == {
        dg.AssetKey(["std", n])
        for n in (
            "isone__price_revision_coverage",
            "isone__lmp_rt_5min_revisions",
            "isone__lmp_rt_hourly_revisions",
            "isone__lmp_rt_5min",
            "isone__lmp_rt_hourly",
        )
    }
    assert checks.PRICE_REVISION_DATASETS == {RT5: f"{RT5}_revisions", RTH: f"{RTH}_revisions"}


# Mutates the module's warehouse: keep it last.
def test_reconciliation_fails_when_the_revisions_disagree_with_the_coverage(revisions_built):
    config = revisions_built["config"]
    # D2's hourly revisions lose 4001's 12:00 row, while the coverage still says 2 revised
    write(config, LMP_RT_HOURLY_REVISIONS, frame(REVISIONS_HOURLY[:2] + REVISIONS_HOURLY[3:], LMP_RT_HOURLY_REVISIONS))
    result = materialize_marts(D2, D2, raise_on_error=False)
    assert not result.success
    [evaluation] = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "price_revisions_daily_reconciles_with_std"
    ]
    assert not evaluation.passed and evaluation.partition == D2.isoformat()
    assert evaluation.metadata["keys_failed"].value == 1
    assert "intervals_revised: mart 3, std 2" in str(evaluation.metadata["first_failures"].value)
