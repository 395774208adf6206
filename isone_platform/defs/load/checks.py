"""Data-quality checks of the load tables (rules in lib/dq/): structural (blocking), completeness, ranges,
zones vs system, freshness."""

from isone_platform.defs.load.feeds import DEMAND_HOURLY_FEED, LOAD_HOURLY_FEED, SYSTEM_LOAD, ZONAL_LOAD
from isone_platform.lib.dq.dagster import build_dataset_checks

system_load_5min_checks = build_dataset_checks(SYSTEM_LOAD)
zonal_load_5min_checks = build_dataset_checks(ZONAL_LOAD)
load_hourly_checks = build_dataset_checks(LOAD_HOURLY_FEED)
demand_hourly_checks = build_dataset_checks(DEMAND_HOURLY_FEED)
