"""Generation by fuel category (irregular snapshots)."""

from isone_platform.defs.fuel_mix.feeds import FUEL_MIX_FEED
from isone_platform.lib.ingest_assets import build_ingest_assets

raw_fuel_mix, std_fuel_mix = build_ingest_assets(FUEL_MIX_FEED)
