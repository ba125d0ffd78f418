"""A service's own credential comes from its settings: the gateway's token endpoint and its client secret, from
the environment or a mounted file, as every secret does; a configuration that cannot work stops the start."""

from __future__ import annotations

from pathlib import Path

import pytest

from meemaken_kit.config import ConfigurationError, Settings
from meemaken_kit.credentials import ServiceCredentials


def test_the_client_secret_is_read_from_the_file_its_FILE_variable_names(tmp_path: Path) -> None:
    secret = tmp_path / "panels-client-secret"
    secret.write_text("s3cret-from-a-mounted-file\n")
    env = {"MEEMAKEN_TOKEN_URL": "http://gateway/oauth/token", "PANELS_CLIENT_SECRET_FILE": str(secret)}
    settings = Settings.from_env("panels", env)
    assert "s3cret" not in repr(settings)
    assert ServiceCredentials.configured(settings).secret == "s3cret-from-a-mounted-file"


def test_a_token_url_without_any_client_secret_stops_the_start_in_one_line() -> None:
    settings = Settings.from_env("panels", {"MEEMAKEN_TOKEN_URL": "http://gateway/oauth/token"})
    with pytest.raises(ConfigurationError, match=r"panels: configuration refused: .*PANELS_CLIENT_SECRET_FILE"):
        ServiceCredentials.configured(settings)


def test_production_without_a_token_endpoint_is_refused(tmp_path: Path) -> None:
    env = {
        "MEEMAKEN_ENV": "production",
        "MEEMAKEN_TOKEN_ISSUER": "https://gateway.example",
        "MEEMAKEN_JWKS_URL": "https://gateway.example/.well-known/jwks.json",
        "PANELS_PSEUDONYM_KEY": "a-municipality-s-own-secret",
    }
    with pytest.raises(ConfigurationError, match="needs MEEMAKEN_TOKEN_URL"):
        ServiceCredentials.configured(Settings.from_env("panels", env))
