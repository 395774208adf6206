"""How a raw step fails when ISO-NE does: with the client's own error, as a `dg.Failure`.

Left to Dagster, an exception under a retry policy reaches the UI as "Exceeded max_retries of 3" (the step failure,
and the run failure, which repeats its first failed step's error), with the ISO-NE error only as its cause. A
`dg.Failure` on the last step attempt is shown as it is: its description is the step's and the run's failure
message, and its metadata (path, status, attempts) sits on the step failure event.

- Transient errors (5xx, 429, timeouts, cut connections, garbled bodies) are step-retried: before the last attempt
  the Failure allows retries, so the asset's `RetryPolicy` (`ISONE_STEP_*`) applies with its delays; on the last it
  does not, so Dagster reports it as is instead of wrapping it.
- The others (401/403, 404, other 4xx, a body over the cap) fail at once: the same request gets the same answer.

The description names the path relative to the API root, never the host or the credentials.
"""

from __future__ import annotations

import dagster as dg

from isone_platform.lib.isone_client import IsoneApiError


def step_attempts(context: dg.AssetExecutionContext) -> tuple[int, int]:
    """(this step attempt, attempts the step's retry policy allows), both 1-based."""
    policy = context.op_def.retry_policy
    return context.retry_number + 1, 1 + (policy.max_retries if policy else 0)


def api_failure(context: dg.AssetExecutionContext, exc: IsoneApiError) -> dg.Failure:
    """The step's failure for a request ISO-NE failed for good; raise it `from exc`."""
    attempt, allowed = step_attempts(context)
    retry = exc.transient and attempt < allowed
    # The client names the attempts of a request it gave up on; the others failed at their first answer.
    message = str(exc) if "gave up after" in exc.reason else f"{exc} ({_attempts(exc.attempts)})"
    if not exc.transient:
        step = "Not retried: the same request gets the same answer."
    elif retry:
        step = f"Step attempt {attempt} of {allowed} (ISONE_STEP_MAX_RETRIES={allowed - 1}): the step is retried."
    else:
        step = (
            f"Step attempt {attempt} of {allowed} (ISONE_STEP_MAX_RETRIES={allowed - 1}): ISO-NE kept failing; "
            "re-execute the run once it answers again."
        )
    return dg.Failure(
        description=f"{context.asset_key.to_user_string()}: {message}. {step}",
        metadata={
            "path": dg.MetadataValue.text(exc.path),
            "status": dg.MetadataValue.int(exc.status) if exc.status is not None else dg.MetadataValue.null(),
            "attempts": dg.MetadataValue.int(exc.attempts),
            "step_attempt": dg.MetadataValue.int(attempt),
            "step_attempts_allowed": dg.MetadataValue.int(allowed),
            "error": dg.MetadataValue.text(type(exc).__name__),
        },
        allow_retries=retry,
    )


def _attempts(n: int) -> str:
    return "1 attempt" if n == 1 else f"{n} attempts"
