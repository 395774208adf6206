"""Data-quality checks of the locations dimension (rules in lib/dq/): structural (blocking)."""

from isone_platform.lib.datasets import DATASETS
from isone_platform.lib.dq.dagster import build_dataset_checks

locations_checks = build_dataset_checks(DATASETS["locations"])
