"""Locational marginal prices: real-time 5-minute, day-ahead hourly and real-time hourly, every priced node."""

from isone_platform.lib.datasets import DATASETS
from isone_platform.lib.ingest_assets import build_ingest_assets

raw_lmp_rt_5min, std_lmp_rt_5min = build_ingest_assets(DATASETS["lmp_rt_5min"])
raw_lmp_da_hourly, std_lmp_da_hourly = build_ingest_assets(DATASETS["lmp_da_hourly"])
raw_lmp_rt_hourly, std_lmp_rt_hourly = build_ingest_assets(DATASETS["lmp_rt_hourly"])
