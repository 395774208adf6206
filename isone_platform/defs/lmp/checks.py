"""Data-quality checks of the LMP tables (rules in lib/dq/): structural (blocking), completeness, zones and
locations, hard/typical ranges, component sum, join coverage with isone__locations, freshness (5-minute)."""

from isone_platform.lib.datasets import DATASETS
from isone_platform.lib.dq.dagster import build_dataset_checks

lmp_rt_5min_checks = build_dataset_checks(DATASETS["lmp_rt_5min"])
lmp_da_hourly_checks = build_dataset_checks(DATASETS["lmp_da_hourly"])
lmp_rt_hourly_checks = build_dataset_checks(DATASETS["lmp_rt_hourly"])
