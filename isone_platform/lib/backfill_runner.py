"""The Dagster side of `isone-platform backfill`: a running instance's webserver (GraphQL, as the UI launches and
follows a backfill), or this process (`--in-process`, batch by batch, recording into the configured instance).

Cost stays flat in the number of days: the materialization status is one query for all the assets (Dagster
answers with ranges of days), the launch is one mutation, each progress poll is two queries (per-asset counts and
the backfill's runs), and each run is read once, when it ends (its materializations; its events only if it
failed). Nothing is queried per partition.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import dagster as dg
import httpx

from isone_platform.lib.backfill_plan import Plan, RunOutcome, batches, day_range, expand_ranges, first_line

ROW_COUNT = "dagster/row_count"
ROWS_LAYER = "std"  # rows written = the std rows; raw bodies and marts are not counted
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
BACKFILL_TAG = "dagster/backfill"
DONE = ("COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED")
RUN_DONE = ("SUCCESS", "FAILURE", "CANCELED")
EVENTS_PAGE = 2000

STATUSES = """
query($keys: [AssetKeyInput!]) { assetNodes(assetKeys: $keys) { assetKey { path }
  assetPartitionStatuses { __typename ... on TimePartitionStatuses { ranges { startKey endKey status } } } } }"""
LAUNCH = """
mutation($p: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $p) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message }
  ... on UnauthorizedError { message } ... on InvalidSubsetError { message } } }"""
PROGRESS = """
query($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
  ... on PartitionBackfill { status assetBackfillData { assetBackfillStatuses {
    ... on AssetPartitionsStatusCounts { numPartitionsMaterialized numPartitionsFailed } } } }
  ... on PythonError { message } ... on BackfillNotFoundError { message } } }"""
RUNS = """
query($tags: [ExecutionTag!]) { runsOrError(filter: {tags: $tags}) {
  ... on Runs { results { runId status tags { key value } } } } }"""
RUN_MATERIALIZATIONS = """
query($id: ID!) { runOrError(runId: $id) { ... on Run { assetMaterializations { assetKey { path } partition
  metadataEntries { label ... on IntMetadataEntry { intValue } } } } } }"""
RUN_EVENTS = """
query($id: ID!, $cursor: String, $limit: Int) { logsForRun(runId: $id, afterCursor: $cursor, limit: $limit) {
  ... on EventConnection { cursor hasMore events { __typename
    ... on ExecutionStepFailureEvent { stepKey error { message } } ... on RunFailureEvent { message } } } } }"""
CANCEL = """
mutation($id: String!) { cancelPartitionBackfill(backfillId: $id) { __typename ... on PythonError { message }
  ... on UnauthorizedError { message } } }"""


class NoWebserver(RuntimeError):
    """Nothing answers GraphQL at the webserver's URL."""


@dataclass(frozen=True)
class Progress:
    """What the backfill has done so far: days fully processed (materialized or failed in every asset), its
    status, and whether it is over."""

    done_days: int
    status: str

    @property
    def finished(self) -> bool:
        return self.status in DONE


# ---------------------------------------------------------------------------------------------------------------
# a running instance, through its webserver


class Webserver:
    """The GraphQL API of a running Dagster webserver (`dagster dev`, `make demo`, a deployment's)."""

    def __init__(self, url: str, timeout: float = 60.0):
        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=self.url, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of an answer; a refused connection is `NoWebserver`, a GraphQL error a RuntimeError."""
        try:
            response = self.http.post("/graphql", json={"query": query, "variables": variables or {}})
        except httpx.TransportError as exc:
            raise NoWebserver(f"no Dagster webserver answers at {self.url} ({type(exc).__name__})") from None
        if response.status_code == 404:
            raise NoWebserver(f"{self.url} answers, but has no Dagster GraphQL endpoint (/graphql: 404)")
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(f"GraphQL error from {self.url}: {body['errors'][0].get('message')}")
        return body["data"]

    def materialized_days(self, keys: Sequence[dg.AssetKey]) -> dict[dg.AssetKey, frozenset[date]]:
        """The days each asset has materialized successfully (its latest attempt did not fail), from one query."""
        nodes = self.gql(STATUSES, {"keys": [{"path": list(k.path)} for k in keys]})["assetNodes"]
        return {dg.AssetKey(n["assetKey"]["path"]): materialized_ranges(n["assetPartitionStatuses"]) for n in nodes}

    def launch(self, keys: Sequence[dg.AssetKey], days: Sequence[date], title: str) -> str:
        """The id of one asset backfill of `keys` over `days`, launched as the UI's "Launch backfill" does."""
        params = {
            "assetSelection": [{"path": list(k.path)} for k in keys],
            "partitionNames": [d.isoformat() for d in days],
            "title": title,
        }
        launched = self.gql(LAUNCH, {"p": params})["launchPartitionBackfill"]
        if launched["__typename"] != "LaunchBackfillSuccess":
            raise RuntimeError(f"the webserver refused the backfill: {first_line(launched.get('message'))}")
        return launched["backfillId"]

    def progress(self, backfill_id: str, assets: int) -> Progress:
        """Days done (every asset's materialized + failed partitions, over the number of assets) and status."""
        backfill = self.gql(PROGRESS, {"id": backfill_id})["partitionBackfillOrError"]
        if backfill["__typename"] != "PartitionBackfill":
            raise RuntimeError(f"backfill {backfill_id}: {first_line(backfill.get('message'))}")
        counts = (backfill.get("assetBackfillData") or {}).get("assetBackfillStatuses") or []
        units = sum(c.get("numPartitionsMaterialized", 0) + c.get("numPartitionsFailed", 0) for c in counts)
        return Progress(done_days=units // max(assets, 1), status=backfill["status"])

    def runs(self, backfill_id: str) -> list[dict[str, Any]]:
        tags = [{"key": BACKFILL_TAG, "value": backfill_id}]
        return self.gql(RUNS, {"tags": tags})["runsOrError"].get("results", [])

    def outcome(self, run: dict[str, Any]) -> RunOutcome:
        """What a finished run did: its days (from its partition tags), materializations, std rows, error."""
        events = self.gql(RUN_MATERIALIZATIONS, {"id": run["runId"]})["runOrError"].get("assetMaterializations", [])
        pairs = [(dg.AssetKey(e["assetKey"]["path"]), e["partition"], _row_count(e)) for e in events]
        return RunOutcome(
            run_id=run["runId"],
            days=run_days({t["key"]: t["value"] for t in run["tags"]}),
            materialized=frozenset((k, date.fromisoformat(p)) for k, p, _ in pairs if p),
            rows=sum(rows for k, _, rows in pairs if k.path[0] == ROWS_LAYER),
            error=None if run["status"] == "SUCCESS" else self.first_error(run["runId"], run["status"]),
        )

    def first_error(self, run_id: str, status: str) -> str:
        """The first step failure's message (else the run failure's), paging through the run's events."""
        cursor, run_message = None, None
        while True:
            page = self.gql(RUN_EVENTS, {"id": run_id, "cursor": cursor, "limit": EVENTS_PAGE})["logsForRun"]
            for event in page.get("events", []):
                if event["__typename"] == "ExecutionStepFailureEvent" and event.get("error"):
                    return f"{event['stepKey']}: {first_line(event['error']['message'])}"
                if event["__typename"] == "RunFailureEvent":
                    run_message = run_message or first_line(event.get("message"))
            if not page.get("hasMore"):
                return run_message or f"run {status.lower()}"
            cursor = page["cursor"]

    def cancel(self, backfill_id: str) -> None:
        answer = self.gql(CANCEL, {"id": backfill_id})["cancelPartitionBackfill"]
        if answer.get("message"):
            raise RuntimeError(f"backfill {backfill_id} was not canceled: {first_line(answer['message'])}")


def materialized_ranges(statuses: dict[str, Any]) -> frozenset[date]:
    """The MATERIALIZED days of an asset's `assetPartitionStatuses` (time partitions answer with ranges)."""
    ranges = statuses.get("ranges") or []
    return expand_ranges((r["startKey"], r["endKey"]) for r in ranges if r["status"] == "MATERIALIZED")


def run_days(tags: dict[str, str]) -> tuple[date, ...]:
    """The days a run covers, from its partition range tags (or its single partition tag)."""
    if RANGE_START in tags and RANGE_END in tags:
        return tuple(day_range(date.fromisoformat(tags[RANGE_START]), date.fromisoformat(tags[RANGE_END])))
    if "dagster/partition" in tags:
        return (date.fromisoformat(tags["dagster/partition"]),)
    return ()


def row_count_value(value: object) -> int:
    """A `dagster/row_count` entry as an int (an `IntMetadataValue`, or nothing: 0)."""
    inner = getattr(value, "value", value)
    return inner if isinstance(inner, int) else 0


def _row_count(event: dict[str, Any]) -> int:
    return sum(m.get("intValue") or 0 for m in event.get("metadataEntries", []) if m["label"] == ROW_COUNT)


def follow(
    webserver: Webserver,
    backfill_id: str,
    assets: int,
    report: Callable[[int, int], None],
    wait: Callable[[], None],
) -> list[RunOutcome]:
    """Poll the backfill until it is over, reporting (days done, std rows written) after each poll; every run is
    read once, when it has ended. Returns the runs' outcomes."""
    outcomes: dict[str, RunOutcome] = {}
    while True:
        progress = webserver.progress(backfill_id, assets)
        runs = webserver.runs(backfill_id)  # after the status: once it says over, these are the final runs
        for run in runs:
            if run["status"] in RUN_DONE and run["runId"] not in outcomes:
                outcomes[run["runId"]] = webserver.outcome(run)
        report(progress.done_days, sum(o.rows for o in outcomes.values()))
        if progress.finished and all(r["runId"] in outcomes for r in runs):
            return list(outcomes.values())
        wait()


# ---------------------------------------------------------------------------------------------------------------
# this process


def materialized_in(instance: dg.DagsterInstance, keys: Sequence[dg.AssetKey]) -> dict[dg.AssetKey, frozenset[date]]:
    """The days each asset has materialized in `instance` (from its asset status records)."""
    return {k: frozenset(date.fromisoformat(p) for p in instance.get_materialized_partitions(k)) for k in keys}


def run_in_process(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    plan: Plan,
    days_per_run: int,
    on_run: Callable[[RunOutcome], None],
    tags: dict[str, str] | None = None,
) -> list[RunOutcome]:
    """Run the plan's days in this process, `days_per_run` consecutive days per run (the backfill policy's batch),
    each run carrying its days through every selected asset; `on_run` hears of each run as it ends."""
    outcomes = []
    for batch in batches(plan.to_run, days_per_run):
        range_tags = {RANGE_START: batch[0].isoformat(), RANGE_END: batch[-1].isoformat(), **(tags or {})}
        result = job.execute_in_process(
            instance=instance, asset_selection=list(plan.assets), tags=range_tags, raise_on_error=False
        )
        if was_interrupted(result):  # Dagster records Ctrl-C as the run's failure and returns: stop here
            raise KeyboardInterrupt
        outcomes.append(in_process_outcome(result, batch))
        on_run(outcomes[-1])
    return outcomes


INTERRUPTS = ("KeyboardInterrupt", "DagsterExecutionInterruptedError")


def was_interrupted(result: dg.ExecuteInProcessResult) -> bool:
    """Whether a run ended because of Ctrl-C (SIGINT): `execute_in_process(raise_on_error=False)` swallows it."""
    for event in result.all_events:
        error = getattr(event.event_specific_data, "error", None)
        while error is not None:
            if error.cls_name in INTERRUPTS:
                return True
            error = error.cause
    return False


def in_process_outcome(result: dg.ExecuteInProcessResult, days: Sequence[date]) -> RunOutcome:
    """What one in-process run did, read from its events."""
    materialized, rows = set(), 0
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        if materialization.partition:
            materialized.add((materialization.asset_key, date.fromisoformat(materialization.partition)))
        if materialization.asset_key.path[0] == ROWS_LAYER:
            rows += row_count_value(materialization.metadata.get(ROW_COUNT))
    failures = result.get_step_failure_events()
    error = None
    if not result.success:
        failure = failures[0].step_failure_data.error if failures else None
        error = f"{failures[0].step_key}: {first_line(failure.message)}" if failure else "run failed"
    return RunOutcome(result.run_id, tuple(days), frozenset(materialized), rows, error)
