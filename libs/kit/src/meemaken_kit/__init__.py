"""meemaken's service kit: what every service's entrypoints are built from."""

from meemaken_kit.app import create_service_app
from meemaken_kit.config import Settings
from meemaken_kit.db import make_engine, migrate, run_migrations_online
from meemaken_kit.problems import problem
from meemaken_kit.service import ServiceDefinition, main
from meemaken_kit.uow import TrackingRepository, UnitOfWork
from meemaken_kit.worker import run_loops

__all__ = [
    "ServiceDefinition",
    "Settings",
    "TrackingRepository",
    "UnitOfWork",
    "create_service_app",
    "main",
    "make_engine",
    "migrate",
    "problem",
    "run_loops",
    "run_migrations_online",
]
