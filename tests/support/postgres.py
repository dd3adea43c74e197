"""A throwaway PostgreSQL server for tests, from the Debian `postgresql` package binaries.

    with PostgresServer.create() as pg:      # or the `postgres_server` fixture
        url = pg.create_database("app")      # postgresql://postgres@127.0.0.1:PORT/app
        pg.stop(); pg.start()                # simulate an outage

initdb/pg_ctl refuse to run as root, so when the tests run as root they run as the `postgres`
user (runuser) on a data directory chowned to it. Listens on 127.0.0.1 at a free port, with its
unix socket in the temporary directory; trust authentication, fsync off (test data only).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from types import TracebackType

from tests.support.tools import missing_tool, require_tool

INITDB_GLOB = "/usr/lib/postgresql/*/bin/initdb"
START_TIMEOUT_SECONDS = 30
SUPERUSER = "postgres"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PostgresServer:
    def __init__(self, bindir: Path, root: Path, port: int, run_as: str | None) -> None:
        self.bindir = bindir
        self.root = root
        self.data_dir = root / "data"
        self.socket_dir = root / "socket"
        self.log_file = root / "postgres.log"
        self.port = port
        self.run_as = run_as

    @classmethod
    def create(cls) -> PostgresServer:
        """initdb + start. Skips (or fails under CI=true) when PostgreSQL is not installed."""
        bindir = Path(require_tool(INITDB_GLOB)).parent
        run_as = None
        if os.geteuid() == 0:
            require_tool("runuser")
            try:
                pwd.getpwnam(SUPERUSER)
            except KeyError:
                missing_tool(f"running as root but there is no '{SUPERUSER}' user for initdb")
            run_as = SUPERUSER
        root = Path(tempfile.mkdtemp(prefix="greenlight-pg-"))
        server = cls(bindir, root, free_port(), run_as)
        try:
            server._initdb()
            server.start()
        except BaseException:
            server.destroy()
            raise
        return server

    def _run(self, *args: str, timeout: float = START_TIMEOUT_SECONDS) -> None:
        command = list(args)
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if result.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else ""
            raise RuntimeError(
                f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{log[-4000:]}"
            )

    def _initdb(self) -> None:
        self.socket_dir.mkdir()
        if self.run_as:
            account = pwd.getpwnam(self.run_as)
            for path in (self.root, self.socket_dir):
                os.chown(path, account.pw_uid, account.pw_gid)
        self._run(
            str(self.bindir / "initdb"),
            "-D", str(self.data_dir),
            "-U", SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D", str(self.data_dir),
            "-l", str(self.log_file),
            "-o", options,
            "-w", "-t", str(START_TIMEOUT_SECONDS),
            "start",
        )  # fmt: skip

    def stop(self) -> None:
        """Fast shutdown: open sessions are terminated, like a crashed or failed-over primary."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def is_running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> list[tuple[object, ...]]:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(sql.encode())
            return cursor.fetchall() if cursor.description else []

    def create_database(self, prefix: str = "test") -> str:
        """A fresh, empty database; returns its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        if self.is_running():
            try:
                self.stop()
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.destroy()
