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
from isone_platform.lib.dq.rules.ranges import (
    LMP_HARD_RANGE,
    LMP_TYPICAL_RANGE,
    LOAD_COLUMNS,
    LOAD_RANGE_MW,
    fuel_mw_non_negative,
    lmp_in_hard_range,
    lmp_in_typical_range,
    load_in_range,
    value_in_range,
)
from isone_platform.lib.dq.rules.structural import (
    intervals_inside_operating_day,
    key_columns_not_null,
    primary_key_unique,
    schema_matches_registry,
)

__all__ = [
    "FRESHNESS_MAX_AGE",
    "FUEL_MIX_SLOT",
    "LMP_HARD_RANGE",
    "LMP_SUM_TOLERANCE",
    "LMP_TYPICAL_RANGE",
    "LOAD_COLUMNS",
    "LOAD_RANGE_MW",
    "LOAD_ZONE_IDS",
    "PRICED_LOCATION_TYPES",
    "ZONES_VS_SYSTEM_TOLERANCE",
    "all_locations_present",
    "all_zones_present",
    "fuel_mw_non_negative",
    "intervals_complete",
    "intervals_inside_operating_day",
    "key_columns_not_null",
    "latest_interval_fresh",
    "lmp_components_sum",
    "lmp_in_hard_range",
    "lmp_in_typical_range",
    "lmp_locations_known",
    "load_in_range",
    "primary_key_unique",
    "schema_matches_registry",
    "value_in_range",
    "zones_sum_to_system",
]
