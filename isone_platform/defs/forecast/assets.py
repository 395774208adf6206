"""Every issue of ISO-NE's hourly load forecast (system and zonal) and of the seven-day forecast."""

from isone_platform.defs.forecast.feeds import LOAD_FORECAST_FEED, LOAD_FORECAST_ZONAL_FEED, SEVEN_DAY_FEED
from isone_platform.lib.ingest_assets import build_ingest_assets

raw_load_forecast_hourly, std_load_forecast_hourly = build_ingest_assets(LOAD_FORECAST_FEED)
raw_load_forecast_zonal_hourly, std_load_forecast_zonal_hourly = build_ingest_assets(LOAD_FORECAST_ZONAL_FEED)
raw_seven_day_forecast, std_seven_day_forecast = build_ingest_assets(SEVEN_DAY_FEED)
