"""Locational marginal prices: real-time 5-minute, day-ahead hourly and real-time hourly, every priced node."""

from isone_platform.defs.lmp.feeds import LMP_DA_HOURLY_FEED, LMP_RT_5MIN_FEED, LMP_RT_HOURLY_FEED
from isone_platform.lib.ingest_assets import build_ingest_assets

raw_lmp_rt_5min, std_lmp_rt_5min = build_ingest_assets(LMP_RT_5MIN_FEED)
raw_lmp_da_hourly, std_lmp_da_hourly = build_ingest_assets(LMP_DA_HOURLY_FEED)
raw_lmp_rt_hourly, std_lmp_rt_hourly = build_ingest_assets(LMP_RT_HOURLY_FEED)
