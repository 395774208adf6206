"""How runs execute: all steps of a run in one process.

Every step process re-imports the definitions (about 4 s here, most of it Dagster's component-plugin discovery),
which dwarfs the work of a day's step; concurrency comes from runs (run queue, pools), not from steps.
Pool waits go through `lib.pools.PoolWait`, so a killed run's slot never wedges the runs after it.
"""

import dagster as dg

from isone_platform.lib.pools import install_pool_wait

install_pool_wait()


@dg.definitions
def execution() -> dg.Definitions:
    return dg.Definitions(executor=dg.in_process_executor)
