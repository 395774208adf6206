"""Where the warehouse lives (`WarehouseConfig`, from the settings' `ISONE_CATALOG_URL` /
`ISONE_WAREHOUSE_DATA_PATH` / `ISONE_LAKE_URL`), and the errors the warehouse raises.

Why absolute paths everywhere: DuckLake stores the data path in the catalog, so a relative one would be
resolved against whichever working directory the first writer had.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from isone_platform.lib.aws import AwsSettings
from isone_platform.lib.settings import Settings

CATALOG_ALIAS = "isone"
"""Name under which the DuckLake catalog is attached; tables are `isone.std.isone__…` (`std.isone__…` after USE)."""

DEFAULT_CATALOG_FILE = "data/catalog.sqlite"
DEFAULT_LAKE_DIR = "data/lake"
DEFAULT_MEMORY_LIMIT = "1GB"


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
    memory_limit: str = field(default=DEFAULT_MEMORY_LIMIT, compare=False)
    """DuckDB's memory limit per connection (`ISONE_DUCKDB_MEMORY_LIMIT`); beyond it DuckDB spills to disk."""
    aws: AwsSettings | None = field(default=None, compare=False, repr=False)
    """S3 endpoint, region and keys for an s3:// data path; None: those of this process's settings."""

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseConfig:
        """The warehouse of `settings`.

        - `ISONE_CATALOG_URL`: a plain path (a SQLite catalog), `sqlite:PATH`, `sqlite:///PATH` (SQLAlchemy style:
          `sqlite:////abs/path` is absolute), `ducklake:sqlite:PATH`, `postgres:<libpq string>`,
          `postgresql://…` / `postgres://…` (a libpq URI) or `ducklake:postgres:…`.
          Default `<root>/data/catalog.sqlite`.
        - `ISONE_WAREHOUSE_DATA_PATH`: the data path, if set; otherwise `<ISONE_LAKE_URL>/tables/`.

        Relative paths are made absolute against the project root (DuckLake stores the data path in the catalog,
        so it must never be relative).
        """
        root = settings.root
        catalog = parse_catalog_url(settings.isone_catalog_url, root)
        if settings.isone_warehouse_data_path:
            data_path = _absolute_location(settings.isone_warehouse_data_path, root)
        else:
            data_path = _absolute_location(settings.lake_url, root).rstrip("/") + "/tables"
        return cls(
            catalog=catalog,
            data_path=data_path.rstrip("/") + "/",
            memory_limit=settings.isone_duckdb_memory_limit,
            aws=settings.aws,
        )

    @classmethod
    def from_env(cls, root: Path | None = None) -> WarehouseConfig:
        """`from_settings(Settings.from_env(root))`: for the analysts' `connect()` and scripts. Inside the platform
        the warehouse comes from the `warehouse` resource (`DuckLakeResource`)."""
        return cls.from_settings(Settings.from_env(root))

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


def redact(text: str) -> str:
    """Hide passwords of PostgreSQL catalog strings (`password=…`, `user:pw@host`) in messages."""
    text = re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", text, flags=re.IGNORECASE)
    return re.sub(r"(postgres(?:ql)?://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)


def _sql_str(value: str) -> str:
    """A SQL string literal (quotes doubled): for the paths and catalog strings ATTACH and secrets take."""
    return "'" + value.replace("'", "''") + "'"
