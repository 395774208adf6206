"""Locational marginal prices: real-time 5-minute, day-ahead hourly and real-time hourly, every priced node; the
prelim prices that final ones replaced (revisions tables, and what each replacement compared)."""

from isone_platform.defs.lmp.feeds import LMP_DA_HOURLY_FEED, LMP_RT_5MIN_FEED, LMP_RT_HOURLY_FEED
from isone_platform.defs.reserves.feeds import RESERVE_PRICES_5MIN_FEED, RESERVE_PRICES_HOURLY_FEED
from isone_platform.lib.ingest_assets import build_ingest_assets, revisions_asset_spec
from isone_platform.lib.schemas import LMP_RT_5MIN_REVISIONS, LMP_RT_HOURLY_REVISIONS, PRICE_REVISION_COVERAGE

raw_lmp_rt_5min, std_lmp_rt_5min = build_ingest_assets(LMP_RT_5MIN_FEED)
raw_lmp_da_hourly, std_lmp_da_hourly = build_ingest_assets(LMP_DA_HOURLY_FEED)
raw_lmp_rt_hourly, std_lmp_rt_hourly = build_ingest_assets(LMP_RT_HOURLY_FEED)

lmp_rt_5min_revisions = revisions_asset_spec(LMP_RT_5MIN_REVISIONS, [LMP_RT_5MIN_FEED], "lmp")
lmp_rt_hourly_revisions = revisions_asset_spec(LMP_RT_HOURLY_REVISIONS, [LMP_RT_HOURLY_FEED], "lmp")
price_revision_coverage = revisions_asset_spec(
    PRICE_REVISION_COVERAGE,
    [LMP_RT_5MIN_FEED, LMP_RT_HOURLY_FEED, RESERVE_PRICES_5MIN_FEED, RESERVE_PRICES_HOURLY_FEED],
    "lmp",
)
