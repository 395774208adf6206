"""Data-quality checks of the locations dimension (rules in lib/checks.py): structural (blocking)."""

from isone_platform.lib.checks import build_dataset_checks
from isone_platform.lib.datasets import DATASETS

locations_checks = build_dataset_checks(DATASETS["locations"])
