"""DuckDB extensions for the warehouse (ducklake, sqlite/postgres, httpfs) and the S3 secret for its data path.

Why offline: `INSTALL` cannot download here, so each extension is imported once per process from its PyPI
package (`duckdb_extensions.import_extension`) and then only `LOAD`ed. The S3 secret is temporary (in memory)
and built from the settings' AWS values (`config.aws`, else this process's settings; `lib/aws.py`); it holds
credentials, so it is never logged.
"""

from __future__ import annotations

import threading

import duckdb
import duckdb_extensions

from isone_platform.lib.aws import AwsSettings
from isone_platform.lib.warehouse.config import WarehouseConfig, WarehouseError, _sql_str

# Process-global: extensions already imported from their packages in this process (a LOAD is enough after that).
_extensions_installed: set[str] = set()
_extensions_lock = threading.Lock()

# Process-global: set once DuckDB's `aws` extension turned out to be missing, so it is not looked for again.
_aws_extension_missing = False


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """LOAD an extension, installing it from its PyPI package (offline) the first time in this process."""
    with _extensions_lock:
        if name not in _extensions_installed:
            try:
                con.execute(f"LOAD {name}")
            except duckdb.Error:
                duckdb_extensions.import_extension(name, con=con)
                con.execute(f"LOAD {name}")
            _extensions_installed.add(name)
            return
    con.execute(f"LOAD {name}")


def load_extensions(con: duckdb.DuckDBPyConnection, config: WarehouseConfig) -> None:
    """The extensions this warehouse's catalog kind and data path need, plus the S3 secret for an s3:// path.
    The one place that knows the extension set (dbt's profile installs the same through it)."""
    load_extension(con, "ducklake")
    if config.sqlite_path is not None:
        load_extension(con, "sqlite")
    elif config.catalog.startswith("postgres:"):
        load_extension(con, "postgres")
    if config.data_path.startswith("s3://"):
        load_extension(con, "httpfs")
        _create_s3_secret(con, config.data_path, _aws_of(config))


# Old names, kept for scripts (benchmarks) written against them.


def _aws_of(config: WarehouseConfig) -> AwsSettings:
    """The config's AWS settings, else this process's (an IO manager's config carries no credentials)."""
    if config.aws is not None:
        return config.aws
    from isone_platform.lib.settings import current_settings

    return current_settings().aws


def s3_secret_options(data_path: str, aws: AwsSettings | None = None) -> list[str]:
    """The options of the DuckDB S3 secret for an `s3://` data path, from the AWS settings (`AWS_ACCESS_KEY_ID`,
    `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`/`AWS_DEFAULT_REGION` and `AWS_ENDPOINT_URL[_S3]`:
    an S3-compatible store gets path-style URLs, SSL only for `https://`). Scoped to the bucket.
    Contains the secret values: never log it."""
    if aws is None:
        from isone_platform.lib.settings import current_settings

        aws = current_settings().aws
    bucket = data_path[len("s3://") :].split("/", 1)[0]
    options = ["TYPE s3", f"SCOPE {_sql_str(f's3://{bucket}')}", *_credential_options(aws)]
    options.append(f"REGION {_sql_str(aws.region_name)}")
    endpoint = aws.endpoint
    if endpoint:
        options += [
            f"ENDPOINT {_sql_str(endpoint.host)}",
            "URL_STYLE 'path'",
            f"USE_SSL {'true' if endpoint.use_ssl else 'false'}",
        ]
    return options


def _credential_options(aws: AwsSettings) -> list[str]:
    """KEY_ID/SECRET (and SESSION_TOKEN) when both keys are set; none otherwise."""
    if aws.access_key_id is None or aws.secret_access_key is None:
        return []
    options = [
        f"KEY_ID {_sql_str(aws.access_key_id.get_secret_value())}",
        f"SECRET {_sql_str(aws.secret_access_key.get_secret_value())}",
    ]
    if aws.session_token is not None:
        options.append(f"SESSION_TOKEN {_sql_str(aws.session_token.get_secret_value())}")
    return options


def _create_s3_secret(con: duckdb.DuckDBPyConnection, data_path: str, aws: AwsSettings | None = None) -> None:
    """A temporary (in-memory) DuckDB secret for the data path's bucket. Without keys in the environment, DuckDB's
    `aws` extension's credential chain (instance/IRSA role, profile) is used when it is installed."""
    options = s3_secret_options(data_path, aws)
    global _aws_extension_missing
    if not any(o.startswith("KEY_ID ") for o in options) and not _aws_extension_missing:
        try:
            load_extension(con, "aws")
            options.insert(1, "PROVIDER credential_chain")
        except Exception:  # no aws extension: a keyless secret (public buckets, or endpoints without auth)
            _aws_extension_missing = True
    try:
        con.execute(f"CREATE OR REPLACE SECRET isone_s3 ({', '.join(options)})")
    except duckdb.Error as exc:
        # The statement holds the credentials: report the kind of error only.
        raise WarehouseError(f"cannot configure S3 access for {data_path}: {type(exc).__name__}") from None
