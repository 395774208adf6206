"""Data-quality checks of the LMP tables (rules in lib/dq/): structural (blocking), completeness, zones and
locations, hard/typical ranges, component sum, join coverage with isone__locations, freshness (5-minute)."""

from isone_platform.defs.lmp.feeds import LMP_DA_HOURLY_FEED, LMP_RT_5MIN_FEED, LMP_RT_HOURLY_FEED
from isone_platform.lib.dq.dagster import build_dataset_checks

lmp_rt_5min_checks = build_dataset_checks(LMP_RT_5MIN_FEED)
lmp_da_hourly_checks = build_dataset_checks(LMP_DA_HOURLY_FEED)
lmp_rt_hourly_checks = build_dataset_checks(LMP_RT_HOURLY_FEED)
