"""Compatibility surface: the DQ rules' old import path (`isone_platform.lib.checks`).

The home of the rules is the package `isone_platform.lib.dq` (`sql`, `outcome`, `rules/`, `registry`, `render`,
`dagster`); new code imports from there. This module only re-exports the names `lib/checks.py` had before the
split, so branches written against it (the dashboard, for one) keep importing. Do not add code here.
"""

from isone_platform.lib.dq import *  # noqa: F403
from isone_platform.lib.dq import __all__ as _dq_all
from isone_platform.lib.dq.dagster import build_dataset_checks, check_result_kwargs, days_to_check

__all__ = [*_dq_all, "build_dataset_checks", "check_result_kwargs", "days_to_check"]
