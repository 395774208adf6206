"""`isone-platform backfill` against a real `dagster dev`: the command launches one backfill over GraphQL, follows
it to the end, and its summary matches what the instance recorded; the same command again skips every day."""

import re
from datetime import date

import pytest

from isone_platform.cli import main
from isone_platform.lib.backfill_plan import expand_ranges

from .conftest import DagsterDev

pytestmark = pytest.mark.e2e

DAYS = ["2024-10-15", "2024-10-16"]  # days no other end-to-end test materializes
RUNS = """
query($tags: [ExecutionTag!]) { runsOrError(filter: {tags: $tags}) { ... on Runs { results { runId status } } } }"""
STATUSES = """
query($keys: [AssetKeyInput!]) { assetNodes(assetKeys: $keys) { assetKey { path }
  assetPartitionStatuses { ... on TimePartitionStatuses { ranges { startKey endKey status } } } } }"""


@pytest.fixture
def cli_env(dagster_dev: DagsterDev, monkeypatch):
    """This process configured as the instance is: its settings, DAGSTER_HOME, and its webserver's URL."""
    for name, value in dagster_dev.env.items():
        if name.startswith("ISONE_") or name == "DAGSTER_HOME":
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("ISONE_DAGSTER_URL", dagster_dev.url)
    return dagster_dev


def summary_rows(out: str) -> dict[str, list[str]]:
    """The summary table's rows by dataset (the lines after its header)."""
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("dataset "))
    rows = [line.split() for line in lines[header + 1 :] if line and not re.match(r"^\d+ runs, ", line)]
    return {row[0]: row for row in rows}


@pytest.mark.timeout(900)  # the daemon's 30 s backfill loop, then one run of two days through raw, std and marts
def test_a_two_day_backfill_from_the_command_completes_and_its_summary_matches_the_instance(cli_env, capsys):
    dev = cli_env
    argv = ["backfill", "--start", DAYS[0], "--end", DAYS[-1], "--datasets", "system_load_5min", "--poll-seconds", "2"]
    code = main(argv)
    out, err = capsys.readouterr()
    with capsys.disabled():
        print(out)  # the command's own lines in the test log, not in what the next readouterr() returns
    assert code == 0, out + err
    [backfill_id] = re.findall(r"launched backfill (\w+)", out)
    assert "backfill: 2/2 days" in out

    runs = dev.graphql(RUNS, {"tags": [{"key": "dagster/backfill", "value": backfill_id}]})["runsOrError"]["results"]
    assert runs and all(r["status"] == "SUCCESS" for r in runs), runs
    assert f"{len(runs)} runs, " in out
    rows = summary_rows(out)
    assert set(rows) == {"system_load_5min", "mart.load_daily", "mart.system_vs_zonal_daily"}
    assert all(row[1:4] == ["2", "0", "0"] for row in rows.values()), rows

    keys = [["raw", "isone__system_load_5min"], ["std", "isone__system_load_5min"], ["mart", "isone__load_daily"]]
    nodes = dev.graphql(STATUSES, {"keys": [{"path": k} for k in keys]})["assetNodes"]
    for node in nodes:
        ranges = node["assetPartitionStatuses"]["ranges"]
        done = expand_ranges((r["startKey"], r["endKey"]) for r in ranges if r["status"] == "MATERIALIZED")
        assert {date.fromisoformat(d) for d in DAYS} <= done, node["assetKey"]

    assert main(argv) == 0  # the same command again: nothing to launch
    again = capsys.readouterr().out
    assert "0 days to run, 2 already materialized (skipped)" in again
    assert "launched backfill" not in again
