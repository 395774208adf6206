"""System and zonal 5-minute load, hourly system load, DA/RT hourly demand per load zone."""

from isone_platform.defs.load.feeds import DEMAND_HOURLY_FEED, LOAD_HOURLY_FEED, SYSTEM_LOAD, ZONAL_LOAD
from isone_platform.lib.ingest_assets import build_ingest_assets, revisions_asset_spec
from isone_platform.lib.schemas import LOAD_REVISIONS

raw_system_load_5min, std_system_load_5min = build_ingest_assets(SYSTEM_LOAD)
raw_zonal_load_5min, std_zonal_load_5min = build_ingest_assets(ZONAL_LOAD)
raw_load_hourly, std_load_hourly = build_ingest_assets(LOAD_HOURLY_FEED)
raw_demand_hourly, std_demand_hourly = build_ingest_assets(DEMAND_HOURLY_FEED)
load_revisions = revisions_asset_spec(LOAD_REVISIONS, [SYSTEM_LOAD, ZONAL_LOAD], "load")
