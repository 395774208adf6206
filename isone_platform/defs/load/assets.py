"""System and zonal 5-minute load."""

from isone_platform.lib.datasets import DATASETS
from isone_platform.lib.ingest_assets import build_ingest_assets

raw_system_load_5min, std_system_load_5min = build_ingest_assets(DATASETS["system_load_5min"])
raw_zonal_load_5min, std_zonal_load_5min = build_ingest_assets(DATASETS["zonal_load_5min"])
