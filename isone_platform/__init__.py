"""isone-platform: a Dagster asset-graph data platform for ISO New England market data."""

__version__ = "0.1.0"
