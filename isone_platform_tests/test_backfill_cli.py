"""`isone-platform backfill`: the planning rules (which days, which assets, what to skip, the summary), the
progress printer, and the command run in this process against the simulator: progress lines, summary counts, a
rerun that skips, `--force`, a failed day reported with its run and error and then resumed."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import dagster as dg
import pytest

from isone_platform.backfill import ProgressPrinter, progress_line
from isone_platform.cli import main
from isone_platform.lib.backfill_plan import (
    Plan,
    PlanError,
    RunOutcome,
    Window,
    batches,
    dataset_label,
    expand_ranges,
    requested_days,
    select_assets,
    summarize,
    summary_table,
)
from isone_platform.simulator.faults import Fault

WINDOW = Window(first=date(2019, 1, 1), today=date(2024, 11, 21))
SYSTEM_LOAD = [dg.AssetKey(["raw", "isone__system_load_5min"]), dg.AssetKey(["std", "isone__system_load_5min"])]
INTERVALS_PER_DAY = 288  # 5-minute intervals of a 24-hour operating day (the three days below)


# ---------------------------------------------------------------------------------------------------------------
# which days


def test_days_means_the_last_complete_operating_days():
    assert requested_days(WINDOW, days=3) == [date(2024, 11, 18), date(2024, 11, 19), date(2024, 11, 20)]


def test_years_and_ranges_of_years_are_whole_years_and_the_current_one_stops_yesterday():
    assert len(requested_days(WINDOW, periods=["2024"])) == 325  # 2024-01-01 .. 2024-11-20
    days = requested_days(WINDOW, periods=["2019-2020", "2023"])
    assert (len(days), days[0], days[-1]) == (365 + 366 + 365, date(2019, 1, 1), date(2023, 12, 31))
    assert requested_days(WINDOW, periods=["2020", "2020"]) == requested_days(WINDOW, periods=["2020"])


def test_a_range_defaults_to_the_last_complete_day_and_dst_days_are_one_partition_each():
    spring = requested_days(WINDOW, start="2024-03-09", end="2024-03-11")  # 24, 23 and 24 hours
    fall = requested_days(WINDOW, start="2024-11-02", end="2024-11-04")  # 24, 25 and 24 hours
    assert len(spring) == len(fall) == 3
    assert requested_days(WINDOW, start="2024-11-19") == [date(2024, 11, 19), date(2024, 11, 20)]
    assert requested_days(WINDOW, start="2024-11-21", end="2024-11-21") == [date(2024, 11, 21)]  # today's partition


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({}, "say which days one way"),
        ({"days": 3, "periods": ["2024"]}, "say which days one way"),
        ({"days": 0}, "--days 0"),
        ({"periods": ["24"]}, "'24' is not a year"),
        ({"periods": ["2023-2019"]}, "runs backwards"),
        ({"periods": ["2025"]}, "no complete operating day yet"),
        ({"start": "2024-13-01"}, "--start '2024-13-01' is not a day"),
        ({"end": "2024-01-01"}, "--end needs --start"),
        ({"start": "2024-02-01", "end": "2024-01-01"}, "--end 2024-01-01 is before --start 2024-02-01"),
        ({"start": "2018-12-31", "end": "2019-01-02"}, "before the first operating-day partition, 2019-01-01"),
        ({"start": "2024-11-20", "end": "2024-11-22"}, "2024-11-22 is after today's operating day"),
    ],
)
def test_invalid_days_are_refused_saying_what_is_wrong(kwargs, says):
    with pytest.raises(PlanError, match=re.escape(says)):
        requested_days(WINDOW, **kwargs)


def test_a_day_before_the_partitions_names_the_setting_that_moves_them():
    with pytest.raises(PlanError, match="ISONE_HISTORY_START"):
        requested_days(WINDOW, periods=["2018"])


# ---------------------------------------------------------------------------------------------------------------
# which assets


@pytest.fixture(scope="module")
def graph() -> dg.AssetGraph:
    from isone_platform.definitions import defs

    return defs().resolve_asset_graph()


@pytest.fixture(scope="module")
def known() -> dict[str, str]:
    from isone_platform.lib.datasets import DATASETS

    return {ds.name: ds.group for ds in DATASETS.values() if ds.partitioned}


def paths(keys) -> set[str]:
    return {k.to_user_string() for k in keys}


def test_datasets_select_raw_std_and_the_marts_downstream(graph, known):
    chosen = paths(select_assets(graph, known, datasets="system_load_5min"))
    assert {"raw/isone__system_load_5min", "std/isone__system_load_5min"} < chosen
    assert {k for k in chosen if k.startswith("mart/")} == {
        "mart/isone__load_daily",
        "mart/isone__system_vs_zonal_daily",
    }
    assert "std/isone__load_revisions" not in chosen  # written by std steps: not selectable
    assert paths(select_assets(graph, known, datasets="isone__system_load_5min", marts=False)) == paths(SYSTEM_LOAD)


def test_a_domain_selects_each_of_its_datasets(graph, known):
    chosen = paths(select_assets(graph, known, datasets="load", marts=False))
    load = {name for name, domain in known.items() if domain == "load"}
    assert len(load) > 1
    assert chosen == {f"{layer}/isone__{name}" for name in load for layer in ("raw", "std")}
    every = graph.get(dg.AssetKey(["std", "isone__zonal_load_5min"])).tags
    assert every["domain"] == "load"  # the dataset's domain is the assets' `domain` tag


def test_an_asset_selection_string_keeps_the_backfillable_assets(graph, known):
    assert paths(select_assets(graph, known, assets="key:std/isone__system_load_5min")) == {
        "std/isone__system_load_5min"
    }
    everything = select_assets(graph, known)
    assert all(graph.get(k).is_partitioned and graph.get(k).is_executable for k in everything)
    assert len(select_assets(graph, known, marts=False)) < len(everything)


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"datasets": "lmp,nonsense"}, "unknown dataset or domain 'nonsense'"),
        ({"assets": "tag:domain=reference"}, "selects no partitioned, executable asset"),
        ({"assets": "key:(("}, "is not an asset selection Dagster understands"),
        ({"datasets": "lmp", "assets": "*"}, "not both"),
    ],
)
def test_invalid_selections_are_refused(graph, known, kwargs, says):
    with pytest.raises(PlanError, match=re.escape(says)):
        select_assets(graph, known, **kwargs)


# ---------------------------------------------------------------------------------------------------------------
# skipping, batching, summarizing


DAYS = tuple(date(2024, 11, 1) + timedelta(days=i) for i in range(4))


def test_a_day_is_skipped_only_when_every_selected_asset_has_it():
    raw, std = SYSTEM_LOAD
    plan = Plan(DAYS, (raw, std), {raw: frozenset(DAYS), std: frozenset(DAYS[:2])})
    assert (plan.to_run, plan.skipped) == (DAYS[2:], DAYS[:2])
    forced = Plan(DAYS, (raw, std), plan.present, force=True)
    assert (forced.to_run, forced.skipped, forced.complete) == (DAYS, (), DAYS[:2])


def test_batches_follow_the_days_per_run_and_break_at_gaps():
    d = [date(2024, 1, n) for n in (1, 2, 3, 4, 5, 7, 8)]
    assert batches(d, 2) == [d[0:2], d[2:4], d[4:5], d[5:7]]
    assert batches(d, 15) == [d[0:5], d[5:7]]


def test_partition_ranges_expand_to_their_days_inclusive():
    assert expand_ranges([("2024-11-02", "2024-11-04"), ("2024-11-10", "2024-11-10")]) == frozenset(
        [date(2024, 11, 2), date(2024, 11, 3), date(2024, 11, 4), date(2024, 11, 10)]
    )


def test_the_summary_counts_days_per_dataset_and_names_the_failed_run_and_its_first_error():
    raw, std = SYSTEM_LOAD
    mart = dg.AssetKey(["mart", "isone__load_daily"])
    plan = Plan(DAYS, (raw, std, mart), {k: frozenset(DAYS[:1]) for k in (raw, std, mart)})
    ok = RunOutcome("run-ok", DAYS[1:3], frozenset((k, d) for k in (raw, std, mart) for d in DAYS[1:3]), rows=576)
    failed = RunOutcome("run-bad", DAYS[3:], frozenset([(raw, DAYS[3])]), error="std__x: boom\ntraceback …")
    rows = {r.label: r for r in summarize(plan, [ok, failed])}
    assert (rows["system_load_5min"].materialized, rows["system_load_5min"].skipped) == (2, 1)
    assert (rows["system_load_5min"].failed, rows["system_load_5min"].run_id) == (1, "run-bad")
    assert rows["system_load_5min"].error == "std__x: boom"
    assert (rows["mart.load_daily"].failed, rows["mart.load_daily"].error) == (1, "std__x: boom")
    table = summary_table(list(rows.values()))
    assert re.search(r"^system_load_5min\s+2\s+1\s+1\s+run-bad\s+std__x: boom$", table, re.M), table
    assert dataset_label(mart) == "mart.load_daily"


def test_days_no_run_reached_count_as_failed():
    plan = Plan(DAYS, tuple(SYSTEM_LOAD))
    [row] = summarize(plan, [])
    assert (row.materialized, row.failed, row.error, row.run_id) == (0, 4, "not run", "")


# ---------------------------------------------------------------------------------------------------------------
# progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_prints_plain_lines_when_not_on_a_terminal_and_a_bar_on_one():
    ticks = iter([0.0, 10.0, 30.0])  # start, then one reading per printed line
    out = io.StringIO()
    printer = ProgressPrinter(4, out, now=lambda: next(ticks))
    printer(1, 288)
    printer(1, 288)  # unchanged figures: no new line
    printer(4, 1152)
    assert out.getvalue().splitlines() == [
        "backfill: 1/4 days, 288 rows, 0:00:10 elapsed, ETA 0:00:30",
        "backfill: 4/4 days, 1,152 rows, 0:00:30 elapsed, ETA 0:00:00",
    ]
    tty = Tty()
    printer = ProgressPrinter(4, tty, now=lambda: 0.0)
    printer(2, 10)
    printer.close()
    assert tty.getvalue() == f"\r{progress_line(2, 4, 10, 0.0, tty=True)}\x1b[K\n"
    assert progress_line(2, 4, 10, 0.0, tty=True).startswith("[############............] 2/4 days")


# ---------------------------------------------------------------------------------------------------------------
# the command, in this process, against the simulator


def backfill(capsys, *extra: str) -> tuple[int, str, str]:
    argv = ["backfill", "--start", "2024-11-18", "--end", "2024-11-20", "--datasets", "system_load_5min"]
    code = main([*argv, "--no-marts", "--in-process", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def summary_row(out: str, label: str) -> list[str]:
    [line] = [line for line in out.splitlines() if line.startswith(label + " ")]
    return line.split()


@pytest.fixture
def instance_env(platform_env, tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("ISONE_BACKFILL_DAYS_PER_RUN", "2")
    return platform_env


@pytest.mark.slow
def test_in_process_backfill_shows_progress_skips_on_rerun_and_redoes_with_force(instance_env, capsys):
    code, out, err = backfill(capsys)
    assert code == 0, out + err
    assert "3 days to run, 0 already materialized" in out
    progress = [line for line in out.splitlines() if line.startswith("backfill: ")]
    assert [p.split(",")[0] for p in progress] == ["backfill: 0/3 days", "backfill: 2/3 days", "backfill: 3/3 days"]
    assert f"{3 * INTERVALS_PER_DAY:,} rows" in progress[-1]
    assert summary_row(out, "system_load_5min")[:4] == ["system_load_5min", "3", "0", "0"]
    assert "2 runs" in out  # ISONE_BACKFILL_DAYS_PER_RUN=2: days 18-19, then 20

    code, out, _ = backfill(capsys)
    assert code == 0
    assert "0 days to run, 3 already materialized (skipped)" in out
    assert summary_row(out, "system_load_5min")[:4] == ["system_load_5min", "0", "3", "0"]

    code, out, _ = backfill(capsys, "--force")
    assert code == 0
    assert "3 days to run, 3 already materialized (--force: redone)" in out
    assert summary_row(out, "system_load_5min")[:4] == ["system_load_5min", "3", "0", "0"]


@pytest.mark.slow
def test_a_failed_day_is_reported_with_its_run_and_error_and_the_same_command_resumes_it(instance_env, sim, capsys):
    sim.add_fault(Fault("/fiveminutesystemload/day/20241120", "truncated_json"))
    code, out, _ = backfill(capsys)
    assert code == 1
    row = summary_row(out, "system_load_5min")
    assert row[:4] == ["system_load_5min", "2", "0", "1"]
    assert re.fullmatch(r"[0-9a-f-]{36}", row[4]), row
    assert "not valid JSON" in " ".join(row[5:])

    sim.clear_faults()
    code, out, _ = backfill(capsys)
    assert code == 0
    assert "1 days to run, 2 already materialized (skipped)" in out
    assert summary_row(out, "system_load_5min")[:4] == ["system_load_5min", "1", "2", "0"]


def test_without_a_running_instance_it_names_the_url_and_offers_in_process(platform_env, monkeypatch, capsys):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    monkeypatch.setenv("ISONE_DAGSTER_URL", f"http://127.0.0.1:{port}")
    assert main(["backfill", "--days", "2"]) == 1
    err = capsys.readouterr().err
    assert f"no Dagster webserver answers at http://127.0.0.1:{port}" in err
    assert "--in-process" in err


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_ctrl_c_in_process_stops_after_the_run_it_interrupts_and_prints_how_to_resume(instance_env, sim):
    import os
    import signal
    import subprocess
    import sys

    sim.add_fault(Fault("/fiveminutesystemload/day/20241120", "slow", delay=300))  # the second run hangs
    argv = ["--start", "2024-11-18", "--end", "2024-11-20", "--datasets", "system_load_5min", "--no-marts"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "isone_platform.cli", "backfill", *argv, "--in-process"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ),
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("backfill: 2/3 days"):  # the first run (18-19) is done, the second waits on the 20th
            proc.send_signal(signal.SIGINT)
            break
    rest, _ = proc.communicate(timeout=120)
    out = "\n".join(lines) + "\n" + rest
    assert proc.returncode == 130, out
    assert "interrupted: 1 runs had finished" in out
    assert f"isone-platform backfill {' '.join(argv)} --in-process" in out
    assert "backfill: 3/3 days" not in out
