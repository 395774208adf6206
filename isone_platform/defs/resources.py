"""Resources, configured once for the environment: the settings are read here, when the definitions load, and
passed to `build_resources` (see lib/resources.py)."""

import dagster as dg

from isone_platform.lib.resources import build_resources
from isone_platform.lib.settings import current_settings


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources(current_settings()))
