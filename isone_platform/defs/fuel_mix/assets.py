"""Generation by fuel category (irregular snapshots)."""

from isone_platform.lib.datasets import DATASETS
from isone_platform.lib.ingest_assets import build_ingest_assets

raw_fuel_mix, std_fuel_mix = build_ingest_assets(DATASETS["fuel_mix"])
