from __future__ import annotations

import pytest

from isone_platform.lib.warehouse import WarehouseConfig


@pytest.fixture
def config(tmp_path) -> WarehouseConfig:
    return WarehouseConfig.local(tmp_path / "wh")
