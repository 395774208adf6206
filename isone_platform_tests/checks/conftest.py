"""Helpers for the data-quality tests: the ingestion assets and their checks, materialized against the simulator."""

import importlib
from collections.abc import Iterable

import dagster as dg
import pytest

from isone_platform.lib.resources import build_resources
from isone_platform.simulator import Fault
from isone_platform_tests.helpers import instance_env

DOMAINS = ("load", "lmp", "fuel_mix", "reference")


def platform_definitions(extra: Iterable = ()) -> list:
    """Assets and checks of the ingestion domains, imported module by module (not through the defs folder, so
    work in progress elsewhere under defs/ cannot break these tests)."""
    modules = [importlib.import_module(f"isone_platform.defs.{d}.{m}") for d in DOMAINS for m in ("assets", "checks")]
    return [*dg.load_assets_from_modules(modules), *dg.load_asset_checks_from_modules(modules), *extra]


def std_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["std", f"isone__{name}"])


def materialize(
    defs: list,
    *names: str,
    partition: str | None = "2024-11-03",
    layers=("raw", "std"),
    instance=None,
    raise_on_error: bool = False,
) -> dg.ExecuteInProcessResult:
    """Materialize raw+std of `names` (their checks come along) for one partition."""
    selection = [dg.AssetKey([layer, f"isone__{n}"]) for n in names for layer in layers]
    return dg.materialize(
        defs,
        selection=selection,
        partition_key=partition,
        resources=build_resources(),
        instance=instance,
        raise_on_error=raise_on_error,
    )


def evaluations(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    """(table, check name) -> evaluation, e.g. ("isone__system_load_5min", "load_in_range")."""
    return {(e.asset_key.path[-1], e.check_name): e for e in result.get_asset_check_evaluations()}


def count(evaluation: dg.AssetCheckEvaluation) -> int:
    """The rule's count of offending rows (its `count` metadata)."""
    value = evaluation.metadata["count"].value
    assert isinstance(value, int), value
    return value


def offending_rows(evaluation: dg.AssetCheckEvaluation) -> str:
    """The markdown table of the rule's offending rows (its `offending_rows` metadata)."""
    value = evaluation.metadata["offending_rows"].value
    assert isinstance(value, str), value
    return value


def description(evaluation: dg.AssetCheckEvaluation) -> str:
    assert evaluation.description is not None, evaluation
    return evaluation.description


def failed(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], str]:
    """(table, check) -> severity of the checks that failed."""
    return {k: e.severity.value for k, e in evaluations(result).items() if not e.passed}


@pytest.fixture(scope="module")
def defs() -> list:
    return platform_definitions()


@pytest.fixture(scope="module")
def module_env(sim, tmp_path_factory):
    """A platform environment (fresh lake + warehouse) shared by the tests of one module."""
    tmp = tmp_path_factory.mktemp("dq")
    sim.clear_faults()
    with pytest.MonkeyPatch.context() as mp:
        for name, value in instance_env(sim.base_url, tmp).items():
            mp.setenv(name, value)
        yield tmp
    sim.clear_faults()


__all__ = ["Fault", "evaluations", "failed", "materialize", "platform_definitions", "std_key"]
