"""Data-quality rules for the std tables, and the Dagster asset checks built from them.

No Dagster except in `dagster.py`: one pure function per rule (`rules/`). Each takes a DuckDB connection with
the warehouse attached and selected (`lib.warehouse.open_connection(config, read_only=True)` or
`isone_platform.warehouse.connect()`), the table's `TableSchema` and the operating days to check (None for the
unpartitioned `isone__locations`), runs SQL over those days only (`WHERE operating_day IN (...)`, cheap on a
year of data) and returns a `RuleOutcome`: pass/fail, severity, how many offending items, the first `MAX_ROWS`
of them and a one-line summary. `rules_for(dataset)` lists the rules that apply to a dataset; `isone-platform
dq`, the write guard and the asset checks all use it.

The package, by concern:
- `sql`       quoting, literals, the operating-day filter, the offending-row query;
- `outcome`   `RuleOutcome` and the preamble every rule shares (missing table, no days);
- `rules/`    `structural` (ERROR, blocking), `completeness`, `ranges`, `consistency`, `freshness`: each module's
              docstring gives its rules and their decisions, and the constants they use;
- `registry`  `rules_for` / `evaluate_rules`: which rules apply to which dataset;
- `render`    offending rows as a markdown table;
- `dagster`   `build_dataset_checks`: one `@multi_asset_check` per std asset, one check per rule (named after
              the rule, structural ones blocking), evaluated on the partition(s) of the run.

This `__init__` re-exports the rules and the registry (not the Dagster wiring, so the CLI need not import
Dagster through it).
"""

from isone_platform.lib.dq import rules
from isone_platform.lib.dq.outcome import RuleOutcome, Severity, days_text
from isone_platform.lib.dq.registry import FIVE_MINUTE_FEEDS, LMP_DATASETS, Evaluate, Rule, evaluate_rules, rules_for
from isone_platform.lib.dq.render import markdown_table, rows_markdown
from isone_platform.lib.dq.rules import *  # noqa: F403 - the rules and their constants
from isone_platform.lib.dq.sql import MAX_ROWS, latest_day, table_exists

__all__ = [
    "FIVE_MINUTE_FEEDS",
    "LMP_DATASETS",
    "MAX_ROWS",
    "Evaluate",
    "Rule",
    "RuleOutcome",
    "Severity",
    "days_text",
    "evaluate_rules",
    "latest_day",
    "markdown_table",
    "rows_markdown",
    "rules_for",
    "table_exists",
]
__all__ += rules.__all__
