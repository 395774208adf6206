"""Resources, configured once for the environment (see lib/resources.build_resources)."""

import dagster as dg

from isone_platform.lib.resources import build_resources
from isone_platform.lib.settings import load_project_env

load_project_env()


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources())
