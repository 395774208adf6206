"""Dagster instance settings the demo and production rely on: no first-visit community pop-up (`nux`)."""

from pathlib import Path

import dagster as dg
import yaml

from isone_platform.demo import prepare_dagster_home
from isone_platform.lib.settings import PACKAGE_ROOT, Settings


def test_the_instance_templates_turn_the_community_popup_off():
    for profile in ("local", "prod"):
        config = yaml.safe_load((PACKAGE_ROOT / "deploy" / profile / "dagster.yaml").read_text())
        assert config["nux"] == {"enabled": False}, profile


def test_a_new_demo_home_has_nux_off_and_dagster_reads_it(tmp_path: Path):
    home = prepare_dagster_home(Settings.from_env(tmp_path, dagster_home=tmp_path / "home"))
    assert yaml.safe_load((home / "dagster.yaml").read_text())["nux"] == {"enabled": False}
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.nux_enabled is False


def test_an_existing_demo_home_gets_the_nux_key_and_keeps_the_rest(tmp_path: Path):
    home = tmp_path / "home"
    home.mkdir()
    old = "# my instance\ntelemetry:\n  enabled: false\nconcurrency:\n  runs:\n    max_concurrent_runs: 1"
    (home / "dagster.yaml").write_text(old)
    prepare_dagster_home(Settings.from_env(tmp_path, dagster_home=home))
    text = (home / "dagster.yaml").read_text()
    assert text.startswith(old + "\n")
    config = yaml.safe_load(text)
    assert config["nux"] == {"enabled": False} and config["concurrency"]["runs"]["max_concurrent_runs"] == 1
    prepare_dagster_home(Settings.from_env(tmp_path, dagster_home=home))  # idempotent
    assert (home / "dagster.yaml").read_text() == text


def test_a_nux_value_the_user_set_is_left_alone(tmp_path: Path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("nux:\n  enabled: true\n")
    prepare_dagster_home(Settings.from_env(tmp_path, dagster_home=home))
    assert (home / "dagster.yaml").read_text() == "nux:\n  enabled: true\n"


def test_both_instances_dequeue_runs_every_second(tmp_path: Path):
    """A queued poll run waits at most a second before its launch (Dagster's default looks every 5 s)."""
    (tmp_path / "dagster.yaml").write_text((PACKAGE_ROOT / "deploy" / "local" / "dagster.yaml").read_text())
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert instance.run_coordinator.dequeue_interval_seconds == 1  # type: ignore[attr-defined]
    prod = yaml.safe_load((PACKAGE_ROOT / "deploy" / "prod" / "dagster.yaml").read_text())
    assert prod["run_coordinator"]["config"]["dequeue_interval_seconds"] == 1
