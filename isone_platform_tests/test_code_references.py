"""Every asset links to its source in the UI: local files, or the repository when ISONE_REPOSITORY_URL is set."""

import re
from pathlib import Path

import dagster as dg
import pytest

from isone_platform.lib.settings import PACKAGE_ROOT, Settings, SettingsError


def _references(definitions: dg.Definitions, key: dg.AssetKey) -> list:
    spec = definitions.resolve_assets_def(key).specs_by_key[key]
    return list(spec.metadata["dagster/code_references"].code_references)


@pytest.fixture(scope="module")
def loaded() -> dg.Definitions:
    from isone_platform.definitions import defs

    return defs()


def test_every_asset_has_a_local_code_reference(loaded):
    graph = loaded.resolve_asset_graph()
    for key in graph.materializable_asset_keys:
        refs = _references(loaded, key)
        assert refs, key
        for ref in refs:
            assert isinstance(ref, dg.LocalFileCodeReference) and Path(ref.file_path).is_file(), (key, ref)
    mart = _references(loaded, dg.AssetKey(["mart", "isone__load_daily"]))
    assert {Path(r.file_path).suffix for r in mart} == {".py", ".sql"}  # the dbt asset's body and the model


def test_a_configured_repository_turns_them_into_links(clean_repo_env, monkeypatch):
    from isone_platform.definitions import with_code_references
    from isone_platform.defs.marts.assets import isone_marts

    monkeypatch.setenv("ISONE_REPOSITORY_URL", "https://github.com/example/isone-platform")
    monkeypatch.setenv("ISONE_REPOSITORY_BRANCH", "release")
    linked = with_code_references(dg.Definitions(assets=[isone_marts]), Settings.from_env())
    [assets_def] = list(linked.assets or [])
    assert isinstance(assets_def, dg.AssetsDefinition)
    spec = assets_def.specs_by_key[dg.AssetKey(["mart", "isone__load_daily"])]
    refs = list(spec.metadata["dagster/code_references"].code_references)
    urls = sorted(r.url for r in refs)
    base = "https://github.com/example/isone-platform/tree/release/"
    assert urls[0] == base + "dbt_project/models/marts/isone__load_daily.sql"
    assert re.fullmatch(re.escape(base) + r"isone_platform/defs/marts/assets\.py#L\d+", urls[1])
    assert (PACKAGE_ROOT / "isone_platform" / "definitions.py").is_file()  # the anchor of the mapping


@pytest.fixture
def clean_repo_env(monkeypatch, tmp_path):
    monkeypatch.delenv("ISONE_REPOSITORY_URL", raising=False)
    monkeypatch.delenv("ISONE_REPOSITORY_BRANCH", raising=False)
    monkeypatch.setenv("ISONE_PROJECT_ROOT", str(tmp_path))
    return tmp_path


def test_a_repository_url_dagster_cannot_link_to_is_an_error_naming_it(clean_repo_env, monkeypatch):
    monkeypatch.setenv("ISONE_REPOSITORY_URL", "git@example.org:isone.git")
    with pytest.raises(SettingsError, match="ISONE_REPOSITORY_URL"):
        Settings.from_env()
