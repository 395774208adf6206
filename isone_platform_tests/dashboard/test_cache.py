"""The background evaluation behind the Data health panel: a result is shown even when every evaluation takes
longer than the refresh period, and the previous result stays on screen while the next one runs."""

from __future__ import annotations

import time

from isone_platform.dashboard import cache

EVALUATION_SECONDS = 0.3


def slow_count(con, counter: list[int]) -> int:
    """A query that takes longer than the (patched) refresh period; returns which evaluation this was."""
    time.sleep(EVALUATION_SECONDS)
    con.execute("SELECT count(*) FROM std.isone__system_load_5min").fetchall()
    counter.append(len(counter) + 1)
    return counter[-1]


def poll_until(job: cache.BackgroundQuery, counter: list[int], accept) -> tuple:
    deadline = time.monotonic() + 30
    while not accept(result := job.poll(counter)):
        assert time.monotonic() < deadline, "the background evaluation never got there"
        time.sleep(0.05)
    return result


def test_results_show_although_each_evaluation_outlasts_the_refresh_period(filled, monkeypatch):
    monkeypatch.setattr(cache, "REFRESH_SECONDS", 0)  # every finished result is already "old"
    job, counter = cache.BackgroundQuery(slow_count), []
    assert job.poll(counter) == (False, None, None)  # nothing yet: the panel says it is evaluating
    assert poll_until(job, counter, lambda r: r[0]) == (True, 1, None)
    # the next evaluation started at once (the result is "old"); the first stays on screen meanwhile
    assert job.poll(counter) == (True, 1, None)
    assert poll_until(job, counter, lambda r: r[1] != 1) == (True, 2, None)


def test_missing_data_is_a_message_not_an_error(load_only):
    job = cache.BackgroundQuery(lambda con, _: cache.q.zones_latest(con))
    assert poll_until(job, [], lambda r: r[0])[1:] == (None, "std.isone__zonal_load_5min is not materialized yet")
