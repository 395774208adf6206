"""Data-quality checks of the load tables (rules in lib/dq/): structural (blocking), completeness, ranges,
zones vs system, freshness."""

from isone_platform.lib.datasets import DATASETS
from isone_platform.lib.dq.dagster import build_dataset_checks

system_load_5min_checks = build_dataset_checks(DATASETS["system_load_5min"])
zonal_load_5min_checks = build_dataset_checks(DATASETS["zonal_load_5min"])
