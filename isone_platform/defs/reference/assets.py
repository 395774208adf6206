"""Reference data: every ISO-NE location (unpartitioned; refreshed on demand)."""

from isone_platform.lib.datasets import DATASETS
from isone_platform.lib.ingest_assets import build_ingest_assets

raw_locations, std_locations = build_ingest_assets(DATASETS["locations"])
