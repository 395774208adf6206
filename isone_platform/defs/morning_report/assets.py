"""The morning report and its interchange and weather lists."""

from isone_platform.defs.morning_report.feeds import (
    MORNING_REPORT_FEED,
    MORNING_REPORT_INTERCHANGE_FEED,
    MORNING_REPORT_WEATHER_FEED,
)
from isone_platform.lib.ingest_assets import build_ingest_assets

raw_morning_report, std_morning_report = build_ingest_assets(MORNING_REPORT_FEED)
raw_morning_report_interchange, std_morning_report_interchange = build_ingest_assets(MORNING_REPORT_INTERCHANGE_FEED)
raw_morning_report_weather, std_morning_report_weather = build_ingest_assets(MORNING_REPORT_WEATHER_FEED)
