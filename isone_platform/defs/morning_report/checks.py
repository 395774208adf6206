"""Data-quality checks of the morning report tables (rules in lib/dq/): structural (blocking), every report of the
day (2, or 3 from 2024-12-20), and the report's capacity balances within 1 MW."""

from isone_platform.defs.morning_report.feeds import (
    MORNING_REPORT_FEED,
    MORNING_REPORT_INTERCHANGE_FEED,
    MORNING_REPORT_WEATHER_FEED,
)
from isone_platform.lib.dq.dagster import build_dataset_checks

morning_report_checks = build_dataset_checks(MORNING_REPORT_FEED)
morning_report_interchange_checks = build_dataset_checks(MORNING_REPORT_INTERCHANGE_FEED)
morning_report_weather_checks = build_dataset_checks(MORNING_REPORT_WEATHER_FEED)
