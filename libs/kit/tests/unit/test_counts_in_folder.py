"""``meemaken_kit.serve.counts_in_folder`` reads prometheus_client's internals (which value class its import
chose): this proves its answer against where a counter really goes, read back with the public
MultiProcessCollector, so a prometheus_client that changes them fails here and not in production's /metrics."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# In a fresh interpreter: the folder set before or after the kit imports prometheus_client, then a counter counted.
COUNT = """
import os, sys
folder, when = sys.argv[1], sys.argv[2]
if when == "before":
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
from meemaken_kit.serve import counts_in_folder
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.multiprocess import MultiProcessCollector
if when == "after":
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
Counter("kit_probe", "counted by this test", registry=None).inc(3)
registry = CollectorRegistry()
MultiProcessCollector(registry, path=folder)
print(counts_in_folder(), registry.get_sample_value("kit_probe_total") or 0.0)
"""


@pytest.mark.parametrize(("when", "answer"), [("before", ["True", "3.0"]), ("after", ["False", "0.0"])])
def test_counts_in_folder_says_where_a_counter_really_counts(tmp_path: Path, when: str, answer: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k.lower() != "prometheus_multiproc_dir"}
    done = subprocess.run(
        [sys.executable, "-c", COUNT, str(tmp_path), when], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == answer
