"""docs/configuration.md is the one table of the services' variables, written from their settings classes:
the committed table must be what the code says, and every service's settings class must be in it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

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
