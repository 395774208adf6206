"""Data-quality checks of the fuel mix (rules in lib/dq/): structural (blocking), an hourly snapshot
everywhere in the day, gen_mw ≥ 0, freshness."""

from isone_platform.defs.fuel_mix.feeds import FUEL_MIX_FEED
from isone_platform.lib.dq.dagster import build_dataset_checks

fuel_mix_checks = build_dataset_checks(FUEL_MIX_FEED)
