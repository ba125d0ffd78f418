"""A throwaway PostgreSQL cluster started by infra/postgres/pg.sh from the system's binaries."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from meemaken_testkit.ports import free_port

ROOT = Path(__file__).resolve().parents[4]
PG_SH = ROOT / "infra" / "postgres" / "pg.sh"


class LocalPostgres:
    def __init__(self) -> None:
        # Directly under /tmp: the postgres user must be able to reach it when tests run as root.
        self.directory = Path(tempfile.mkdtemp(prefix="meemaken-pg-", dir="/tmp"))
        self.port = free_port()

    def start(self) -> LocalPostgres:
        subprocess.run(["bash", str(PG_SH), "start", str(self.directory), str(self.port)], check=True)
        return self

    def stop(self) -> None:
        subprocess.run(["bash", str(PG_SH), "stop", str(self.directory)], check=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """CREATE DATABASE on the server of server_url; return the new database's URL."""
    base, _, _ = server_url.rpartition("/")
    with psycopg.connect(_libpq(server_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(_libpq(server_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)
