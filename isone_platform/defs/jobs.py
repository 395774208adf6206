"""Jobs that span the domains: the platform's main (partitioned) job and the reference refresh."""

import dagster as dg

from isone_platform.lib.partitions import operating_day_partitions

# Every partitioned asset: raw -> std (and, as they arrive, marts) for a range of operating days.
isone_ingest_job = dg.define_asset_job(
    name="isone_ingest",
    description="Fetch, land and standardize every partitioned ISO-NE dataset for the selected operating days.",
    selection=dg.AssetSelection.all() - dg.AssetSelection.tag("domain", "reference"),
    partitions_def=operating_day_partitions,
)

isone_reference_job = dg.define_asset_job(
    name="isone_reference",
    description="Refresh the unpartitioned reference data (ISO-NE locations).",
    selection=dg.AssetSelection.tag("domain", "reference"),
)
