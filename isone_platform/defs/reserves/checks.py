"""Data-quality checks of the reserve tables (rules in lib/dq/): structural (blocking), completeness (288/276/300
five-minute or 24/23/25 hourly intervals × the 4 reserve zones), prices never negative (ERROR) and above the
typical range (WARN), prelim/final revisions matching one to one."""

from isone_platform.defs.reserves.feeds import (
    DA_RESERVES_FEED,
    DA_STRIKE_PRICES_FEED,
    RESERVE_PRICES_5MIN_FEED,
    RESERVE_PRICES_HOURLY_FEED,
)
from isone_platform.lib.dq.dagster import build_dataset_checks

reserve_prices_5min_checks = build_dataset_checks(RESERVE_PRICES_5MIN_FEED)
reserve_prices_hourly_checks = build_dataset_checks(RESERVE_PRICES_HOURLY_FEED)
da_reserves_hourly_checks = build_dataset_checks(DA_RESERVES_FEED)
da_strike_prices_hourly_checks = build_dataset_checks(DA_STRIKE_PRICES_FEED)
