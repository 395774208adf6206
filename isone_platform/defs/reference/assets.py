"""Reference data: every ISO-NE location (unpartitioned; refreshed on demand)."""

from isone_platform.defs.reference.feeds import LOCATIONS_FEED
from isone_platform.lib.ingest_assets import build_ingest_assets

raw_locations, std_locations = build_ingest_assets(LOCATIONS_FEED)
