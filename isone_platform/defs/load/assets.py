"""System and zonal 5-minute load."""

from isone_platform.defs.load.feeds import SYSTEM_LOAD, ZONAL_LOAD
from isone_platform.lib.ingest_assets import build_ingest_assets

raw_system_load_5min, std_system_load_5min = build_ingest_assets(SYSTEM_LOAD)
raw_zonal_load_5min, std_zonal_load_5min = build_ingest_assets(ZONAL_LOAD)
