"""A service's real app for the gateway's tests: migrated onto its own database and served on a local port
by a werkzeug server in a thread, so that the gateway calls it over HTTP exactly as in production (with
the tokens it mints; the services verify them against this machine's development key).

Each journey's helpers (``portal_testing``, ``panel_testing``, ...) subclass it with the calls that set
their scene."""

from __future__ import annotations

import importlib
import threading
from typing import Any, Self

import werkzeug.serving

from meemaken_kit import Settings, make_engine, migrate


class ServedService:
    """``package`` (proposals, challenges, panels, notifications) on ``database_url``, at ``self.url``."""

    package: str

    def __init__(self, database_url: str, package: str | None = None) -> None:
        self.package = package or self.package
        bootstrap = importlib.import_module(f"{self.package}.bootstrap")
        migrate(bootstrap.SERVICE.migrations_dir, database_url)
        self.engine = make_engine(database_url)
        self.settings = Settings.from_env(self.package, {"DATABASE_URL": database_url})
        self.app = bootstrap.create_app(self.settings, self.engine)
        factory = getattr(bootstrap, "unit_of_work_factory", None)  # what the worker's handlers are called with
        self.uow: Any = factory(self.settings, self.engine) if factory else None
        self.client = self.app.test_client()
        self.server = werkzeug.serving.make_server("127.0.0.1", 0, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(2)
        self.engine.dispose()
