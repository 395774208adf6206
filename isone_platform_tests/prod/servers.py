"""Real protocol servers for the production-profile tests: moto's S3 server and a throwaway PostgreSQL.

PostgreSQL comes from Debian's `postgresql` package (`make test` installs it when missing); the server runs on a
temporary data directory and a free loopback port, as the `postgres` system user when the tests run as root
(initdb refuses root). Usable outside pytest too (the prod demo check in the README uses `PostgresServer`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "postgres"
SUPERUSER_PASSWORD = "pg-test-superuser"  # a throwaway server on 127.0.0.1; not a secret
APP_USER = "isone"
APP_PASSWORD = "isone-test-password"

DUMMY_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin_dir() -> Path | None:
    """Debian's `/usr/lib/postgresql/<major>/bin` (newest), else the directory of `initdb` on PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(os.path.realpath(initdb)).parent
    return None


@dataclass
class PostgresServer:
    """`initdb` + `pg_ctl start` on a temporary directory; password (SCRAM) auth on 127.0.0.1."""

    bin_dir: Path
    host: str = "127.0.0.1"
    port: int = 0
    base: Path | None = None
    _run_as: str | None = field(default=None, repr=False)

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", self._run_as, "--", *args] if self._run_as else list(args)

    def start(self) -> PostgresServer:
        self.base = Path(tempfile.mkdtemp(prefix="isone-pg-"))
        self._run_as = None
        if os.geteuid() == 0:  # initdb refuses to run as root
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
                pw = pwd.getpwnam("postgres")
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
            self._run_as = "postgres"
        pwfile = self.base / "pwfile"
        pwfile.write_text(SUPERUSER_PASSWORD + "\n")
        if self._run_as:
            pw = pwd.getpwnam(self._run_as)
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        data = self.base / "data"
        subprocess.run(
            self._cmd(
                str(self.bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--no-sync",
            ),
            check=True,
            capture_output=True,
            text=True,
        )
        for _attempt in range(5):
            self.port = self.port or free_port()
            result = subprocess.run(
                self._cmd(
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(self.base / "server.log"),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    f"-h {self.host} -p {self.port} -k {self.base} -F",
                    "start",
                ),
                capture_output=True,
                text=True,
            )
            if result.returncode == 0:
                break
            self.port = 0  # the port was taken meanwhile: try another
        else:
            log = (self.base / "server.log").read_text() if (self.base / "server.log").exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {result.stderr}\n{log[-2000:]}")
        self.execute(f"CREATE ROLE {APP_USER} LOGIN PASSWORD '{APP_PASSWORD}'")
        return self

    def stop(self) -> None:
        if self.base is None:
            return
        subprocess.run(
            self._cmd(str(self.bin_dir / "pg_ctl"), "-D", str(self.base / "data"), "-m", "immediate", "-w", "stop"),
            capture_output=True,
        )
        shutil.rmtree(self.base, ignore_errors=True)
        self.base = None

    def connect(self, dbname: str = "postgres", user: str = SUPERUSER, password: str = SUPERUSER_PASSWORD):
        import psycopg2

        con = psycopg2.connect(host=self.host, port=self.port, user=user, password=password, dbname=dbname)
        con.autocommit = True
        return con

    def execute(self, sql: str, dbname: str = "postgres") -> list[tuple]:
        con = self.connect(dbname)
        try:
            with con.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall() if cur.description else []
        finally:
            con.close()

    def create_database(self, name: str, owner: str = APP_USER) -> str:
        self.execute(f'CREATE DATABASE "{name}" OWNER {owner}')
        return name

    def url(self, dbname: str, user: str = APP_USER) -> str:
        """A libpq URI without the password (that goes in PGPASSWORD)."""
        return f"postgresql://{user}@{self.host}:{self.port}/{dbname}"


class MotoS3:
    """moto's S3 server in this process, on 127.0.0.1. `stop()` + `restart()` keep the stored objects (moto's
    state lives in the process), like an S3 outage that ends."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self._cls = ThreadedMotoServer
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, self.port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{self.port}"
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.server.stop()
            self.running = False

    def restart(self) -> None:
        """Serve again on the same port (werkzeug closed the socket on stop and binds with SO_REUSEADDR)."""
        if not self.running:
            self.server = self._cls(ip_address="127.0.0.1", port=self.port, verbose=False)
            self.server.start()
            self.running = True

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=DUMMY_AWS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_AWS["AWS_SECRET_ACCESS_KEY"],
        )
