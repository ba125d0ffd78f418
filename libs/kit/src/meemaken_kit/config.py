"""Configuration from environment variables, the same names in every service.

``<SERVICE>_DATABASE_URL`` wins over ``DATABASE_URL`` so one shell can run every service
(``make run`` does); without either, the service keeps an SQLite file under
``MEEMAKEN_DATA_DIR`` (the embedded default for running on one machine, not for production).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    service: str
    database_url: str
    kafka_bootstrap_servers: str
    event_source: str
    log_level: str = "INFO"
    max_content_length: int = 1024 * 1024
    api_base_url: str = ""

    @classmethod
    def from_env(cls, service: str, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        prefix = service.upper()
        data_dir = Path(env.get("MEEMAKEN_DATA_DIR", ".run/data")).resolve()
        database_url = (
            env.get(f"{prefix}_DATABASE_URL")
            or env.get("DATABASE_URL")
            or f"sqlite:///{data_dir / (service + '.sqlite')}"
        )
        source_prefix = env.get("MEEMAKEN_EVENT_SOURCE_PREFIX", "urn:meemaken:municipality:demo:system")
        return cls(
            service=service,
            database_url=database_url,
            kafka_bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            event_source=f"{source_prefix}:{service}",
            log_level=env.get("LOG_LEVEL", "INFO").upper(),
            max_content_length=int(env.get("MEEMAKEN_MAX_CONTENT_LENGTH", str(1024 * 1024))),
            api_base_url=env.get(f"{prefix}_BASE_URL", ""),
        )
