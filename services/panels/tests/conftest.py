import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def case(tmp_path):
    """The panels service on a fresh SQLite database (the embedded default)."""
    from panels_api import PanelCase

    case = PanelCase(f"sqlite:///{tmp_path / 'panels.db'}")
    yield case
    case.engine.dispose()
