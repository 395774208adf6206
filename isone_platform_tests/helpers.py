"""Helpers the test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
from dagster_shared.error import SerializableErrorInfo

from isone_platform import warehouse


def instance_env(base_url: str, root: Path) -> dict[str, str]:
    """Environment of one platform instance: the simulator at `base_url` and its credentials, a fresh lake and
    warehouse under `root`."""
    return {
        "ISONE_BASE_URL": base_url,
        "ISONE_USERNAME": "demo",
        "ISONE_PASSWORD": "demo",
        "ISONE_LAKE_URL": str(root / "lake"),
        "ISONE_CATALOG_URL": str(root / "catalog.sqlite"),
        "ISONE_MAX_ATTEMPTS": "4",
        "ISONE_PROJECT_ROOT": str(root),
    }


def query(sql: str) -> list[tuple]:
    """Rows of `sql` through the analysts' read-only connection to the warehouse of the current environment."""
    con = warehouse.connect()
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def one_row(con: Any, sql: str, params: object = None) -> tuple:
    """The first row of `sql` on a DuckDB (or guarded) connection; fails the test when the query returns none."""
    row = con.execute(sql, params).fetchone()
    assert row is not None, f"no row from: {sql}"
    return row


Materializable = dg.AssetsDefinition | dg.AssetSpec | dg.SourceAsset


def materializable_assets(definitions: dg.Definitions) -> list[Materializable]:
    """Every asset of `definitions`, typed the way `dg.materialize` takes them (there are no cacheable assets)."""
    assets = list(definitions.assets or [])
    others = [a for a in assets if not isinstance(a, Materializable)]
    assert not others, f"assets dg.materialize cannot take: {others}"
    return [a for a in assets if isinstance(a, Materializable)]


def assets_definitions(definitions: dg.Definitions) -> list[dg.AssetsDefinition]:
    """Every asset of `definitions` that has a step (an `AssetsDefinition`); the revisions tables are `AssetSpec`s
    that std steps write, and nothing else is allowed."""
    assets = list(definitions.assets or [])
    others = [a for a in assets if not isinstance(a, dg.AssetsDefinition | dg.AssetSpec)]
    assert not others, f"assets that are no AssetsDefinition: {others}"
    return [a for a in assets if isinstance(a, dg.AssetsDefinition)]


def step_error(event: dg.DagsterEvent) -> SerializableErrorInfo:
    """The error of a STEP_FAILURE event (fails the test when the event carries none)."""
    error = event.step_failure_data.error
    assert error is not None, f"step failure without an error: {event}"
    return error


def event_asset_key(event: dg.DagsterEvent) -> dg.AssetKey:
    """The asset key of an asset event (materialization, observation, …); fails the test for any other event."""
    key = event.asset_key
    assert key is not None, f"event without an asset key: {event}"
    return key
