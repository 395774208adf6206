"""How runs execute: all steps of a run in one process.

Every step process re-imports the definitions (about 4 s here, most of it Dagster's component-plugin discovery),
which dwarfs the work of a day's step; concurrency comes from runs (run queue, pools), not from steps.
"""

import dagster as dg


@dg.definitions
def execution() -> dg.Definitions:
    return dg.Definitions(executor=dg.in_process_executor)
