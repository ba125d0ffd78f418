"""The gateway's settings: read once at start, the same names and defaults as ever, secrets never shown, and
a wrong value stops the start with one line naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.bootstrap import SERVICE
from gateway.settings import GatewaySettings
from meemaken_kit.config import ConfigurationError
from meemaken_testkit.service_checks import refused_settings

NO_KEYS = Path(__file__).parents[1] / "no-signing-keys.json"  # a file is all the settings check at start
PRODUCTION = {
    "MEEMAKEN_ENV": "production",
    "MEEMAKEN_PSEUDONYM_KEY": "p" * 32,
    "MEEMAKEN_GATEWAY_SECRET_KEY": "a-session-signing-secret",
    "MEEMAKEN_TOKEN_ISSUER": "https://gateway.example",
    "MEEMAKEN_SIGNING_KEYS_FILE": str(NO_KEYS),
}


def test_the_defaults_and_the_provider(tmp_path) -> None:
    env = {
        "XDG_CACHE_HOME": str(tmp_path),
        "MEEMAKEN_OIDC_ISSUER": "https://login.example.org/realms/x/",
        "MEEMAKEN_OIDC_CLAIM_ROLES": "groups",
        "MEEMAKEN_OIDC_DEFAULT_ROLES": "",
        "PANELS_BASE_URL": "http://panels:8103/",
    }
    settings = SERVICE.settings(env)
    assert isinstance(settings, GatewaySettings)
    assert (settings.public_url, settings.session_idle_minutes, settings.ratelimit_enabled) == (
        "http://127.0.0.1:8100",
        30.0,
        True,
    )
    assert settings.services["panels"] == "http://panels:8103"
    assert settings.oidc.issuer == "https://login.example.org/realms/x"
    assert settings.oidc.origin == "https://login.example.org"
    assert (settings.oidc.claim_overrides, settings.oidc.default_roles) == ({"roles": "groups"}, ())
    assert GatewaySettings.from_env({"XDG_CACHE_HOME": str(tmp_path)}).oidc.default_roles is None
    assert len(settings.pseudonym_key) >= 32, "development: a secret made once on this machine"


def test_secrets_are_never_shown_and_production_needs_them() -> None:
    settings = GatewaySettings.from_env({**PRODUCTION, "MEEMAKEN_OIDC_CLIENT_SECRET": "oidc-secret"})
    assert settings.secure_cookies and settings.oidc.client_secret == "oidc-secret"
    for shown in (repr(settings), str(settings), repr(settings.oidc)):
        assert "oidc-secret" not in shown and "p" * 32 not in shown and "a-session-signing-secret" not in shown
    with pytest.raises(ConfigurationError, match="MEEMAKEN_ENV=production needs MEEMAKEN_GATEWAY_SECRET_KEY"):
        GatewaySettings.from_env({**PRODUCTION, "MEEMAKEN_GATEWAY_SECRET_KEY": ""})
    with pytest.raises(ConfigurationError, match="MEEMAKEN_PSEUDONYM_KEY must be at least 32 characters"):
        GatewaySettings.from_env({**PRODUCTION, "MEEMAKEN_PSEUDONYM_KEY": "short"})


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"MEEMAKEN_SESSION_IDLE_MINUTES": "half an hour"}, "MEEMAKEN_SESSION_IDLE_MINUTES: Input should be a valid"),
        ({"MEEMAKEN_RATELIMIT_ENABLED": "perhaps"}, "MEEMAKEN_RATELIMIT_ENABLED: Input should be a valid boolean"),
        ({"MEEMAKEN_TRUSTED_PROXIES": "-1"}, "MEEMAKEN_TRUSTED_PROXIES: Input should be greater than or equal to 0"),
        ({"GATEWAY_DEADLINE_ALERT_INTERVAL": "0"}, "GATEWAY_DEADLINE_ALERT_INTERVAL: Input should be greater than 0"),
    ],
)
def test_a_wrong_value_stops_the_start_naming_it(env: dict[str, str], expected: str) -> None:
    assert expected in refused_settings(SERVICE, env)


def test_the_kit_reading_the_gateways_settings_keeps_what_the_token_issuer_reads(tmp_path) -> None:
    """How a deployed process reads them (``Settings.from_env("gateway")``, in the kit's serve and app): the
    environment read at start stays with them, so the token issuer finds ``MEEMAKEN_SIGNING_KEYS_FILE`` (the
    image smoke test's gateway stopped at start: "MEEMAKEN_ENV=production needs MEEMAKEN_SIGNING_KEYS_FILE")."""
    from meemaken_kit.config import Settings

    keys = tmp_path / "signing-keys.json"
    keys.write_text('{"keys": []}')
    settings = Settings.from_env("gateway", {**PRODUCTION, "MEEMAKEN_SIGNING_KEYS_FILE": str(keys)})
    assert isinstance(settings, GatewaySettings)
    assert settings.signing_keys_file == keys
