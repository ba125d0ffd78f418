"""What the notifications loops and the SMTP adapter are given: made from the service's settings
(notifications.settings.NotificationsSettings.delivery), read once at start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"  # none | starttls | tls
    username: str | None = None
    password: str | None = field(default=None, repr=False)
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
    def from_env(cls, env: Mapping[str, str] | None = None) -> NotificationSettings:
        """The service's settings from ``env`` (default: this process's), as the loops use them."""
        from notifications.settings import NotificationsSettings

        return NotificationsSettings.from_env("notifications", env).delivery()
