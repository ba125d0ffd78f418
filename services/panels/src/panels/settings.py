"""The panels service's settings: the shared ones (meemaken_kit.config) and its own.

The pseudonymisation key is ``PANELS_PSEUDONYM_KEY`` or the file ``PANELS_PSEUDONYM_KEY_FILE`` names (a mounted
secret). Outside production a missing key falls back to the development key, with a warning. With
``MEEMAKEN_ENV=production`` the service refuses to start without a key of its own: the development key is in
the source code, so pseudonyms made with it are reversible by anyone who hashes a register number or an id.
"""

from __future__ import annotations

import logging
from typing import Self

from pydantic import SecretStr, model_validator

from meemaken_kit.config import Settings, variable

DEVELOPMENT_KEY = "meemaken-development-pseudonym-key"
MIN_KEY_LENGTH = 16
log = logging.getLogger("meemaken.panels")


class PanelsSettings(Settings, service="panels"):
    pseudonym_key: SecretStr | None = variable(
        "PANELS_PSEUDONYM_KEY",
        None,
        f"the municipality's secret for pseudonyms; production: required, {MIN_KEY_LENGTH}+ characters",
    )
    notifications_base_url: str = variable(
        "NOTIFICATIONS_BASE_URL", "http://127.0.0.1:8104", "the notifications API, asked for panel letters' addresses"
    )
    lottery_interval: float = variable(
        "PANELS_LOTTERY_INTERVAL", 2.0, "seconds between the worker's looks for a lottery to draw", gt=0
    )

    @model_validator(mode="after")
    def _own_key_in_production(self) -> Self:
        key = self.pseudonym_key.get_secret_value() if self.pseudonym_key else ""
        if self.production:
            if not key or key == DEVELOPMENT_KEY:
                raise ValueError(
                    "MEEMAKEN_ENV=production: set PANELS_PSEUDONYM_KEY (or PANELS_PSEUDONYM_KEY_FILE) to the "
                    "municipality's own secret; the development key would make every pseudonym reversible"
                )
            if len(key) < MIN_KEY_LENGTH:
                raise ValueError(
                    f"MEEMAKEN_ENV=production: PANELS_PSEUDONYM_KEY must be at least {MIN_KEY_LENGTH} characters"
                )
        return self

    def pseudonym_key_bytes(self) -> bytes:
        if self.pseudonym_key is None:
            log.warning("PANELS_PSEUDONYM_KEY is not set: pseudonyms use the development key, fit for trials only")
            return DEVELOPMENT_KEY.encode()
        return self.pseudonym_key.get_secret_value().encode()
