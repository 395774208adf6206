"""The `dbt` resource: dagster-dbt's CLI resource, without two fixed costs per run the marts never use.

Before each `dbt` command, dagster-dbt 0.29 (a) runs `dbt --version` in a child process to tell dbt Core from
the Fusion engine and (b) builds a dbt Core adapter in the run worker (project, profile and the macros loaded),
used only by `fetch_row_counts()` / `fetch_column_metadata()`. Our marts call neither: their figures per day come
from `lib/mart_days`. On this machine (a) costs ~3 s of CPU and (b) ~2.9 s and ~100 MB per run. The dbt here is
the one installed with this package, so its version is the package's.

Both overrides are of private members of the pinned dagster-dbt (`pyproject.toml`);
`isone_platform_tests/marts/test_dbt_lib.py` fails when an upgrade renames them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging import version


class IsoneDbtCliResource(DbtCliResource):
    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        """No in-process adapter: dagster-dbt then skips only the optional row-count/column-metadata fetches."""
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        """The installed dbt-core's version when the executable is this environment's, else `dbt --version`."""
        if Path(self.dbt_executable).parent == Path(sys.executable).parent:
            from dbt.version import __version__

            return version.parse(__version__)
        return super()._cli_version
