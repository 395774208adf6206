from __future__ import annotations

import pytest

from isone_platform.lib import warehouse
from isone_platform.lib.warehouse import WarehouseConfig


@pytest.fixture
def config(tmp_path) -> WarehouseConfig:
    return WarehouseConfig.local(tmp_path / "wh")


@pytest.fixture(autouse=True)
def _no_injected_failure():
    yield
    warehouse._before_commit = None
