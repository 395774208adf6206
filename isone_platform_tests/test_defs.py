"""The code location's shape, pinned: asset keys, groups, kinds, partitions, backfill policies, pools, checks,
jobs, schedules and sensors, compared with `snapshots/defs.json`.

An accidental change to the graph (a renamed check, a lost pool, a different backfill policy) then shows up as a
diff in review rather than in production. After an intended change, regenerate and commit the snapshot:

    ISONE_UPDATE_SNAPSHOTS=1 uv run pytest isone_platform_tests/test_defs.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

SNAPSHOT = Path(__file__).parent / "snapshots" / "defs.json"
UPDATE_VARIABLE = "ISONE_UPDATE_SNAPSHOTS"


def _partitions(spec: dg.AssetSpec) -> str | None:
    """The partitions definition as a reader of the UI would name it (daily from a start, static, or none)."""
    pdef = spec.partitions_def
    if pdef is None:
        return None
    if isinstance(pdef, dg.TimeWindowPartitionsDefinition):
        return f"{pdef.cron_schedule} {pdef.timezone} from {pdef.start:%Y-%m-%d}"
    return type(pdef).__name__


def _check_summary(check: dg.AssetCheckSpec) -> dict[str, Any]:
    return {
        "blocking": check.blocking,
        "severity_on_failure": (check.metadata or {}).get("severity_on_failure"),
        "kind": (check.metadata or {}).get("rule_kind"),
        "partitioned": check.partitions_def is not None,
    }


def _assets(defs: dg.Definitions) -> dict[str, Any]:
    """One entry per asset key: what a reviewer should see change."""
    out: dict[str, Any] = {}
    for assets_def in defs.assets or []:
        if isinstance(assets_def, dg.AssetSpec):  # a table another asset's step writes (the revisions tables)
            out[assets_def.key.to_user_string()] = _spec_summary(assets_def)
            continue
        assert isinstance(assets_def, dg.AssetsDefinition), f"unexpected asset object {assets_def!r}"
        policy = assets_def.backfill_policy
        for spec in assets_def.specs:
            out[spec.key.to_user_string()] = {
                "group": spec.group_name,
                "owners": sorted(spec.owners),
                "tags": {k: v for k, v in sorted(spec.tags.items()) if not k.startswith("dagster/kind/")},
                "freshness_policy": str(spec.freshness_policy) if spec.freshness_policy else None,
                "kinds": sorted(spec.kinds),
                "partitions": _partitions(spec),
                "backfill_policy": str(policy) if policy else None,
                "pool": assets_def.op.pool,
                "deps": sorted(dep.asset_key.to_user_string() for dep in spec.deps),
            }
    return dict(sorted(out.items()))


def _spec_summary(spec: dg.AssetSpec) -> dict[str, Any]:
    """An asset without a step of its own: who writes it (its deps), where it shows."""
    return {
        "group": spec.group_name,
        "owners": sorted(spec.owners),
        "tags": {k: v for k, v in sorted(spec.tags.items()) if not k.startswith("dagster/kind/")},
        "kinds": sorted(spec.kinds),
        "partitions": _partitions(spec),
        "executable": False,
        "deps": sorted(dep.asset_key.to_user_string() for dep in spec.deps),
    }


def _checks(defs: dg.Definitions) -> dict[str, Any]:
    """Every asset check by `asset key:check name`, from check definitions and checks declared on assets."""
    specs: list[dg.AssetCheckSpec] = []
    for checks_def in defs.asset_checks or []:
        assert isinstance(checks_def, dg.AssetChecksDefinition)
        specs.extend(checks_def.check_specs)
    for assets_def in defs.assets or []:
        if isinstance(assets_def, dg.AssetsDefinition):
            specs.extend(assets_def.check_specs)
    return dict(sorted((f"{s.asset_key.to_user_string()}:{s.name}", _check_summary(s)) for s in specs))


def _automation(defs: dg.Definitions) -> dict[str, Any]:
    schedules = {
        s.name: {
            "cron": s.cron_schedule,
            "timezone": s.execution_timezone,
            "job": s.job_name,
            "default_status": s.default_status.value,
        }
        for s in defs.schedules or []
        if isinstance(s, dg.ScheduleDefinition)
    }
    sensors = {
        s.name: {
            "minimum_interval_seconds": s.minimum_interval_seconds,
            "default_status": s.default_status.value,
            "jobs": sorted(j.name for j in s.jobs) if s.has_jobs else [],
        }
        for s in defs.sensors or []
        if isinstance(s, dg.SensorDefinition)
    }
    jobs = sorted({j.name for j in defs.jobs or [] if hasattr(j, "name")})
    return {"jobs": jobs, "schedules": dict(sorted(schedules.items())), "sensors": dict(sorted(sensors.items()))}


def summarize(defs: dg.Definitions) -> dict[str, Any]:
    return {"assets": _assets(defs), "checks": _checks(defs), **_automation(defs)}


@pytest.fixture(scope="module")
def summary() -> dict[str, Any]:
    from isone_platform.definitions import defs

    return json.loads(json.dumps(summarize(defs()), default=str))


def test_definitions_match_the_snapshot(summary):
    if os.environ.get(UPDATE_VARIABLE):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    for part in ("assets", "checks", "jobs", "schedules", "sensors"):
        assert summary[part] == expected[part], (
            f"the definitions' {part} changed; if intended, regenerate with {UPDATE_VARIABLE}=1 and review the diff"
        )


def test_snapshot_covers_every_layer(summary):
    """The snapshot is not vacuous: raw, std and mart assets, checks on each std table, the polling sensor."""
    layers = {key.split("/")[0] for key in summary["assets"]}
    assert layers == {"raw", "std", "mart"}
    std_tables = {key for key, a in summary["assets"].items() if key.startswith("std/") and a.get("executable", True)}
    checked = {key.split(":")[0] for key in summary["checks"]}
    assert std_tables <= checked
    # a revisions table is checked through the table whose write keeps it (`revisions_match`)
    kept = {key for key, a in summary["assets"].items() if a.get("executable") is False}
    writers = {dep for key in kept for dep in summary["assets"][key]["deps"]}
    assert kept and all(f"{w}:revisions_match" in summary["checks"] for w in writers if "load" not in w)
    assert summary["sensors"], "no sensor in the definitions"


def test_every_job_resolves(platform_env):
    """The code server resolves every job when it loads the location: a job selecting an asset no step can
    materialize (an AssetSpec written by another step) fails there, not in `Definitions` construction."""
    from isone_platform.definitions import defs

    definitions = defs()
    names = [job.name for job in definitions.jobs or []]
    assert {"isone_ingest", "isone_poll", "isone_reference"} <= set(names)
    for name in names:
        assert definitions.resolve_job_def(name).name == name
