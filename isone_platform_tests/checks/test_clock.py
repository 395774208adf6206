"""The asset checks ask an injected clock for now (`build_dataset_checks(ds, now=...)`), not the wall clock:
freshness evaluated at a fixed time, without patching module state."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from isone_platform.defs.load import assets as load_assets
from isone_platform.lib.datasets import DATASETS
from isone_platform.lib.dq.dagster import build_dataset_checks

from .conftest import evaluations, materialize

ISONE = ZoneInfo("America/New_York")


@pytest.fixture
def clock():
    """A settable clock for the checks: `clock.now` is what they see."""

    class Clock:
        now = datetime(2024, 11, 3, 23, 59, tzinfo=ISONE)

        def __call__(self) -> datetime:
            return self.now

    return Clock()


def _freshness(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    [evaluation] = [e for (_, name), e in evaluations(result).items() if "fresh" in name]
    return evaluation


def test_freshness_is_evaluated_at_the_injected_time(platform_env, clock):
    checks = build_dataset_checks(DATASETS["system_load_5min"], now=clock)
    assets = dg.load_assets_from_modules([load_assets])
    result = materialize([*assets, *checks], "system_load_5min")
    summary = _freshness(result).metadata["summary"].value
    assert "min old" in str(summary)  # 2024-11-03 is "today" for the clock: its latest interval is judged
    clock.now = datetime(2024, 11, 5, 12, 0, tzinfo=ISONE)
    result = materialize([*assets, *checks], "system_load_5min")
    assert "not today (2024-11-05)" in str(_freshness(result).metadata["summary"].value)
