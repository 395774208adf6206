"""Who owns the assets and how they are tagged: one definition for the ingestion assets and the dbt marts.

Groups are the layer (`raw`, `std`, `mart`), so the lineage graph boxes each layer and the sidebar filters by it;
the domain (`load`, `lmp`, `fuel_mix`, `forecast`, `reference`) is a tag, so "everything about load" is one tag filter.
"""

from __future__ import annotations

from typing import Literal

Layer = Literal["raw", "std", "mart"]

OWNER = "team:isone-data"
"""The team that answers for every asset (Dagster's owners accept `team:<name>` or an email)."""

ISO = "isone"
"""The `iso` tag: the ISO whose market data an asset holds (a future ISO's assets carry their own)."""

LAYER_DESCRIPTIONS: dict[Layer, str] = {
    "raw": "response bodies exactly as ISO-NE returned them",
    "std": "one typed, UTC-interval table per dataset",
    "mart": "daily summaries built by dbt from std",
}


def asset_tags(layer: Layer, domain: str) -> dict[str, str]:
    """The tags every asset carries: its layer, its domain and the ISO."""
    return {"layer": layer, "domain": domain, "iso": ISO}


def asset_owners() -> list[str]:
    return [OWNER]
