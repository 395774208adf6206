"""The DQ rules, one module per kind: one pure function per rule, no Dagster.

Each takes a DuckDB connection with the warehouse attached and selected, the table's `TableSchema` and the
operating days to check (None for the unpartitioned `isone__locations`), and returns a `RuleOutcome`.
"""

from isone_platform.lib.dq.rules.completeness import (
    FUEL_MIX_SLOT,
    LOAD_ZONE_IDS,
    PRICED_LOCATION_TYPES,
    all_locations_present,
    all_zones_present,
    intervals_complete,
)
from isone_platform.lib.dq.rules.consistency import (
    LMP_SUM_TOLERANCE,
    ZONES_VS_SYSTEM_TOLERANCE,
    lmp_components_sum,
    lmp_locations_known,
    zones_sum_to_system,
)
from isone_platform.lib.dq.rules.freshness import FRESHNESS_MAX_AGE, latest_interval_fresh
from isone_platform.lib.dq.rules.ranges import declared_range, range_description, value_in_range
from isone_platform.lib.dq.rules.structural import (
    intervals_inside_operating_day,
    key_columns_not_null,
    primary_key_unique,
    schema_matches_registry,
)

__all__ = [
    "FRESHNESS_MAX_AGE",
    "FUEL_MIX_SLOT",
    "LMP_SUM_TOLERANCE",
    "LOAD_ZONE_IDS",
    "PRICED_LOCATION_TYPES",
    "ZONES_VS_SYSTEM_TOLERANCE",
    "all_locations_present",
    "all_zones_present",
    "declared_range",
    "intervals_complete",
    "intervals_inside_operating_day",
    "key_columns_not_null",
    "latest_interval_fresh",
    "lmp_components_sum",
    "lmp_locations_known",
    "primary_key_unique",
    "range_description",
    "schema_matches_registry",
    "value_in_range",
    "zones_sum_to_system",
]
