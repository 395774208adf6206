"""The S3 lake (`s3://bucket/prefix`), through dagster-aws's `S3Resource`.

Kept apart from the local store because everything here is about talking to S3: the client from the environment
(`AWS_ENDPOINT_URL` points it at any S3-compatible store), listing in pages, deleting in batches of 1000, and
turning boto's errors into messages that name the bucket, key and endpoint (never the credentials).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from dagster_aws.s3 import S3Resource

from isone_platform.lib import aws
from isone_platform.lib.lake.storage import LakeError


def default_s3_resource() -> S3Resource:
    """The S3 resource of this process's settings, built as `build_resources` builds it (`s3_resource`)."""
    from isone_platform.lib.resources import s3_resource  # resources builds the lake's IO manager: import late
    from isone_platform.lib.settings import current_settings

    return s3_resource(current_settings())


def parse_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix/` -> ("bucket", "some/prefix")."""
    if not url.startswith("s3://"):
        raise ValueError(f"{url!r} is not an s3:// URL")
    bucket, _, prefix = url[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError(f"{url!r}: no bucket (expected s3://bucket/prefix)")
    return bucket, prefix.strip("/")


class S3Lake:
    """A lake under `s3://bucket/prefix/`. `put` is one PutObject (atomic per object: readers see the old object
    or the new one). Errors name the bucket, key and endpoint, never the credentials."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        client=None,
        endpoint_url: str | None = None,
        region_name: str | None = None,
    ):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        if client is None:
            resource = S3Resource(
                endpoint_url=endpoint_url or aws.s3_endpoint_url(), region_name=region_name or aws.region()
            )
            client = resource.get_client()
        self.client = client
        self.endpoint = endpoint_url or getattr(getattr(client, "meta", None), "endpoint_url", None) or "AWS S3"

    @classmethod
    def from_url(cls, url: str, s3: S3Resource | None = None) -> S3Lake:
        bucket, prefix = parse_s3_url(url)
        resource = s3 if s3 is not None else default_s3_resource()
        return cls(bucket, prefix, client=resource.get_client(), endpoint_url=resource.endpoint_url)

    def _key(self, key: str) -> str:
        key = key.strip("/")
        if not key or any(part in ("", ".", "..") for part in key.split("/")):
            raise ValueError(f"lake key {key!r} is not a plain relative key")
        return f"{self.prefix}/{key}" if self.prefix else key

    def _relative(self, full_key: str) -> str:
        return full_key[len(self.prefix) + 1 :] if self.prefix else full_key

    def _error(self, exc: Exception, doing: str, key: str | None = None) -> Exception:
        """Translate a boto error into FileNotFoundError (missing object) or a LakeError that says what to fix."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        where = f"s3://{self.bucket}/{key}" if key else f"s3://{self.bucket}"
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code == "NoSuchBucket":
                return LakeError(
                    f"S3 bucket {self.bucket!r} does not exist at endpoint {self.endpoint} (while {doing} {where}): "
                    "create the bucket, or fix ISONE_LAKE_URL / AWS_ENDPOINT_URL"
                )
            if code in ("NoSuchKey", "404") or status == 404:
                return FileNotFoundError(f"{where} does not exist (endpoint {self.endpoint})")
            if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403") or status == 403:
                return LakeError(
                    f"S3 refused {doing} {where} at endpoint {self.endpoint} ({code or status}): check the AWS "
                    "credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the instance role) and the bucket policy"
                )
            return LakeError(
                f"S3 error while {doing} {where} at endpoint {self.endpoint}: {code} {error.get('Message', '')}".strip()
            )
        if isinstance(exc, NoCredentialsError):
            return LakeError(
                f"no AWS credentials found for {where} (endpoint {self.endpoint}): set AWS_ACCESS_KEY_ID "
                "and AWS_SECRET_ACCESS_KEY, or run with an instance/IRSA role"
            )
        if isinstance(exc, BotoCoreError):
            return LakeError(f"S3 endpoint {self.endpoint} failed while {doing} {where}: {exc}")
        return exc

    def _call(self, doing: str, key: str | None, fn, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(**kwargs)
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, doing, key) from None

    def put(self, key: str, data: bytes) -> None:
        full = self._key(key)
        content_type = "application/json" if key.endswith(".json") else "application/octet-stream"
        self._call(
            "writing", full, self.client.put_object, Bucket=self.bucket, Key=full, Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        full = self._key(key)
        response = self._call("reading", full, self.client.get_object, Bucket=self.bucket, Key=full)
        return response["Body"].read()

    def exists(self, key: str) -> bool:
        full = self._key(key)
        try:
            self._call("checking", full, self.client.head_object, Bucket=self.bucket, Key=full)
        except FileNotFoundError:
            return False
        return True

    def list(self, prefix: str) -> list[str]:
        return sorted(self.sizes(prefix))

    def sizes(self, prefix: str = "") -> dict[str, int]:
        """Every object under `prefix/` (the whole lake for ""), relative key -> size in bytes, read in pages."""
        base = self._key(prefix) + "/" if prefix else (f"{self.prefix}/" if self.prefix else "")
        sizes: dict[str, int] = {}
        token = None
        while True:
            kwargs = {"Bucket": self.bucket, "Prefix": base}
            if token:
                kwargs["ContinuationToken"] = token
            page = self._call("listing", base, self.client.list_objects_v2, **kwargs)
            sizes.update((self._relative(o["Key"]), int(o["Size"])) for o in page.get("Contents", []))
            if not page.get("IsTruncated"):
                return sizes
            token = page.get("NextContinuationToken")

    def upload(self, key: str, path: Path) -> None:
        """Stream a local file to `key` (multipart above boto's threshold): the object appears whole or not at all,
        and the file is never read into memory."""
        from boto3.exceptions import S3UploadFailedError

        full = self._key(key)
        try:
            self._call("uploading", full, self.client.upload_file, Filename=str(path), Bucket=self.bucket, Key=full)
        except S3UploadFailedError as exc:  # boto3 wraps the ClientError of a failed part or completion
            where = f"s3://{self.bucket}/{full}"
            raise LakeError(f"S3 upload to {where} failed at endpoint {self.endpoint}: {exc}") from None

    def delete(self, keys: Iterable[str]) -> None:
        full = [self._key(k) for k in keys]
        for i in range(0, len(full), 1000):
            batch = full[i : i + 1000]
            response = self._call(
                "deleting from",
                batch[0],
                self.client.delete_objects,
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
            )
            errors = response.get("Errors") or []
            if errors:
                first = errors[0]
                raise LakeError(
                    f"S3 could not delete {len(errors)} object(s) in s3://{self.bucket}, e.g. "
                    f"{first.get('Key')}: {first.get('Code')} (endpoint {self.endpoint})"
                )

    def move(self, key: str, to: str) -> None:
        source, target = self._key(key), self._key(to)
        self._call(
            "copying",
            source,
            self.client.copy_object,
            Bucket=self.bucket,
            Key=target,
            CopySource={"Bucket": self.bucket, "Key": source},
        )
        self.delete([key])

    def check_bucket(self) -> None:
        """Raise a LakeError naming bucket and endpoint when the bucket is missing or unreachable."""
        try:
            self._call("opening", None, self.client.head_bucket, Bucket=self.bucket)
        except FileNotFoundError:
            raise LakeError(
                f"S3 bucket {self.bucket!r} does not exist at endpoint {self.endpoint}: create the bucket, or fix "
                "ISONE_LAKE_URL / AWS_ENDPOINT_URL"
            ) from None
