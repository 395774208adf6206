"""replace_partitions_streaming: a run's days one frame at a time, still one transaction for all of them."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from datetime import date

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from isone_platform.lib import warehouse
from isone_platform.lib.schemas import LOCATIONS, SYSTEM_LOAD_5MIN
from isone_platform.lib.warehouse import write

from . import helpers as h

S = SYSTEM_LOAD_5MIN
DAYS = [date(2024, 3, 9), date(2024, 3, 10), date(2024, 3, 11)]  # includes the spring-forward day


class Days:
    """A re-iterable producer of one frame per day, like the std assets' output; counts its passes."""

    def __init__(self, days: list[date], make: Callable[[date], pl.DataFrame]):
        self.days, self.make, self.passes = days, make, 0

    def __iter__(self) -> Iterator[tuple[date, pl.DataFrame]]:
        self.passes += 1
        for day in self.days:
            yield day, self.make(day)


def test_streamed_days_equal_one_frame(config, tmp_path):
    rows = warehouse.replace_partitions_streaming(config, S, Days(DAYS, lambda d: h.system_load(d, 2)), DAYS)
    assert rows == 288 + 276 + 288
    other = warehouse.WarehouseConfig.local(tmp_path / "other")
    warehouse.replace_partitions(other, S, h.system_load_days(DAYS, 2), DAYS)
    assert_frame_equal(warehouse.read_partitions(config, S, None), warehouse.read_partitions(other, S, None))


def test_failure_on_the_last_day_leaves_every_old_day(config):
    warehouse.replace_partitions(config, S, h.system_load_days(DAYS, version=1), DAYS)
    before = warehouse.read_partitions(config, S, None)

    def make(day: date) -> pl.DataFrame:
        if day == DAYS[-1]:  # the earlier days are already deleted and re-inserted in the open transaction
            raise RuntimeError("cannot standardize the last day")
        return h.system_load(day, version=2)

    with pytest.raises(RuntimeError, match="last day"):
        warehouse.replace_partitions_streaming(config, S, Days(DAYS, make), DAYS)
    assert_frame_equal(warehouse.read_partitions(config, S, None), before)


def test_rows_outside_their_day_are_an_error_naming_them(config):
    warehouse.replace_partitions(config, S, h.system_load_days(DAYS, version=1), DAYS)
    before = warehouse.read_partitions(config, S, None)
    # day 1's frame carries day 2's rows too: both days are in the run, but not this frame's day
    frames = [(DAYS[0], h.system_load_days(DAYS[:2], 2)), (DAYS[1], h.system_load(DAYS[1], 2))]
    with pytest.raises(
        ValueError, match=r"\['2024-03-10'\] are outside the partition\(s\) being replaced \['2024-03-09'\]"
    ):
        warehouse.replace_partitions_streaming(config, S, frames, DAYS[:2])
    with pytest.raises(ValueError, match="2024-03-12.*not one of the partition"):
        warehouse.replace_partitions_streaming(config, S, [(date(2024, 3, 12), h.system_load(date(2024, 3, 12)))], DAYS)
    with pytest.raises(ValueError, match="two frames for 2024-03-09"):
        warehouse.replace_partitions_streaming(config, S, [(DAYS[0], h.system_load(DAYS[0]))] * 2, DAYS)
    assert_frame_equal(warehouse.read_partitions(config, S, None), before)


def test_an_iterator_is_refused_because_a_retry_must_iterate_again(config):
    with pytest.raises(TypeError, match="re-iterable"):
        warehouse.replace_partitions_streaming(config, S, iter(Days(DAYS, h.system_load)), DAYS)


def test_conflict_retry_iterates_the_days_again(config, monkeypatch):
    warehouse.replace_partitions(config, S, h.system_load_days(DAYS, version=1), DAYS)
    calls = []
    real_commit = write._commit

    def conflict_once(con) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise duckdb.TransactionException("Transaction conflict - injected")
        real_commit(con)

    days = Days(DAYS, lambda d: h.system_load(d, version=2))
    with monkeypatch.context() as patch:
        patch.setattr(write, "_commit", conflict_once)
        assert warehouse.replace_partitions_streaming(config, S, days, DAYS) == 852
    assert (days.passes, len(calls)) == (2, 2)
    got = warehouse.read_partitions(config, S, None)
    assert got["native_load_mw"].unique().to_list() == [2.0] and got.height == 852


def test_a_day_without_a_frame_is_emptied(config):
    warehouse.replace_partitions(config, S, h.system_load_days(DAYS, version=1), DAYS)
    warehouse.replace_partitions_streaming(config, S, Days(DAYS[:1], lambda d: h.system_load(d, 2)), DAYS[:2])
    per_day = warehouse.read_partitions(config, S, None).group_by("operating_day").len().sort("operating_day")
    assert per_day.rows() == [(DAYS[0], 288), (DAYS[2], 288)]


def test_unpartitioned_table_is_replaced_whole(config):
    warehouse.replace_partitions(config, LOCATIONS, h.locations(1), None)
    assert warehouse.replace_partitions_streaming(config, LOCATIONS, [(None, h.locations(2).head(2))], None) == 2
    assert warehouse.read_partitions(config, LOCATIONS, None).height == 2
    with pytest.raises(ValueError, match="not partitioned"):
        warehouse.replace_partitions_streaming(config, LOCATIONS, [(DAYS[0], h.locations())], None)


def test_only_one_day_of_rows_is_alive_at_a_time(config, monkeypatch):
    """Memory stays at one day: by the time the next day is produced, the previous day's frame and the Arrow
    table handed to DuckDB are gone (a view registered inside the transaction would keep them until COMMIT)."""
    alive: list[weakref.ref] = []
    to_arrow = pl.DataFrame.to_arrow

    def tracked_to_arrow(self, *args, **kwargs):
        table = to_arrow(self, *args, **kwargs)
        alive.append(weakref.ref(table))
        return table

    monkeypatch.setattr(pl.DataFrame, "to_arrow", tracked_to_arrow)

    def make(day: date) -> pl.DataFrame:
        assert [r for r in alive if r() is not None] == [], f"an earlier day's rows are still held when making {day}"
        frame = h.system_load(day, 2)
        alive.append(weakref.ref(frame))
        return frame

    assert warehouse.replace_partitions_streaming(config, S, Days(DAYS, make), DAYS) == 852
    assert len(alive) == 2 * len(DAYS)
