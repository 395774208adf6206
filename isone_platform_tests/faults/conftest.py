"""The fault-matrix suite (`../shared/fault_matrix.md`, `docs/reliability.md`): one test per audited case.

Every test follows the same shape: materialize a good day, take its fingerprint, inject the fault, run again,
then assert the outcome (recovered, or failed loudly) and that the stored day is what it should be — the same
fingerprint when the run failed, never duplicates.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime

import dagster as dg
import pytest

from isone_platform.lib.lake import day_prefix, lake_from_url
from isone_platform.lib.resources import build_resources
from isone_platform_tests.conftest import SIM_NOW
from isone_platform_tests.helpers import materializable_assets, query, step_error


@pytest.fixture(scope="session")
def all_assets():
    from isone_platform.definitions import defs

    return materializable_assets(defs())


@dataclass(frozen=True)
class DayFingerprint:
    """What a stored operating day of one dataset is: its std rows (count, distinct keys, a digest of every
    value) and the bodies its raw manifest names. Equal fingerprints mean nothing was lost or changed."""

    rows: int
    distinct_keys: int
    digest: str
    raw_bodies: tuple[str, ...]


# When the body was fetched: every fetch changes it, so a day fetched again with the same data would never
# compare equal with it; the body's sha256 (in the digest and in raw_bodies) says whether the data changed.
UNSTABLE_COLUMNS = "fetched_at_utc"


def fingerprint(dataset: str, day: date, lake_url: str) -> DayFingerprint:
    from isone_platform.lib.schemas import STD_TABLES

    table = STD_TABLES[f"isone__{dataset}"]
    key = ", ".join(f'"{c}"' for c in table.primary_key)
    rows = query(
        f"select * exclude ({UNSTABLE_COLUMNS}) from {table.qualified_name} "
        f"where operating_day = DATE '{day}' order by {key}"
    )
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


# Where and when a row's body came from: the same data fetched in another body (shuffled, numbers as strings)
# differs only here.
PROVENANCE = ("fetched_at_utc", "body_sha256", "source_path")


def stored_rows(dataset: str, day: date) -> list[dict]:
    """The std rows of a day without their provenance, in key order: equal lists mean equal data."""
    from isone_platform.lib.schemas import STD_TABLES

    table = STD_TABLES[f"isone__{dataset}"]
    names = [c for c in table.column_names if c not in PROVENANCE]
    key = ", ".join(f'"{c}"' for c in table.primary_key)
    cols = ", ".join(f'"{c}"' for c in names)
    rows = query(f"select {cols} from {table.qualified_name} where operating_day = DATE '{day}' order by {key}")
    return [dict(zip(names, row, strict=True)) for row in rows]


class Platform:
    """One platform instance (the `platform_env` fixture's lake and warehouse) driven the way the audit drove it:
    `dagster asset materialize` of raw + std for one dataset and partition."""

    def __init__(self, env: dict[str, str], assets, sim):
        self.env = env
        self.assets = assets
        self.sim = sim

    def materialize(
        self, *datasets: str, day: date, layers=("raw", "std"), raise_on_error=False, run_config=None, instance=None
    ) -> dg.ExecuteInProcessResult:
        selection = [dg.AssetKey([layer, f"isone__{d}"]) for d in datasets for layer in layers]
        return dg.materialize(
            self.assets,
            selection=selection,
            partition_key=day.isoformat(),
            resources=build_resources(),
            raise_on_error=raise_on_error,
            run_config=run_config,
            instance=instance,
        )

    def fingerprint(self, dataset: str, day: date) -> DayFingerprint:
        return fingerprint(dataset, day, self.env["ISONE_LAKE_URL"])

    def baseline(self, dataset: str, day: date) -> DayFingerprint:
        """The day materialized with no fault: what a recovered run must equal and a failed one must leave."""
        self.materialize(dataset, day=day, raise_on_error=True)
        stored = self.fingerprint(dataset, day)
        assert stored.rows > 0 and stored.rows == stored.distinct_keys
        return stored

    def fails_loudly(self, dataset: str, day: date, *needles: str) -> str:
        """Materialize a day that must fail; return the failure text after checking it names each needle."""
        result = self.materialize(dataset, day=day)
        assert not result.success
        message = failure_messages(result)
        for needle in needles:
            assert needle in message, (needle, message)
        return message


def warnings_logged(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult) -> list[str]:
    """The WARNING messages a run on `instance` logged (each parse warning among them)."""
    return [r.user_message for r in instance.all_logs(result.run_id) if r.level == logging.WARNING]


def failure_messages(result: dg.ExecuteInProcessResult) -> str:
    """Every step failure's error text of a run, joined (what the person reading the run sees)."""
    return "\n".join(step_error(e).to_string() for e in result.all_events if e.is_step_failure)


@pytest.fixture
def platform(platform_env, all_assets, sim) -> Platform:
    return Platform(platform_env, all_assets, sim)


@pytest.fixture(autouse=True)
def _reset_simulator(sim):
    """The simulator is shared by the session: every test starts with its request log empty and leaves it without
    faults, at the suite's clock."""
    sim.reset_requests()
    yield
    sim.clear_faults()
    sim.clock.set(datetime.fromisoformat(SIM_NOW))
