"""docs/configuration.md is the one table of the services' variables, written from their settings classes:
the committed table must be what the code says, and every service's settings class must be in it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location("settings_table", ROOT / "tools" / "settings_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("settings_table", module)
    spec.loader.exec_module(module)
    return module


def test_the_committed_table_is_what_the_settings_classes_say() -> None:
    tool = _tool()
    assert tool.main(["--check"]) == 0, "run `python tools/settings_table.py` and commit docs/configuration.md"
    text = tool.TABLE.read_text()
    for service in tool.SERVICES:
        cls = tool.Settings.for_service(service)
        assert cls is not tool.Settings, f"{service} has its own settings class"
        assert f"## {service}\n" in text
    for variable in ("`PROPOSALS_SCHEDULE_INTERVAL`", "`SMTP_HOST`", "`MEEMAKEN_OIDC_ISSUER`", "`DATABASE_URL`"):
        assert variable in text


def _production(folder: Path) -> dict[str, str]:
    """What the images' smoke test and infra/compose.yaml give every service (tests/images/test_system_images.py)."""
    keys = folder / "signing-keys.json"
    keys.write_text('{"keys": []}')
    for name in ("pseudonym-key", "panels-pseudonym-key", "gateway-secret-key", "client-secret"):
        (folder / name).write_text(f"{name}-of-this-municipality-long-enough-for-production\n")
    gateway = "http://127.0.0.1:8100"
    return {
        "MEEMAKEN_ENV": "production",
        "MEEMAKEN_TOKEN_ISSUER": gateway,
        "MEEMAKEN_JWKS_URL": f"{gateway}/.well-known/jwks.json",
        "MEEMAKEN_TOKEN_URL": f"{gateway}/oauth/token",
        "MEEMAKEN_SIGNING_KEYS_FILE": str(keys),
        "MEEMAKEN_PSEUDONYM_KEY_FILE": str(folder / "pseudonym-key"),
        "PANELS_PSEUDONYM_KEY_FILE": str(folder / "panels-pseudonym-key"),
        "MEEMAKEN_GATEWAY_SECRET_KEY_FILE": str(folder / "gateway-secret-key"),
        **{f"{s.upper()}_CLIENT_SECRET_FILE": str(folder / "client-secret") for s in ("panels", "notifications")},
    }


def test_every_service_reads_the_production_environment_the_images_get_and_stops_in_one_line_without_it(
    tmp_path: Path,
) -> None:
    from meemaken_kit.config import ConfigurationError, Settings

    env = _production(tmp_path)
    for service in _tool().SERVICES:
        settings = Settings.from_env(service, env)
        assert settings.production and settings.token_issuer == env["MEEMAKEN_TOKEN_ISSUER"]
        for missing in ("MEEMAKEN_TOKEN_ISSUER", "MEEMAKEN_JWKS_URL"):
            if missing == "MEEMAKEN_JWKS_URL" and service == "gateway":
                continue  # it checks tokens with its own keys
            without = {k: v for k, v in env.items() if k != missing}
            with pytest.raises(ConfigurationError) as refused:
                Settings.from_env(service, without)
            line = str(refused.value)
            assert line.startswith(f"{service}: configuration refused: ") and missing in line and "\n" not in line
    with pytest.raises(ConfigurationError, match="MEEMAKEN_SIGNING_KEYS_FILE"):
        Settings.from_env("gateway", {k: v for k, v in env.items() if k != "MEEMAKEN_SIGNING_KEYS_FILE"})
