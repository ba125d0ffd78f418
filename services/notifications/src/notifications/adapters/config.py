"""The notifications service's own settings, from the environment (the shared ones are in meemaken_kit)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"  # none | starttls | tls
    username: str | None = None
    password: str | None = None
    sender: str = "meemaken <noreply@meemaken.invalid>"
    timeout: float = 30.0
    connections: int = 4  # sender threads, one SMTP connection each
    ca_file: str | None = None  # trust this CA (a municipality's own) besides the system's


@dataclass(frozen=True)
class NotificationSettings:
    smtp: SmtpSettings
    max_attempts: int = 8
    first_retry: timedelta = timedelta(seconds=30)
    digest_timezone: str = "Europe/Brussels"
    retention: timedelta = timedelta(days=90)
    proposals_base_url: str = "http://127.0.0.1:8101"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> NotificationSettings:
        e = dict(os.environ if env is None else env)
        security = e.get("SMTP_SECURITY", "none").lower()
        if security not in ("none", "starttls", "tls"):
            raise ValueError("SMTP_SECURITY must be none, starttls or tls")
        smtp = SmtpSettings(
            host=e.get("SMTP_HOST", "127.0.0.1"),
            port=int(e.get("SMTP_PORT", "465" if security == "tls" else "25")),
            security=security,
            username=e.get("SMTP_USERNAME") or None,
            password=e.get("SMTP_PASSWORD") or None,
            sender=e.get("SMTP_FROM", SmtpSettings.sender),
            timeout=float(e.get("SMTP_TIMEOUT", "30")),
            connections=int(e.get("SMTP_CONNECTIONS", "4")),
            ca_file=e.get("SMTP_CA_FILE") or None,
        )
        return cls(
            smtp=smtp,
            max_attempts=int(e.get("SMTP_MAX_ATTEMPTS", "8")),
            first_retry=timedelta(seconds=float(e.get("SMTP_RETRY_FIRST_SECONDS", "30"))),
            digest_timezone=e.get("NOTIFICATIONS_DIGEST_TIMEZONE", "Europe/Brussels"),
            retention=timedelta(days=float(e.get("NOTIFICATIONS_DELIVERY_RETENTION_DAYS", "90"))),
            proposals_base_url=e.get("PROPOSALS_BASE_URL", "http://127.0.0.1:8101"),
        )
