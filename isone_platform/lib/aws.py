"""Where S3 is, in which region and with which keys: `AwsSettings`, resolved once from the standard AWS
variables by `Settings.aws` (`lib/settings.py`).

Why one place: the lake's S3 resource, the warehouse's DuckDB secret and the dbt profile all talk to the same
store; the same fallbacks (`AWS_ENDPOINT_URL_S3` before `AWS_ENDPOINT_URL`, `AWS_REGION` before
`AWS_DEFAULT_REGION`) were written out in several places, where one could drift from the others.
Keys are `SecretStr`; only the DuckDB secret and the dbt child's environment ever reveal them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import SecretStr

DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class S3Endpoint:
    """An S3-compatible endpoint as DuckDB wants it: `host[:port][/path]` without scheme, and whether to use TLS."""

    host: str
    use_ssl: bool


@dataclass(frozen=True)
class AwsSettings:
    """The resolved AWS settings. `endpoint_url` None means AWS itself; `region` None means us-east-1
    (S3-compatible stores accept any region)."""

    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: SecretStr | None = None
    secret_access_key: SecretStr | None = None
    session_token: SecretStr | None = None

    @property
    def region_name(self) -> str:
        return self.region or DEFAULT_REGION

    @property
    def endpoint(self) -> S3Endpoint | None:
        """The endpoint split for DuckDB (a bare host means https), or None for AWS itself."""
        if not self.endpoint_url:
            return None
        url = self.endpoint_url
        parts = urlsplit(url if "://" in url else f"https://{url}")
        return S3Endpoint(host=parts.netloc + parts.path.rstrip("/"), use_ssl=parts.scheme == "https")

    @property
    def has_keys(self) -> bool:
        """Both keys set (otherwise boto's chain or DuckDB's credential chain finds credentials)."""
        return self.access_key_id is not None and self.secret_access_key is not None


def _current() -> AwsSettings:
    from isone_platform.lib.settings import current_settings

    return current_settings().aws


def s3_endpoint_url() -> str | None:
    """The S3 endpoint of this process's settings (None: AWS itself). Prefer `settings.aws.endpoint_url`."""
    return _current().endpoint_url


def region() -> str:
    """The S3 region of this process's settings. Prefer `settings.aws.region_name`."""
    return _current().region_name
