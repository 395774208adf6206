"""The code location: everything lives under defs/ (one folder per domain).

Every asset links to its source in the UI (Dagster's code references): the Python file that defines its body
(`with_source_code_references`; the dbt marts link to their model's SQL as well), turned into links to the
repository when `ISONE_REPOSITORY_URL` is set (`link_code_references_to_git`, on branch `ISONE_REPOSITORY_BRANCH`).
"""

from pathlib import Path

import dagster as dg
from dagster._record import replace  # Definitions is a record; its own map_* methods rebuild it the same way

from isone_platform.lib.settings import Settings, current_settings

ANCHOR_IN_REPOSITORY = "isone_platform/definitions.py"  # this file, relative to the repository root


@dg.definitions
def defs() -> dg.Definitions:
    return with_code_references(dg.load_from_defs_folder(path_within_project=Path(__file__).parent), current_settings())


def with_code_references(definitions: dg.Definitions, settings: Settings) -> dg.Definitions:
    """`definitions` with each asset's source files as code references: local paths, or links into the repository
    when `settings.isone_repository_url` is set."""
    assets = dg.with_source_code_references(list(definitions.assets or []))
    if settings.isone_repository_url:
        assets = dg.link_code_references_to_git(
            assets,
            git_url=settings.isone_repository_url.rstrip("/"),
            git_branch=settings.isone_repository_branch,
            file_path_mapping=dg.AnchorBasedFilePathMapping(
                local_file_anchor=Path(__file__), file_anchor_path_in_repository=ANCHOR_IN_REPOSITORY
            ),
        )
    return replace(definitions, assets=assets)
