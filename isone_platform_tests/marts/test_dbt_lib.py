"""lib/dbt.py without running dbt: profile environment, day-range environment, manifest freshness, resource."""

import os
from datetime import date
from functools import cached_property

import pytest

from isone_platform.lib import dbt as dbt_lib
from isone_platform.lib.settings import Settings
from isone_platform.lib.warehouse import WarehouseConfig


def test_profile_env_for_a_local_warehouse(tmp_path):
    env = dbt_lib.dbt_env(WarehouseConfig.local(tmp_path))
    assert env["ISONE_DBT_CATALOG"] == f"sqlite:{tmp_path.resolve() / 'catalog.sqlite'}"
    assert env["ISONE_DBT_DATA_PATH"] == f"{tmp_path.resolve() / 'lake' / 'tables'}/"
    assert env["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "false"
    assert not any(k.startswith(("ISONE_DBT_S3", "DBT_ENV_SECRET")) for k in env)
    assert env["ISONE_DBT_MEMORY_LIMIT"] == "512MB"
    child = Settings.from_env().child_env(env)  # what dbt is started with
    assert os.path.dirname(dbt_lib.dbt_executable()) in child["PATH"].split(os.pathsep)
    assert child["ISONE_DBT_CATALOG"] == env["ISONE_DBT_CATALOG"]


def test_profile_env_for_an_s3_data_path_keeps_credentials_in_dbt_secret_variables(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "s3cr3t",
        "AWS_REGION": "us-west-2",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    env = dbt_lib.dbt_env(WarehouseConfig(catalog="postgres:dbname=isone host=db", data_path="s3://bucket/tables/"))
    assert env["DBT_ENV_SECRET_ISONE_S3_KEY_ID"] == "AKIDEXAMPLE" and env["DBT_ENV_SECRET_ISONE_S3_SECRET"] == "s3cr3t"
    assert (
        env["ISONE_DBT_S3_REGION"],
        env["ISONE_DBT_S3_ENDPOINT"],
        env["ISONE_DBT_S3_URL_STYLE"],
        env["ISONE_DBT_S3_USE_SSL"],
    ) == ("us-west-2", "127.0.0.1:9000", "path", "false")
    secret_names = {k for k, v in env.items() if v in ("AKIDEXAMPLE", "s3cr3t")}
    assert all(k.startswith("DBT_ENV_SECRET_") for k in secret_names)  # dbt redacts these from its logs


def test_dbt_environment_restores_os_environ(tmp_path, monkeypatch):
    monkeypatch.delenv("ISONE_DBT_CATALOG", raising=False)
    with dbt_lib.dbt_environment(WarehouseConfig.local(tmp_path)) as values:
        assert os.environ["ISONE_DBT_CATALOG"] == values["ISONE_DBT_CATALOG"]
    assert "ISONE_DBT_CATALOG" not in os.environ


def test_day_range_env():
    assert dbt_lib.day_range_env(date(2024, 3, 10), date(2024, 3, 12)) == {
        "ISONE_DBT_MIN_DATE": "2024-03-10",
        "ISONE_DBT_MAX_DATE": "2024-03-12",
    }
    assert dbt_lib.day_range_env(None, None) == {"ISONE_DBT_MIN_DATE": "", "ISONE_DBT_MAX_DATE": ""}
    with pytest.raises(ValueError):
        dbt_lib.day_range_env(date(2024, 3, 12), date(2024, 3, 10))


def test_the_dbt_resource_skips_the_version_call_and_the_in_process_adapter(monkeypatch):
    """The overridden members exist in the pinned dagster-dbt (an upgrade that renames them fails here), and the
    resource neither starts `dbt --version` nor builds an adapter."""
    import subprocess

    from dagster_dbt import DbtCliResource
    from dbt.version import __version__

    from isone_platform.lib.dbt_resource import IsoneDbtCliResource

    assert callable(DbtCliResource._initialize_dbt_core_adapter)
    assert isinstance(DbtCliResource.__dict__["_cli_version"], cached_property)

    def no_child(*args, **kwargs):
        raise AssertionError(f"a child process was started: {args}")

    monkeypatch.setattr(subprocess, "check_output", no_child)
    monkeypatch.setattr("dagster_dbt.core.resource.check_output", no_child)
    resource = dbt_lib.dbt_resource()
    assert isinstance(resource, IsoneDbtCliResource)
    assert str(resource._cli_version) == __version__
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_manifest_is_current_after_ensure_and_stale_after_an_edit(tmp_path):
    manifest = dbt_lib.ensure_manifest()
    assert manifest.exists() and dbt_lib.manifest_is_current()
    # a copy of the project: touching a model makes its manifest stale
    import shutil

    copy = tmp_path / "proj"
    shutil.copytree(dbt_lib.DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target"))
    (copy / "target").mkdir()
    shutil.copy2(manifest, copy / "target" / "manifest.json")
    os.utime(copy / "target" / "manifest.json", None)
    assert dbt_lib.manifest_is_current(copy)
    model = copy / "models" / "marts" / "isone__load_daily.sql"
    os.utime(model, (model.stat().st_atime, (copy / "target" / "manifest.json").stat().st_mtime + 10))
    assert not dbt_lib.manifest_is_current(copy)
