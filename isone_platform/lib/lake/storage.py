"""Where lake objects live: the `Lake` interface every store implements, and the local-directory store.

A store knows keys and bytes only (put, get, exists, list, delete, move); what a key means — datasets, days,
manifests, the archive — is `layout`'s and `days`'s business, so the S3 store (`s3`) and this one stay small
and interchangeable. `put` must be atomic per object: readers and a failed run see the old bytes or the new.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol


class Lake(Protocol):
    url: str

    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str) -> list[str]: ...
    def delete(self, keys: Iterable[str]) -> None: ...
    def move(self, key: str, to: str) -> None: ...


class LocalLake:
    """A lake in a local directory; `put` is atomic (temporary file + rename)."""

    def __init__(self, root: str | Path):
        self.root = Path(root).expanduser().resolve()
        self.url = str(self.root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise ValueError(f"lake key {key!r} escapes the lake root")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(path, data)
        except OSError as exc:
            raise LakeError(f"cannot write {key} in the lake {self.url}: {exc.strerror or exc}") from exc

    def move(self, key: str, to: str) -> None:
        target = self._path(to)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._path(key), target)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str) -> list[str]:
        base = self._path(prefix)
        if not base.is_dir():
            return []
        return sorted(
            str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file() and not p.name.startswith(".tmp-")
        )

    def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._path(key).unlink(missing_ok=True)


class LakeError(RuntimeError):
    """A lake problem with a message meant for the person reading it (never containing credentials)."""


def _atomic_write(path: Path, data: bytes) -> None:
    """Write through a temporary name and rename. Created with mode 0666 minus the process umask (not
    `mkstemp`'s 0600), so other users of a shared lake can read what we land."""
    tmp = path.with_name(f".tmp-{secrets.token_hex(8)}{path.suffix}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
