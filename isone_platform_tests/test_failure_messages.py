"""What a person reading a failed run sees when ISO-NE fails it (issue 13, item 5): the client's own error — the
API path, the HTTP status, the attempts — as the raw step's failure and as the run's failure, never Dagster's
"Exceeded max_retries of N" or an output-handling error; nothing logged as produced for the failed step; the std
step skipped, not failed loading its input; no credential anywhere in the run.

Offline and deterministic: a simulator of its own on 127.0.0.1 with a password no other string contains, step
retry delays of 0, few client attempts.
"""

from __future__ import annotations

import base64
import subprocess
from dataclasses import dataclass

import dagster as dg
import httpx
import pytest

from isone_platform.defs.load.feeds import SYSTEM_LOAD
from isone_platform.lib.ingest_assets import build_ingest_assets
from isone_platform.lib.isone_client import IsoneApiError, IsoneBodyTooLargeError, IsoneClient, RetryPolicy
from isone_platform.lib.resources import build_resources
from isone_platform.lib.settings import Settings, use_settings
from isone_platform.simulator import Fault, SimulatorServer
from isone_platform_tests.conftest import SIM_NOW

DAY = "2024-11-19"
PATH = "/fiveminutesystemload/day/20241119"
RAW_STEP, STD_STEP = "raw__isone__system_load_5min", "std__isone__system_load_5min"
CLIENT_ATTEMPTS = 3  # ISONE_MAX_ATTEMPTS
STEP_RETRIES = 1  # ISONE_STEP_MAX_RETRIES: 2 step attempts, so client and step attempts read differently
READ_TIMEOUT = 0.3  # ISONE_READ_TIMEOUT_SECONDS, against a simulator that answers after 2 s

USER, PASSWORD = "msg-auditor", "pw-Zr8k-messages-only"
WRONG_PASSWORD = "wrong-" + PASSWORD[::-1]


def basic_token(password: str) -> str:
    return base64.b64encode(f"{USER}:{password}".encode()).decode()


SECRETS = [PASSWORD, WRONG_PASSWORD, basic_token(PASSWORD), basic_token(WRONG_PASSWORD)]


@dataclass(frozen=True)
class Case:
    fault: Fault | None  # None: the fault is a wrong password
    status: int | None  # the HTTP status the failure names (None: a transport error)
    needle: str  # what the client's error says
    client_attempts: int  # attempts of the failing request within one step attempt
    step_attempts: int  # how many times the raw step ran


TRANSIENT = 1 + STEP_RETRIES
CASES = {
    "500": Case(Fault(PATH, "500"), 500, "HTTP 500: request failed", CLIENT_ATTEMPTS, TRANSIENT),
    "404": Case(Fault(PATH, "http_error", status=404), 404, "HTTP 404: not found", 1, 1),
    "401": Case(None, 401, "HTTP 401: authentication failed", 1, 1),
    "reset": Case(Fault(PATH, "reset"), None, "ReadError", CLIENT_ATTEMPTS, TRANSIENT),
    "timeout": Case(Fault(PATH, "slow", delay=2), None, "ReadTimeout", CLIENT_ATTEMPTS, TRANSIENT),
}


@pytest.fixture(scope="module")
def secret_sim():
    with SimulatorServer(port=0, clock=f"fixed:{SIM_NOW}", seed=1, user=USER, password=PASSWORD) as server:
        yield server


@dataclass
class FailedRun:
    result: dg.ExecuteInProcessResult
    records: list[dg.EventLogEntry]
    instance_root: str
    requests: int  # requests for PATH the simulator received

    def events(self, step: str | None = None) -> list[dg.DagsterEvent]:
        return [
            r.dagster_event
            for r in self.records
            if r.dagster_event is not None and (step is None or r.dagster_event.step_key == step)
        ]

    def of_type(self, kind: dg.DagsterEventType, step: str | None = None) -> list[dg.DagsterEvent]:
        return [e for e in self.events(step) if e.event_type == kind]


@pytest.fixture(scope="module", params=list(CASES))
def failed_run(request, secret_sim, tmp_path_factory) -> tuple[Case, FailedRun]:
    """One failed run per case, read by every test of the module."""
    case = CASES[request.param]
    with pytest.MonkeyPatch.context() as monkeypatch:
        return case, _fail(case, secret_sim, tmp_path_factory.mktemp(request.param), monkeypatch)


def _fail(case: Case, secret_sim, tmp_path, monkeypatch: pytest.MonkeyPatch) -> FailedRun:
    env = {
        "ISONE_BASE_URL": secret_sim.base_url,
        "ISONE_USERNAME": USER,
        "ISONE_PASSWORD": PASSWORD if case.fault else WRONG_PASSWORD,
        "ISONE_LAKE_URL": str(tmp_path / "lake"),
        "ISONE_CATALOG_URL": str(tmp_path / "catalog.sqlite"),
        "ISONE_PROJECT_ROOT": str(tmp_path),
        "ISONE_MAX_ATTEMPTS": str(CLIENT_ATTEMPTS),
        "ISONE_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT),
        "ISONE_STEP_MAX_RETRIES": str(STEP_RETRIES),
        "ISONE_STEP_RETRY_DELAY_SECONDS": "0",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    secret_sim.clear_faults()
    secret_sim.reset_requests()
    if case.fault is not None:
        secret_sim.add_fault(case.fault)
    use_settings(None)  # this environment's settings, not a previous test's
    assets = build_ingest_assets(SYSTEM_LOAD, Settings.from_env())
    try:
        with dg.instance_for_test() as instance:
            result = dg.materialize(
                list(assets), partition_key=DAY, resources=build_resources(), instance=instance, raise_on_error=False
            )
            records = list(instance.all_logs(result.run_id))
            root = instance.root_directory
            leaked = _files_holding(root, SECRETS)  # the run and event storage, while the instance is there
    finally:
        secret_sim.clear_faults()
        use_settings(None)
    assert leaked == [], leaked
    if case.fault is not None:  # every request it matched (the simulator logs no request a client gave up on)
        requests = case.fault.as_dict()["matched"]
    else:
        requests = sum(1 for r in secret_sim.requests if r.path.endswith(PATH) and r.status == 401)
    return FailedRun(result, records, root, requests)


def _files_holding(root: str, secrets: list[str]) -> list[str]:
    found = subprocess.run(
        ["grep", "-rlaF", *(x for s in secrets for x in ("-e", s)), root], capture_output=True, text=True
    )
    assert found.returncode in (0, 1), found.stderr  # 1: no match
    return found.stdout.split()


def _client_error(case: Case) -> list[str]:
    """What the failure must say: the path, the status (or the transport error), the attempts."""
    where = f"GET {PATH} -> HTTP {case.status}" if case.status else f"GET {PATH}: {case.needle}"
    attempts = f"gave up after {case.client_attempts} attempts" if case.client_attempts > 1 else "(1 attempt)"
    return [where, case.needle, attempts]


def test_the_step_failure_is_the_clients_error(failed_run):
    case, run = failed_run
    assert not run.result.success
    [failure] = run.of_type(dg.DagsterEventType.STEP_FAILURE)
    assert failure.step_key == RAW_STEP
    error = failure.step_failure_data.error
    assert error is not None
    assert error.cls_name == "Failure", error.to_string()
    for needle in [*_client_error(case), "raw/isone__system_load_5min"]:
        assert needle in error.message, (needle, error.message)
    assert "Exceeded max_retries" not in error.to_string()
    step = f"Step attempt {case.step_attempts} of {TRANSIENT}" if case.step_attempts > 1 else "Not retried"
    assert step in error.message
    data = failure.step_failure_data.user_failure_data
    assert data is not None
    metadata = {k: v.value for k, v in data.metadata.items()}
    assert metadata["path"] == PATH
    assert metadata["status"] == case.status
    assert metadata["attempts"] == case.client_attempts
    assert metadata["step_attempt"] == case.step_attempts


def test_transient_errors_are_step_retried_and_the_others_not(failed_run):
    case, run = failed_run
    assert run.result.retry_attempts_for_node(RAW_STEP) == case.step_attempts - 1
    assert run.requests == case.client_attempts * case.step_attempts
    for retry in run.of_type(dg.DagsterEventType.STEP_UP_FOR_RETRY):
        assert retry.step_retry_data.error is not None
        assert f"GET {PATH}" in retry.step_retry_data.error.to_string()  # the client's error, as its cause


def test_the_run_failure_names_the_step_and_carries_its_error(failed_run):
    case, run = failed_run
    [run_failure] = run.of_type(dg.DagsterEventType.RUN_FAILURE)
    assert RAW_STEP in (run_failure.message or "")
    error = run_failure.job_failure_data.error
    assert error is not None
    for needle in _client_error(case):
        assert needle in error.message, (needle, error.message)
    assert "Exceeded max_retries" not in error.message


def test_nothing_is_logged_as_produced_and_std_is_skipped(failed_run):
    _, run = failed_run
    produced = {
        dg.DagsterEventType.STEP_OUTPUT,
        dg.DagsterEventType.HANDLED_OUTPUT,
        dg.DagsterEventType.ASSET_MATERIALIZATION,
    }
    assert [e for e in run.events() if e.event_type in produced] == []
    # std never started: no input loading, no failure; only the plan's materialization-planned event
    std = [e.event_type for e in run.events(STD_STEP)]
    assert std == [dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED], std
    skipped = [r.user_message for r in run.records if r.step_key == STD_STEP and r.dagster_event is None]
    assert any("Not executing" in m for m in skipped), skipped
    text = "\n".join(r.user_message for r in run.records)
    assert "HandleOutput" not in text and "handling output" not in text
    assert "Yielded output" not in text


def test_no_credential_anywhere_in_the_run(failed_run):
    _, run = failed_run
    serialized = [dg.serialize_value(r) for r in run.records]
    for secret in SECRETS:
        assert not [s for s in serialized if secret in s], secret


# The client's side, without Dagster: which errors a step retry can help, and how many attempts each one took.


@pytest.mark.parametrize(
    ("answers", "transient", "attempts"),
    [
        ([500, 502, 503], True, 3),
        ([429, 429, 429], True, 3),
        ([401], False, 1),
        ([403], False, 1),
        ([503, 404], False, 2),
        ([400], False, 1),
        ([httpx.ReadTimeout("timed out")] * 3, True, 3),
        ([httpx.ConnectError("refused")] * 3, True, 3),
    ],
)
def test_client_errors_say_whether_a_step_retry_can_help_and_how_many_attempts_they_took(answers, transient, attempts):
    script = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        step = script.pop(0)
        if isinstance(step, Exception):
            raise step
        return httpx.Response(step, headers={"retry-after": "0"}, content=b"no")

    client = IsoneClient(
        "http://sim.test/api/v1.1",
        USER,
        PASSWORD,
        retry=RetryPolicy(3, 0.0, 0.0),
        sleep=lambda _: None,
        transport=httpx.MockTransport(answer),
    )
    with pytest.raises(IsoneApiError) as err:
        client.get("/x")
    assert (err.value.transient, err.value.attempts) == (transient, attempts)
    assert err.value.path == "/x" and PASSWORD not in str(err.value)


def test_a_body_past_the_cap_is_not_transient():
    client = IsoneClient(
        "http://sim.test/api/v1.1",
        max_body_mb=1,
        transport=httpx.MockTransport(
            lambda r: httpx.Response(200, headers={"content-type": "application/json"}, content=b"[" * (2 << 20))
        ),
    )
    with pytest.raises(IsoneBodyTooLargeError) as err:
        client.get("/x")
    assert (err.value.transient, err.value.attempts) == (False, 1)
