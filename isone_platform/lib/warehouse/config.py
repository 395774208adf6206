"""Where the warehouse lives (`WarehouseConfig`, from `ISONE_CATALOG_URL` / `ISONE_WAREHOUSE_DATA_PATH`), and
the errors the warehouse raises.

Why absolute paths everywhere: DuckLake stores the data path in the catalog, so a relative one would be
resolved against whichever working directory the first writer had.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from isone_platform.lib.settings import project_root

CATALOG_ALIAS = "isone"
"""Name under which the DuckLake catalog is attached; tables are `isone.std.isone__…` (`std.isone__…` after USE)."""

DEFAULT_CATALOG_FILE = "data/catalog.sqlite"
DEFAULT_LAKE_DIR = "data/lake"


class WarehouseError(RuntimeError):
    """A warehouse problem with a message meant for the person reading it."""


class WarehouseNotFoundError(WarehouseError):
    """Reading a warehouse whose catalog does not exist yet."""


class CatalogLostError(WarehouseError):
    """The catalog is missing or empty while data files exist under the data path: restore it, never re-create."""


class SchemaMismatchError(WarehouseError):
    """An existing table's columns differ from the schema registry."""


@dataclass(frozen=True)
class WarehouseConfig:
    """Where the warehouse lives.

    `catalog`: the DuckLake catalog, the part after `ducklake:` — `sqlite:/abs/data/catalog.sqlite` locally,
    `postgres:dbname=... host=...` in production. `data_path`: where the Parquet files go, an absolute directory
    ending in `/` (`/abs/data/lake/tables/`, later `s3://bucket/prefix/tables/`).
    """

    catalog: str
    data_path: str

    @classmethod
    def from_env(cls, root: Path | None = None) -> WarehouseConfig:
        """Build the config from the environment.

        - `ISONE_CATALOG_URL`: a plain path (a SQLite catalog), `sqlite:PATH`, `sqlite:///PATH` (SQLAlchemy style:
          `sqlite:////abs/path` is absolute), `ducklake:sqlite:PATH`, `postgres:<libpq string>`,
          `postgresql://…` / `postgres://…` (a libpq URI) or `ducklake:postgres:…`.
          Default `<root>/data/catalog.sqlite`.
        - `ISONE_WAREHOUSE_DATA_PATH`: the data path, if set; otherwise `<ISONE_LAKE_URL>/tables/`, where
          `ISONE_LAKE_URL` defaults to `<root>/data/lake`.

        `root` defaults to the project root (`ISONE_PROJECT_ROOT`, else the current directory); relative paths are
        made absolute against it (DuckLake stores the data path in the catalog, so it must never be relative).
        """
        root = Path(root) if root is not None else project_root()
        root = root.resolve()
        catalog = parse_catalog_url(os.environ.get("ISONE_CATALOG_URL") or str(root / DEFAULT_CATALOG_FILE), root)
        explicit = os.environ.get("ISONE_WAREHOUSE_DATA_PATH")
        if explicit:
            data_path = _absolute_location(explicit, root)
        else:
            lake = os.environ.get("ISONE_LAKE_URL") or str(root / DEFAULT_LAKE_DIR)
            data_path = _absolute_location(lake, root).rstrip("/") + "/tables"
        return cls(catalog=catalog, data_path=data_path.rstrip("/") + "/")

    @classmethod
    def local(cls, directory: Path) -> WarehouseConfig:
        """A SQLite-catalog warehouse under `directory` (`catalog.sqlite`, `lake/tables/`): for tests and scratch."""
        directory = Path(directory).resolve()
        return cls(catalog=f"sqlite:{directory / 'catalog.sqlite'}", data_path=f"{directory / 'lake' / 'tables'}/")

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite catalog file, or None for another catalog kind."""
        if self.catalog.startswith("sqlite:"):
            return Path(self.catalog[len("sqlite:") :])
        return None

    @property
    def attach_target(self) -> str:
        """What ATTACH takes: `ducklake:` + the catalog."""
        return f"ducklake:{self.catalog}"


def parse_catalog_url(url: str, root: Path) -> str:
    """`ISONE_CATALOG_URL` -> the DuckLake catalog string after `ducklake:` (see `WarehouseConfig.from_env`)."""
    url = url.strip()
    if url.startswith("ducklake:"):
        url = url[len("ducklake:") :]
    if url.startswith(("postgresql://", "postgres://")):
        return f"postgres:{url}"
    if url.startswith("postgres:"):
        return url
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
    elif url.startswith("sqlite:"):
        path = url[len("sqlite:") :]
    elif re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url) and not re.match(r"^[a-zA-Z]:[\\/]", url):
        raise ValueError(
            f"ISONE_CATALOG_URL {url!r}: unsupported catalog; use a path, sqlite:PATH or postgres:… / postgresql://…"
        )
    else:
        path = url
    if not path:
        raise ValueError(f"ISONE_CATALOG_URL {url!r}: empty SQLite path")
    return f"sqlite:{_absolute_path(path, root)}"


def _absolute_path(path: str, root: Path) -> str:
    """`path` with `~` expanded, made absolute against `root` when relative."""
    p = Path(path).expanduser()
    return str(p if p.is_absolute() else (root / p).resolve())


def _absolute_location(location: str, root: Path) -> str:
    """Absolute local path, or a URL (`s3://…`, `file://…`) unchanged."""
    if "://" in location:
        if location.startswith("file://"):
            return location[len("file://") :]
        return location
    return _absolute_path(location, root)


def _redact(text: str) -> str:
    """Hide passwords of PostgreSQL catalog strings (`password=…`, `user:pw@host`) in messages."""
    text = re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", text, flags=re.IGNORECASE)
    return re.sub(r"(postgres(?:ql)?://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)


def _sql_str(value: str) -> str:
    """A SQL string literal (quotes doubled): for the paths and catalog strings ATTACH and secrets take."""
    return "'" + value.replace("'", "''") + "'"
