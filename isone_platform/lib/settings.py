"""Environment: where the project root is, and the `.env` file users of the old scripts keep credentials in."""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv

PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def project_root() -> Path:
    """`ISONE_PROJECT_ROOT`, else the current directory: relative data paths resolve against it."""
    return Path(os.environ.get("ISONE_PROJECT_ROOT") or Path.cwd()).resolve()


def load_project_env() -> None:
    """Honour a `.env` in the project root (never overriding variables already set)."""
    for candidate in {project_root() / ".env", PACKAGE_ROOT / ".env"}:
        if candidate.is_file():
            load_dotenv(candidate, override=False)


def env_seconds(name: str, default: float) -> int:
    """A positive duration in seconds from the environment, with a clear error for anything else."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return int(default)
    try:
        value = int(float(raw))
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number of seconds") from None
    if value <= 0:
        raise ValueError(f"{name}={raw!r} must be positive")
    return value


def env_switch(name: str, default: bool) -> bool:
    """An on/off setting from the environment (on/off, true/false, 1/0, yes/no), with a clear error otherwise."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("on", "true", "1", "yes"):
        return True
    if raw in ("off", "false", "0", "no"):
        return False
    raise ValueError(f"{name}={os.environ[name]!r} is not a switch: use on or off")


def env_count(name: str, default: int) -> int:
    """A positive whole number from the environment, with a clear error for anything else."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) <= 0:
        raise ValueError(f"{name}={raw!r} must be a positive whole number")
    return int(raw)
