"""Fixtures shared by the whole suite. Real recorded ISO-NE responses are read from ../shared/isone_real at run
time (never copied into the repository); tests that need them skip when that folder is absent."""

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_DIR = (REPO_ROOT.parent / "shared" / "isone_real").resolve()


@pytest.fixture(scope="session")
def real_dir() -> Path:
    if not (REAL_DIR / "bodies").is_dir():
        pytest.skip(f"recorded ISO-NE responses not available at {REAL_DIR}")
    return REAL_DIR
