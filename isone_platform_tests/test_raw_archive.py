"""The raw lake keeps what it supersedes: the accepted manifest's bodies stay, superseded bodies go to the
archive (pruned after ISONE_RAW_ARCHIVE_DAYS), refused landings go to quarantine and the accepted day returns."""

from __future__ import annotations

import errno
import os
import stat
from datetime import UTC, date, datetime, timedelta

import pytest

from isone_platform.lib.lake import (
    ACCEPTED,
    DEFAULT_RAW_ARCHIVE_DAYS,
    LakeError,
    LocalLake,
    accept_day,
    day_prefix,
    prune_archive,
    read_day,
    reject_day,
    storage,
    write_day,
)
from isone_platform.lib.raw import LandedBody, RawDay

DAY = date(2024, 7, 15)
FETCHED = datetime(2024, 7, 16, 6, tzinfo=UTC)
PATH = "/fiveminutesystemload/day/20240715"


def land(lake, body: bytes, now: datetime = FETCHED) -> RawDay:
    write_day(lake, RawDay("system_load_5min", DAY, [LandedBody(PATH, now, body)]), now=now)
    return read_day(lake, "system_load_5min", DAY)


def bodies(lake) -> list[bytes]:
    return [b.body for b in read_day(lake, "system_load_5min", DAY).bodies]


def test_superseded_bodies_move_to_the_archive_with_their_manifest(tmp_path):
    lake = LocalLake(tmp_path)
    land(lake, b"[1]")
    land(lake, b"[2]", FETCHED + timedelta(hours=1))
    archived = lake.list("archive")
    assert [k.rsplit("/", 1)[1] for k in archived if not k.endswith(".json.gz")] == ["_manifest.json"]
    assert any(k.endswith(".json.gz") for k in archived) and bodies(lake) == [b"[2]"]
    assert "superseded=2024-07-16T07-00-00" in archived[0]


def test_bodies_of_the_accepted_day_stay_until_another_day_is_accepted(tmp_path):
    lake = LocalLake(tmp_path)
    accept_day(lake, land(lake, b"[1]"))
    land(lake, b"[2]")
    assert lake.list("archive") == []  # [1] is what std holds: it stays in place
    assert len([k for k in lake.list(day_prefix("system_load_5min", DAY)) if k.endswith(".gz")]) == 2


def test_a_refused_landing_goes_to_quarantine_and_the_accepted_day_returns(tmp_path):
    lake = LocalLake(tmp_path)
    accept_day(lake, land(lake, b"[1]"))
    worse = land(lake, b"[]")
    where = reject_day(lake, worse, "ISO-NE returned 0 of 288 intervals", now=FETCHED)
    assert bodies(lake) == [b"[1]"]
    quarantined = lake.list("quarantine")
    assert where.endswith("rejected=2024-07-16T06-00-00.000000Z") and str(tmp_path) in where
    assert {k.rsplit("/", 1)[1].split(".")[-1] for k in quarantined} == {"txt", "json", "gz"}
    assert len([k for k in lake.list(day_prefix("system_load_5min", DAY)) if k.endswith(".gz")]) == 1


def test_a_refused_first_landing_stays_and_quarantine_gets_a_copy(tmp_path):
    lake = LocalLake(tmp_path)
    reject_day(lake, land(lake, b"[]"), "cannot be parsed")
    assert bodies(lake) == [b"[]"] and any(k.endswith(".gz") for k in lake.list("quarantine"))
    assert not lake.exists(f"{day_prefix('system_load_5min', DAY)}/{ACCEPTED}")


def test_prune_archive_keeps_the_configured_days(tmp_path):
    lake = LocalLake(tmp_path)
    land(lake, b"[1]")
    land(lake, b"[2]")
    assert prune_archive(lake, DEFAULT_RAW_ARCHIVE_DAYS, now=FETCHED + timedelta(days=1)) == 0
    later = FETCHED + timedelta(days=DEFAULT_RAW_ARCHIVE_DAYS + 1)
    assert prune_archive(lake, DEFAULT_RAW_ARCHIVE_DAYS, now=later) == 2 and lake.list("archive") == []
    assert bodies(lake) == [b"[2]"]


def test_landed_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        land(LocalLake(tmp_path), b"[1]")
    finally:
        os.umask(old)
    modes = {stat.S_IMODE(p.stat().st_mode) for p in tmp_path.rglob("*") if p.is_file()}
    assert modes == {0o644}


def test_a_full_disk_names_the_object(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(storage.os, "open", full)
    with pytest.raises(
        LakeError, match=r"cannot write raw/isone__system_load_5min/operating_day=2024-07-15/\S+ .*No space"
    ):
        land(LocalLake(tmp_path), b"[1]")
