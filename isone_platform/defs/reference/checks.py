"""Data-quality checks of the locations dimension (rules in lib/dq/): structural (blocking)."""

from isone_platform.defs.reference.feeds import LOCATIONS_FEED
from isone_platform.lib.dq.dagster import build_dataset_checks

locations_checks = build_dataset_checks(LOCATIONS_FEED)
