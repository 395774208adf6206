"""B6's pure parts, offline: the days it splits between the workers, the nothing-lost verdict, its table block."""

from __future__ import annotations

import pytest

from benchmarks import b6_prod_workers as b6


def _variant(rows: int, stored: dict, failed: tuple[str, ...] = ()) -> dict:
    return {
        "workers": 1,
        "wall_s": 10.0,
        "runs_s": 8.0,
        "rows": rows,
        "rows_per_s": rows // 10,
        "rows_per_s_runs_only": rows // 8,
        "warehouse_retries": {},
        "warehouse_retries_total": 0,
        "step_retries": 0,
        "failed_steps": list(failed),
        "stored": stored,
    }


STORED = {"std.isone__system_load_5min": {"2024-07-15": [288, 288], "2024-07-16": [288, 288]}}


def test_bench_days_are_consecutive_and_even():
    assert b6.bench_days(4) == ["2024-07-15", "2024-07-16", "2024-07-17", "2024-07-18"]
    with pytest.raises(ValueError, match="even number of days.*got 3"):
        b6.bench_days(3)


def test_identical_warehouses_lose_nothing():
    assert b6.lost(_variant(576, STORED), _variant(576, STORED)) == []


def test_a_missing_day_a_duplicate_key_and_a_failed_run_are_each_reported():
    two = {"std.isone__system_load_5min": {"2024-07-15": [290, 288]}}
    problems = b6.lost(_variant(576, STORED), _variant(576, two, failed=("2024-07-16 std__isone__lmp_rt_5min: boom",)))
    assert problems[0] == "two_workers: the runs wrote 576 rows, a reader counts 290"
    assert "two_workers: std.isone__system_load_5min 2024-07-15: 290 rows but 288 distinct keys" in problems
    assert "two_workers: failed: 2024-07-16 std__isone__lmp_rt_5min: boom" in problems
    assert problems[-1].startswith("two workers stored")


def test_render_says_why_b6_did_not_run():
    assert b6.render({"skipped": "no PostgreSQL"}) == [
        "B6 two production-profile workers vs one: SKIPPED no PostgreSQL"
    ]


def test_render_gives_both_variants_and_the_ratio():
    one, two = _variant(576, STORED), _variant(576, STORED)
    two["wall_s"], two["rows_per_s"] = 6.0, 96
    section = b6.summary(["2024-07-15", "2024-07-16"], {"one_worker": one, "two_workers": two}, 1.0)
    lines = b6.render(section)
    assert lines[1].startswith("  1 worker  wall   10.0 s  576 rows")
    assert lines[2].startswith("  2 workers wall    6.0 s")
    assert lines[3] == "  2 vs 1: 1.68x rows/s (1.00x runs only); nothing lost: yes"


def test_catalog_conflicts_are_counted_from_the_postgres_log():
    duplicate = "ERROR:  duplicate key value violates unique constraint"
    server_log = "\n".join(
        [
            f'2026-12-02 18:14:20.635 UTC [22727] {duplicate} "ducklake_snapshot_pkey"',
            "2026-12-02 18:14:20.635 UTC [22727] DETAIL:  Key (snapshot_id)=(25) already exists.",
            f'2026-12-02 18:14:21.001 UTC [22728] {duplicate} "runs_pkey"',
            f'2026-12-02 18:14:22.476 UTC [22941] {duplicate} "ducklake_snapshot_pkey"',
            "2026-12-02 18:14:23.000 UTC [22941] ERROR:  could not serialize access due to concurrent update",
            "2026-12-02 18:14:24.000 UTC [22941] LOG:  checkpoint starting: time",
        ]
    )
    assert b6.catalog_conflicts(server_log) == {
        "ducklake_commit_retries": 3,
        "ducklake_commit_retries_by_kind": {"ducklake_snapshot_pkey": 2, "could not serialize access": 1},
    }
