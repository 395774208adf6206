"""The benchmarks' layout: one module per benchmark, a thin command line, a report that renders stored results.

Fast and offline: nothing is measured, no simulator or warehouse is started (the benchmark modules import the
platform lazily, inside their functions)."""

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "benchmarks"
# what `--only` accepted before bench.py was split into modules; a merged benchmark (B5, …) may add to it
CHOICES_BEFORE_SPLIT = {"B1", "B2", "B3", "B4"}
STORED_RESULTS = sorted((BENCH_DIR / "results").glob("*.json"))


@pytest.mark.parametrize("module", sorted(p.stem for p in BENCH_DIR.glob("*.py") if p.stem != "__init__"))
def test_every_benchmark_module_imports(module):
    importlib.import_module(f"benchmarks.{module}")


def test_every_registered_benchmark_has_a_run_function():
    from benchmarks import bench

    assert CHOICES_BEFORE_SPLIT <= set(bench.BENCHMARKS)
    for spec in bench.BENCHMARKS.values():
        _, run = bench.load(spec)
        assert callable(run), spec


def test_help_lists_the_same_only_choices_as_before():
    from benchmarks import bench

    out = subprocess.run(
        [sys.executable, str(BENCH_DIR / "bench.py"), "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    listed = re.search(r"--only ONLY .*? of: (.*?) \(default: all\)", " ".join(out.split()))
    assert listed, out
    choices = set(listed.group(1).split(", "))
    assert CHOICES_BEFORE_SPLIT <= choices == set(bench.BENCHMARKS)
    assert set(bench.parse_args([]).only.split(",")) == choices  # the default still runs every benchmark


def test_only_keeps_run_order_and_ignores_unknown_names():
    from benchmarks import bench

    assert bench.selected("b2, B1,nope") == ["B1", "B2"]
    assert bench.selected("B1,B2,B3,B4") == ["B1", "B4", "B3", "B2"]


@pytest.mark.parametrize("path", STORED_RESULTS, ids=lambda p: p.name)
def test_report_renders_stored_results(path):
    from benchmarks import bench, report

    results = json.loads(path.read_text())
    text = report.table(results, bench.registered_renderers())
    for name in sorted(set(results) & CHOICES_BEFORE_SPLIT):
        assert re.search(rf"^{name} ", text, re.MULTILINE), name
    if "table" in results:  # printed when the file was written: the renderers still print it character for character
        assert text == results["table"]
