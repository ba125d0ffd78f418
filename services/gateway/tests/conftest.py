"""The gateway's fixtures live in gateway_testing.py and portal_testing.py (tests import their helpers by
those names). The portal's CSS is built from the pinned npm packages before any test runs."""

import runpy
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gateway_testing import gateway_app, make_gateway, provider, upstream
from portal_testing import proposals_service

__all__ = ["gateway_app", "make_gateway", "proposals_service", "provider", "upstream"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The gateway's forms use no shape of WTForms' that it deprecated (a choice as a tuple: gone in 3.4)."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings("error::DeprecationWarning:wtforms"))


@pytest.fixture(scope="session", autouse=True)
def portal_css() -> None:
    """``make frontend`` for a bare ``pytest`` run: vendor/nlds.css from the pinned packages."""
    build = runpy.run_path(str(Path(__file__).resolve().parents[1] / "tools" / "build_frontend.py"))
    build["main"](["--if-missing"])
