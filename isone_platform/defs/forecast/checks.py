"""Data-quality checks of the forecast tables (rules in lib/dq/): structural (blocking), every issue complete
(its hours, or its six market days), ranges, zones vs system per matching issue, the newest issue due by 10:00."""

from isone_platform.defs.forecast.feeds import LOAD_FORECAST_FEED, LOAD_FORECAST_ZONAL_FEED, SEVEN_DAY_FEED
from isone_platform.lib.dq.dagster import build_dataset_checks

load_forecast_hourly_checks = build_dataset_checks(LOAD_FORECAST_FEED)
load_forecast_zonal_hourly_checks = build_dataset_checks(LOAD_FORECAST_ZONAL_FEED)
seven_day_forecast_checks = build_dataset_checks(SEVEN_DAY_FEED)
