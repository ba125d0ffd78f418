"""The gateway's fixtures live in gateway_testing.py (tests import its helpers by that name)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gateway_testing import gateway_app, make_gateway, provider

__all__ = ["gateway_app", "make_gateway", "provider"]
