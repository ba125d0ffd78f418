"""``python -m <service>`` (meemaken_main.run): for ``serve`` the metrics' folder is set before prometheus_client is
imported, so what the process and its forked workers count goes to the folder; for the other commands it is not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# A service whose bootstrap tells, instead of starting anything, where the kit's metrics count.
BOOTSTRAP = """
import os
from meemaken_kit.serve import counts_in_folder
print(os.environ.get("PROMETHEUS_MULTIPROC_DIR", "-"), counts_in_folder())
raise SystemExit(0)
"""


def started(tmp_path: Path, command: str) -> list[str]:
    package = tmp_path / "kitdemo"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "bootstrap.py").write_text(BOOTSTRAP)
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env |= {"PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path]), "TMPDIR": str(tmp_path)}
    code = f"import sys; sys.argv = ['kitdemo', {command!r}]; from meemaken_main import run; run('kitdemo')"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_serve_counts_the_metrics_in_a_fresh_folder(tmp_path: Path) -> None:
    folder, counts = started(tmp_path, "serve")
    assert Path(folder).parent == tmp_path and Path(folder).name.startswith("meemaken-kitdemo-metrics-")
    assert counts == "True"


@pytest.mark.parametrize("command", ["worker", "migrate"])
def test_the_other_commands_count_in_memory(tmp_path: Path, command: str) -> None:
    assert started(tmp_path, command) == ["-", "False"]
