"""The notifications service's settings: the shared ones (meemaken_kit.config) and its own (SMTP, retries,
digests, the delivery log's retention). ``delivery()`` hands the loops the values they use."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr, field_validator

from meemaken_kit import deadlines
from meemaken_kit.config import Settings, variable
from notifications.adapters.config import NotificationSettings, SmtpSettings


class NotificationsSettings(Settings, service="notifications"):
    smtp_host: str = variable("SMTP_HOST", "127.0.0.1", "the SMTP server", min_length=1)
    smtp_port: int | None = variable("SMTP_PORT", None, "its port; empty: 25, or 465 with `tls`", ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = variable(
        "SMTP_SECURITY", "none", "`tls` is implicit TLS; the server's certificate and name are checked"
    )
    smtp_ca_file: Path | None = variable("SMTP_CA_FILE", None, "a CA to trust besides the system's")
    smtp_username: str = variable("SMTP_USERNAME", "", "credentials, when the server asks for them")
    smtp_password: SecretStr | None = variable("SMTP_PASSWORD", None, "the password for SMTP_USERNAME")
    smtp_from: str = variable("SMTP_FROM", SmtpSettings.sender, "the sender", min_length=1)
    smtp_timeout: float = variable("SMTP_TIMEOUT", 30.0, "seconds before an SMTP exchange gives up", gt=0)
    smtp_connections: int = variable("SMTP_CONNECTIONS", 4, "sender threads, one connection each (1 on SQLite)", ge=1)
    smtp_max_attempts: int = variable("SMTP_MAX_ATTEMPTS", 8, "tries of one e-mail before it is `failed`", ge=1)
    smtp_retry_first_seconds: float = variable(
        "SMTP_RETRY_FIRST_SECONDS", 30.0, "the first wait before a retry (doubling, at most 6 h)", gt=0
    )
    digest_timezone: str = variable("NOTIFICATIONS_DIGEST_TIMEZONE", "Europe/Brussels", "when a digest's day ends")
    delivery_retention_days: float = variable(
        "NOTIFICATIONS_DELIVERY_RETENTION_DAYS", 90.0, "days before a finished delivery forgets its recipient", gt=0
    )
    proposals_base_url: str = variable(
        "PROPOSALS_BASE_URL", "http://127.0.0.1:8101", "the proposals API, asked for a round's voters"
    )

    @field_validator("smtp_security", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("digest_timezone")
    @classmethod
    def _known_digest_zone(cls, value: str) -> str:
        deadlines.zone_named(value)
        return value

    def delivery(self) -> NotificationSettings:
        smtp = SmtpSettings(
            host=self.smtp_host,
            port=self.smtp_port or (465 if self.smtp_security == "tls" else 25),
            security=self.smtp_security,
            username=self.smtp_username or None,
            password=self.smtp_password.get_secret_value() if self.smtp_password else None,
            sender=self.smtp_from,
            timeout=self.smtp_timeout,
            connections=self.smtp_connections,
            ca_file=str(self.smtp_ca_file) if self.smtp_ca_file else None,
        )
        return NotificationSettings(
            smtp=smtp,
            max_attempts=self.smtp_max_attempts,
            first_retry=timedelta(seconds=self.smtp_retry_first_seconds),
            digest_timezone=self.digest_timezone,
            retention=timedelta(days=self.delivery_retention_days),
            proposals_base_url=self.proposals_base_url,
        )
