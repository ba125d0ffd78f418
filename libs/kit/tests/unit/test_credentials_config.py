"""A service's own client secret comes from the environment or from a mounted file, as every secret does."""

from __future__ import annotations

from pathlib import Path

import pytest

from meemaken_kit.credentials import ServiceCredentials


def test_the_client_secret_is_read_from_the_file_its_FILE_variable_names(tmp_path: Path) -> None:
    secret = tmp_path / "panels-client-secret"
    secret.write_text("s3cret-from-a-mounted-file\n")
    env = {"MEEMAKEN_TOKEN_URL": "http://gateway/oauth/token", "PANELS_CLIENT_SECRET_FILE": str(secret)}
    assert ServiceCredentials.configured("panels", env).secret == "s3cret-from-a-mounted-file"


def test_a_token_url_without_any_client_secret_is_refused() -> None:
    with pytest.raises(RuntimeError, match="PANELS_CLIENT_SECRET_FILE"):
        ServiceCredentials.configured("panels", {"MEEMAKEN_TOKEN_URL": "http://gateway/oauth/token"})
