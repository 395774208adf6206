"""The fault-matrix suite (`../shared/fault_matrix.md`, `docs/reliability.md`): one test per audited case.

Every test follows the same shape: materialize a good day, take its fingerprint, inject the fault, run again,
then assert the outcome (recovered, or failed loudly) and that the stored day is what it should be — the same
fingerprint when the run failed, never duplicates.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

import dagster as dg
import pytest

from isone_platform.lib.lake import day_prefix, lake_from_url
from isone_platform.lib.resources import build_resources
from isone_platform_tests.helpers import query


@pytest.fixture(scope="session")
def all_assets():
    from isone_platform.definitions import defs

    return list(defs().assets)


@dataclass(frozen=True)
class DayFingerprint:
    """What a stored operating day of one dataset is: its std rows (count, distinct keys, a digest of every
    value) and the bodies its raw manifest names. Equal fingerprints mean nothing was lost or changed."""

    rows: int
    distinct_keys: int
    digest: str
    raw_bodies: tuple[str, ...]


def fingerprint(dataset: str, day: date, lake_url: str) -> DayFingerprint:
    from isone_platform.lib.schemas import STD_TABLES

    table = STD_TABLES[f"isone__{dataset}"]
    key = ", ".join(f'"{c}"' for c in table.primary_key)
    rows = query(f"select * from {table.qualified_name} where operating_day = DATE '{day}' order by {key}")
    [(distinct,)] = query(
        f"select count(*) from (select distinct {key} from {table.qualified_name} where operating_day = DATE '{day}')"
    )
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()
    lake = lake_from_url(lake_url)
    manifest_key = f"{day_prefix(dataset, day)}/_manifest.json"
    bodies: tuple[str, ...] = ()
    if lake.exists(manifest_key):
        bodies = tuple(sorted(b["sha256"] for b in json.loads(lake.get(manifest_key))["bodies"]))
    return DayFingerprint(len(rows), distinct, digest, bodies)


class Platform:
    """One platform instance (the `platform_env` fixture's lake and warehouse) driven the way the audit drove it:
    `dagster asset materialize` of raw + std for one dataset and partition."""

    def __init__(self, env: dict[str, str], assets, sim):
        self.env = env
        self.assets = assets
        self.sim = sim

    def materialize(self, *datasets: str, day: date, layers=("raw", "std"), raise_on_error=False, run_config=None,
                    instance=None) -> dg.ExecuteInProcessResult:
        selection = [dg.AssetKey([layer, f"isone__{d}"]) for d in datasets for layer in layers]
        return dg.materialize(
            self.assets, selection=selection, partition_key=day.isoformat(), resources=build_resources(),
            raise_on_error=raise_on_error, run_config=run_config, instance=instance,
        )

    def fingerprint(self, dataset: str, day: date) -> DayFingerprint:
        return fingerprint(dataset, day, self.env["ISONE_LAKE_URL"])


def failure_messages(result: dg.ExecuteInProcessResult) -> str:
    """Every step failure's error text of a run, joined (what the person reading the run sees)."""
    return "\n".join(e.step_failure_data.error.to_string() for e in result.all_events if e.is_step_failure)


@pytest.fixture
def platform(platform_env, all_assets, sim) -> Platform:
    return Platform(platform_env, all_assets, sim)
