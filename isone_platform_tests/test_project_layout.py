"""The project's promises about itself: the README's two commands, CI calling the test command, the layout."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make demo" in readme
    commands = [line.strip() for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert "make test" in commands


def test_top_level_layout():
    for name in (
        "isone_platform",
        "isone_platform_tests",
        "dbt_project",
        "workspace.yaml",
        "pyproject.toml",
        "README.md",
        "uv.lock",
    ):
        assert (ROOT / name).exists(), name
