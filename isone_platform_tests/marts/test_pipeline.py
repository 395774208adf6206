"""raw -> std -> marts for one operating day on the simulator, through the platform's main job."""

import dagster as dg

from isone_platform import warehouse

DAY = "2024-11-03"  # fall back: 300 five-minute intervals


def test_main_job_fills_the_marts_and_the_reconcile_checks_pass(platform_env):
    from isone_platform.definitions import defs

    definitions = defs()
    job = definitions.resolve_job_def("isone_ingest")
    assert {k for k in job.asset_layer.selected_asset_keys if k.path[0] == "mart"} == {
        dg.AssetKey(["mart", t])
        for t in (
            "isone__load_daily",
            "isone__lmp_daily",
            "isone__fuel_mix_daily",
            "isone__system_vs_zonal_daily",
            "isone__load_forecast_accuracy_daily",
            "isone__seven_day_outlook",
            "isone__price_revisions_daily",
        )
    }
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), partition_key=DAY)
    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    for name in (
        "load_daily_reconciles_with_std",
        "lmp_daily_reconciles_with_std",
        "fuel_mix_daily_reconciles_with_std",
        "system_vs_zonal_daily_reconciles_with_std",
    ):
        assert evaluations[name].passed, evaluations[name].metadata
    blocking_failures = [
        n for n, e in evaluations.items() if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert blocking_failures == []

    con = warehouse.connect()
    try:
        system = con.sql(
            "select interval_count, expected_intervals, completeness_pct, peak_mw > pit_mw from mart.isone__load_daily "
            f"where operating_day = date '{DAY}' and area = 'SYSTEM'"
        ).fetchone()
        assert system == (300, 300, 100.0, True)
        zones = con.sql(
            f"select count(*) from mart.isone__load_daily where operating_day = date '{DAY}' and area_type = 'zone'"
        ).fetchone()
        assert zones == (8,)
        [(locations, with_both)] = con.sql(
            f"select count(*), count(da_rt_spread) from mart.isone__lmp_daily where operating_day = date '{DAY}'"
        ).fetchall()
        assert locations > 1150 and with_both > 1150
        [(fuels, share)] = con.sql(
            f"select count(*), sum(energy_share_pct) from mart.isone__fuel_mix_daily where operating_day = date '{DAY}'"
        ).fetchall()
        assert fuels >= 5 and abs(share - 100) < 1e-6
        assert con.sql("select intervals_compared from mart.isone__system_vs_zonal_daily").fetchall() == [(300,)]
    finally:
        con.close()
