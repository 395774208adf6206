"""Real-time reserve prices (5-minute and hourly) and the day-ahead ancillary services data."""

from isone_platform.defs.reserves.feeds import (
    DA_RESERVES_FEED,
    DA_STRIKE_PRICES_FEED,
    RESERVE_PRICES_5MIN_FEED,
    RESERVE_PRICES_HOURLY_FEED,
)
from isone_platform.lib.ingest_assets import build_ingest_assets, revisions_asset_spec
from isone_platform.lib.schemas import RESERVE_PRICES_5MIN_REVISIONS, RESERVE_PRICES_HOURLY_REVISIONS

raw_reserve_prices_5min, std_reserve_prices_5min = build_ingest_assets(RESERVE_PRICES_5MIN_FEED)
raw_reserve_prices_hourly, std_reserve_prices_hourly = build_ingest_assets(RESERVE_PRICES_HOURLY_FEED)
raw_da_reserves_hourly, std_da_reserves_hourly = build_ingest_assets(DA_RESERVES_FEED)
raw_da_strike_prices_hourly, std_da_strike_prices_hourly = build_ingest_assets(DA_STRIKE_PRICES_FEED)

reserve_prices_5min_revisions = revisions_asset_spec(
    RESERVE_PRICES_5MIN_REVISIONS, [RESERVE_PRICES_5MIN_FEED], "reserves"
)
reserve_prices_hourly_revisions = revisions_asset_spec(
    RESERVE_PRICES_HOURLY_REVISIONS, [RESERVE_PRICES_HOURLY_FEED], "reserves"
)
