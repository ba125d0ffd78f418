"""A throwaway PostgreSQL cluster started by infra/postgres/pg.sh from the system's binaries.

It keeps its folder and port for its whole life (``restart()`` finds every database again). It is
stopped and its folder removed by ``destroy()``, at interpreter exit, or by a reaper process if the
tests die without cleaning up.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from meemaken_testkit import reaper
from meemaken_testkit.ports import free_port

ROOT = Path(__file__).resolve().parents[4]
PG_SH = ROOT / "infra" / "postgres" / "pg.sh"


class LocalPostgres(reaper.LocalServer):
    def __init__(self, max_connections: int = 200) -> None:
        self.max_connections = max_connections
        # Directly under /tmp: the postgres user must be able to reach it when tests run as root,
        # and the socket path inside it must stay short.
        self.directory = Path(tempfile.mkdtemp(prefix="meemaken-pg-", dir="/tmp"))
        self.port = free_port()
        self._reaper: subprocess.Popen[bytes] | None = reaper.spawn(
            str(self.directory), ["bash", str(PG_SH), "stop", str(self.directory)], env=_env()
        )
        atexit.register(self.destroy)

    def start(self) -> LocalPostgres:
        """Start (initdb the first time) and wait until it accepts connections."""
        env = _env() | {"PG_MAX_CONNECTIONS": str(self.max_connections)}
        subprocess.run(["bash", str(PG_SH), "start", str(self.directory), str(self.port)], env=env, check=True)
        return self

    def stop(self) -> None:
        """Fast shutdown: connections are closed, committed data stays."""
        subprocess.run(["bash", str(PG_SH), "stop", str(self.directory)], env=_env(), check=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """CREATE DATABASE name; returns its URL."""
        return create_database(self.url(), name)

    def drop_database(self, name: str) -> None:
        drop_database(self.url(), name)

    @property
    def folder(self) -> Path:
        return self.directory


def _env() -> dict[str, str]:
    # pg.sh starts nothing when DATABASE_URL is set; a LocalPostgres is asked for explicitly.
    return {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}


def create_database(server_url: str, name: str) -> str:
    """CREATE DATABASE on the server of server_url; return the new database's URL."""
    base, _, _ = server_url.rpartition("/")
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


@contextmanager
def scratch_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new database (`prefix` and a random suffix) for one `with`, dropped at its end with its pages: a pass of a
    benchmark leaves nothing for the next one's PostgreSQL to write out or vacuum (bench/README.md, the fifteenth
    session)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    url = create_database(server_url, name)
    try:
        yield url
    finally:
        drop_database(server_url, name)


def databases(server_url: str) -> set[str]:
    """The names of the server's databases (the templates left out)."""
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        return {name for (name,) in conn.execute("SELECT datname FROM pg_database WHERE NOT datistemplate")}


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def libpq_url(url: str) -> str:
    """The URL as psycopg takes it (without SQLAlchemy's +driver suffix)."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme.split('+', 1)[0]}{sep}{rest}"
