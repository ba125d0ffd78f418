"""The worker's own web server: metrics, and a health that names a loop that halted itself; the dead-letters
command masks personal data that an error text repeats."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from meemaken_kit.dead_letters_cli import masked
from meemaken_kit.worker import serve_metrics_and_health
from meemaken_testkit.ports import free_port


class Consumer:
    name = "sample.consumer"
    halted: str | None = None

    def run(self) -> None: ...
    def stop(self) -> None: ...


def test_the_worker_health_says_which_consumer_halted_and_why() -> None:
    consumer = Consumer()
    port = free_port()
    serve_metrics_and_health(f"127.0.0.1:{port}", [consumer])
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
        assert json.load(answer) == {"status": "ok", "halted": {}}
    consumer.halted = "more than 20 dead letters within 600 s"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
    assert refused.value.code == 503
    assert json.load(refused.value)["halted"] == {"sample.consumer": consumer.halted}
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        assert b"# HELP" in answer.read()


def test_an_error_text_is_shown_without_the_personal_data_it_repeats() -> None:
    shown = masked("InvalidEvent: 'jan.peeters@example.org' is not of type 'integer'")
    assert "jan.peeters" not in shown and "is not of type" in shown
    assert len(masked("x" * 1000)) == 300
