"""Fixtures of the dashboard tests: hand-made warehouses (synthetic.py) and the environment pointing at them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from isone_platform.lib.warehouse import WarehouseConfig

from . import synthetic
from .synthetic import build_at, warehouse_env

# 29 days of load ending Saturday 2024-11-09: the 28-day heatmap window is 2024-10-13..2024-11-09 (the first day
# falls outside it) and holds the fall-back Sunday 2024-11-03; prices, fuel mix and marts for the last 3 days.
LOAD_DAYS = synthetic.day_range(date(2024, 10, 12), date(2024, 11, 9))
PRICE_DAYS = synthetic.day_range(date(2024, 11, 7), date(2024, 11, 9))


@pytest.fixture(scope="module")
def filled_root(tmp_path_factory) -> Path:
    """A warehouse with every table the dashboard reads."""
    return build_at(tmp_path_factory.mktemp("dashboard"), lambda c: synthetic.build(c, LOAD_DAYS, PRICE_DAYS))


@pytest.fixture(scope="module")
def load_only_root(tmp_path_factory) -> Path:
    """A warehouse holding only system load (every other dataset missing)."""
    day = LOAD_DAYS[-1]
    load = lambda c: synthetic.write(c, synthetic.SYSTEM_LOAD_5MIN, [synthetic.system_load(day)], [day])  # noqa: E731
    return build_at(tmp_path_factory.mktemp("dashboard-load-only"), load)


@pytest.fixture
def filled(filled_root, monkeypatch) -> WarehouseConfig:
    return warehouse_env(monkeypatch, filled_root)


@pytest.fixture
def load_only(load_only_root, monkeypatch) -> WarehouseConfig:
    return warehouse_env(monkeypatch, load_only_root)


@pytest.fixture
def no_warehouse(tmp_path, monkeypatch) -> WarehouseConfig:
    """An environment whose warehouse catalog does not exist."""
    return warehouse_env(monkeypatch, tmp_path)


@pytest.fixture
def con(filled):
    """A read-only connection to the filled warehouse, the way the dashboard opens it."""
    from isone_platform import warehouse

    connection = warehouse.connect()
    yield connection
    connection.close()
