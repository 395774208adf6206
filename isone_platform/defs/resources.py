"""Resources, configured once for the environment. Secrets only through dg.EnvVar."""

import os

import dagster as dg

from isone_platform.lib.io_managers import DuckLakeIOManager
from isone_platform.lib.isone_client import DEFAULT_BASE_URL
from isone_platform.lib.lake import RawLakeIOManager
from isone_platform.lib.resources import IsoneApiResource
from isone_platform.lib.settings import load_project_env, project_root

load_project_env()


def _secret(name: str) -> dg.EnvVar | None:
    return dg.EnvVar(name) if os.environ.get(name) else None


@dg.definitions
def resources() -> dg.Definitions:
    lake_url = os.environ.get("ISONE_LAKE_URL", "data/lake")
    if "://" not in lake_url and not os.path.isabs(lake_url):
        lake_url = str(project_root() / lake_url)
    return dg.Definitions(
        resources={
            "isone_api": IsoneApiResource(
                base_url=os.environ.get("ISONE_BASE_URL", DEFAULT_BASE_URL),
                username=_secret("ISONE_USERNAME"),
                password=_secret("ISONE_PASSWORD"),
                max_attempts=int(os.environ.get("ISONE_MAX_ATTEMPTS", "5")),
            ),
            "raw_lake_io_manager": RawLakeIOManager(lake_url=lake_url),
            "warehouse_io_manager": DuckLakeIOManager.from_env(),
        }
    )
