"""What a service tells the kit about itself, and the command line every service shares.

python -m proposals migrate          # alembic upgrade head on the service's database
python -m proposals worker           # relay + consumer loops until SIGTERM
python -m proposals worker --only relay  # some loops only (e.g. the relay in its own process)
python -m proposals openapi [--check] # write (or verify) the committed openapi.json
python -m proposals event-schemas [--check]  # write (or verify) the JSON Schemas of the events it publishes
python -m proposals dead-letters list|show|replay|discard  # the consumers' dead letters (dead_letters_cli.py)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

import sqlalchemy as sa
from flask import Flask

from meemaken_events.definitions import EventDefinition, write_schemas
from meemaken_kit import dead_letters_cli, deadlines
from meemaken_kit.config import ConfigurationError, Settings
from meemaken_kit.db import make_engine, migrate
from meemaken_kit.logs import configure_logging
from meemaken_kit.metrics import DatabaseState, Timer
from meemaken_kit.tracing import configure_tracing
from meemaken_kit.worker import Loop, run_loops, serve_metrics_and_health

S = TypeVar("S", bound=Settings)


@dataclass(frozen=True)
class ServiceDefinition(Generic[S]):
    name: str
    root: Path  # services/<name>/
    create_app: Callable[[S, sa.Engine], Flask]
    loops: Callable[[S, sa.Engine], Sequence[Loop]]
    port: int | None = None  # where `serve` listens on loopback unless <SERVICE>_BIND says otherwise
    events: Sequence[EventDefinition] = ()  # the event types it publishes, each with its data's typed definition
    timers: Sequence[Timer] = ()  # the deadlines its worker watches, for the timers' metrics

    @property
    def migrations_dir(self) -> Path:
        return self.root / "migrations"

    @property
    def openapi_path(self) -> Path:
        return self.root / "openapi.json"

    def settings(self, env: dict[str, str] | None = None) -> S:
        """Read once at start (the service's own subclass of Settings): a wrong value stops the process
        here with one line (ConfigurationError). Deadlines are counted on its MEEMAKEN_TIME_ZONE from then on."""
        settings = cast(S, Settings.from_env(self.name, env))
        deadlines.use_zone(settings.zone)
        return settings

    def engine(self, settings: Settings, **options: Any) -> sa.Engine:
        return make_engine(settings.database_url, **settings.pool_sizes, **options)

    def wsgi_app(self) -> Flask:
        """The API as its server (meemaken_kit.serve) runs it. Its engine does not ping each connection it
        takes from the pool (a round trip on every request): after a database restart one request gets a 503,
        and the pool, invalidated by that error, reconnects."""
        try:
            settings = self.settings()
        except ConfigurationError as refused:  # `serve` checked them before its first worker; a file one names
            raise SystemExit(str(refused)) from None  # (`*_FILE`) may have changed before a worker is started again
        configure_logging(self.name, settings.log_level)
        configure_tracing(settings)
        return self.create_app(settings, self.engine(settings, pool_pre_ping=False))

    def openapi(self) -> dict[str, Any]:
        settings = self.settings({"DATABASE_URL": "sqlite://"})
        app = self.create_app(settings, make_engine("sqlite://"))
        spec: dict[str, Any] = app.extensions["meemaken"]["api"].spec.to_dict()
        return spec


def relay(settings: Settings, engine: sa.Engine, outbox: sa.Table, lease: sa.Table) -> Loop:
    """The service's relay: every worker has one, whether or not it consumes anything yet."""
    from meemaken_events import Relay

    return Relay.for_service(settings.service, engine, outbox, lease, settings)


def watch_database(service: ServiceDefinition[Any], engine: sa.Engine, loops: Sequence[Loop]) -> None:
    """The outbox backlog, the relay's lag and the timers, read when Prometheus scrapes the worker."""
    from prometheus_client import REGISTRY

    from meemaken_events import Relay

    outbox = next((loop.outbox for loop in loops if isinstance(loop, Relay)), None)
    REGISTRY.register(DatabaseState(service.name, engine, outbox, service.timers))


def main(service: ServiceDefinition[Any], argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {service.name}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="upgrade the service's database to the newest schema")
    worker = commands.add_parser("worker", help="run the relay and the consumers until SIGTERM")
    worker.add_argument(
        "--only",
        action="append",
        metavar="LOOP",
        help="run only this loop (repeatable): relay, a consumer's name, timers; each in a process of its own "
        "spreads a busy service over cores",
    )
    commands.add_parser("serve", help="run the API (Granian; WEB_CONCURRENCY processes of <SERVICE>_THREADS threads)")
    openapi = commands.add_parser("openapi", help="write the OpenAPI document next to pyproject.toml")
    openapi.add_argument("--check", action="store_true", help="fail if the committed document is out of date")
    schemas = commands.add_parser("event-schemas", help="write the JSON Schemas of its events into meemaken_events")
    schemas.add_argument("--check", action="store_true", help="fail if a committed schema is out of date")
    dead_letters_cli.add_parser(commands)
    args = parser.parse_args(argv)

    if args.command == "event-schemas":
        return write_schemas(service.name, service.events, check=args.check)

    if args.command == "openapi":
        text = json.dumps(service.openapi(), indent=2, sort_keys=True) + "\n"
        if args.check:
            current = service.openapi_path.read_text() if service.openapi_path.exists() else ""
            if current != text:
                print(f"{service.openapi_path} is out of date: run `python -m {service.name} openapi`", file=sys.stderr)
                return 1
            return 0
        service.openapi_path.write_text(text)
        return 0

    if args.command == "serve":
        from meemaken_kit.serve import serve

        settings = service.settings()  # a wrong value stops here, in one line, before the server starts its workers
        serve(settings, service.port)
        return 0
    settings = service.settings()
    configure_logging(service.name, settings.log_level)
    if args.command == "migrate":
        migrate(service.migrations_dir, settings.database_url)
        return 0
    configure_tracing(settings)
    engine = service.engine(settings)
    loops = all_loops = service.loops(settings, engine)
    if args.command == "dead-letters":
        from meemaken_events import ConsumerLoop

        consumers = [loop for loop in loops if isinstance(loop, ConsumerLoop)]
        return dead_letters_cli.run(args, consumers, settings)
    if args.only:
        unknown = set(args.only) - {loop.name for loop in loops}
        if unknown:
            names = ", ".join(loop.name for loop in loops)
            print(f"no such loop: {', '.join(sorted(unknown))} (this worker has: {names})", file=sys.stderr)
            return 2
        loops = [loop for loop in loops if loop.name in args.only]
    metrics_bind = settings.worker_metrics_bind
    if metrics_bind:  # the worker has no API: Prometheus scrapes /metrics here, and /healthz tells halted loops
        watch_database(service, engine, all_loops)
        serve_metrics_and_health(metrics_bind, loops)
    run_loops(service.name, loops)
    return 0
